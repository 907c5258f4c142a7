"""Loading: segments, provenance, parallel cycle paths, formats, cache and bad input."""

from __future__ import annotations

import bz2
from pathlib import Path

import numpy as np
import osmium
import pytest

import mobisim.load.network as load_step  # where load_network looks up its readers
from mobisim.errors import InputFileError
from mobisim.load import cache_dir, load_network
from mobisim.load.cycleways import ParallelSettings


@pytest.fixture(scope="module")
def basic(data_dir: Path):
    return load_network([data_dir / "network_basic.osm"], cache=False)


def seg(net, name: str):
    rows = net.edges[net.edges["name"] == name]
    assert len(rows), f"{name} missing from the fixture"  # an empty selection would pass any .all()
    return rows


def test_ways_are_cut_at_shared_and_crossing_nodes(basic) -> None:
    kruis = seg(basic, "Kruisstraat")  # cut where the cycleway crosses (node 22)
    assert sorted(zip(kruis["u"], kruis["v"])) == [(20, 22), (22, 21)]
    para = seg(basic, "Parallelweg")  # cut at the zebra crossing node 2
    assert sorted(zip(para["u"], para["v"])) == [(1, 2), (2, 3)]
    assert basic.nodes.loc[2, "zebra"] and basic.nodes.loc[22, "street_count"] == 4
    assert basic.edges.crs.to_epsg() == 28992
    # 0.003 deg of longitude at 52.08 N is about 205.5 m
    assert para["length"].sum() == pytest.approx(205.6, abs=0.5)


def test_provenance_columns(basic) -> None:
    by_name = basic.edges.set_index("name")
    assert by_name.loc["Woonerfje", "maxspeed"] == 15
    assert by_name.loc["Woonerfje", "maxspeed_source"] == "default:living_street:urban"
    assert by_name.loc["Zonestraat", "maxspeed_source"] == "tag:zone"
    assert by_name.loc["Omgekeerd", "maxspeed_source"] == "default:tertiary:urban"
    assert set(seg(basic, "Parallelweg")["maxspeed_source"]) == {"tag"}
    for attr in ("maxspeed", "lanes", "width", "oneway", "cycleway", "sidewalk", "cycle_separated"):
        assert f"{attr}_source" in basic.edges.columns


def test_cycleway_eight_metres_beside_one_side_is_parallel_on_that_side(basic) -> None:
    para = seg(basic, "Parallelweg")
    assert para["cycle_parallel_left"].all()  # the path lies north = left of a west→east way
    assert not para["cycle_parallel_right"].any()
    assert (para["cycle_parallel_coverage_left"] == 1.0).all()
    assert set(para["cycle_separated_source"]) == {"geometry"}


def test_crossing_cycleway_is_not_parallel(basic) -> None:
    kruis = seg(basic, "Kruisstraat")
    assert not kruis["cycle_parallel_left"].any() and not kruis["cycle_parallel_right"].any()
    assert (kruis[["cycle_parallel_coverage_left", "cycle_parallel_coverage_right"]].to_numpy() == 0).all()


def test_parallel_distance_is_a_setting(data_dir: Path) -> None:
    near = load_network([data_dir / "network_basic.osm"], cache=False,
                        parallel=ParallelSettings(max_distance_m=5.0))
    assert not seg(near, "Parallelweg")["cycle_parallel_left"].any()


def test_oneway_minus_one_is_reversed_with_its_sides(basic) -> None:
    om = seg(basic, "Omgekeerd").iloc[0]
    assert (om["u"], om["v"]) == (60, 61)  # drawn 61 → 60, traffic flows 60 → 61
    assert om["oneway"] and om["cycleway_left"] == "track" and om["cycleway_right"] == "none"


def test_calming_node_marks_its_segment(basic) -> None:
    kruis = seg(basic, "Kruisstraat").set_index("v")
    assert kruis.loc[21, "traffic_calming"] == "hump"
    assert kruis["traffic_calming"].isna().sum() == 1


def test_points_of_interest(basic) -> None:
    f = basic.features.set_index("kind")
    assert f.loc["school", "name"] == "Basisschool De Parel"
    assert f.loc["school", "primary_school"] and f.loc["school", "primary_source"] == "name:basisschool"
    assert "playground" in f.index


