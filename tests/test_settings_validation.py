"""Every numeric setting of a scenario is finite and in range (issue 13, item 1).

The fields are found by introspecting the settings models, so a new field is covered without
touching this file: it must reject NaN and ±inf, carry a finite lower and upper bound (or be
listed in :data:`UNBOUNDED` with a reason), and keep its default inside that range. The scenario
loader names the key and the range in one line, and a grid that would explode memory is refused
before it is allocated.
"""

from __future__ import annotations

import math
import re
import typing
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from frames import scenario_error
from pydantic import BaseModel, ValidationError

from mobisim.errors import InputFileError
from mobisim.load import homes
from mobisim.scenario import Scenario, load_scenario
from mobisim.settings_base import Settings, key_text, numeric_fields, ranges_markdown

ROOT = Path(__file__).resolve().parents[1]
SKIP = frozenset({"interventions"})  # street-level changes, validated in mobisim.scenario.interventions
HEAD = 'name = "t"\n[data]\nosm = ["x.osm"]\n'

#: Numeric keys allowed an open end, with the reason (key as :func:`key_text` writes it, ``*``
#: for any table of the same name).
UNBOUNDED: dict[str, str] = {
    "toets.*[].max_daily_traffic": "the last row of an LTS table holds any traffic (inf); "
                                   "NaN and -inf are still refused",
}


def _unbounded_reason(path: tuple) -> str | None:
    key = key_text(path)
    for pattern, reason in UNBOUNDED.items():
        if re.fullmatch(re.escape(pattern).replace(r"\*", r"[^.]*"), key):
            return reason
    return None


FIELDS = numeric_fields(Scenario, SKIP)
IDS = [key_text(p) for p, _ in FIELDS]


# --------------------------------------------------------------------------------------------
# helpers: a valid scenario mapping with one value replaced


def _defaults() -> dict[str, Any]:
    raw = Scenario(name="t").model_dump(exclude={"interventions"})
    raw.pop("data")
    return raw


def _set(raw: dict[str, Any], path: tuple, value: Any) -> tuple:
    """Put ``value`` at ``path`` (``[]`` → the first item, ``{}`` → the first or a new entry);
    returns the concrete pydantic location."""
    node: Any = raw
    loc: list[Any] = []
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if part == "[]":
            key: Any = 0
            if not node:
                node.append(None)
        elif isinstance(part, str) and part.startswith("["):
            key = int(part[1:-1])
        elif part == "{}":
            key = next(iter(node), "x")
            if key not in node:
                node[key] = None
        else:
            key = part
        loc.append(key)
        if last:
            node[key] = value
        else:
            child = node[key] if not isinstance(node, dict) or key in node else None
            if isinstance(child, tuple):
                child = list(child)
                node[key] = child
            if child is None:
                nxt = path[i + 1]
                child = [] if nxt == "[]" or str(nxt).startswith("[") else {}
                node[key] = child
            node = child
    return tuple(loc)


def _validate(raw: dict[str, Any]) -> None:
    Scenario.model_validate(raw)


def _errors_at(raw: dict[str, Any], loc: tuple) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        _validate(raw)
    return [e for e in info.value.errors() if tuple(e["loc"])[: len(loc)] == loc]


# --------------------------------------------------------------------------------------------
# the one base class


def _models(model: type[BaseModel], seen: set[type] | None = None) -> set[type]:
    seen = set() if seen is None else seen
    if model in seen:
        return seen
    seen.add(model)

    def walk(tp: Any) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            _models(tp, seen)
        for arg in typing.get_args(tp):
            walk(arg)

    for name, field in model.model_fields.items():
        if name not in SKIP:
            walk(field.annotation)
    return seen


def test_every_settings_model_derives_from_the_one_base():
    models = _models(Scenario)
    assert len(models) >= 15
    for model in models:
        assert issubclass(model, Settings), model
        assert model.model_config.get("allow_inf_nan") is False, model
        assert model.model_config.get("extra") == "forbid", model


