"""The 8-jarigen-toets on hand-written fixtures: segments per mode, crossings, and the LTS tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mobisim.load import load_network
from mobisim.rules.noise import lden_db, no2_increment
from mobisim.rules.toets import (
    ToetsSettings,
    crossing_lts,
    evaluate_toets,
    lane_lts,
    mixed_lts,
    toets_failures,
)


@pytest.fixture(scope="module")
def crossings(data_dir):
    return evaluate_toets(load_network([data_dir / "rules_crossings.osm"]))


@pytest.fixture(scope="module")
def speeds(data_dir):
    return evaluate_toets(load_network([data_dir / "rules_speeds.osm"]))


@pytest.fixture(scope="module")
def c1(data_dir):
    return evaluate_toets(load_network([data_dir / "rules_c1.osm"]))


def _seg(net, name):
    rows = net.edges[net.edges["name"] == name]
    assert len(rows)
    return rows.iloc[0]


# --- crossings ------------------------------------------------------------------------------


def test_four_lane_crossing_without_signals_fails_with_a_fix(crossings):
    node = crossings.nodes.loc[2]
    assert node["is_crossing"] and node["crossing_kind"] == "uncontrolled"
    assert node["lanes_crossed"] == 4 and node["crossed_speed"] == 50
    assert node["toets_crossing"] == "fail"
    assert node["toets_crossing_rule"] == "X7-multi-lane"
    assert "4 lane(s) at 50 km/h to cross (2 per direction) without signals" in node["toets_crossing_reason"]
    assert node["toets_crossing_fix"].startswith("add traffic signals at node 2")


def test_four_lane_crossing_with_signals_passes(crossings):
    node = crossings.nodes.loc[3]
    assert node["crossing_kind"] == "signals" and node["lanes_crossed"] == 4
    assert node["toets_crossing"] == "pass"
    assert node["toets_crossing_rule"] == "X1-signals"
    assert "signal-controlled" in node["toets_crossing_reason"]
    assert pd.isna(node["toets_crossing_fix"])


def test_refuge_island_makes_a_two_lane_50_crossing_pass(crossings):
    node = crossings.nodes.loc[12]
    assert node["toets_crossing"] == "pass" and node["toets_crossing_rule"] == "X4-island"
    assert "refuge island" in node["toets_crossing_reason"]


def test_zebra_without_island_at_50_fails_and_proposes_an_island(crossings):
    node = crossings.nodes.loc[13]
    assert node["crossing_kind"] == "zebra"
    assert node["toets_crossing"] == "fail" and node["toets_crossing_rule"] == "X8-no-island"
    assert "a zebra alone is not enough" in node["toets_crossing_reason"]
    assert node["toets_crossing_fix"].startswith("add a refuge island (≥ 1.80 m wide) at node 13")


def test_plain_road_vertices_are_not_crossings(crossings):
    # way ends without another way: not a place where a child crosses
    assert not crossings.nodes.loc[1, "is_crossing"]
    assert crossings.nodes.loc[1, "toets_crossing"] == "n/a"


def test_crossing_at_30_passes_after_lowering_the_limit(data_dir):
    net = load_network([data_dir / "rules_crossings.osm"])
    net.edges["maxspeed"] = net.edges["maxspeed"].where(net.edges["maxspeed"].isna(), 30)
    evaluate_toets(net)
    node = net.nodes.loc[13]
    assert node["toets_crossing"] == "pass" and node["toets_crossing_rule"] == "X2-slow-road"
    # four lanes at 30 still exceed the three-lane LTS 1 bound without signals
    assert net.nodes.loc[2, "toets_crossing"] == "fail"


def test_failures_are_listed_school_routes_first(crossings):
    net = crossings.copy()
    seg, cr = toets_failures(net)
    assert set(cr.index) == {2, 13}
    # with the school-route column, the segment used by more children comes first
    brede = net.edges.index[net.edges["name"] == "Brede Laan"]
    net.edges["school_route_children"] = 0.0
    net.edges.loc[brede[-1], "school_route_children"] = 40.0
    seg, cr = toets_failures(net)
    assert seg.index[0] == brede[-1]


# --- segments -------------------------------------------------------------------------------


def test_residential_30_street_passes_by_bike_and_on_foot(speeds):
    row = _seg(speeds, "Rustige Straat")
    assert row["toets_bike"] == "pass" and row["toets_bike_rule"] == "B8-mixed-30"
    assert "LTS 1" in row["toets_bike_reason"] and "30 km/h" in row["toets_bike_reason"]
    assert row["lts_bike"] == 1
    assert row["toets_walk"] == "pass" and row["toets_walk_rule"] == "W4-quiet-30"
    assert row["toets_pass"]


def test_living_street_passes(speeds):
    row = _seg(speeds, "Bètaerf")
    assert row["toets_bike_rule"] == "B3-living-street" and "woonerf" in row["toets_bike_reason"]
    assert row["toets_walk_rule"] == "W2-living-street"
    assert row["toets_pass"]


def test_residential_at_50_fails_and_lowering_to_30_is_the_fix(speeds):
    row = _seg(speeds, "Woonstraat")
    assert row["toets_bike"] == "fail" and row["toets_bike_rule"] == "B6-mixed-fast"
    assert "mixed with motor traffic at 50 km/h" in row["toets_bike_reason"]
    assert row["toets_bike_fix"] == "lower the limit to 30 km/h"
    assert not row["toets_pass"]


def test_painted_lane_at_50_fails(c1):
    row = _seg(c1, "Schilderstraat")
    assert row["toets_bike"] == "fail" and row["toets_bike_rule"] == "B5-painted-lane-50"
    assert "painted cycle lane at 50 km/h" in row["toets_bike_reason"]
    assert row["toets_bike_fix"].startswith("replace the painted lane by a separated cycle track")


def test_50_road_with_parallel_cycle_paths_passes_by_bike(c1):
    row = _seg(c1, "Parallelweg")
    assert row["toets_bike"] == "pass" and row["toets_bike_rule"] == "B2-separated"
    assert "source: geometry" in row["toets_bike_reason"]


def test_50_road_without_cycle_path_fails_and_needs_a_track(c1):
    row = _seg(c1, "Kaleweg")
    assert row["toets_bike"] == "fail" and row["toets_bike_rule"] == "B6-mixed-fast"
    assert row["toets_bike_fix"].startswith("add a separated cycle track")


def test_motorway_is_not_for_children(speeds):
    mw = speeds.edges[speeds.edges["highway"] == "motorway"].iloc[0]
    assert mw["toets_bike"] == "n/a" and mw["toets_walk"] == "n/a"


def test_untagged_footway_assumption_is_a_setting(data_dir):
    net = load_network([data_dir / "rules_c1.osm"])
    evaluate_toets(net, ToetsSettings(assume_sidewalk_when_untagged=False))
    row = _seg(net, "Kaleweg")
    assert row["toets_walk"] == "fail" and row["toets_walk_rule"] == "W9-no-footway-tag"
    assert row["toets_walk_fix"] == "add footways on both sides"


def test_speed_column_must_exist(c1):
    from mobisim.errors import MobisimError

    with pytest.raises(MobisimError, match="proposed_maxspeed"):
        evaluate_toets(c1.copy(), speed_column="proposed_maxspeed")


# --- the published tables, cell by cell -----------------------------------------------------


def test_mixed_traffic_table_cells():
    s = ToetsSettings()
    speed = np.array([30, 50, 30, 30, 50, 30])
    volume = np.array([700, 700, 2000, 1200, 9000, 100])
    per_dir = np.array([1, 1, 1, 1, 2, 3])
    centre = np.array([False, False, False, True, False, False])
    # Furth v2.2: no centre line ≤750 → 1 @≤38, 2 @≤54; 1501–3000 → 2; centre line 1001–1500 → 2;
    # two lanes/direction >8000 @≤54 → 4; three lanes → 3 @≤38
    assert mixed_lts(speed, volume, per_dir, centre, s).tolist() == [1, 2, 2, 2, 4, 3]


def test_bike_lane_table_cells():
    s = ToetsSettings()
    assert lane_lts(np.array([40, 50, 60]), np.array([1, 1, 1]), s).tolist() == [2, 2, 2]
    wide = ToetsSettings(bike_lane_width_m=2.0)
    assert lane_lts(np.array([40, 60, 90]), np.array([1, 1, 3]), wide).tolist() == [1, 2, 4]


def test_crossing_table_cells():
    s = ToetsSettings()
    lanes = np.array([2, 4, 4, 6, 2])
    island = np.array([False, False, True, True, False])
    speed = np.array([50, 50, 40, 50, 60])
    assert crossing_lts(lanes, island, speed, s).tolist() == [1, 2, 1, 3, 3]


# --- the noise and air screening model ------------------------------------------------------


def test_noise_model_speed_and_distance_behaviour():
    q, d = np.array([10000.0, 10000.0]), np.array([25.0, 50.0])
    at50 = lden_db(q, np.array([50.0, 50.0]), d, 6.0)
    at30 = lden_db(q, np.array([30.0, 30.0]), d, 6.0)
    assert at50[0] - at50[1] == pytest.approx(3.01, abs=0.01)  # line source: −3 dB per doubling
    assert 1.5 < at50[0] - at30[0] < 2.5  # Amsterdam measured −1.5 dB after 50→30
    assert 60 < at50[0] < 68  # plausible Lden beside a busy urban road
    tenfold = lden_db(np.array([1000.0]), np.array([50.0]), np.array([25.0]), 6.0)
    assert at50[0] - tenfold[0] == pytest.approx(10.0, abs=0.01)


def test_no2_proxy_scales_with_traffic_and_falls_with_distance():
    inc = no2_increment(np.array([10000.0, 20000.0, 10000.0]), np.array([10.0, 10.0, 40.0]))
    assert inc[0] == pytest.approx(2.5)
    assert inc[1] == pytest.approx(5.0)
    assert inc[2] == pytest.approx(1.25)
