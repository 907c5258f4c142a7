"""The 8-jarigen-toets after the comparison with an LTS peer (BikeOttawa stressmodel, LTS v2.2).

Four fixes, each on the hand-written fixture ``tests/data/toets_lts_peer.osm`` and on small frames:

1. a painted lane counts only for the direction it serves (contraflow lanes, one-sided lanes);
2. ``bicycle=use_sidepath`` is judged as its side path (``B2-sidepath``), not "n/a";
3. a bus-only road (``access=no`` + ``bus=yes``, ``highway=busway``) is mixed traffic with buses,
   not a traffic-free path (``B1-path``);
4. a bike lane beside parking uses Furth's v2.2 "bike lane alongside a parking lane" table
   (bike lane + parking reach), and tagged lane widths are used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from edge_lookup import segment as _seg
from mobisim.load import load_network
from mobisim.load.osmread import WAY_KEYS
from mobisim.load.tags import tag_ways
from mobisim.rules.toets import (
    LANE,
    MIXED,
    SEPARATED,
    ToetsSettings,
    bike_directions,
    evaluate_toets,
    lane_lts,
    parking_lane_lts,
)


@pytest.fixture(scope="module")
def peer(data_dir):
    return evaluate_toets(load_network([data_dir / "toets_lts_peer.osm"], cache=False))




def ways(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(WAY_KEYS), dtype=object)


# --- 1. a painted lane serves one direction -------------------------------------------------


@pytest.mark.parametrize("name", ["Tegenstraat", "Linkerstraat", "Omgekeerdestraat"])
def test_contraflow_lane_leaves_with_flow_riders_in_mixed_traffic(peer, name):
    contra, withflow = _seg(peer, name), _seg(peer, "Meestraat")
    # tertiary at 50, one lane: mixed traffic LTS 3 (centre line, >1500/day), painted lane LTS 2
    assert withflow["lts_bike"] == 2
    assert contra["lts_bike"] == 3
    assert contra["oneway"] and not contra["oneway_bicycle"]
    assert withflow["oneway_bicycle"]
    # the contraflow lane lies on the left of the traffic direction (also for oneway=-1)
    assert contra["cycleway_left"] == "lane" and contra["cycleway_right"] == "none"
    # at 50 a painted lane fails either way; the reason says which riders are unprotected
    assert contra["toets_bike"] == "fail" and contra["toets_bike_rule"] == "B5-painted-lane-50"
    assert ("the painted lane serves only contraflow riders, with-flow riders ride in mixed "
            "traffic: LTS 3") in contra["toets_bike_reason"]
    assert "for both directions" in contra["toets_bike_fix"]
    assert "serves only" not in withflow["toets_bike_reason"]


def test_at_30_a_contraflow_lane_fails_where_a_with_flow_lane_passes(peer):
    withflow, contra = _seg(peer, "Breedmeestraat"), _seg(peer, "Breedtegenstraat")
    assert withflow["toets_bike"] == "pass" and withflow["lts_bike"] == 1
    assert "bike lane 2.0 m (width tagged)" in withflow["toets_bike_reason"]
    assert contra["toets_bike"] == "fail" and contra["toets_bike_rule"] == "B7-lts"
    assert contra["lts_bike"] == 2
    assert contra["toets_bike_fix"].startswith("give with-flow riders a cycle lane too")


def test_two_way_street_with_a_lane_on_one_side_only(peer):
    half, whole = _seg(peer, "Halfstraat"), _seg(peer, "Heelstraat")
    assert whole["lts_bike"] == 2
    assert half["lts_bike"] == 3
    assert ("serves only way-direction riders, opposite-direction riders ride in mixed traffic"
            in half["toets_bike_reason"])
    assert half["toets_bike_rule"] == "B5-painted-lane-50"


def test_bike_directions_per_side_on_small_frames():
    s = ToetsSettings()
    edges = pd.DataFrame({
        "oneway": [False, True, True, False, False],
        "oneway_bicycle": [False, True, False, False, False],
        "cycleway_left": ["lane", "lane", "none", "none", "lane"],
        "cycleway_right": ["none", "none", "lane", "lane", "track"],
        "cycle_separated_left": [False, False, False, False, False],
        "cycle_separated_right": [False, False, False, False, True],
        "parking_left": ["lane", None, None, "lane", None],
        "parking_right": [None, None, None, None, None],
    })
    speed = np.full(5, 50.0)
    per_dir = np.ones(5)
    lts_mix = np.full(5, 3)
    d = bike_directions(edges, speed, per_dir, lts_mix, s)
    # two-way, left lane: it serves the backward riders; forward riders are mixed
    assert d.loc[0, "fwd_kind"] == MIXED and d.loc[0, "bwd_kind"] == LANE
    # bikes one way only: a left lane serves the one direction ridden
    assert d.loc[1, "fwd_kind"] == LANE and not d.loc[1, "bwd_ridden"] and d.loc[1, "lts"] == 2
    # contraflow allowed, with-flow lane only: contraflow riders are mixed
    assert d.loc[2, "bwd_ridden"] and d.loc[2, "bwd_kind"] == MIXED and d.loc[2, "lts"] == 3
    # parking on the other side does not border the lane
    assert d.loc[3, "fwd_kind"] == LANE and not d.loc[3, "fwd_parking"]
    # a lane beside parking at 50 with 1.5 + 2.0 m reach: LTS 3 (narrow parking row)
    assert d.loc[0, "bwd_parking"] and d.loc[0, "bwd_reach"] == pytest.approx(3.5)
    assert d.loc[0, "bwd_lts"] == 3
    # a track on one side and a lane on the other: the worse direction (the lane) decides
    assert d.loc[4, "fwd_kind"] == SEPARATED and d.loc[4, "lts"] == 2


def test_contraflow_tags_give_the_riding_directions():
    out = tag_ways(ways(
        {"highway": "residential", "oneway": "yes", "cycleway": "opposite_lane"},
        {"highway": "residential", "oneway": "-1", "cycleway": "opposite_lane"},
        {"highway": "residential", "oneway": "yes", "oneway:bicycle": "no", "cycleway:left": "lane"},
        {"highway": "residential", "oneway": "yes", "cycleway:right": "lane"},
        {"highway": "residential", "cycleway": "lane"},
        {"highway": "residential", "oneway": "yes", "cycleway:left": "lane",
         "cycleway:left:oneway": "-1"},
    ))
    # way-relative sides: on an oneway=-1 way the contraflow side is the way's right
    assert out["cycleway_left"].tolist() == ["lane", "none", "lane", "none", "lane", "lane"]
    assert out["cycleway_right"].tolist() == ["none", "lane", "none", "lane", "lane", "none"]
    assert out["oneway_bicycle"].tolist() == [False, False, False, True, False, False]
    assert out["oneway_bicycle_source"].tolist() == [
        "tag:contraflow", "tag:contraflow", "tag", "default:oneway", "default:two_way",
        "tag:contraflow"]


# --- 2. bicycle=use_sidepath ----------------------------------------------------------------


def test_use_sidepath_is_judged_as_its_side_path(peer):
    row = _seg(peer, "Zijpadweg")
    assert not row["mode_bike"]  # routing keeps bikes off the carriageway
    assert row["bike_use_sidepath"]
    assert row["toets_bike"] == "pass" and row["toets_bike_rule"] == "B2-sidepath"
    assert row["lts_bike"] == 1
    assert "bicycle=use_sidepath" in row["toets_bike_reason"]
    assert "mandatory separate cycle path" in row["toets_bike_reason"]
    assert pd.isna(row["toets_bike_fix"])


def test_closed_to_bikes_without_a_side_path_stays_n_a():
    from mobisim.rules.toets import segment_toets

    edges = tag_ways(ways({"highway": "tertiary", "bicycle": "no"},
                          {"highway": "tertiary", "bicycle": "use_sidepath"}))
    out = segment_toets(edges)
    assert out["toets_bike"].tolist() == ["n/a", "pass"]
    assert pd.isna(out["lts_bike"].iloc[0]) and out["lts_bike"].iloc[1] == 1


# --- 3. bus roads ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Busbaan", "Busweg"])
def test_bus_road_is_mixed_traffic_with_buses_not_a_path(peer, name):
    row = _seg(peer, name)
    assert row["bus_only"] and not row["mode_drive"] and row["mode_bike"]
    assert row["toets_bike_rule"] != "B1-path"
    assert row["toets_bike"] == "fail" and row["toets_bike_rule"] == "B6-mixed-fast"
    assert "mixed with buses at 50 km/h, ~300 buses/day" in row["toets_bike_reason"]
    assert row["lts_bike"] == 2
    assert row["toets_bike_fix"] == "lower the limit to 30 km/h"


def test_bus_road_at_30_passes_as_mixed_traffic_and_a_path_stays_a_path(peer):
    bus, closed = _seg(peer, "Busstraat"), _seg(peer, "Afgeslotenpad")
    assert bus["bus_only"]  # motor_vehicle=no + psv=designated
    assert bus["toets_bike"] == "pass" and bus["toets_bike_rule"] == "B8-mixed-30"
    assert "mixed with buses" in bus["toets_bike_reason"]
    assert bus["toets_walk_rule"] != "W1-path"
    # access=no without buses: no motor traffic at all, still a path
    assert not closed["bus_only"] and closed["toets_bike_rule"] == "B1-path"


def test_bus_volume_is_a_setting(data_dir):
    net = load_network([data_dir / "toets_lts_peer.osm"], cache=False)
    evaluate_toets(net, ToetsSettings(bus_road_daily_traffic=5000.0))
    row = _seg(net, "Busstraat")
    # residential without centre line, >3000/day at 30: LTS 2
    assert row["lts_bike"] == 2 and row["toets_bike"] == "fail"
    assert "~5000 buses/day" in row["toets_bike_reason"]


def test_bus_only_flag_from_tags():
    out = tag_ways(ways(
        {"highway": "residential", "access": "no", "bus": "yes"},
        {"highway": "residential", "access": "no", "psv": "yes"},
        {"highway": "service", "motor_vehicle": "no", "bus": "designated"},
        {"highway": "busway"},
        {"highway": "residential", "bus": "yes"},
        {"highway": "residential", "access": "no"},
        {"highway": "cycleway", "bus": "yes"},
    ))
    assert out["bus_only"].tolist() == [True, True, True, True, False, False, False]
    assert not out["mode_drive"].iloc[:4].any()


# --- 4. parking and lane widths -------------------------------------------------------------


def test_parking_reach_changes_the_lts_at_30_and_40(peer):
    wide30, narrow30 = _seg(peer, "Ruimestraat"), _seg(peer, "Krappestraat")
    assert wide30["lts_bike"] == 1 and wide30["toets_bike"] == "pass"
    assert "reach 4.5 m" in wide30["toets_bike_reason"]
    assert narrow30["lts_bike"] == 2 and narrow30["toets_bike"] == "fail"
    assert "reach 3.5 m" in narrow30["toets_bike_reason"]
    assert narrow30["toets_bike_fix"].startswith("widen the bike lane so that lane + parking reach")
    wide40, narrow40 = _seg(peer, "Middenstraat"), _seg(peer, "Nauwestraat")
    assert wide40["lts_bike"] == 1 and narrow40["lts_bike"] == 2
    # at 40 km/h Dutch practice still wants a separated track
    assert wide40["toets_bike_rule"] == "B5-painted-lane-50"


def test_tagged_lane_width_without_parking(peer):
    row = _seg(peer, "Strookstraat")  # 2.0 m lanes, parking:both=no
    assert row["cycleway_width_left"] == pytest.approx(2.0)
    assert row["cycleway_width_left_source"] == "tag:cycleway:both:width"
    assert row["lts_bike"] == 1 and row["toets_bike"] == "pass"
    assert "without parking beside it" in row["toets_bike_reason"]


def test_parking_beside_a_wide_lane_costs_a_level(peer):
    # the same 2.0 m lanes at 30: LTS 1 without parking, LTS 2 beside parking (reach 4.0 m < 4.5)
    free, parked = _seg(peer, "Strookstraat"), _seg(peer, "Deurzonestraat")
    assert free["lts_bike"] == 1
    assert parked["lts_bike"] == 2 and parked["toets_bike"] == "fail"
    assert "beside parking: reach 4.0 m" in parked["toets_bike_reason"]
    assert "reach at least 4.5 m" in parked["toets_bike_fix"]


def test_cycleway_width_tags_per_side():
    out = tag_ways(ways(
        {"highway": "residential", "cycleway:width": "1,8 m"},
        {"highway": "residential", "cycleway:both:width": "2", "cycleway:right:width": "1.2"},
        {"highway": "residential"},
    ))
    assert out["cycleway_width_left"].iloc[0] == pytest.approx(1.8)
    assert out["cycleway_width_left"].iloc[1] == pytest.approx(2.0)
    assert out["cycleway_width_right"].iloc[1] == pytest.approx(1.2)
    assert np.isnan(out["cycleway_width_right"].iloc[2])
    assert out["cycleway_width_left_source"].tolist() == ["tag:cycleway:width",
                                                          "tag:cycleway:both:width", "unknown"]
    assert out["cycleway_width_right_source"].tolist()[1] == "tag"


def test_parking_lane_table_cells():
    s = ToetsSettings()
    speed = np.array([30, 45, 50, 60, 50, 60, 30, 30])
    reach = np.array([4.5, 4.2, 3.5, 5.0, 4.6, 3.9, 4.0, 3.9])
    per_dir = np.array([1, 1, 1, 2, 1, 1, 1, 1])
    # Furth v2.2: ≥4.5 m → 1,1,2,3; 4.0–4.5 → 2,2,3,3; <4.0 → 2,3,3,3; two lanes → 3
    assert parking_lane_lts(speed, per_dir, reach, s).tolist() == [1, 2, 3, 3, 2, 3, 2, 2]


def test_lane_table_uses_tagged_widths():
    s = ToetsSettings()
    got = lane_lts(np.array([40, 40, 40]), np.array([1, 1, 1]), s, np.array([2.0, np.nan, 1.5]))
    assert got.tolist() == [1, 2, 2]
