"""The traffic model (:mod:`mobisim.traffic`) on hand-built networks with a known answer.

``tests/data/traffic_routes.osm``: homes in the west (``traffic_homes.osm``, a residential
landuse polygon along the residential street Woonweg) and shops in the east (a retail landuse
polygon and two shops along Winkelstraat), joined only by two parallel tertiary roads of equal
length, Noordroute and Zuidroute, each one segment from junction to junction; no main road, so
no gateways; Eilandstraat is a residential street connected to nothing.

With ``attraction_weights`` that give homes no attraction (``residents = 0``), every trip the
homes make runs west → east and back over one of the two routes, so the two routes together
carry exactly the productions: ``residents_total / household_size × cars_per_household ×
car_trips_per_car × other_traffic_factor`` vehicles a day (half out, half back).
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from edge_lookup import segment, street
from mobisim import pipeline, traffic
from mobisim.cli import app
from mobisim.errors import MobisimError
from mobisim.load import cache_dir, load_network
from mobisim.scenario import DataSettings, Scenario
from mobisim.scenario.interventions import CloseThroughTraffic, Fietsstraat, SetSpeed, apply_interventions
from mobisim.traffic import TrafficSettings

#: Only the homes make trips and only the shops attract them (no home-to-home trips).
WEST_TO_EAST = {"residents": 0.0, "shop": 25.0, "landuse_retail": 250.0}
#: 300 m cells: two home zones in the west, two destination zones in the east.
BASE = dict(zone_size_m=300.0, attraction_weights=WEST_TO_EAST, relative_gap=1e-4, max_iterations=200)
#: 20,000 residents: 14,880 car trips a day, ~670 vehicles/h in the peak over both routes and
#: both directions — enough to load the routes (capacity 800/h a direction) so that the
#: equilibrium spreads them.
CONGESTED = dict(BASE, residents_total=20_000.0)
#: 1,000 residents: 744 trips a day, a few dozen vehicles an hour — free flow.
LIGHT = dict(BASE, residents_total=1_000.0)


def productions(s: TrafficSettings) -> float:
    """Daily car trips made by all residents, as the settings document it."""
    return (s.residents_total / s.household_size * s.cars_per_household * s.car_trips_per_car
            * s.other_traffic_factor)


@pytest.fixture(scope="module")
def loaded(data_dir: Path):
    return load_network([data_dir / "traffic_routes.osm", data_dir / "traffic_homes.osm"], cache=False)


@pytest.fixture()
def net(loaded):
    """A fresh copy of the fixture network (the steps write columns onto it)."""
    out = copy.copy(loaded)
    out.edges, out.nodes = loaded.edges.copy(), loaded.nodes.copy()
    return out


def _scenario(settings: TrafficSettings, interventions=(), data: DataSettings | None = None) -> Scenario:
    return Scenario(name="traffic-test", traffic=settings, interventions=list(interventions), data=data)


def _run(net, settings: TrafficSettings):
    """links → zones → model, the library API without the pipeline."""
    links = traffic.car_links(net.edges, settings)
    zones = traffic.build_zones(net, links, settings)
    return links, zones, traffic.model_traffic(net, links, zones, settings)


def _daily(net, model, name: str) -> float:
    return float(model.edges.loc[segment(net, name).name, "daily"])


# ------------------------------------------------------------------ the fixture itself


def test_fixture_gives_home_and_destination_zones_and_no_gateways(net):
    s = TrafficSettings(**LIGHT)
    links, zones, _ = _run(net, s)
    t = zones.table
    assert (t["kind"] == "internal").sum() >= 2 and (t["kind"] == "gateway").sum() == 0
    homes, shops = t[t["productions"] > 0], t[t["attraction_units"] > 0]
    assert len(homes) >= 1 and len(shops) >= 1
    assert (homes["x"].max() < shops["x"].min())  # homes west, destinations east
    # connectors end on the access roads, never on the tertiary routes (nodes 2 and 5)
    assert set(zones.connectors["node"]) <= {1, 3, 4, 6}
    assert any("no main road leaves the network" in n for n in zones.notes)


# ------------------------------------------------------------------ route choice


def test_equal_routes_split_the_flow_about_evenly(net):
    s = TrafficSettings(**CONGESTED)
    _, _, m = _run(net, s)
    north, south = _daily(net, m, "Noordroute"), _daily(net, m, "Zuidroute")
    assert north + south == pytest.approx(productions(s), rel=1e-3)  # every trip crosses once
    assert abs(north - south) <= 0.05 * (north + south), (north, south)


def test_the_cheaper_route_carries_more(net):
    # Zuidroute at 30 km/h: 4.8 instead of 2.9 minutes at free flow
    slow = apply_interventions(net, [SetSpeed(type="set_speed", street="Zuidroute", maxspeed=30)])
    s = TrafficSettings(**LIGHT)
    _, _, m = _run(slow, s)
    north, south = _daily(slow, m, "Noordroute"), _daily(slow, m, "Zuidroute")
    assert north + south == pytest.approx(productions(s), rel=1e-3)
    assert south <= 0.05 * (north + south), (north, south)  # free flow: (nearly) all take the fast one


def test_when_capacity_binds_both_routes_carry_some(net):
    slow = apply_interventions(net, [SetSpeed(type="set_speed", street="Zuidroute", maxspeed=30)])
    caps = {**TrafficSettings().capacity_per_lane_by_class, "tertiary": 300.0}
    s = TrafficSettings(**dict(CONGESTED, capacity_per_lane_by_class=caps))
    _, _, m = _run(slow, s)
    north, south = _daily(slow, m, "Noordroute"), _daily(slow, m, "Zuidroute")
    total = north + south
    assert total == pytest.approx(productions(s), rel=1e-3)
    assert north > south > 0.15 * total, (north, south)
    # the uncongested run puts it all on Noordroute: lowering capacity is what moved traffic
    _, _, free = _run(slow, TrafficSettings(**CONGESTED))
    assert _daily(slow, free, "Zuidroute") < south


def test_a_fietsstraat_lowers_capacity_and_traffic_moves_away(net):
    s = TrafficSettings(**CONGESTED)
    fs = apply_interventions(net, [Fietsstraat(type="fietsstraat", street="Noordroute")])
    links = traffic.car_links(fs.edges, s)
    cap = links.groupby("edge_pos")["capacity"].first()
    north, south = segment(fs, "Noordroute").name, segment(fs, "Zuidroute").name
    pos = {k: fs.edges.index.get_loc(k) for k in (north, south)}
    assert cap[pos[north]] == pytest.approx(cap[pos[south]] * s.fietsstraat_capacity_factor)
    _, _, m = _run(fs, s)
    assert m.edges.loc[north, "daily"] < 0.5 * m.edges.loc[south, "daily"]


# ------------------------------------------------------------------ modal filter


def test_a_modal_filter_moves_the_flow_to_the_other_route(net):
    s = TrafficSettings(**CONGESTED)
    sc = _scenario(s, [CloseThroughTraffic(type="close_through_traffic", street="Noordroute")])
    assert pipeline.model_traffic_step(net, sc) is not None
    before = net.edges
    n_before = float(segment(net, "Noordroute")["daily_traffic"])
    s_before = float(segment(net, "Zuidroute")["daily_traffic"])
    assert n_before > 1000 and s_before > 1000  # both routes were used before

    after = pipeline.apply_interventions(net, sc)
    assert pipeline.model_traffic_step(after, sc, before=before) is not None
    north, south = segment(after, "Noordroute"), segment(after, "Zuidroute")
    # the other route takes over the filtered route's traffic
    assert float(south["daily_traffic"]) == pytest.approx(s_before + n_before, rel=0.02)
    assert float(south["traffic_change"]) == pytest.approx(n_before, rel=0.03)
    assert south["daily_traffic_source"] == "model"
    # the filtered street keeps the intervention's destination traffic, and says so
    assert north["daily_traffic_source"] == "intervention:close_through_traffic-1"
    assert float(north["daily_traffic"]) == 500.0
    assert float(north["daily_traffic_before"]) == pytest.approx(n_before)
    # its links are gone from the car graph
    links = traffic.car_links(after.edges, s)
    assert after.edges.index.get_loc(north.name) not in set(links["edge_pos"])


def test_a_scenario_run_reports_the_displacement(tmp_path, data_dir, shared_osm):
    """The same filter through a scenario file (tests/data/traffic_filter.toml) and run_scenario."""
    result = pipeline.run_scenario(data_dir / "traffic_filter.toml", out_dir=tmp_path / "out", progress=False)
    t = result.scores["traffic"]["value"]
    assert t["before"]["model"]["zones"] >= 2
    moved = {row["street"]: row for row in t["displacement"]}
    assert moved["Zuidroute"]["change"] > 0 > moved["Noordroute"]["change"]
    assert moved["Zuidroute"]["after"] == pytest.approx(moved["Zuidroute"]["before"] + moved["Noordroute"]["before"],
                                                        rel=0.02)
    e = result.after.edges
    assert segment(result.after, "Noordroute")["daily_traffic_source"] == "intervention:filter-noordroute"
    assert (street(result.before, "Zuidroute")["daily_traffic_source"] == "model").all()
    assert "traffic_change" in e.columns


# ------------------------------------------------------------------ what the model does not reach


def test_an_isolated_street_keeps_the_class_table(net):
    sc = _scenario(TrafficSettings(**LIGHT))
    notes: list[str] = []
    model = pipeline.model_traffic_step(net, sc, notes=notes)
    island = segment(net, "Eilandstraat")
    assert np.isnan(model.edges.loc[island.name, "daily"])
    assert island["daily_traffic_source"] == "default:class"
    assert pd.isna(island["daily_traffic"])  # never a silent zero: the class table applies
    assert not island["rat_run"]
    assert any("not connected both ways to the main car network" in n and n.startswith("traffic model: 1 car segment")
               for n in notes), notes
    # everything else is modelled
    others = net.edges.drop(index=island.name)
    assert (others["daily_traffic_source"] == "model").all()


def test_a_street_cut_off_by_the_scenario_falls_back_to_the_class_table(net):
    """Closing both routes cuts the shops' street off: the scenario run has no model figure for
    it, so it must get the class table (NA) — not today's modelled volume under a class label."""
    s = TrafficSettings(**CONGESTED)
    sc = _scenario(s, [CloseThroughTraffic(type="close_through_traffic", street=["Noordroute", "Zuidroute"])])
    pipeline.model_traffic_step(net, sc)
    assert (street(net, "Winkelstraat")["daily_traffic"] > 0).all()
    after = pipeline.apply_interventions(net, sc)
    notes: list[str] = []
    pipeline.model_traffic_step(after, sc, before=net.edges, notes=notes)
    shops = street(after, "Winkelstraat")
    assert any("not connected both ways" in n for n in notes), notes
    assert (shops["daily_traffic_source"] == "default:class").all()
    assert shops["daily_traffic"].isna().all(), shops[["daily_traffic", "daily_traffic_source"]]


