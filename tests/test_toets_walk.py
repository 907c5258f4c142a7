"""The walking 8-jarigen-toets assumes a footway only where one is plausible.

Fixture ``data/toets_walk.osm``: separate streets, one per case (its header lists them). A
footway is *tagged* (``sidewalk=*``), *assumed* (untagged, where one is plausible) or *none*;
no footway is assumed in a car tunnel, on a road without frontage (motorway, trunk, ``*_link``,
``motorroad=yes``) or where ``sidewalk=no``. Where none is plausible and nothing is tagged the
verdict is ``unknown`` (not ``fail``) and says why.
"""

from __future__ import annotations

import pandas as pd
import pytest

from edge_lookup import segment
from mobisim.load import load_network
from mobisim.rules.toets import ToetsSettings, evaluate_toets, footway_plausibility, segment_toets


@pytest.fixture(scope="module")
def walk(data_dir):
    return evaluate_toets(load_network([data_dir / "toets_walk.osm"], cache=False))


def _walk(net, name):
    row = segment(net, name)
    return (row["toets_walk"], row["toets_walk_rule"], row["walk_footway_source"],
            row["toets_walk_reason"], row["toets_walk_fix"])


def test_the_tags_reach_the_edges(walk):
    assert bool(segment(walk, "Tunnelweg")["tunnel"])
    assert not bool(segment(walk, "Poortweg")["tunnel"])  # tunnel=building_passage
    assert bool(segment(walk, "Autoweg")["motorroad"])
    assert segment(walk, "Kale Zijden")["sidewalk"] == "no"  # sidewalk:both=no
    assert not bool(segment(walk, "Verboden Straat")["mode_walk"])  # foot=no


def test_no_footway_is_assumed_in_a_car_tunnel(walk):
    verdict, rule, source, reason, fix = _walk(walk, "Tunnelweg")
    assert (verdict, rule, source) == ("unknown", "W10-no-footway-plausible", "none")
    assert "no sidewalk tag" in reason and "in a tunnel" in reason
    assert fix.startswith("survey it and tag the footway")


def test_a_quiet_street_in_a_tunnel_is_not_passed_as_quiet(walk):
    verdict, rule, source, reason, _ = _walk(walk, "Stille Tunnel")
    assert (verdict, rule, source) == ("unknown", "W10-no-footway-plausible", "none")
    assert "in a tunnel" in reason
    # unknown is not a failure: by bike it passes, so the segment passes the toets
    assert segment(walk, "Stille Tunnel")["toets_bike"] == "pass"
    assert bool(segment(walk, "Stille Tunnel")["toets_pass"])
    # the same street outside a tunnel passes as a quiet 30 street
    assert _walk(walk, "Rustige Straat")[:3] == ("pass", "W4-quiet-30", "assumed")


def test_a_tagged_footway_in_a_tunnel_is_known(walk):
    assert _walk(walk, "Stoeptunnel")[:3] == ("pass", "W3-footways", "tagged")


def test_a_building_passage_is_no_tunnel(walk):
    verdict, rule, source, reason, _ = _walk(walk, "Poortweg")
    assert (verdict, rule, source) == ("pass", "W8-footway-assumed", "assumed")
    assert "footway assumed" in reason


def test_a_footway_in_a_tunnel_is_a_path(walk):
    assert _walk(walk, "Voetgangerstunnel")[:3] == ("pass", "W1-path", "path")


@pytest.mark.parametrize("name", ["Kale Weg", "Kale Zijden"])
def test_sidewalk_no_at_50_fails_with_the_reason(walk, name):
    verdict, rule, source, reason, fix = _walk(walk, name)
    assert (verdict, rule, source) == ("fail", "W7-no-footway", "none")
    assert "no footway (sidewalk=no) at 50 km/h" in reason
    assert fix.startswith("add footways on both sides")


