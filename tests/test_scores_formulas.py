"""Score formulas on small hand-built frames, each result computed by hand in the comments."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from frames import edges_frame
from pydantic import ValidationError

from mobisim.score import (
    ScoreSettings,
    composite,
    composite_parts,
    explain_scores,
    parking_space,
    power_model,
    regime_change,
    regime_lengths,
    safety_gain,
    school_children_safe,
    toets_rates,
)


@pytest.fixture
def before() -> pd.DataFrame:
    # a: residential 1000 m at 50; b: primary 1000 m at 50; c: residential 500 m at 30;
    # d: motorway 2000 m at 100; e: cycleway 300 m (not a road); f: residential 200 m, no limit
    return edges_frame(
        highway=["residential", "primary", "residential", "motorway", "cycleway", "residential"],
        length=[1000.0, 1000.0, 500.0, 2000.0, 300.0, 200.0],
        maxspeed=pd.array([50, 50, 30, 100, None, None], dtype="Int64"),
        is_road=[True, True, True, True, False, True],
    )


@pytest.fixture
def settings() -> ScoreSettings:
    return ScoreSettings(
        exposure_vehicles_per_day={"residential": 1000, "primary": 3000, "motorway": 0},
        speed_response_sign_only={"low": 0.25, "central": 0.25, "high": 0.25},
        exposure_weighting="vehicle_km",
    )


def test_regime_lengths_by_limit(before):
    r = regime_lengths(before)
    # 30: c 0.5 km; 50: a + b = 2 km; other: d 2 km; unknown: f 0.2 km; e is not a road
    assert r["value"] == {"30": 0.5, "50": 2.0, "other": 2.0, "unknown": 0.2}
    assert r["inputs"]["road_km"] == 4.7
    assert r["inputs"]["road_segments"] == 5
    assert "length" in r["formula"]


def test_regime_change_before_after(before):
    after = before.assign(proposed_maxspeed=pd.array([30, 50, 30, 100, None, 30], dtype="Int64"))
    r = regime_change(before, after, after_col="proposed_maxspeed")
    assert r["value"]["after"] == {"30": 1.7, "50": 1.0, "other": 2.0, "unknown": 0.0}
    assert r["value"]["change"] == {"30": 1.2, "50": -1.0, "other": 0.0, "unknown": -0.2}


def test_power_model_by_hand(before, settings):
    after = before.copy()
    after["maxspeed"] = pd.array([30, 50, 30, 100, None, None], dtype="Int64")
    r = power_model(before, after, settings)
    # only a changes: v0 = 50, v1 = 50 + 0.25·(30 − 50) = 45, ratio 0.9
    # weights: a 1·1000, b 1·3000, c 0.5·1000 = 500, d 2·0 = 0 → Σw = 4500 (f has no limit)
    # N1/N0 = (1000·0.9^k + 3500) / 4500
    for sev, k in (("fatal", 4), ("fatal_serious", 3), ("injury", 2)):
        expected = (1000 * 0.9**k + 3500) / 4500 - 1
        assert r["value"][sev] == pytest.approx(expected, abs=1e-6)
    assert r["value"]["fatal_serious"] == pytest.approx(-0.06022, abs=1e-5)
    assert r["inputs"]["vehicle_km_per_day"] == 4500.0
    assert r["inputs"]["vehicle_km_per_day_changed"] == 1000.0
    assert r["inputs"]["limit_changes_km"] == {"50->30": 1.0}
    assert r["inputs"]["mean_speed_change_on_changed_roads"] == pytest.approx(-0.1)
    assert r["inputs"]["road_km_unknown_limit"] == 0.2


def test_power_model_uses_proposed_column_and_fraction(before):
    after = before.assign(proposed_maxspeed=pd.array([30, 30, 30, 100, None, None], dtype="Int64"))
    s = ScoreSettings(
        exposure_vehicles_per_day={"residential": 1000, "primary": 1000, "motorway": 1000},
        speed_response_sign_only={"low": 0.5, "central": 0.5, "high": 0.5},
        exposure_weighting="vehicle_km",
    )
    r = power_model(before, after, s, after_col="proposed_maxspeed")
    # a, b: v1/v0 = 40/50 = 0.8; weights a 1000, b 1000, c 500, d 2000 → Σw = 4500
    expected = (2000 * 0.8**3 + 2500) / 4500 - 1
    assert r["value"]["fatal_serious"] == pytest.approx(expected, abs=1e-6)


def test_power_model_segment_daily_traffic_overrides_class(before, settings):
    # close_through_traffic writes daily_traffic: b (primary) now carries 1000 instead of 3000
    b = before.assign(daily_traffic=pd.array([None, 1000, None, None, None, None], dtype="Float64"))
    after = b.assign(maxspeed=pd.array([30, 50, 30, 100, None, None], dtype="Int64"))
    r = power_model(b, after, settings)
    # Σw = 1000 + 1000 + 500 + 0 = 2500; N1/N0 = (1000·0.9³ + 1500) / 2500
    assert r["value"]["fatal_serious"] == pytest.approx((1000 * 0.729 + 1500) / 2500 - 1, abs=1e-6)


def test_power_model_no_change_is_zero(before, settings):
    r = power_model(before, before.copy(), settings)
    assert r["value"] == {"fatal": 0.0, "fatal_serious": 0.0, "injury": 0.0}


def test_exposure_partial_override_keeps_other_defaults():
    s = ScoreSettings(exposure_vehicles_per_day={"primary": 20000})
    assert s.exposure_vehicles_per_day["primary"] == 20000
    assert s.exposure_vehicles_per_day["residential"] == ScoreSettings().exposure_vehicles_per_day["residential"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"speed_response_sign_only": {"low": 0.2, "central": 0.1, "high": 0.3}},
        {"speed_response_redesign": {"low": -0.1, "central": 0.3, "high": 0.5}},
        {"speed_response_redesign": {"low": 0.1, "central": 0.3, "high": 1.5}},
        {"casualty_share_by_limit": {"50": -1}},
        {"exposure_vehicles_per_day": {"primary": -1}},
        {"composite_weights": {"toets_al": 1}},
        {"power_exponents": {"fatal": 0}},
        {"unknown_setting": 1},
    ],
)
def test_score_settings_reject_bad_values(kwargs):
    with pytest.raises(ValidationError):
        ScoreSettings(**kwargs)


@pytest.fixture
def toets_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    edges = edges_frame(
        u=[1, 2, 3, 4, 5],
        v=[2, 3, 4, 5, 6],
        length=[100.0, 200.0, 300.0, 400.0, 50.0],
        toets_bike=["pass", "fail", "pass", "n/a", "n/a"],
        toets_walk=["pass", "pass", "fail", "pass", "n/a"],
        toets_pass=[True, False, False, True, False],
        school_route_children=[10.0, 0.0, 5.0, 0.0, 3.0],
    )
    nodes = pd.DataFrame(
        {
            "is_crossing": [True, True, True, False, True, False],
            "toets_crossing": ["pass", "fail", "pass", "n/a", "n/a", "n/a"],
        },
        index=pd.Index([1, 2, 3, 4, 5, 6], name="node_id"),
    )
    return edges, nodes


def test_toets_rates_by_length(toets_frames):
    edges, nodes = toets_frames
    r = toets_rates(edges, nodes)
    v = r["value"]
    # evaluated: first four (1000 m); passed: 100 + 400 = 500 → 0.5
    assert v["all"] == pytest.approx(0.5)
    # school routes evaluated: 100 + 300 (the 50 m one is n/a) → passed 100 → 0.25
    assert v["school_routes"] == pytest.approx(0.25)
    # bike: evaluated 600 m, passed 400 → 2/3; walk: evaluated 1000, passed 700
    assert v["bike"] == pytest.approx(2 / 3, abs=1e-6)
    assert v["walk"] == pytest.approx(0.7)
    # crossings rated: nodes 1, 2, 3 → 2 pass of 3; on school routes: nodes 1,2,3,4,5,6 of
    # school edges (1-2, 3-4, 5-6) → rated 1, 2, 3 → 2 of 3
    assert v["crossings"] == pytest.approx(2 / 3, abs=1e-6)
    assert v["crossings_school_routes"] == pytest.approx(2 / 3, abs=1e-6)
    assert r["inputs"]["crossings_rated"] == 3
    assert r["inputs"]["crossings_school_routes_rated"] == 3
    assert r["inputs"]["evaluated_km"] == 1.0


def test_toets_rates_without_school_columns(toets_frames):
    edges, _ = toets_frames
    r = toets_rates(edges.drop(columns="school_route_children"))
    assert r["value"]["school_routes"] is None
    assert r["value"]["crossings"] is None
    assert r["inputs"]["school_routes_available"] is False


def test_school_children_safe_share():
    r = school_children_safe(400, 100)
    assert r["value"] == 0.25
    assert r["inputs"] == {"children_routed": 400.0, "children_safe": 100.0}
    with pytest.raises(ValueError):
        school_children_safe(10, 11)
    assert school_children_safe(0, 0)["value"] is None


def test_parking_space_by_hand():
    from mobisim.parking import ParkingSettings

    p = ParkingSettings(space_area_m2=12, bikes_per_space=10)
    r = parking_space(1000, spaces_converted=20, horizon=2030, parking=p)
    # (1000 + 20) spaces × 12 m²; bikes only on the cap's 1000 spaces × the 30 % bike share × 10 bikes
    assert r["value"] == {"spaces_freed": 1020, "spaces_freed_by_cap": 1000, "area_m2": 12240,
                          "bike_parking_equivalent": 3000}
    assert all(isinstance(v, int) for v in r["value"].values())
    assert r["inputs"]["horizon"] == 2030 and r["inputs"]["space_area_m2"] == 12.0
    # defaults: the parking model's 12.5 m² per space
    assert parking_space(2)["value"]["area_m2"] == 2 * ParkingSettings().space_area_m2


def test_safety_gain_clipped():
    s = ScoreSettings(safety_gain_target=0.3)
    assert safety_gain({"value": {"fatal_serious": -0.15}}, s) == pytest.approx(0.5)
    assert safety_gain({"value": {"fatal_serious": -0.6}}, s) == 1.0
    assert safety_gain({"value": {"fatal_serious": 0.1}}, s) == 0.0
    assert str(safety_gain({"value": {"fatal_serious": 0.0}}, s)) == "0.0"


def test_composite_weighted_mean_and_missing_parts():
    s = ScoreSettings(
        composite_weights={
            "toets_all": 1, "toets_school_routes": 1, "safe_crossings": 0,
            "school_children_safe": 2, "fatal_serious": 1,
        }
    )
    parts = {"toets_all": 0.5, "toets_school_routes": 0.25, "safe_crossings": 1.0,
             "school_children_safe": None, "fatal_serious": 1.0}
    r = composite(parts, s)
    # (1·0.5 + 1·0.25 + 0·1 + 1·1) / (1 + 1 + 0 + 1) = 1.75 / 3 → 58.3
    assert r["value"] == 58.3
    assert r["inputs"]["missing"] == ["school_children_safe"]
    assert "Σ" in r["formula"]
    with pytest.raises(ValueError):
        composite({"toets_all": 1.5}, s)
    with pytest.raises(ValueError):
        composite({"bogus": 0.5}, s)


def test_composite_parts_from_results(toets_frames, before, settings):
    edges, nodes = toets_frames
    after = before.assign(maxspeed=pd.array([30, 50, 30, 100, None, None], dtype="Int64"))
    parts = composite_parts(
        toets=toets_rates(edges, nodes),
        power=power_model(before, after, settings),
        school=school_children_safe(4, 1),
        settings=settings,
    )
    assert parts["toets_all"] == 0.5
    assert parts["school_children_safe"] == 0.25
    assert parts["fatal_serious"] == pytest.approx(0.06022 / 0.3, abs=1e-4)
    # every result is JSON-serialisable as it stands (scores.json)
    json.dumps(composite(parts, settings))
    # today (no power result): the speed part is 0, not missing, so before/after share a scale
    today = composite_parts(toets=toets_rates(edges, nodes), settings=settings)
    assert today["fatal_serious"] == 0.0
    assert composite(today, settings)["inputs"]["missing"] == ["school_children_safe"]


def test_explain_scores_shows_every_formula_and_settings():
    text = explain_scores(ScoreSettings(speed_response_sign_only={"low": 0.1, "central": 0.4, "high": 0.5}))
    for needle in ("Power Model", "(v1/v0)^k", "f sign only = 0.1 / 0.4 / 0.5", "toets_pass", "composite", "child-safe",
                   "space_area_m2"):
        assert needle in text
