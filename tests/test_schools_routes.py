"""School routes on a hand-written grid (tests/data/schools_grid*.osm).

The grid (metres, x east / y north; node ids in brackets)::

    [5](0,150) ─ Noordstraat ─ [6](90,150) ──── [7](220,150) ── [8](320,150)  ← Het Anker (8 m NE of 8)
      │ Westweg                  │ Lindelaan      │ Ankerlaan       │ Oostweg
    [1](0,0) ─── Zuidstraat ─── [2](100,0) ───── [3](220,0) ──── [4](320,0)
      ↑ De Linde (8 m SW of 1)

plus an island cycle path [20]–[22] 1.2 km east with "Basisschool Eiland" and no homes.

Homes used by most tests: 20 children at node 3, 30 at node 6, 10 at node 7. By hand:
node 3 → De Linde via 3-2-1 (220 m; Het Anker is 3-4-8 = 250 m), node 6 → Het Anker via
6-7-8 (230 m; De Linde is 6-5-1 = 240 m), node 7 → Het Anker via 7-8 (100 m). Children per
segment: 1-2: 20, 2-3: 20, 6-7: 30, 7-8: 40, all others 0.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from mobisim.errors import InputFileError
from mobisim.schools import (
    SchoolSettings,
    evaluate_school_routes,
    fix_weakest_links,
    primary_schools,
    read_schools_csv,
    route_to_schools,
    safe_masks,
)

CRS = "EPSG:28992"


@pytest.fixture
def net(data_dir):
    from mobisim.load import load_network

    return load_network([data_dir / "schools_grid.osm", data_dir / "schools_grid_buildings.osm"], cache=False)


def edge(net, a: int, b: int) -> int:
    e = net.edges
    hit = e.index[((e["u"] == a) & (e["v"] == b)) | ((e["u"] == b) & (e["v"] == a))]
    assert len(hit) == 1, (a, b)
    return hit[0]


def length(net, *path: int) -> float:
    return float(sum(net.edges.loc[edge(net, a, b), "length"] for a, b in zip(path, path[1:])))


def homes(net, spec: dict[int, float]) -> gpd.GeoDataFrame:
    """Origins 5 m north-east of the given nodes with the given children."""
    pts = [Point(net.nodes.geometry.loc[n].x + 5, net.nodes.geometry.loc[n].y + 5) for n in spec]
    return gpd.GeoDataFrame({"children": list(spec.values())}, geometry=pts, crs=CRS)


HOMES = {3: 20.0, 6: 30.0, 7: 10.0}


def fail_edges(net, pairs, fix="aanleggen vrijliggend fietspad"):
    ids = [edge(net, a, b) for a, b in pairs]
    net.edges["toets_bike"] = pd.array(["pass"] * len(net.edges), dtype=object)
    net.edges["toets_bike_fix"] = pd.array([None] * len(net.edges), dtype=object)
    net.edges.loc[ids, "toets_bike"] = "fail"
    net.edges.loc[ids, "toets_bike_fix"] = fix
    return ids


def run(net, settings=None, spec=HOMES):
    se, sn = safe_masks(net)
    return route_to_schools(net, primary_schools(net.features), homes(net, spec),
                            safe_edges=se, safe_nodes=sn, settings=settings)


def school_name(result, ids):
    return [result.schools["name"].iloc[i] if i >= 0 else None for i in ids]


def test_primary_schools_from_features(net):
    s = primary_schools(net.features)
    assert sorted(s["name"]) == ["Basisschool De Linde", "Basisschool Eiland", "Basisschool Het Anker"]
    assert (s.geometry.geom_type == "Point").all()


def test_nearest_school_route_and_children_per_edge(net):
    r = run(net)
    o = r.origins
    assert school_name(r, o["school_id"]) == ["Basisschool De Linde", "Basisschool Het Anker", "Basisschool Het Anker"]
    assert list(o["node_id"]) == [3, 6, 7]
    assert np.allclose(o["dist_m"], [length(net, 3, 2, 1), length(net, 6, 7, 8), length(net, 7, 8)])
    expected = pd.Series(0.0, index=net.edges.index)
    expected[edge(net, 1, 2)] = 20
    expected[edge(net, 2, 3)] = 20
    expected[edge(net, 6, 7)] = 30
    expected[edge(net, 7, 8)] = 40
    pd.testing.assert_series_equal(r.edge_children, expected, check_names=False)
    # no toets verdicts: every route is safe and identical to the shortest one
    assert r.scores["share_safe"] == pytest.approx(1.0)
    pd.testing.assert_series_equal(r.edge_children_safe, expected, check_names=False)
    assert len(r.weakest_links) == 0


def test_failing_segment_is_the_weakest_link_and_fixing_it_restores_the_share(net):
    (bad,) = fail_edges(net, [(7, 8)])
    r = run(net)
    # node 6's safe route to Het Anker is 6-7-3-4-8 (520 m, 2.3× 230 m): over the 1.5× limit
    assert list(r.origins["safe"]) == [True, False, False]
    assert list(r.origins["safe_reachable"]) == [True, True, True]
    assert r.scores["share_safe"] == pytest.approx(20 / 60)
    assert r.scores["share_safe_any_detour"] == pytest.approx(1.0)
    top = r.weakest_links.iloc[0]
    assert (top["element"], top["id"], top["children"]) == ("segment", bad, 40)
    assert top["fix"] == "aanleggen vrijliggend fietspad" and top["name"] == "Noordstraat"
    assert len(r.weakest_links) == 1
    assert r.edge_weakest[bad] == 40 and r.edge_weakest.drop(bad).eq(0).all()

    fixed = fix_weakest_links(net, 1, r)
    assert net.edges.loc[bad, "toets_bike"] == "fail"  # the original is untouched
    assert fixed.edges.loc[bad, "toets_bike"] == "pass"
    assert fixed.edges.loc[bad, "toets_bike_rule"] == "fixed:weakest_link"
    assert run(fixed).scores["share_safe"] == pytest.approx(1.0)


def test_safe_detour_to_the_nearest_school(net):
    fail_edges(net, [(1, 2)])
    r = run(net, SchoolSettings(max_detour_factor=3.0))
    o = r.origins
    # node 3: the nearest *safe* school is Het Anker (250 m), but its nearest school De Linde is
    # safely reachable over 3-2-6-5-1 (510 m); within 3× → safe, with that detour
    assert bool(o["safe"].iloc[0])
    assert school_name(r, [o["safe_school_id"].iloc[0]]) == ["Basisschool De Linde"]
    assert o["detour"].iloc[0] == pytest.approx(length(net, 3, 2, 6, 5, 1) / length(net, 3, 2, 1))
    safe = r.edge_children_safe
    for a, b, c in [(3, 2, 20), (2, 6, 20), (6, 5, 20), (5, 1, 20), (6, 7, 30), (7, 8, 40), (1, 2, 0), (3, 4, 0)]:
        assert safe[edge(net, a, b)] == pytest.approx(c), (a, b)
    assert len(r.weakest_links) == 0
    # with the default 1.5× limit the same route is too long and 1-2 becomes the weakest link
    r = run(net)
    assert not bool(r.origins["safe"].iloc[0])
    assert r.weakest_links.iloc[0]["id"] == edge(net, 1, 2) and r.weakest_links.iloc[0]["children"] == 20


def test_no_safe_route_exists(net):
    fail_edges(net, [(7, 8), (4, 8)])  # Het Anker's node is cut off from the safe network
    r = run(net)
    o = r.origins
    assert list(o["safe_reachable"]) == [True, False, False]
    assert o["safe_dist_m"].iloc[1:].isna().all() and o["detour"].iloc[1:].isna().all()
    assert r.scores["share_safe"] == pytest.approx(20 / 60)
    anker = r.schools.index[r.schools["name"] == "Basisschool Het Anker"][0]
    assert r.schools.loc[anker, "children"] == 40 and r.schools.loc[anker, "share_safe"] == 0
    # 4-8 fails too but lies on nobody's shortest route: not a weakest link
    assert list(r.weakest_links["id"]) == [edge(net, 7, 8)]


def test_failing_crossing_node_blocks_routes_through_it(net):
    net.nodes["toets_crossing"] = pd.array(["n/a"] * len(net.nodes), dtype=object)
    net.nodes["toets_crossing_fix"] = pd.array([None] * len(net.nodes), dtype=object)
    net.nodes.loc[7, "toets_crossing"] = "fail"
    net.nodes.loc[7, "toets_crossing_fix"] = "middeneiland"
    r = run(net)
    # 6-7-8 passes node 7. The home by node 7 stays attached to node 7 (a junction of two
    # access streets: the attachment never depends on the verdicts), so it is blocked there too
    assert list(r.origins["node_id"]) == [3, 6, 7]
    assert list(r.origins["safe"]) == [True, False, False]
    assert r.node_weakest[7] == 40 and r.node_weakest.drop(7).eq(0).all()
    top = r.weakest_links.iloc[0]
    assert (top["element"], top["id"], top["fix"]) == ("crossing", 7, "middeneiland")
    assert top["name"] == "Ankerlaan / Noordstraat"
    fixed = fix_weakest_links(net, 1, r)
    assert fixed.nodes.loc[7, "toets_crossing"] == "pass"
    assert run(fixed).scores["share_safe"] == pytest.approx(1.0)


def test_school_with_no_reachable_homes(net):
    r = run(net)
    eiland = r.schools.set_index("name").loc["Basisschool Eiland"]
    assert eiland["children"] == 0 and np.isnan(eiland["share_safe"])
    assert r.scores["n_schools_without_children"] == 1
    assert any("no homes" in n for n in r.notes)
    # a home next to the island does reach it
    near = gpd.GeoDataFrame({"children": [5.0]}, geometry=[net.nodes.geometry.loc[22]], crs=CRS)
    r2 = route_to_schools(net, primary_schools(net.features), near, safe_edges=None, safe_nodes=None)
    assert school_name(r2, r2.origins["school_id"]) == ["Basisschool Eiland"]


def test_per_wijk_scores(net):
    fail_edges(net, [(7, 8)])
    x = net.nodes.geometry.x
    y = net.nodes.geometry.y
    mid = (x.loc[2] + x.loc[3]) / 2  # west: node 6 (30 children); east: nodes 3 and 7 (20 + 10)
    wijken = gpd.GeoDataFrame(
        {"code": ["WK0518W", "WK0518E"], "name": ["West", "Oost"]},
        geometry=[box(x.min() - 100, y.min() - 100, mid, y.max() + 100), box(mid, y.min() - 100, x.loc[4] + 100, y.max() + 100)],
        crs=CRS,
    )
    r = evaluate_school_routes(net, origins=homes(net, HOMES), wijken=wijken)
    pw = r.per_wijk
    assert pw.loc["WK0518W", "children"] == 30 and pw.loc["WK0518W", "share_safe"] == 0
    assert pw.loc["WK0518E", "children"] == 30 and pw.loc["WK0518E", "share_safe"] == pytest.approx(20 / 30)


def test_homes_from_buildings_end_to_end(net):
    r = evaluate_school_routes(net, SchoolSettings(children_total=100), wijken=None)
    # buildings: 100 m² × 3 levels by node 6, 200 m² × 1 by node 3; the 20 m² shed and the
    # building outside residential landuse are no homes → 60 and 40 children
    by_node = r.origins.groupby("node_id")["children"].sum()
    assert by_node.to_dict() == pytest.approx({6: 60.0, 3: 40.0}, rel=0.02)
    assert net.edges.loc[edge(net, 6, 7), "school_route_children"] == pytest.approx(by_node[6])
    assert net.edges.loc[edge(net, 1, 2), "school_route_children"] == pytest.approx(by_node[3])
    for col in ("school_route_children", "school_route_children_safe", "weakest_link_children"):
        assert col in net.edges.columns
    assert "weakest_link_children" in net.nodes.columns
    assert any("toets" in n for n in r.notes)  # no verdicts on this network: said so


def test_schools_csv_override(net, tmp_path):
    lat = 52.0713483 + 8 / 111_250
    csv = tmp_path / "schools.csv"
    csv.write_text(f"name,lat,lon\nEigen school,{lat},4.3032126\n")
    s = read_schools_csv(csv)
    assert list(s["name"]) == ["Eigen school"]
    r = evaluate_school_routes(net, SchoolSettings(schools_csv=csv), origins=homes(net, HOMES), wijken=None,
                               school_list=s)
    assert list(r.origins["school_id"]) == [0, 0, 0] and list(r.schools["node_id"]) == [7]
    assert r.edge_children[edge(net, 3, 7)] == 20


@pytest.mark.parametrize(
    "text, message",
    [("name,lat\nA,52.1\n", r"lacks column\(s\) lon"), ("name,lat,lon\nA,52.1,4.3\nB,north,4.3\n", "row 3")],
)
def test_schools_csv_errors(tmp_path, text, message):
    csv = tmp_path / "bad.csv"
    csv.write_text(text)
    with pytest.raises(InputFileError, match=message):
        read_schools_csv(csv)
    with pytest.raises(InputFileError, match="not found"):
        read_schools_csv(tmp_path / "missing.csv")


def test_settings_reject_unknown_keys():
    with pytest.raises(ValueError):
        SchoolSettings(max_detour=2)


def test_colocated_schools_share_their_children(net):
    at8 = net.nodes.geometry.loc[8]
    two = gpd.GeoDataFrame({"name": ["A", "B", "De Linde"]},
                           geometry=[Point(at8.x + 3, at8.y), Point(at8.x, at8.y + 4), net.nodes.geometry.loc[1]], crs=CRS)
    r = route_to_schools(net, two, homes(net, HOMES), safe_edges=None, safe_nodes=None)
    sch = r.schools.set_index("name")
    assert sch.loc["A", "children"] == sch.loc["B", "children"] == pytest.approx(20)  # 30 + 10 split
    assert list(sch["colocated_schools"]) == [2, 2, 1]
    assert r.schools["children"].sum() == pytest.approx(60)
    assert list(r.weakest_links.columns[:2]) == ["rank", "element"]


def test_clip_origins_keeps_municipality_and_respreads_children():
    from mobisim.schools import clip_origins

    o = gpd.GeoDataFrame({"children": [10.0, 30.0, 60.0]}, geometry=[Point(5, 5), Point(15, 5), Point(500, 5)], crs=CRS)
    wijken = gpd.GeoDataFrame({"code": ["A"], "name": ["A"]}, geometry=[box(0, 0, 20, 20)], crs=CRS)
    kept = clip_origins(o, wijken, 100.0)
    assert list(kept["children"]) == pytest.approx([25.0, 75.0])


def test_weakest_stretches_join_one_street_and_fix_together(net):
    from mobisim.schools import weakest_stretches

    a, b = fail_edges(net, [(6, 7), (7, 8)], fix="fietspad")
    net.nodes["toets_crossing"] = pd.array(["n/a"] * len(net.nodes), dtype=object)
    net.nodes.loc[7, "toets_crossing"] = "fail"
    r = run(net)
    assert set(zip(r.weakest_links["element"], r.weakest_links["id"])) == {("segment", a), ("segment", b), ("crossing", 7)}
    st = weakest_stretches(net, r.weakest_links)
    assert len(st) == 1
    row = st.iloc[0]
    assert (row["name"], row["segments"], row["crossings"]) == ("Noordstraat", 2, 1)
    assert row["children"] == 40  # 7-8 blocks node 6's 30 and node 7's 10 children
    assert row["length_m"] == pytest.approx(length(net, 6, 7, 8))
    assert sorted(row["edge_ids"]) == sorted([a, b]) and row["node_ids"] == [7]
    # fixing the top element alone does not help; fixing the stretch does
    assert run(fix_weakest_links(net, 1, r)).scores["share_safe"] < 1
    assert run(fix_weakest_links(net, 1, r, by="stretch")).scores["share_safe"] == pytest.approx(1.0)


def test_no_school_on_the_network_is_a_clear_error(net):
    with pytest.raises(InputFileError, match="no primary school could be placed"):
        route_to_schools(net, primary_schools(net.features).iloc[:0], homes(net, HOMES), safe_edges=None, safe_nodes=None)


def test_no_homes_gives_zero_children_everywhere(net):
    r = route_to_schools(net, primary_schools(net.features), homes(net, HOMES).iloc[:0], safe_edges=None, safe_nodes=None)
    assert r.edge_children.eq(0).all() and r.scores["children_routed"] == 0
    assert r.scores["n_schools_without_children"] == 3


@pytest.mark.parametrize("fast_street, safe_6, weakest_7", [("Noordstraat", True, 0.0), ("Ankerlaan", False, 30.0)])
def test_crossing_rule_along_road_passes(net, fast_street, safe_6, weakest_7):
    """Node 7 fails; the crossed road is the faster street there. Riding along it passes."""
    e = net.edges
    net.edges["maxspeed"] = pd.array(np.where(e["name"] == fast_street, 50, 30), dtype="Int64")
    net.nodes["toets_crossing"] = pd.array(["n/a"] * len(net.nodes), dtype=object)
    net.nodes.loc[7, "toets_crossing"] = "fail"
    net.nodes["crossed_speed"] = pd.array([pd.NA] * len(net.nodes), dtype="Int64")
    net.nodes.loc[7, "crossed_speed"] = 50
    assert e.loc[e["name"] != "Eilandpad", "is_road"].all()
    r = run(net, SchoolSettings(crossing_rule="along_road_passes"))
    # node 6 → Het Anker over 6-7-8: along Noordstraat through node 7
    assert bool(r.origins["safe"].iloc[1]) is safe_6
    assert r.node_weakest[7] == weakest_7
    # the default rule blocks every route through node 7
    assert not bool(run(net).origins["safe"].iloc[1])
    if safe_6:  # along the road is fine, but turning from Ankerlaan onto Noordstraat at 7 is not
        fail_edges(net, [(3, 2)])
        r = run(net, SchoolSettings(crossing_rule="along_road_passes", max_detour_factor=5))
        # home by 3 → De Linde: 3-2 fails; 3-7-6-5-1 turns at node 7 (blocked); the safe route
        # is 3-4-8-7-6-5-1, passing node 7 along Noordstraat
        assert bool(r.origins["safe"].iloc[0])
        assert r.origins["detour"].iloc[0] == pytest.approx(length(net, 3, 4, 8, 7, 6, 5, 1) / length(net, 3, 2, 1))
        safe = r.edge_children_safe
        assert safe[edge(net, 3, 7)] == 0
        assert safe[edge(net, 3, 4)] == safe[edge(net, 4, 8)] == safe[edge(net, 6, 5)] == 20
        # 20 from node 3 + 30 from node 6; the home at node 7 itself is blocked by the crossing
        assert safe[edge(net, 7, 8)] == 50
        assert not bool(r.origins["safe"].iloc[2]) and r.origins["node_id"].iloc[2] == 7
