"""A run evaluated stage by stage (``mobisim.pipeline.stages``): a variant re-runs only the stages its
keys touch and equals a full evaluation of the changed scenario."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mobisim.errors import ScenarioError
from mobisim.load.inputs import load_inputs
from mobisim.network import Network
from mobisim.pipeline import stages
from mobisim.pipeline.stages import STAGES, Evaluated, changed_keys, headline_row, stages_touched
from mobisim.scenario import load_scenario
from mobisim.scenario.overrides import with_overrides

#: The fixture scenario with the plan in the run, C2 and C4 relaxed so that the grid's 50-roads
#: depend on the noise limit (every stage then has work to do).
BASE = {"plan.in_run": True, "rules.sensitive_distance_m": 0, "rules.crossing_max_gap_m": 5000}

#: One key of each group of settings, with the stages it re-runs.
GROUPS: list[tuple[dict[str, Any], list[str]]] = [
    ({"rules.noise_threshold_lden_db": 45}, ["interventions", "rules_after", "schools_after", "parking", "scores"]),
    ({"toets.island_max_speed_kmh": 30}, [s for s in STAGES if s not in ("scope", "traffic_before")]),
    ({"schools.mode": "walk"}, [s for s in STAGES if s not in ("scope", "traffic_before")]),
    ({"parking.cap_rate": 0.05}, ["parking", "scores"]),
    ({"scores.power_exponents.fatal_serious": 4.0}, ["scores"]),
    ({"plan.batch_share": 0.5}, ["plan", "scores"]),
    ({"traffic.household_size": 1.5}, list(STAGES)),
]


@pytest.fixture(scope="module")
def fixture_run(data_dir: Path) -> tuple[Evaluated, Any]:
    sc = with_overrides(load_scenario(data_dir / "render_scenario.toml"), BASE)
    inputs = load_inputs(sc)
    return Evaluated.build(sc, inputs), inputs


def _timeless(value: Any) -> Any:
    """``value`` without the wall times it records (the plan's ``seconds``: never equal twice)."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(_timeless(a), sort_keys=True) == json.dumps(_timeless(b), sort_keys=True)


def test_stages_touched_by_group() -> None:
    for overrides, expected in GROUPS:
        assert stages_touched(overrides) == expected, overrides
    assert stages_touched([]) == []
    assert stages_touched(["area.wijken"]) == list(STAGES)


def test_changed_keys_follow_an_override(data_dir: Path) -> None:
    sc = load_scenario(data_dir / "render_scenario.toml")
    assert changed_keys(sc, with_overrides(sc, {"rules.noise_limit": "who-2018"})) == [
        "rules.noise_limit", "rules.noise_threshold_lden_db"]
    assert changed_keys(sc, with_overrides(sc, {"horizon": 2032})) == ["horizon", "parking.horizon"]
    assert changed_keys(sc, sc.model_copy()) == []


@pytest.mark.parametrize(("overrides", "redo"), GROUPS, ids=[next(iter(o)) for o, _ in GROUPS])
def test_variant_equals_a_full_evaluation(fixture_run, overrides: dict[str, Any], redo: list[str]) -> None:
    ev, inputs = fixture_run
    sc = with_overrides(ev.sc, overrides)
    full = Evaluated.build(sc, inputs)
    assert not _same(full.scores, ev.scores)  # the key changes the run
    new = ev.rerun(sc, stages_touched(changed_keys(ev.sc, sc)))
    assert _same(new.scores, full.scores)
    row = ev.variant(overrides)
    assert row.keys() == headline_row(full.scores).keys()
    assert all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(row.values(), headline_row(full.scores).values()))
    assert new.result("v", Path("maps/v")).notes == full.result("v", Path("maps/v")).notes