def test_pbf_gives_the_same_network(tmp_path: Path, data_dir: Path, basic) -> None:
    pbf = tmp_path / "basic.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(data_dir / "network_basic.osm")):
            writer.add(obj)
    net = load_network([pbf], cache=False)
    cols = ["u", "v", "way_id", "maxspeed", "cycle_parallel_left"]
    assert net.edges[cols].equals(basic.edges[cols])
    assert np.allclose(net.edges["length"], basic.edges["length"])


def test_bz2_and_extra_feature_file(tmp_path: Path, data_dir: Path) -> None:
    packed = tmp_path / "basic.osm.bz2"
    packed.write_bytes(bz2.compress((data_dir / "network_basic.osm").read_bytes()))
    net = load_network([packed, data_dir / "network_no_highways.osm"], cache=False)
    assert len(net.edges) == 10
    assert len(net.buildings) == 1 and net.buildings["area"].iloc[0] > 100


def test_second_load_comes_from_the_cache_without_parsing(data_dir: Path, monkeypatch) -> None:
    first = load_network([data_dir / "network_basic.osm"])
    assert any(cache_dir().iterdir())

    def no_parse(*args, **kwargs):
        raise AssertionError("the cached network was parsed again")

    monkeypatch.setattr(load_step, "read_any", no_parse)
    second = load_network([data_dir / "network_basic.osm"])
    assert second.edges.drop(columns="geometry").equals(first.edges.drop(columns="geometry"))
    assert second.nodes.index.equals(first.nodes.index)


def test_graphml_input(tmp_path: Path, basic) -> None:
    import osmnx as ox

    G = basic.graph(mode="drive")
    G = ox.project_graph(G, to_crs="EPSG:4326")
    path = tmp_path / "g.graphml"
    ox.save_graphml(G, path)
    net = load_network([path], cache=False)
    assert set(net.edges["name"].dropna()) == set(basic.edges.loc[basic.edges["mode_drive"], "name"].dropna())
    assert set(net.edges.loc[net.edges["name"] == "Woonerfje", "maxspeed"]) == {15}


# ------------------------------------------------------------------------------ bad input

def no_cache_entries() -> bool:
    folder = cache_dir()
    return not folder.exists() or not any(p.name.startswith(".tmp") for p in folder.iterdir())


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"nope\.osm: file not found"):
        load_network([tmp_path / "nope.osm"])


def test_truncated_bz2(tmp_path: Path, data_dir: Path) -> None:
    data = bz2.compress((data_dir / "network_basic.osm").read_bytes())
    bad = tmp_path / "cut.osm.bz2"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputFileError, match=r"cut\.osm\.bz2: cannot read OSM data"):
        load_network([bad])
    assert no_cache_entries()


def test_corrupt_pbf(tmp_path: Path) -> None:
    bad = tmp_path / "junk.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 10)
    with pytest.raises(InputFileError, match=r"junk\.osm\.pbf: cannot read OSM data"):
        load_network([bad])


def test_xml_without_highways(data_dir: Path) -> None:
    with pytest.raises(InputFileError, match=r"network_no_highways\.osm: no highway ways"):
        load_network([data_dir / "network_no_highways.osm"], cache=False)


def test_unknown_place_offline(monkeypatch, tmp_path: Path) -> None:
    import osmnx as ox

    def offline(*args, **kwargs):
        raise ConnectionError("Failed to resolve 'nominatim.openstreetmap.org'")

    monkeypatch.setattr(ox, "graph_from_place", offline)
    monkeypatch.setenv("MOBISIM_DATA_DIR", str(tmp_path))
    with pytest.raises(InputFileError, match=r"place 'Nergenshuizen': download with osmnx failed"):
        load_network(place="Nergenshuizen")
    assert not any(tmp_path.rglob("*.graphml"))


