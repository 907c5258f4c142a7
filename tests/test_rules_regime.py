"""The 30/50 rule on hand-written OSM fixtures: every branch asserts the verdict and its reason."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from pydantic import ValidationError

from edge_lookup import one as _one
from edge_lookup import street as _street
from mobisim.load import load_network
from mobisim.load.air import air_layer_for
from mobisim.rules import RuleSettings, evaluate, evaluate_regime
from mobisim.rules.toets import ToetsSettings, evaluate_toets


def _load(data_dir, *names):
    return load_network([data_dir / n for n in names])




def _metres(text: str, after: str) -> float:
    m = re.search(re.escape(after) + r" (\d+) m", text)
    assert m, text
    return float(m.group(1))


@pytest.fixture(scope="module")
def c1(data_dir):
    return evaluate(_load(data_dir, "rules_c1.osm"))


@pytest.fixture(scope="module")
def c2(data_dir):
    return evaluate(_load(data_dir, "rules_c2.osm"))


@pytest.fixture(scope="module")
def fifty(data_dir):
    return evaluate(_load(data_dir, "rules_fifty.osm", "rules_fifty_buildings.osm"))


@pytest.fixture(scope="module")
def fifty_who(data_dir):
    """rules_fifty with the WHO 2018 noise limit (53 dB): Drukke Laan's 63 dB at 20 m fails C3."""
    return evaluate(_load(data_dir, "rules_fifty.osm", "rules_fifty_buildings.osm"),
                    RuleSettings(noise_limit="who-2018"))


@pytest.fixture(scope="module")
def speeds(data_dir):
    return evaluate(_load(data_dir, "rules_speeds.osm"))


# --- C1 -------------------------------------------------------------------------------------


def test_c1_passes_with_parallel_separated_cycle_paths(c1):
    assert _one(c1, "Parallelweg", "c1_cycle_path") == "pass"
    assert "separated cycle track on both sides (geometry)" in _one(c1, "Parallelweg", "c1_evidence")


def test_c1_fails_without_cycle_path_in_a_network_that_has_them(c1):
    assert _one(c1, "Kaleweg", "c1_cycle_path") == "fail"
    assert "no separated cycle path" in _one(c1, "Kaleweg", "c1_evidence")


def test_c1_painted_lane_does_not_count_at_50(c1):
    assert _one(c1, "Schilderstraat", "c1_cycle_path") == "fail"
    ev = _one(c1, "Schilderstraat", "c1_evidence")
    assert "painted cycle lane only" in ev and "does not count at 50" in ev


def test_c1_dual_carriageway_with_a_track_beside_each_half_passes(c1):
    halves = _street(c1, "Tweebaansweg")
    assert len(halves) == 2 and halves["oneway"].all()
    assert (halves["c1_cycle_path"] == "pass").all()
    assert halves["c1_evidence"].str.startswith("one-way carriageway").all()
    assert (halves["toets_bike_rule"] == "B2-separated").all()


def test_c1_unknown_when_the_data_has_no_cycle_information(c2):
    # rules_c2.osm has no cycleway tags and no cycle paths: nothing to demonstrate separation
    # (the input carries no cycleway* tag at all, so C1 says that, not just "no paths")
    assert _one(c2, "Noorderlaan", "c1_cycle_path") == "unknown"
    assert "the input carries no cycleway tags at all" in _one(c2, "Noorderlaan", "c1_evidence")


# --- C2 -------------------------------------------------------------------------------------


def test_c2_school_at_100_m_fails_and_names_it(c2):
    assert _one(c2, "Noorderlaan", "c2_sensitive_sites") == "fail"
    ev = _one(c2, "Noorderlaan", "c2_evidence")
    assert "Basisschool De Klimop (primary school)" in ev
    assert abs(_metres(ev, "at") - 100) <= 2


def test_c2_school_at_300_m_passes(c2):
    assert _one(c2, "Zuiderlaan", "c2_sensitive_sites") == "pass"
    ev = _one(c2, "Zuiderlaan", "c2_evidence")
    assert "Basisschool De Klimop (primary school)" in ev
    assert abs(_metres(ev, "at") - 300) <= 3