def test_without_homes_the_model_is_skipped(data_dir):
    net = load_network([data_dir / "traffic_routes.osm"], cache=False)  # the streets and shops only
    assert len(net.activities) > 0 and len(net.landuse) == 0
    notes: list[str] = []
    assert pipeline.model_traffic_step(net, _scenario(TrafficSettings(**LIGHT)), notes=notes) is None
    assert net.traffic is None
    assert any(n.startswith("traffic model skipped") and "no homes" in n for n in notes), notes
    src = net.edges.get("daily_traffic_source", pd.Series("default", index=net.edges.index))
    assert not src.eq("model").any()  # every segment keeps the class table


# ------------------------------------------------------------------ demand


def test_internal_trips_equal_the_productions_of_the_settings(net):
    s = TrafficSettings(**dict(LIGHT, residents_total=3_000.0, household_size=2.5, cars_per_household=0.5,
                               car_trips_per_car=3.0, other_traffic_factor=1.5))
    expected = 3_000.0 / 2.5 * 0.5 * 3.0 * 1.5  # 2,700 car trips a day
    links, zones, m = _run(net, s)
    assert zones.table["residents"].sum() == pytest.approx(3_000.0)
    assert zones.table["productions"].sum() == pytest.approx(expected)
    trips = m.summary["daily_trips"]
    assert trips["internal"] == pytest.approx(expected, rel=1e-3)
    assert trips["in_and_out"] == 0 and trips["through"] == 0
    # ... and they are what the two routes carry
    assert _daily(net, m, "Noordroute") + _daily(net, m, "Zuidroute") == pytest.approx(expected, rel=1e-3)


