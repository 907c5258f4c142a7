"""The variants of a sweep: a grid of listed values, a Monte Carlo sample, or one per area.

Several ``--vary`` with lists or ranges make a full grid (every combination); distributions are
drawn together ``samples`` times with one seeded generator (:func:`numpy.random.default_rng`), so
a sweep is repeatable. Lists and distributions together: every grid point gets the same sample
(common random numbers), so the grid's keys are compared on equal draws. ``areas`` adds one
variant per wijk or stadsdeel (its ``area.wijken``) in front of it all.

Every variant has a stable id (a hash of its overrides), which is what ``--resume`` matches.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mobisim.errors import ScenarioError
from mobisim.scenario import Scenario
from mobisim.sweep.spec import Vary

__all__ = ["AREA_KINDS", "MAX_VARIANTS", "Design", "Variant", "area_list", "check_design", "make_design"]

#: The kinds of area ``--areas`` splits one file into (a column of the wijk polygons, or ``code``).
AREA_KINDS = {"wijken": "code", "stadsdelen": "stadsdeel"}
#: Most variants one sweep may hold.
MAX_VARIANTS = 100_000

Check = Callable[[Scenario, dict[str, Any]], Scenario]


@dataclass(frozen=True)
class Variant:
    """One run of a sweep: its overrides of the scenario and, for an area, its label and wijk codes."""

    overrides: dict[str, Any]
    area: str | None = None
    wijken: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """A stable id: the first 12 hex digits of the SHA-1 of the overrides (and area)."""
        text = json.dumps([self.area, list(self.wijken), self.overrides], sort_keys=True, default=str)
        return hashlib.sha1(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Design:
    """Every variant of a sweep and how they were made (for ``sweep.json``)."""

    keys: tuple[str, ...]
    variants: tuple[Variant, ...]
    kind: str
    seed: int | None = None
    samples: int | None = None
    varies: dict[str, Any] = field(default_factory=dict)

    def meta(self) -> dict[str, Any]:
        """What ``sweep.json`` records of the design."""
        return {"keys": list(self.keys), "kind": self.kind, "variants": len(self.variants), "seed": self.seed,
                "samples": self.samples, "vary": self.varies}


def _describe(v: Vary) -> Any:
    return {"distribution": v.distribution[0], "parameters": list(v.distribution[1])} if v.distribution \
        else list(v.values)


def _sampled(varies: Sequence[Vary], samples: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    draws = {v.key: v.sample(rng, samples) for v in varies}
    return [{k: round(float(d[i]), 9) for k, d in draws.items()} for i in range(samples)]


def area_list(kind: str, wijken: pd.DataFrame) -> list[tuple[str, tuple[str, ...]]]:
    """One ``(label, wijk codes)`` per wijk or per stadsdeel (its wijken) of the wijk polygons."""
    column = AREA_KINDS[kind]
    if column == "code":
        return [(f"{row.name} ({row.code})", (row.code,)) for row in wijken[["code", "name"]].itertuples(index=False)]
    groups = wijken.dropna(subset=[column]).groupby(column, sort=True)["code"]
    return [(str(name), tuple(sorted(codes))) for name, codes in groups]


def make_design(varies: Sequence[Vary], *, samples: int | None = None, seed: int = 0,
                areas: Sequence[tuple[str, tuple[str, ...]]] = ()) -> Design:
    """The variants of ``varies`` (a grid, a sample or both) for each area.

    Raises
    ------
    ScenarioError
        A key is varied twice, distributions without ``samples`` (or ``samples`` without one), or
        more than :data:`MAX_VARIANTS` variants.
    """
    keys = [v.key for v in varies]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ScenarioError(f"--vary {twice[0]}: varied twice")
    listed, drawn = [v for v in varies if not v.sampled], [v for v in varies if v.sampled]
    if drawn and not samples:
        raise ScenarioError(f"--vary {drawn[0].key}: a distribution needs --samples N")
    if samples and not drawn:
        raise ScenarioError("--samples: no --vary gives a distribution to sample")
    size = int(np.prod([len(v.values) for v in listed])) * (samples or 1) * max(len(areas), 1)
    if size > MAX_VARIANTS:
        raise ScenarioError(f"--vary: the design has {size:,} variants, at most {MAX_VARIANTS:,}")
    grid = [dict(zip([v.key for v in listed], combo)) for combo in itertools.product(*(v.values for v in listed))]
    draws = _sampled(drawn, samples, seed) if drawn and samples else [{}]
    plain = [{**g, **d} for g in grid for d in draws]
    variants = [Variant(p, label, codes) for label, codes in areas for p in plain] if areas \
        else [Variant(p) for p in plain]
    kind = "+".join(k for k, on in (("areas", bool(areas)), ("grid", bool(listed)), ("monte-carlo", bool(drawn)))
                    if on) or "single"
    return Design(tuple(keys), tuple(variants), kind, seed if drawn else None, samples if drawn else None,
                  {v.key: _describe(v) for v in varies})


def check_design(sc: Scenario, design: Design, check: Check) -> None:
    """Validate every value of the design against the scenario before any work: each listed value
    on its own, the lowest and highest draw of each distribution, and the first variant whole.

    Raises
    ------
    ScenarioError
        One line from ``check`` (:func:`mobisim.scenario.overrides.with_overrides`).
    """
    seen: set[tuple[str, str]] = set()
    for key in design.keys:
        values = [v.overrides[key] for v in design.variants]
        if design.varies.get(key) and isinstance(design.varies[key], dict):
            values = [min(values), max(values)]
        for value in values:
            mark = (key, json.dumps(value, default=str))
            if mark not in seen:
                seen.add(mark)
                check(sc, {key: value})
    if design.variants:
        check(sc, design.variants[0].overrides)