def test_c2_distance_comes_from_the_settings(data_dir):
    net = evaluate(_load(data_dir, "rules_c2.osm"), RuleSettings(sensitive_distance_m=50))
    assert _one(net, "Noorderlaan", "c2_sensitive_sites") == "pass"
    assert "(limit 50 m)" in _one(net, "Noorderlaan", "c2_evidence")


def test_c2_unknown_without_any_sensitive_feature(c1):
    assert _one(c1, "Kaleweg", "c2_sensitive_sites") == "unknown"
    assert "load a feature file" in _one(c1, "Kaleweg", "c2_evidence")


# --- C3 -------------------------------------------------------------------------------------


def test_c3_building_at_20_m_fails_on_noise(fifty_who):
    assert _one(fifty_who, "Drukke Laan", "c3_air_noise") == "fail"
    assert _one(fifty_who, "Drukke Laan", "c3_noise") == "fail"
    ev = _one(fifty_who, "Drukke Laan", "c3_evidence")
    assert "limit 53 dB (who-2018 = omgevingswet-standard)" in ev and "nearest building" in ev
    assert (_street(fifty_who, "Drukke Laan")["noise_lden_db"] > 53).all()


def test_c3_building_at_20_m_is_within_the_default_63_db(fifty):
    # the default limit is 63 dB (wgh-max-urban): ~62.9 dB at 20 m passes the noise part
    assert _one(fifty, "Drukke Laan", "c3_noise") == "pass"
    assert "limit 63 dB (wgh-max-urban)" in _one(fifty, "Drukke Laan", "c3_evidence")
    assert (_street(fifty, "Drukke Laan")["noise_lden_db"] <= 63).all()


def test_c3_passes_with_no_building_nearby(fifty):
    assert _one(fifty, "Snelle Laan", "c3_air_noise") == "pass"
    assert "no building within 200 m" in _one(fifty, "Snelle Laan", "c3_evidence")


def test_c3_unknown_without_buildings_or_landuse(c2):
    assert _one(c2, "Noorderlaan", "c3_air_noise") == "unknown"
    assert "façade distance unknown" in _one(c2, "Noorderlaan", "c3_evidence")


def test_c3_threshold_comes_from_the_settings(data_dir):
    net = _load(data_dir, "rules_fifty.osm", "rules_fifty_buildings.osm")
    # 70 dB for noise and the current EU NO2 limit (40 µg/m³: the proxy's high estimate is within)
    evaluate(net, RuleSettings(noise_threshold_lden_db=70, air_limit="eu-current"))
    assert _one(net, "Drukke Laan", "c3_air_noise") == "pass"
    assert _one(net, "Drukke Laan", "regime") == "50"


# --- C4 -------------------------------------------------------------------------------------


def test_c4_passes_with_signalised_crossings_every_120_m(fifty):
    assert _one(fifty, "Snelle Laan", "c4_crossable") == "pass"
    assert "2 child-safe crossing(s) at its ends" in _one(fifty, "Snelle Laan", "c4_evidence")


def test_c4_fails_when_safe_crossings_are_too_far_apart(fifty):
    assert _one(fifty, "Lange Laan", "c4_crossable") == "fail"
    ev = _one(fifty, "Lange Laan", "c4_evidence")
    assert "more than 125 m = half the 250 m gap" in ev
    assert _metres(ev, "lies") > 250


def test_c4_fails_on_an_unsafe_crossing(data_dir):
    net = evaluate(_load(data_dir, "rules_crossings.osm"))
    brede = _street(net, "Brede Laan")
    at_node_2 = brede[(brede["u"] == 2) | (brede["v"] == 2)]
    assert len(at_node_2) and (at_node_2["c4_crossable"] == "fail").all()
    assert at_node_2["c4_evidence"].str.contains("crossing at node 2 is not child-safe").all()


# --- the regime -----------------------------------------------------------------------------