def test_the_fields_are_found():
    keys = set(IDS)
    assert len(FIELDS) > 150
    for key in ("rules.sensitive_distance_m", "schools.grid_spacing_m", "traffic.zone_size_m",
                "rules.daily_traffic_by_class.*", "parking.tariff.classes.*.share",
                "driven_speed.sign_only_residual_kmh.low", "toets.crossing_table[].max_lanes",
                "scores.composite_weights.toets_all", "calming_plan.km_per_year"):
        assert key in keys


# --------------------------------------------------------------------------------------------
# every numeric field: bounded, defaults inside, NaN/±inf and out-of-range values refused


@pytest.mark.parametrize(("path", "bounds"), FIELDS, ids=IDS)
def test_every_numeric_field_has_a_finite_range(path, bounds):
    if _unbounded_reason(path):
        assert bounds.lo is not None and math.isfinite(bounds.lo), "an open end needs a lower bound"
        return
    assert bounds.finite(), (
        f"{key_text(path)} has no finite lower and upper bound ({bounds}): give it Field(ge=…, le=…) "
        "or list it in UNBOUNDED with a reason")


def test_the_defaults_lie_inside_the_ranges():
    _validate(_defaults())  # pydantic does not check defaults itself


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize(("path", "bounds"), FIELDS, ids=IDS)
def test_every_numeric_field_rejects_non_finite_numbers(path, bounds, value):
    if value == math.inf and bounds.allow_inf:
        assert _unbounded_reason(path), f"{key_text(path)} takes inf without a reason in UNBOUNDED"
        return
    raw = _defaults()
    loc = _set(raw, path, value)
    assert _errors_at(raw, loc), f"{key_text(path)} = {value} was accepted"


@pytest.mark.parametrize("value", [True, "10"], ids=["true", "text"])
@pytest.mark.parametrize(("path", "bounds"), FIELDS, ids=IDS)
def test_every_numeric_field_rejects_text_and_booleans(path, bounds, value):
    """pydantic would read ``true`` as 1 and ``"10"`` as 10: a number must be written as one."""
    raw = _defaults()
    loc = _set(raw, path, value)
    with pytest.raises(ValidationError) as info:
        _validate(raw)
    # the error names the key itself, or the table/list holding it
    assert any(e["loc"] and loc[: len(e["loc"])] == tuple(e["loc"]) for e in info.value.errors()), info.value


@pytest.mark.parametrize(("path", "bounds"), FIELDS, ids=IDS)
def test_every_numeric_field_rejects_values_outside_its_range(path, bounds):
    def step(x: float) -> float:
        return 1 if bounds.kind is int else max(1e-6, abs(x or 1) * 1e-3)

    outside = []
    if bounds.lo is not None:
        outside.append(bounds.lo if bounds.lo_strict else bounds.lo - step(bounds.lo))
    if bounds.hi is not None and math.isfinite(bounds.hi):
        outside.append(bounds.hi if bounds.hi_strict else bounds.hi + step(bounds.hi))
    for value in outside:
        raw = _defaults()
        loc = _set(raw, path, int(value) if bounds.kind is int else value)
        assert _errors_at(raw, loc), f"{key_text(path)} = {value} was accepted"


def test_table_values_reject_negative_and_non_finite_numbers():
    from mobisim.parking import ParkingSettings
    from mobisim.parking.tariff import TariffSettings, VehicleClass
    from mobisim.rules import RuleSettings
    from mobisim.score import ScoreSettings
    from mobisim.traffic.settings import TrafficSettings

    for bad in (math.nan, math.inf, -1):
        with pytest.raises(ValidationError):
            RuleSettings(daily_traffic_by_class={"primary": bad})
        with pytest.raises(ValidationError):
            ScoreSettings(exposure_vehicles_per_day={"primary": bad})
        with pytest.raises(ValidationError):
            TrafficSettings(attraction_weights={"shop": bad})
        with pytest.raises(ValidationError):
            ParkingSettings(occupancy_by_wijk={"Centrum": bad})
        with pytest.raises(ValidationError):
            TariffSettings(classes={"all": VehicleClass(share=1.0), "x": {"share": 0.0, "factor": bad}})