def test_trips_within_a_zone_are_counted_not_lost(net):
    """With the default attraction weights homes attract visits too, so part of a zone's trips
    stay inside it: they are not assigned, but they are trips the settings make — the matrix plus
    the reported within-zone trips must still add up to the productions."""
    s = TrafficSettings(zone_size_m=300.0, residents_total=1_000.0)
    _, zones, m = _run(net, s)
    expected = productions(s)
    assert zones.table["productions"].sum() == pytest.approx(expected)
    trips = m.summary["daily_trips"]
    assert trips["internal"] + trips["within_a_zone_not_assigned"] == pytest.approx(expected, rel=1e-3), trips


# ------------------------------------------------------------------ settings


@pytest.mark.parametrize("bad", [
    {"peak_hour_share": 0}, {"zone_size_m": -5}, {"zone_size_m": 100}, {"household_size": 0},
    {"deterrence_beta": float("nan")}, {"other_traffic_factor": 0.5}, {"capacity_per_lane_by_class": {"primary": 0}},
    {"unknown_setting": 1},
])
def test_settings_out_of_range_are_rejected(bad):
    with pytest.raises(ValidationError):
        TrafficSettings(**bad)


def test_bad_traffic_setting_in_a_scenario_file_is_one_line_exit_2(tmp_path, data_dir):
    osm = tmp_path / "traffic_routes.osm"
    shutil.copy(data_dir / "traffic_routes.osm", osm)
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\n[traffic]\nzone_size_m = -5\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["run", str(path), "--osm", str(osm), "--out", str(tmp_path / "out"), "-q"])
    assert res.exit_code == 2, res.output
    assert res.output.startswith("mobisim: error:") and len(res.output.strip().splitlines()) == 1, res.output
    assert "traffic.zone_size_m" in res.output
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ cache