def test_all_four_criteria_pass_gives_50(fifty):
    assert _one(fifty, "Snelle Laan", "regime") == "50"
    assert _one(fifty, "Snelle Laan", "proposed_maxspeed") == 50
    assert _one(fifty, "Snelle Laan", "regime_rule") == "R5-50-justified"
    assert "all four criteria pass" in _one(fifty, "Snelle Laan", "regime_reason")


def test_fifty_only_where_all_four_criteria_pass(fifty):
    """The shared-data contract's "50 only where all four criteria pass", on a fixture where roads
    really keep 50 (the shared data has none after the rule)."""
    e = fifty.edges
    crit = ["c1_cycle_path", "c2_sensitive_sites", "c3_air_noise", "c4_crossable"]
    kept = e[e["regime"] == "50"]
    assert len(kept) > 0 and "Snelle Laan" in set(kept["name"])
    assert kept[crit].eq("pass").fillna(False).all(axis=None)  # an unknown (NA) is no pass
    short = e[e["regime_tier"].notna() & (e[crit] != "pass").any(axis=1)]
    assert len(short) > 0 and "Lange Laan" in set(short["name"])
    assert (short["regime"] != "50").all()


def test_one_failing_criterion_gives_30_and_names_it(fifty_who):
    assert _one(fifty_who, "Drukke Laan", "regime") == "30"
    assert _one(fifty_who, "Drukke Laan", "proposed_maxspeed") == 30
    assert _one(fifty_who, "Drukke Laan", "regime_rule") == "R6-30-default"
    assert _one(fifty_who, "Drukke Laan", "regime_tier") == "to_30"
    assert _one(fifty_who, "Drukke Laan", "regime_deciding") == "C3"
    assert "30 km/h: C3 fail(s)" in _one(fifty_who, "Drukke Laan", "regime_reason")


def test_unknown_counts_as_not_demonstrated(c2):
    # Zuiderlaan passes C2 but C1, C3, C4 are unknown: 50 is not justified ("50 if shown")
    assert _one(c2, "Zuiderlaan", "regime") == "30"
    assert _one(c2, "Zuiderlaan", "proposed_maxspeed") == 30
    assert _one(c2, "Zuiderlaan", "regime_tier") == "50_if_shown"
    assert _one(c2, "Zuiderlaan", "regime_rule") == "R5-50-if-shown"
    assert "C1+C3+C4 unknown" in _one(c2, "Zuiderlaan", "regime_reason")


def test_residential_street_already_at_30(speeds):
    assert _one(speeds, "Rustige Straat", "regime") == "30"
    assert _one(speeds, "Rustige Straat", "regime_rule") == "R4-already-30"
    assert "already 30 km/h" in _one(speeds, "Rustige Straat", "regime_reason")


def test_living_street_stays_at_walking_pace(speeds):
    assert _one(speeds, "Bètaerf", "regime") == "30"
    assert _one(speeds, "Bètaerf", "proposed_maxspeed") == 15
    assert _one(speeds, "Bètaerf", "regime_rule") == "R3-living-street"


def test_motorway_is_out_of_scope(speeds):
    motorway = speeds.edges[speeds.edges["highway"] == "motorway"]
    assert len(motorway) and (motorway["regime"] == "out_of_scope").all()
    assert (motorway["regime_rule"] == "R1-out-of-scope-class").all()
    assert (motorway["proposed_maxspeed"] == 100).all()
    assert motorway["c1_cycle_path"].isna().all()


def test_footway_is_not_a_road(fifty):
    foot = fifty.edges[fifty.edges["highway"] == "footway"]
    assert len(foot) and (foot["regime"] == "not_road").all()


def test_calming_proposed_for_a_long_straight_30_road(fifty):
    # Lange Laan goes to 30 and is a 600 m straight without calming
    assert "speed humps" in _one(fifty, "Lange Laan", "calming")
    assert "straight stretch of" in _one(fifty, "Lange Laan", "calming_reason")
    assert pd.isna(_one(fifty, "Snelle Laan", "calming"))  # a 50-road gets no 30 calming