def test_place_download_is_cached_under_data_osm(monkeypatch, tmp_path: Path, basic) -> None:
    import geopandas as gpd
    import osmnx as ox
    import pandas as pd
    import shapely

    calls = []

    def fake_graph(place, **kwargs):
        calls.append(place)
        return ox.project_graph(basic.graph(mode="drive"), to_crs="EPSG:4326")

    def fake_features(place, tags):
        assert tags["amenity"] and tags["leisure"] == ["playground"]
        index = pd.MultiIndex.from_tuples([("node", 7), ("way", 8)], names=["element", "id"])
        return gpd.GeoDataFrame(
            {"amenity": ["school", None], "name": ["Basisschool Het Anker", None],
             "landuse": [None, "residential"]},
            geometry=[shapely.Point(4.3015, 52.0805),
                      shapely.box(4.300, 52.082, 4.301, 52.0825)],
            index=index, crs="EPSG:4326")

    monkeypatch.setattr(ox, "graph_from_place", fake_graph)
    monkeypatch.setattr(ox, "features_from_place", fake_features)
    monkeypatch.setenv("MOBISIM_DATA_DIR", str(tmp_path))
    net = load_network(place="Testdorp, Nederland")
    again = load_network(place="Testdorp, Nederland")
    assert calls == ["Testdorp, Nederland"]
    folder = tmp_path / "places" / "testdorp-nederland"
    assert sorted(p.name for p in folder.iterdir()) == ["features.gpkg", "network.graphml"]
    assert len(net.edges) == len(again.edges) > 0
    school = net.features[net.features["kind"] == "school"]
    assert school["name"].tolist() == ["Basisschool Het Anker"] and school["primary_school"].all()
    assert len(net.landuse) == 1 and net.landuse["osm_id"].tolist() == [8]


def test_nothing_inside_the_requested_area(basic) -> None:
    import shapely

    with pytest.raises(InputFileError, match="no streets inside the bbox"):
        basic.clip(shapely.box(0, 0, 10, 10), label="the bbox")


# ------------------------------------------------------------------ the schema (docs/data-model.md)


def _documented_columns(table: str) -> set[str]:
    """The column names of one table of docs/data-model.md (``### `edges` …`` up to the next heading)."""
    import re

    text = (Path(__file__).resolve().parents[1] / "docs" / "data-model.md").read_text(encoding="utf-8")
    section = re.split(r"\n### ", text.split(f"\n### `{table}`", 1)[1], maxsplit=1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            for name in re.findall(r"`([a-z_/]+)`", line.split("|")[1]):
                stem, _, other = name.partition("/")  # ``x_left/right``
                names.add(stem)
                if other:
                    names.add(stem.rsplit("_", 1)[0] + "_" + other)
    return names


@pytest.mark.parametrize("table", ["edges", "nodes", "features"])
def test_the_schema_is_the_documented_data_model(table: str, basic) -> None:
    from mobisim.network import SCHEMA

    schema = {c.name for c in SCHEMA[table]}
    assert schema == _documented_columns(table)
    required = {c.name for c in SCHEMA[table] if c.required}
    assert required == set(getattr(basic, table).columns)  # the loader makes every required column


def test_a_network_without_a_column_fails_at_the_boundary(basic) -> None:
    from dataclasses import replace

    from mobisim.network import check_schema

    check_schema(basic)
    with pytest.raises(InputFileError, match=r"not a mobisim network: edges lack the column\(s\) maxspeed, lanes"):
        check_schema(replace(basic, edges=basic.edges.drop(columns=["maxspeed", "lanes"])))
    wrong = basic.edges.assign(maxspeed=basic.edges["maxspeed"].astype("float64"))
    with pytest.raises(InputFileError, match=r"edges column 'maxspeed' is float64, expected int"):
        check_schema(replace(basic, edges=wrong))
    with pytest.raises(InputFileError, match=r"nodes lack the column\(s\) signals"):
        check_schema(replace(basic, nodes=basic.nodes.drop(columns="signals")))


def test_a_cached_network_without_a_column_fails_at_the_boundary(data_dir: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from mobisim.load.cache import network_folder, write_network

    monkeypatch.setenv("MOBISIM_CACHE_DIR", str(tmp_path / "cache"))  # no intact entry to keep
    osm = data_dir / "network_basic.osm"
    net = load_network([osm], cache=False)
    folder = network_folder([osm], ParallelSettings())
    assert folder is not None
    write_network(folder, replace(net, features=net.features.drop(columns="kind")))
    with pytest.raises(InputFileError, match=r"network_basic\.osm: not a mobisim network: features lack the column"):
        load_network([osm])


def test_conform_adds_the_optional_columns_typed_and_missing(basic) -> None:
    from mobisim.network import conform

    edges = conform(basic.edges)
    assert edges["in_area"].dtype == "boolean" and edges["in_area"].isna().all()
    assert edges["daily_traffic"].dtype == "Float64" and str(edges["daily_traffic_source"].dtype) == "string"
    assert "in_area" not in basic.edges.columns  # the network itself is not changed
    marked = basic.edges.assign(in_area=True)
    assert conform(marked)["in_area"].all()  # a column that is there stays as it is
    assert "in_area" in conform(basic.nodes, "nodes").columns