def test_a_second_run_is_read_from_the_cache(net, loaded, tmp_path, monkeypatch):
    monkeypatch.setenv("MOBISIM_CACHE_DIR", str(tmp_path / "cache"))
    sc = _scenario(TrafficSettings(**LIGHT))
    first = pipeline.model_traffic_step(net, sc)
    folder = cache_dir() / "traffic" / first.key
    assert (folder / "edges.parquet").exists() and (folder / "summary.json").exists()

    def no_model(*args, **kwargs):
        raise AssertionError("the model ran again instead of reading the cache")

    monkeypatch.setattr(traffic, "model_traffic", no_model)
    again = copy.copy(loaded)
    again.edges, again.nodes = loaded.edges.copy(), loaded.nodes.copy()
    second = pipeline.model_traffic_step(again, sc)
    assert second.key == first.key
    pd.testing.assert_frame_equal(second.edges, first.edges)
    assert second.summary == first.summary and second.notes == first.notes
    pd.testing.assert_frame_equal(again.edges, net.edges)
    # other settings are another model: not served from this cache entry
    other = _scenario(TrafficSettings(**dict(LIGHT, residents_total=2_000.0)))
    with pytest.raises(MobisimError, match="ran again"):  # a failure inside the model: one clear line
        pipeline.model_traffic_step(again, other)


def test_a_road_broken_in_the_data_is_joined_straight_ahead_never_across():
    """Two carriageways of the N99, each broken by an 80 m gap: each break is bridged by one
    virtual link in its own direction; the other carriageway's end beside it is not joined."""
    import geopandas as gpd
    from shapely.geometry import LineString

    from mobisim.traffic.supply import bridge_gaps, car_links

    # eastbound carriageway y=0: 1→2 (ends at x=100), gap, 3→4 (starts at x=180)
    # westbound carriageway y=30: 6→5 (ends at x=180), gap, 8→7 (starts at x=100)
    lines = [LineString([(0, 0), (100, 0)]), LineString([(180, 0), (300, 0)]),
             LineString([(300, 30), (180, 30)]), LineString([(100, 30), (0, 30)])]
    edges = gpd.GeoDataFrame({
        "u": [1, 3, 6, 8], "v": [2, 4, 5, 7], "length": [100.0, 120.0, 120.0, 100.0],
        "highway": "primary", "ref": "N99", "name": pd.NA, "mode_drive": True, "oneway": True,
        "oneway_reverse": False, "lanes_per_direction": 2.0, "maxspeed": 50,
    }, geometry=lines, crs="EPSG:28992")
    settings = TrafficSettings()
    links = car_links(edges, settings)
    virtual = links[links["edge_pos"] < 0]
    assert sorted(zip(virtual["a_node"], virtual["b_node"])) == [(2, 3), (5, 8)]
    assert np.allclose(virtual["length_m"], 1.2 * 80.0)
    # switched off: no virtual link
    assert bridge_gaps(links[links["edge_pos"] >= 0], edges,
                       TrafficSettings(gap_bridge_m=0)).empty
    # another road number is another road
    other = edges.assign(ref=["N99", "N98", "N99", "N98"])
    assert car_links(other, settings)["edge_pos"].min() >= 0