def test_calming_road_diet_for_two_lanes_per_direction(data_dir):
    net = evaluate(_load(data_dir, "rules_crossings.osm"))
    assert _one(net, "Brede Laan", "calming").startswith("road diet")
    assert "2 lanes per direction" in _one(net, "Brede Laan", "calming_reason")


def test_regime_runs_the_toets_when_missing(data_dir):
    net = evaluate_regime(_load(data_dir, "rules_speeds.osm"))
    assert "toets_crossing" in net.nodes.columns and "toets_bike" in net.edges.columns
    assert _one(net, "Woonstraat", "regime") == "30"


def test_toets_can_be_rerun_on_the_proposed_speeds(speeds):
    net = speeds.copy()
    assert _one(net, "Woonstraat", "toets_bike") == "fail"
    evaluate_toets(net, ToetsSettings(), speed_column="proposed_maxspeed")
    assert _one(net, "Woonstraat", "toets_bike") == "pass"
    assert _one(net, "Woonstraat", "toets_bike_rule") == "B8-mixed-30"
    # the regime keeps judging today's crossings after such a re-run
    evaluate_regime(net)
    assert _one(net, "Woonstraat", "regime") == "30"


def test_settings_reject_unknown_keys():
    with pytest.raises(ValidationError):
        RuleSettings(sensitive_distanse_m=100)
    with pytest.raises(ValidationError):
        ToetsSettings(mixed_max_speed=40)


# --- junction fixes -------------------------------------------------------------------------


def test_busy_unsignalised_junction_on_a_would_be_50_road_gets_a_fix(data_dir):
    net = evaluate(_load(data_dir, "rules_junction.osm"))
    # C1–C3 pass; the junction crossing is what stands between these roads and 50
    assert set(net.edges["c3_air_noise"]) == {"pass"}
    node = net.nodes.loc[5]
    assert node["toets_crossing"] == "fail"
    assert node["junction_fix"] == "single-lane roundabout"
    assert "~20000 vehicles/day entering" in node["junction_fix_reason"]
    assert net.nodes.drop(index=5)["junction_fix"].isna().all()


def test_signalised_junction_needs_no_fix(data_dir):
    net = _load(data_dir, "rules_junction.osm")
    net.nodes.loc[5, "signals"] = True
    evaluate(net)
    assert net.nodes.loc[5, "toets_crossing"] == "pass"
    assert pd.isna(net.nodes.loc[5, "junction_fix"])


def test_junction_busy_threshold_is_a_setting(data_dir):
    net = evaluate(_load(data_dir, "rules_junction.osm"), RuleSettings(junction_busy_daily_traffic=25000))
    assert pd.isna(net.nodes.loc[5, "junction_fix"])


# --- C3 with a concentration layer (air_mode = "layer") ----------------------------------------


def _air_layer(tmp_path, geometry, no2, name="no2.geojson"):
    """A one-feature NO2 layer (GeoJSON, WGS84) written next to the test."""
    import geopandas as gpd

    path = tmp_path / name
    gpd.GeoDataFrame({"no2": [no2]}, geometry=[geometry], crs=28992).to_crs(4326).to_file(path, driver="GeoJSON")
    return path


def _laan(data_dir, settings):
    """The rules on the Drukke Laan network, the layer read as the pipeline reads it (in load)."""
    net = _load(data_dir, "rules_fifty.osm", "rules_fifty_buildings.osm")
    return evaluate(net, settings, air_layer=air_layer_for(settings))


def _quiet(**kw):
    """Noise passes (70 dB), so C3 turns on the air part alone."""
    return RuleSettings(noise_threshold_lden_db=70, **kw)


def test_c3_layer_over_the_limit_fails_and_names_the_value(data_dir, tmp_path):
    net = _load(data_dir, "rules_fifty.osm", "rules_fifty_buildings.osm")
    zone = _street(net, "Drukke Laan").geometry.union_all().buffer(30)
    net = _laan(data_dir, _quiet(air_mode="layer", air_layer_path=_air_layer(tmp_path, zone, 24.0)))
    assert _one(net, "Drukke Laan", "c3_air_noise") == "fail"
    ev = _one(net, "Drukke Laan", "c3_evidence")
    assert "NO2 ≈ 24.0 µg/m³ (no2.geojson) vs 20 µg/m³ (eu-2030)" in ev
    assert _one(net, "Drukke Laan", "regime") == "30"


