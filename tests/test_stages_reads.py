"""The settings each stage of a run reads, recorded while a run is evaluated: every one is declared in
``mobisim.pipeline.stages.READS`` (so a variant re-runs every stage its keys can change)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from mobisim.load.inputs import load_inputs
from mobisim.pipeline.progress import Steps, Tick
from mobisim.pipeline.stages import READS, STAGES, Evaluated
from mobisim.scenario import load_scenario
from mobisim.scenario.overrides import setting_keys, with_overrides
from mobisim.settings_base import Settings

#: Read, but without effect: today's traffic and the plan's traffic check judge at today's limits,
#: where the speed response multiplies a limit change of zero (``mobisim.traffic.supply.driven_speed``).
NO_EFFECT = {("traffic_before", "scores.speed_response_sign_only"), ("traffic_before", "scores.speed_response_redesign"),
             ("plan", "scores.speed_response_sign_only"), ("plan", "scores.speed_response_redesign")}


def _places(value: Any, prefix: tuple[str, ...], out: dict[int, tuple[str, ...]]) -> None:
    """id of every settings object below ``value`` → its dotted place (a list's items: the list)."""
    if isinstance(value, BaseModel):
        out.setdefault(id(value), prefix)
        for name in type(value).model_fields:
            _places(value.__dict__.get(name), (*prefix, name), out)
    elif isinstance(value, dict):
        for key, item in value.items():
            _places(item, (*prefix, str(key)), out)
    elif isinstance(value, list):
        for item in value:
            _places(item, prefix, out)


class Recorder(Steps):
    """Steps that know which stage runs, and the settings each stage read."""

    def __init__(self) -> None:
        super().__init__(False)
        self.stage: str | None = None
        self.reads: dict[str, set[str]] = defaultdict(set)  # a field read
        self.dumps: dict[str, set[str]] = defaultdict(set)  # a whole table read (model_dump)

    @contextmanager
    def step(self, key: str, label: str) -> Iterator[Tick]:
        self.stage = key
        with super().step(key, label) as tick:
            yield tick
        self.stage = None


@pytest.fixture(scope="module")
def recorded(data_dir: Path) -> tuple[Recorder, set[str]]:
    sc = with_overrides(load_scenario(data_dir / "render_scenario.toml"), {"plan.in_run": True})
    inputs = load_inputs(sc)
    rec, places = Recorder(), {}  # type: ignore[var-annotated]
    _places(sc, (), places)
    real_dump = BaseModel.model_dump

    def getattribute(self: Any, name: str) -> Any:
        if rec.stage is not None and name in type(self).model_fields:
            where = places.get(id(self))
            rec.reads[rec.stage].add(".".join((*where, name)) if where is not None else f"?{type(self).__name__}")
        return object.__getattribute__(self, name)

    def dump(self: Any, *args: Any, **kwargs: Any) -> Any:
        if rec.stage is not None:
            where = places.get(id(self))
            rec.dumps[rec.stage].add(".".join(where) if where is not None else f"?{type(self).__name__}")
        return real_dump(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Settings, "__getattribute__", getattribute, raising=False)
        mp.setattr(Settings, "model_dump", dump, raising=False)
        Evaluated.build(sc, inputs, rec)
    return rec, set(setting_keys(sc))


def test_every_stage_ran_and_read_settings(recorded) -> None:
    rec, _ = recorded
    assert set(rec.reads) == set(STAGES)
    everything = [*rec.reads.values(), *rec.dumps.values()]
    assert not [key for keys in everything for key in keys if key.startswith("?")]  # every read placed


def _undeclared(stage: str, key: str, variable: set[str], whole: bool) -> bool:
    """Whether ``key`` is a variable setting read by ``stage`` that READS does not declare.

    A field read is declared by a key at or above it, or below it when it is a table the stage
    then opens (``scenario.rules`` before ``.noise_threshold_lden_db``); a whole table read
    (``model_dump``) only by a key at or above it."""
    if not any(k == key or k.startswith(key + ".") for k in variable):
        return False
    declared = [*READS[stage], *(k for s, k in NO_EFFECT if s == stage)]
    above = any(key == p or key.startswith(p + ".") for p in declared)
    below = any(p.startswith(key + ".") for p in declared)
    return not (above or (below and not whole))


def test_every_setting_read_is_declared(recorded) -> None:
    rec, variable = recorded
    missing = [f"{stage}: {key}" for stage in STAGES for whole, found in ((False, rec.reads), (True, rec.dumps))
               for key in sorted(found.get(stage, ())) if _undeclared(stage, key, variable, whole)]
    assert missing == []