# --------------------------------------------------------------------------------------------
# the scenario loader: one line with the key path and the range


@pytest.mark.parametrize(("text", "expected"), [
    ("[rules]\nsensitive_distance_m = nan\n",
     "s.toml: rules.sensitive_distance_m: expected a finite number ≥ 0 and ≤ 5000, got nan"),
    ("[rules]\nsensitive_distance_m = -1\n",
     "s.toml: rules.sensitive_distance_m: expected a number ≥ 0 and ≤ 5000, got -1"),
    ("[rules]\nsensitive_distance_m = inf\n",
     "s.toml: rules.sensitive_distance_m: expected a finite number ≥ 0 and ≤ 5000, got inf"),
    ("[rules]\nsensitive_distance_m = -inf\n",
     "s.toml: rules.sensitive_distance_m: expected a finite number ≥ 0 and ≤ 5000, got -inf"),
    ("[rules]\nhigh_speed_kmh = 500\n",
     "s.toml: rules.high_speed_kmh: expected a whole number ≥ 5 and ≤ 130, got 500"),
    ("[rules.daily_traffic_by_class]\nprimary = nan\n",
     "s.toml: rules.daily_traffic_by_class.primary: expected a finite number ≥ 0 and ≤ 1,000,000, got nan"),
    ("[schools]\ngrid_spacing_m = 0.01\n",
     "s.toml: schools.grid_spacing_m: expected a number ≥ 5 and ≤ 1000, got 0.01"),
    ("[scores.power_exponents]\nfatal = inf\n",
     "s.toml: scores.power_exponents.fatal: expected a finite number > 0 and ≤ 10, got inf"),
    ("[parking.tariff.classes.standard]\nshare = nan\n",
     "s.toml: parking.tariff.classes.standard.share: expected a finite number ≥ 0 and ≤ 1, got nan"),
    ("[toets]\nlane_speed_bins_kmh = [46, inf]\n",
     "s.toml: toets.lane_speed_bins_kmh[2]: expected a finite number ≥ 5 and ≤ 130, got inf"),
    ("[[toets.mixed_three_plus_lanes]]\nmax_daily_traffic = nan\nlts = [3, 3, 4, 4, 4, 4, 4]\n",
     "s.toml: toets.mixed_three_plus_lanes[1].max_daily_traffic: expected a number ≥ 0 (or inf for the "
     "last row), got nan"),
    ("[traffic]\nzone_size_m = nan\n",
     "s.toml: traffic.zone_size_m: expected a finite number ≥ 150 and ≤ 5000, got nan"),
    ("[rules]\nsensitive_distance_m = true\n",
     "s.toml: rules.sensitive_distance_m: expected a number, got true"),
    ("[rules]\nhigh_speed_kmh = \"50\"\n",
     's.toml: rules.high_speed_kmh: expected a whole number, got "50"'),
    ("[scores.exposure_vehicles_per_day]\nprimary = false\n",
     "s.toml: scores.exposure_vehicles_per_day: expected a number for `primary`, got false"),
    ("[driven_speed]\nnarrow_max_width_m = -inf\n",
     "s.toml: driven_speed.narrow_max_width_m: expected a finite number ≥ 0 and ≤ 20, got -inf"),
])
def test_the_loader_names_the_key_and_the_range(write, text, expected):
    assert scenario_error(write(HEAD + text)) == expected


def test_nan_no_longer_turns_criterion_c2_off(write):
    """The issue's case: ``nan`` made every distance comparison false, so C2 never failed."""
    msg = scenario_error(write(HEAD + "[rules]\nsensitive_distance_m = nan\n"))
    assert "\n" not in msg and "rules.sensitive_distance_m" in msg and "finite" in msg


def test_an_inf_row_bound_stays_valid(write):
    s = load_scenario(write(HEAD + "[[toets.mixed_three_plus_lanes]]\nmax_daily_traffic = inf\n"
                                   "lts = [3, 3, 4, 4, 4, 4, 4]\n"))
    assert s.toets.mixed_three_plus_lanes[0].max_daily_traffic == math.inf