def test_trips_within_a_zone_load_its_streets(net):
    """One big zone: every trip stays inside it, none is assigned — yet its streets carry them
    (the local-traffic floor counts the within-zone trips), never a modelled 0."""
    # homes attract only visits to homes, so the homes' zone sends every trip to itself
    s = TrafficSettings(zone_size_m=5000.0, residents_total=1_000.0, attraction_weights={"residents": 1.0})
    _, zones, m = _run(net, s)
    assert (zones.table["residents"] > 0).sum() == 1
    assert m.summary["daily_trips"]["within_a_zone_not_assigned"] == pytest.approx(productions(s), rel=1e-3)
    assert m.summary["daily_trips"]["internal"] == pytest.approx(0.0, abs=1e-6)
    woon = m.edges.loc[street(net, "Woonweg").index, "daily"]
    assert (woon > 0).all(), woon


def _line_edges(**extra):
    import geopandas as gpd
    from shapely.geometry import LineString

    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)]), LineString([(200, 0), (300, 0)])]
    base = {"u": [1, 2, 3], "v": [2, 3, 4], "length": 100.0, "highway": "secondary", "ref": "N99",
            "name": "Hoofdweg", "mode_drive": True, "oneway": False, "lanes_per_direction": 1.0, "maxspeed": 50}
    base.update(extra)
    return gpd.GeoDataFrame(base, geometry=lines, crs="EPSG:28992")


def test_a_oneway_segment_is_driven_from_u_to_v_only():
    """The loader turns oneway=-1 ways round, so oneway always reads u → v: one link, u → v."""
    from mobisim.traffic.supply import car_links

    links = car_links(_line_edges(oneway=[False, True, False]), TrafficSettings())
    middle = links[links["edge_pos"] == 1]
    assert list(zip(middle["a_node"], middle["b_node"])) == [(2, 3)]
    assert len(links[links["edge_pos"] == 0]) == 2  # two-way: both directions


def test_a_modal_filter_on_a_main_road_is_never_bridged():
    """Closing the middle of a main road leaves two dead ends of the same road straight ahead:
    they are a filter, not a break in the data, so no virtual link crosses it."""
    from mobisim.traffic.supply import car_links

    closed = _line_edges(through_traffic=[True, False, True])
    links = car_links(closed, TrafficSettings())
    assert (links["edge_pos"] >= 0).all()
    assert not ((links["a_node"] == 2) & (links["b_node"] == 3)).any()
    # the same gap without the closure (a segment missing from the data) is bridged
    gap = _line_edges().iloc[[0, 2]]
    bridged = car_links(gap, TrafficSettings())
    assert {(2, 3), (3, 2)} <= set(zip(bridged.loc[bridged["edge_pos"] < 0, "a_node"],
                                       bridged.loc[bridged["edge_pos"] < 0, "b_node"]))


def test_a_counted_street_keeps_its_count(net, tmp_path, data_dir):
    """A count wins over the model on every car segment of the street, with its source; the
    other streets keep the model's figures; a name matching no street is named in a note."""
    counts = tmp_path / "counts.csv"
    counts.write_text("name;daily\nNoordroute;4321\nGeen Straat;100\n", encoding="utf-8")
    sc = _scenario(TrafficSettings(**LIGHT), data=DataSettings(osm=[data_dir / "traffic_routes.osm"],
                                                               traffic_counts=counts))
    notes: list[str] = []
    pipeline.model_traffic_step(net, sc, pipeline.read_inputs(sc), notes=notes)
    noord = street(net, "Noordroute")
    assert (noord["daily_traffic"] == 4321).all()
    assert (noord["daily_traffic_source"] == "count:counts.csv").all()
    assert (street(net, "Zuidroute")["daily_traffic_source"] == "model").all()
    assert any("Geen Straat" in n for n in notes), notes


@pytest.mark.parametrize("text, problem", [
    ("name,vehicles\nNoordroute,10\n", "needs the columns 'name' and 'daily'"),
    ("name,daily\nNoordroute,veel\n", "row 2: count 'veel' is not a number"),
    ("name,daily\nNoordroute,-5\n", "row 2: count '-5' is not a number"),
    ("name,daily\nNoordroute,10\nnoordroute,20\n", "rows 2 and 3: street 'Noordroute' has two counts"),
])
def test_a_bad_count_list_is_one_clear_error(tmp_path, text, problem):
    from mobisim.errors import InputFileError
    from mobisim.load import read_traffic_counts

    path = tmp_path / "counts.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=problem.replace("(", r"\(")):
        read_traffic_counts(path)
