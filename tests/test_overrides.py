"""Settings changed by dotted key (``mobisim.scenario.overrides``): what a sweep varies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mobisim.errors import ScenarioError
from mobisim.scenario import load_scenario
from mobisim.scenario.overrides import INPUT_KEYS, setting_keys, with_overrides

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def volt():
    """The main scenario (extends baseline.toml; sets noise_limit by name and [parking.tariff])."""
    return load_scenario(REPO / "scenarios" / "volt-2026.toml")


def test_keys_cover_sections_tables_and_lists(volt) -> None:
    keys = setting_keys(volt)
    assert keys["rules.noise_threshold_lden_db"] == "number ≥ 30 and ≤ 90 (now 63.0)"
    assert keys["programme"] == "true/false (now true)"
    assert keys["calming_plan.start_year"].startswith("whole number ≥ 1900 and ≤ 2200")
    # nested tables, named entries of a table, tables inside named entries, a whole list
    assert "driven_speed.sign_only_residual_kmh.central" in keys
    assert "rules.daily_traffic_by_class.primary" in keys
    assert "parking.tariff.classes.large_combustion.factor" in keys
    assert keys["rules.air_background_no2_ugm3"].startswith("list (now [")
    assert keys["rules.noise_limit"].startswith("one of 'who-2018'")
    # inputs are not variable
    assert not INPUT_KEYS & set(keys)
    assert not [k for k in keys if k.startswith(("data.", "interventions", "name"))]


def test_value_changed_and_original_kept(volt) -> None:
    sc = with_overrides(volt, {"rules.noise_threshold_lden_db": 58})
    assert sc.rules.noise_threshold_lden_db == 58.0
    assert sc.rules.noise_limit is None  # the named limit it replaces goes, as in an extending file
    assert volt.rules.noise_threshold_lden_db == 63.0 and volt.rules.noise_limit == "wgh-max-urban"
    assert sc.path == volt.path and sc.chain == volt.chain
    assert sc.parking == volt.parking and sc.interventions == volt.interventions


def test_named_alternative_replaces_number(volt) -> None:
    sc = with_overrides(with_overrides(volt, {"rules.noise_threshold_lden_db": 58}), {"rules.noise_limit": "who-2018"})
    assert sc.rules.noise_threshold_lden_db == 53.0


def test_nested_tables_and_named_entries(volt) -> None:
    sc = with_overrides(volt, {"driven_speed.sign_only_residual_kmh.central": 12,
                               "plan.budget_eur_by_year.2028": 5e6,
                               "parking.tariff.classes.large_combustion.factor": 2.5,
                               "rules.daily_traffic_by_class.primary": 15000})
    rng = sc.driven_speed.sign_only_residual_kmh
    assert (rng.low, rng.central, rng.high) == (5.0, 12.0, 15.0)  # the rest of the table kept
    assert sc.plan.budget_eur_by_year[2028] == 5e6
    assert {k: v for k, v in sc.plan.budget_eur_by_year.items() if k != 2028} == \
        {k: v for k, v in volt.plan.budget_eur_by_year.items() if k != 2028}
    assert sc.parking.tariff.classes["large_combustion"].factor == 2.5
    assert sc.parking.tariff.surcharge_start_year == volt.parking.tariff.surcharge_start_year
    assert sc.rules.daily_traffic_by_class["primary"] == 15000
    assert sc.rules.daily_traffic_by_class["secondary"] == volt.rules.daily_traffic_by_class["secondary"]


def test_lists_and_numpy_values(volt) -> None:
    sc = with_overrides(volt, {"rules.air_background_no2_ugm3": np.array([10.0, 12.0, 14.0]),
                               "rules.crossing_max_gap_m": np.float64(300), "calming_plan.start_year": np.int64(2028)})
    assert sc.rules.air_background_no2_ugm3 == [10.0, 12.0, 14.0]
    assert sc.rules.crossing_max_gap_m == 300.0 and sc.calming_plan.start_year == 2028


def test_one_city_permit_count_and_years_follow(volt) -> None:
    sc = with_overrides(volt, {"parking.permits_city": 100_000})
    assert sc.parking.permits_city == sc.parking.tariff.permits_citywide == 100_000
    later = with_overrides(volt, {"horizon": 2035})
    assert later.horizon == later.parking.horizon == 2035


@pytest.mark.parametrize(("overrides", "message"), [
    ({"rules.noise_treshold_lden_db": 60},
     "override: rules.noise_treshold_lden_db: unknown key (did you mean rules.noise_threshold_lden_db"),
    ({"rules.nothing_like_this_at_all": 1}, "override: rules.nothing_like_this_at_all: unknown key (see"),
    ({"rules.noise_threshold_lden_db": 100},
     "override: rules.noise_threshold_lden_db: expected a number ≥ 30 and ≤ 90, got 100"),
    ({"rules.noise_threshold_lden_db": "loud"}, "override: rules.noise_threshold_lden_db: expected a number, got \"loud\""),
    ({"rules.noise_limit": "loud"}, "override: rules.noise_limit: expected one of 'who-2018'"),
    ({"programme": "maybe"}, "override: programme: expected true or false, got \"maybe\""),
    ({"rules.air_background_no2_ugm3": [1, 2]}, "override: rules.air_background_no2_ugm3: expected at least 3 item(s)"),
    ({"rules.air_background_no2_ugm3": [15, 12, 10]}, "override: rules: air_background_no2_ugm3 must be low ≤ central"),
    ({"driven_speed.sign_only_residual_kmh.central": 80},
     "override: driven_speed.sign_only_residual_kmh.central: expected a number ≥ 0 and ≤ 50, got 80"),
    ({"horizon": 2020}, "override: horizon: expected horizon after base_year"),
    ({"data.osm": "other.osm"}, "override: data.osm: cannot be varied"),
    ({"rules.air_layer_path": "no2.gpkg"}, "override: rules.air_layer_path: cannot be varied"),
])
def test_bad_override_is_one_line_naming_the_key(volt, overrides, message) -> None:
    with pytest.raises(ScenarioError) as err:
        with_overrides(volt, overrides)
    text = str(err.value)
    assert text.startswith(message), text
    assert "\n" not in text


def test_where_names_the_caller(volt) -> None:
    with pytest.raises(ScenarioError, match=r"^--vary: rules.crossing_max_gap_m: expected a number > 0"):
        with_overrides(volt, {"rules.crossing_max_gap_m": 0}, where="--vary")


def test_every_listed_key_takes_its_own_value(volt) -> None:
    """Setting each key to the value it has changes nothing (every listed key is reachable)."""
    values = {}
    for key in setting_keys(volt):
        node = volt
        for part in key.split("."):
            node = next(v for k, v in node.items() if str(k) == part) if isinstance(node, dict) else getattr(node, part)
        values[key] = node
    assert with_overrides(volt, values) == volt