def test_the_noise_limit_moves_the_km_keeping_50(data_dir: Path, tmp_path: Path) -> None:
    """rules_tiers.osm: signalised 50-roads with cycle tracks whose façades lie at known distances
    (Luide Laan ~67 dB fails C3 at 63 dB)."""
    path = tmp_path / "tiers.toml"
    files = [str(data_dir / "rules_tiers.osm"), str(data_dir / "rules_tiers_buildings.osm")]
    path.write_text(f'name = "tiers"\nprogramme = true\n[data]\nosm = {json.dumps(files)}\n', encoding="utf-8")
    sc = load_scenario(path)
    inputs = load_inputs(sc)
    ev = Evaluated.build(sc, inputs)
    rows = [ev.variant({"rules.noise_threshold_lden_db": db}) for db in (55, 65, 75)]
    km = [row["km_keep_50"] for row in rows]
    assert km[0] < km[1] < km[2]
    assert rows[1]["km_keep_50"] + rows[1]["km_50_if_shown"] + rows[1]["km_to_30"] == pytest.approx(
        sum(ev.scores["regime_tiers"]["value"][t] for t in ("keep_50", "50_if_shown", "to_30")), abs=0.002)  # km to 3 decimals
    full = Evaluated.build(with_overrides(sc, {"rules.noise_threshold_lden_db": 75}), inputs)
    assert headline_row(full.scores) == rows[2]
    for db, row in zip((55, 65, 75), rows, strict=True):  # the fast path: the rule's km alone
        assert ev.regime_row({"rules.noise_threshold_lden_db": db}) == {k: row[k] for k in (
            "km_keep_50", "km_50_if_shown", "km_to_30", "km_30", "km_50")}


def _calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count the calls of every step function the stages call."""
    counts: dict[str, int] = {}
    for name in ("prepare", "model_traffic_step", "apply_interventions", "evaluate_rules", "evaluate_schools",
                 "evaluate_parking_step", "plan_step", "compute_scores"):
        real = getattr(stages, name)

        def counted(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            counts[_name] = counts.get(_name, 0) + 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(stages, name, counted)
    return counts


def test_a_permit_rate_reruns_only_parking_and_scores(fixture_run, monkeypatch: pytest.MonkeyPatch) -> None:
    ev, _ = fixture_run
    counts = _calls(monkeypatch)
    ev.variant({"parking.cap_rate": 0.03})
    assert counts == {"evaluate_parking_step": 1, "compute_scores": 1}


def test_a_noise_limit_does_not_reroute_today(fixture_run, monkeypatch: pytest.MonkeyPatch) -> None:
    ev, _ = fixture_run
    counts = _calls(monkeypatch)
    ev.variant({"rules.noise_threshold_lden_db": 58})
    # the scenario's verdicts and school routes again; today's toets, routes and the plan not
    assert counts == {"apply_interventions": 1, "evaluate_rules": 1, "evaluate_schools": 1, "evaluate_parking_step": 1,
                      "compute_scores": 1}


def _fingerprint(net: Network | None) -> tuple[Any, ...]:
    assert net is not None
    parts = []
    for frame in (net.edges, net.nodes):
        plain = frame.drop(columns=[c for c in frame.columns if c == "geometry"])
        parts.append((tuple(plain.columns), int(pd.util.hash_pandas_object(plain.astype("string"), index=True).sum())))
    return tuple(parts)


def test_variants_leave_the_kept_state_unchanged(fixture_run) -> None:
    ev, _ = fixture_run
    kept = {name: _fingerprint(getattr(ev, name)) for name in ("base", "before", "after")}
    kept["inputs"] = _fingerprint(ev.inputs.network)
    scores = json.dumps(ev.scores, sort_keys=True)
    for overrides, _ in GROUPS[:-1]:
        ev.variant(overrides)
    assert {name: _fingerprint(getattr(ev, name)) for name in kept if name != "inputs"} | {
        "inputs": _fingerprint(ev.inputs.network)} == kept
    assert json.dumps(ev.scores, sort_keys=True) == scores


def test_pickles_and_answers_the_same(fixture_run) -> None:
    ev, _ = fixture_run
    copy = pickle.loads(pickle.dumps(ev, protocol=pickle.HIGHEST_PROTOCOL))
    overrides = {"parking.cap_rate": 0.04}
    assert copy.variant(overrides) == ev.variant(overrides)


def test_headline_row_is_numbers(fixture_run) -> None:
    ev, _ = fixture_run
    row = headline_row(ev.scores)
    assert all(type(v) is float for v in row.values())
    assert {"composite", "km_30", "km_50", "fatal_serious_change", "children_safe", "parking_freed", "km_keep_50",
            "children_routed", "fatal_serious_change_low", "fatal_serious_change_high"} <= row.keys()
    assert row["km_50"] == ev.scores["headline"]["km_50"]["value"]
    assert row["children_safe_plan"] == ev.scores["headline"]["children_safe_plan"]["value"]


def test_a_bad_override_stops_before_any_work(fixture_run, monkeypatch: pytest.MonkeyPatch) -> None:
    ev, _ = fixture_run
    counts = _calls(monkeypatch)
    with pytest.raises(ScenarioError, match=r"^override: rules.noise_threshold_lden_db: expected a number ≥ 30"):
        ev.variant({"rules.noise_threshold_lden_db": 20})
    assert counts == {}