def test_c3_layer_under_the_limit_lets_the_road_keep_50(data_dir, tmp_path):
    net = _load(data_dir, "rules_fifty.osm", "rules_fifty_buildings.osm")
    zone = _street(net, "Drukke Laan").geometry.union_all().buffer(30)
    path = _air_layer(tmp_path, zone, 24.0)
    net = _laan(data_dir, _quiet(air_mode="layer", air_layer_path=path, air_limit_ugm3=25))
    assert _one(net, "Drukke Laan", "c3_air_noise") == "pass"
    assert "vs 25 µg/m³ (scenario value)" in _one(net, "Drukke Laan", "c3_evidence")
    assert _one(net, "Drukke Laan", "regime") == "50"


def test_c3_layer_points_within_reach_or_unknown(data_dir, tmp_path):
    from shapely.geometry import Point

    net = _load(data_dir, "rules_fifty.osm", "rules_fifty_buildings.osm")
    seg = _street(net, "Drukke Laan").iloc[0].geometry
    mid = seg.interpolate(0.5, normalized=True)
    near = _air_layer(tmp_path, Point(mid.x, mid.y + 30), 31.0, "near.geojson")
    far = _air_layer(tmp_path, Point(mid.x, mid.y + 500), 31.0, "far.geojson")
    net = _laan(data_dir, _quiet(air_mode="layer", air_layer_path=near))
    first = net.edges.loc[_street(net, "Drukke Laan").index[0]]
    assert first["c3_air_noise"] == "fail" and "NO2 ≈ 31.0 µg/m³ (near.geojson)" in first["c3_evidence"]
    net = _laan(data_dir, _quiet(air_mode="layer", air_layer_path=far))
    assert _one(net, "Drukke Laan", "c3_air_noise") == "unknown"
    assert "far.geojson does not cover this segment within 50 m" in _one(net, "Drukke Laan", "c3_evidence")
    assert _one(net, "Drukke Laan", "regime") == "30"  # unknown is not demonstrated


def test_c3_layer_needs_a_file_and_a_numeric_column(data_dir, tmp_path):
    from shapely.geometry import Point

    from mobisim.errors import InputFileError

    with pytest.raises(ValidationError, match="air_mode = 'layer' needs air_layer_path"):
        RuleSettings(air_mode="layer")
    path = _air_layer(tmp_path, Point(80000, 455000), 20.0)
    with pytest.raises(InputFileError, match=r"no2.geojson: no column 'pm25' \(columns: no2\)"):
        _laan(data_dir, _quiet(air_mode="layer", air_layer_path=path, air_layer_column="pm25"))
    with pytest.raises(InputFileError, match="nope.geojson: value layer not found"):
        _laan(data_dir, _quiet(air_mode="layer", air_layer_path=tmp_path / "nope.geojson"))


def test_c3_layer_is_read_in_load_and_passed_to_the_rules(data_dir, tmp_path):
    """The rules read no file: without the layer, layer mode is refused; the reader gives value + geometry."""
    from shapely.geometry import Point

    from mobisim.load.air import read_air_layer

    settings = _quiet(air_mode="layer", air_layer_path=_air_layer(tmp_path, Point(80000, 455000), 20.0))
    net = _load(data_dir, "rules_fifty.osm", "rules_fifty_buildings.osm")
    with pytest.raises(ValueError, match="air_mode = 'layer' needs the concentration layer"):
        evaluate(net, settings)
    layer = read_air_layer(settings.air_layer_path, "no2")
    assert list(layer.columns) == ["value", "geometry"] and layer.crs == "EPSG:28992"
    assert layer["value"].tolist() == [20.0]
    assert air_layer_for(RuleSettings()) is None  # the proxy reads nothing