def test_the_cli_gives_one_line_and_exit_2(write):
    from typer.testing import CliRunner

    from mobisim.cli import app

    path = write(HEAD + "[rules]\nsensitive_distance_m = nan\n")
    res = CliRunner().invoke(app, ["explain-scores", "--scenario", str(path)])
    assert res.exit_code == 2
    lines = [ln for ln in (res.stderr or res.output).splitlines() if ln.strip()]
    assert lines == ["mobisim: error: s.toml: rules.sensitive_distance_m: expected a finite number "
                     "≥ 0 and ≤ 5000, got nan"]


# --------------------------------------------------------------------------------------------
# sizes that would explode memory


def _landuse(width_m: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[shapely.box(80_000, 450_000, 80_000 + width_m, 450_000 + width_m)],
                            crs="EPSG:28992")


def _no_homes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[], crs="EPSG:28992")


@pytest.fixture
def no_allocation(monkeypatch):
    """Fail the test if the grid arrays are allocated at all."""
    class Guarded:
        def __getattr__(self, name: str) -> Any:
            if name in ("arange", "meshgrid"):
                def refuse(*args, **kwargs):
                    raise AssertionError("the grid was allocated before its size was checked")
                return refuse
            return getattr(np, name)

    monkeypatch.setattr(homes, "np", Guarded())


@pytest.mark.parametrize("spacing", [0.01, 1e-9, 5.0])
def test_a_grid_too_large_is_refused_before_allocating(no_allocation, spacing):
    with pytest.raises(InputFileError) as info:
        homes.landuse_grid(_landuse(20_000), _no_homes(), spacing_m=spacing, floor_area_ratio=1.0)
    msg = str(info.value)
    assert msg.startswith(f"schools.grid_spacing_m = {spacing:g} m would make ")
    assert "grid cells" in msg and "(at most 5,000,000)" in msg
    smallest = float(re.search(r"use ≥ (\d+) m", msg).group(1))
    # the advice holds: that spacing passes the check
    homes._check_grid_size(80_000, 450_000, 100_000, 470_000, smallest)


def test_a_sane_grid_still_runs():
    grid = homes.landuse_grid(_landuse(1_000), _no_homes(), spacing_m=50, floor_area_ratio=1.0)
    assert len(grid) == 400
    assert np.allclose(grid["floor_area_m2"], 2500.0)


def test_array_sizing_settings_have_floors():
    from mobisim.rules import RuleSettings
    from mobisim.schools import SchoolSettings

    for model, key, low in ((SchoolSettings, "grid_spacing_m", 1.0), (RuleSettings, "gap_sample_spacing_m", 0.5),
                            (RuleSettings, "calming_hump_spacing_m", 1.0)):
        with pytest.raises(ValidationError):
            model(**{key: low})
        with pytest.raises(ValidationError):
            model(**{key: 1e-9})


# --------------------------------------------------------------------------------------------
# the documentation


def test_readme_lists_every_range():
    text = (ROOT / "scenarios" / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- ranges:start -->\n(.*?)\n<!-- ranges:end -->", text, re.S)
    assert m, "scenarios/README.md lost its ranges table"
    expected = ranges_markdown(Scenario(name="x"), SKIP)
    assert m.group(1) == expected, (
        "scenarios/README.md's ranges table is stale: regenerate it with "
        "mobisim.settings_base.ranges_markdown(Scenario(name='x'), frozenset({'interventions'}))")



def test_a_partial_range_table_keeps_the_other_defaults(write):
    s = load_scenario(write(HEAD + "[scores.speed_response_sign_only]\nhigh = 0.3\n"))
    r = s.scores.speed_response_sign_only
    assert (r.low, r.central, r.high) == (0.0625, 0.125, 0.3)
    assert scenario_error(write(HEAD + "[scores.speed_response_sign_only]\nlow = nan\n")) == (
        "s.toml: scores.speed_response_sign_only.low: expected a finite number ≥ 0 and ≤ 1, got nan")
