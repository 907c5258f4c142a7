"""On a street one-way for bikes, a separated track on the left serves the with-flow riders, as a
painted lane on the left does (``bike_directions`` and the ``B2-separated`` rule of
``segment_toets``), on the hand-written fixture ``tests/data/toets_left_track.osm`` and on a small
frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from edge_lookup import segment as _seg
from mobisim.load import load_network
from mobisim.rules.toets import LANE, MIXED, SEPARATED, ToetsSettings, bike_directions, evaluate_toets


@pytest.fixture(scope="module")
def net(data_dir):
    return evaluate_toets(load_network([data_dir / "toets_left_track.osm"], cache=False))




@pytest.mark.parametrize("name", ["Linkerpadstraat", "Omgekeerdpad", "Rechterpadstraat"])
def test_track_on_either_side_of_a_street_one_way_for_bikes_passes(net, name):
    seg = _seg(net, name)
    assert seg["oneway"] and seg["oneway_bicycle"]
    assert seg["lts_bike"] == 1
    assert (seg["toets_bike"], seg["toets_bike_rule"]) == ("pass", "B2-separated")
    assert seg["toets_bike_reason"] == ("separated cycle track (both sides, a two-way track, or "
                                        "beside a one-way carriageway; source: tag): LTS 1")


def test_oneway_minus_one_track_lies_left_of_the_traffic(net):
    # oneway=-1 + cycleway:right=track: reversed, the track is on the left of the traffic
    seg = _seg(net, "Omgekeerdpad")
    assert seg["cycle_separated_left"] and not seg["cycle_separated_right"]


def test_left_lane_and_left_track_serve_the_same_riders(net):
    lane, track = _seg(net, "Linkerstrookstraat"), _seg(net, "Linkerpadstraat")
    # the painted lane serves the with-flow riders (LTS 2, not mixed traffic's 3) ...
    assert lane["lts_bike"] == 2 and lane["toets_bike_rule"] == "B5-painted-lane-50"
    assert "left-side bike lane" in lane["toets_bike_reason"]
    # ... and so does the track, with the track's LTS 1
    assert track["lts_bike"] == 1


@pytest.mark.parametrize("name", ["Tegenpadstraat", "Tweepadstraat"])
def test_left_track_does_not_serve_forward_riders_where_bikes_ride_both_ways(net, name):
    seg = _seg(net, name)
    assert not seg["oneway_bicycle"] and seg["cycle_separated_left"]
    assert seg["lts_bike"] == 3  # the forward riders are in mixed traffic at 50
    assert (seg["toets_bike"], seg["toets_bike_rule"]) == ("fail", "B6-mixed-fast")


def test_bike_directions_left_track_on_small_frame():
    edges = pd.DataFrame({
        "oneway": [True, True, True, False],
        "oneway_bicycle": [True, True, False, False],
        "cycleway_left": ["track", "lane", "track", "track"],
        "cycleway_right": ["none", "none", "none", "none"],
        "cycle_separated_left": [True, False, True, True],
        "cycle_separated_right": [False, False, False, False],
    })
    d = bike_directions(edges, np.full(4, 50.0), np.ones(4), np.full(4, 3), ToetsSettings())
    # one-way for bikes: the left track, like the left lane, serves the one direction ridden
    assert d.loc[0, "fwd_kind"] == SEPARATED and d.loc[0, "lts"] == 1
    assert not d.loc[0, "bwd_ridden"]
    assert d.loc[1, "fwd_kind"] == LANE and d.loc[1, "fwd_side"] == "left"
    # contraflow open or two-way: the left track serves the backward riders only
    for i in (2, 3):
        assert d.loc[i, "bwd_kind"] == SEPARATED and d.loc[i, "fwd_kind"] == MIXED
        assert d.loc[i, "lts"] == 3
    # without oneway_bicycle cyclists follow oneway
    d = bike_directions(edges.drop(columns="oneway_bicycle"), np.full(4, 50.0), np.ones(4),
                        np.full(4, 3), ToetsSettings())
    assert d["fwd_kind"].tolist() == [SEPARATED, LANE, SEPARATED, MIXED]


def test_a_path_found_left_of_a_dual_carriageway_half_is_the_other_halfs(net):
    """Geometry finds the other half's track on the left of a dual-carriageway half: it does not
    serve this half's riders; a tagged left track on such a half still does."""
    e = net.edges[net.edges["name"] == "Linkerpadstraat"].copy()
    assert len(e) == 1
    e["dual_carriageway"] = True
    e["cycle_separated_source"] = "geometry"
    found = evaluate_toets(type(net)(edges=e, nodes=net.nodes)).edges.iloc[0]
    assert found["toets_bike"] == "fail" and found["lts_bike"] > 1
    e["cycle_separated_source"] = "tag"
    tagged = evaluate_toets(type(net)(edges=e, nodes=net.nodes)).edges.iloc[0]
    assert (tagged["toets_bike"], tagged["lts_bike"]) == ("pass", 1)