def test_sidewalk_no_on_a_quiet_30_street_passes_and_says_so(walk):
    verdict, rule, source, reason, _ = _walk(walk, "Stille Kale Straat")
    assert (verdict, rule, source) == ("pass", "W4-quiet-30", "none")
    assert reason.endswith("(sidewalk=no)")


@pytest.mark.parametrize("name,value", [("Stoepweg", "both"), ("Apartweg", "separate")])
def test_a_tagged_sidewalk_is_known_not_assumed(walk, name, value):
    verdict, rule, source, reason, _ = _walk(walk, name)
    assert (verdict, rule, source) == ("pass", "W3-footways", "tagged")
    assert reason == f"footway on both sides (sidewalk={value})"
    assert "assumed" not in reason


def test_a_footway_on_one_side_only_at_50_is_known_and_fails(walk):
    assert _walk(walk, "Linkerweg")[:3] == ("fail", "W6-one-side-fast", "tagged")


def test_motorway_has_no_footway(walk):
    verdict, rule, source, _, _ = _walk(walk, "Snelweg")
    assert verdict == "n/a" and pd.isna(rule) and source == "none"


def test_a_slip_road_has_no_frontage(walk):
    verdict, rule, source, reason, _ = _walk(walk, "Afslag")
    assert (verdict, rule, source) == ("unknown", "W10-no-footway-plausible", "none")
    assert "primary_link" in reason and "no frontage" in reason


def test_an_autoweg_has_no_frontage(walk):
    verdict, rule, source, reason, _ = _walk(walk, "Autoweg")
    assert (verdict, rule, source) == ("unknown", "W10-no-footway-plausible", "none")
    assert "motorroad=yes" in reason


def test_an_ordinary_residential_street_assumes_a_footway_and_says_so(walk):
    verdict, rule, source, reason, fix = _walk(walk, "Gewone Straat")
    assert (verdict, rule, source) == ("pass", "W8-footway-assumed", "assumed")
    assert reason.startswith("footway assumed on both sides (no sidewalk tag")
    assert pd.isna(fix)


def test_foot_no_is_not_for_pedestrians(walk):
    verdict, _, source, _, _ = _walk(walk, "Verboden Straat")
    assert (verdict, source) == ("n/a", "none")


def test_the_rules_are_settings(data_dir):
    net = load_network([data_dir / "toets_walk.osm"], cache=False)
    lax = ToetsSettings(walk_no_frontage_classes=[], walk_no_footway_on_motorroad=False,
                        walk_no_footway_in_tunnels=False)
    out = segment_toets(net.edges, lax).join(net.edges[["name"]])
    by = out.set_index("name")
    for name in ("Tunnelweg", "Afslag", "Autoweg"):
        assert (by.loc[name, "toets_walk_rule"], by.loc[name, "walk_footway_source"]) == (
            "W8-footway-assumed", "assumed"), name
    # without assuming, untagged streets fail for want of a tag, as before
    strict = segment_toets(net.edges, ToetsSettings(assume_sidewalk_when_untagged=False))
    strict = strict.join(net.edges[["name"]]).set_index("name")
    assert strict.loc["Gewone Straat", "toets_walk_rule"] == "W9-no-footway-tag"
    assert strict.loc["Gewone Straat", "walk_footway_source"] == "none"
    assert strict.loc["Stoepweg", "walk_footway_source"] == "tagged"


def test_plausibility_on_a_bare_frame():
    """Columns missing from the frame count as false: only the class decides."""
    frame = pd.DataFrame({"highway": ["residential", "trunk_link", "secondary"],
                          "mode_drive": [True, True, True],
                          "tunnel": [False, False, True]})
    got = footway_plausibility(frame)
    assert got["plausible"].tolist() == [True, False, False]
    assert got["tunnel"].tolist() == [False, False, True]
    assert got["why"].iloc[0] == "" and "trunk_link" in got["why"].iloc[1]
    assert got["why"].iloc[2].startswith("in a tunnel")
