"""What one task of a sweep does: a variant's headline row from the state scattered to the workers.

Two kinds of base state, both picklable and sent to every worker once:

* :class:`mobisim.pipeline.stages.Evaluated` — the scenario evaluated once; a variant recomputes
  only the stages its keys touch (a noise limit does not re-route the schools);
* :class:`FullEvaluator` — the scenario and its inputs; a variant is a whole evaluation of the
  scenario with its overrides. Used for areas: each clips the network to its wijken, so every stage
  is touched anyway, and the whole file need not be evaluated first.
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path
from typing import Any

from mobisim.load.inputs import Inputs
from mobisim.pipeline.stages import Evaluated, headline_row
from mobisim.scenario import Scenario
from mobisim.scenario.overrides import with_overrides
from mobisim.sweep.design import Variant

__all__ = ["FullEvaluator", "build_base", "check_overrides", "headline_row", "run_regime_variant", "run_variant"]


def check_overrides(sc: Scenario, overrides: dict[str, Any]) -> Scenario:
    """The scenario with ``overrides``, validated; errors read ``--vary <key>: <problem>``."""
    return with_overrides(sc, overrides, where="--vary")


class FullEvaluator:
    """A variant as a whole evaluation of the scenario with its overrides, on inputs read once."""

    def __init__(self, scenario: Scenario, inputs: Inputs) -> None:
        self.scenario = scenario
        self.inputs = inputs

    def variant(self, overrides: dict[str, Any], wijken: tuple[str, ...] = ()) -> dict[str, Any]:
        """The headline row of the scenario with ``overrides`` (every step run), clipped to ``wijken``
        (codes or names, ``area.wijken``) when given."""
        from mobisim.pipeline.progress import Steps
        from mobisim.pipeline.run import evaluate

        sc = check_overrides(self.scenario, overrides)
        if wijken:
            sc = sc.model_copy(update={"area": sc.area.model_copy(update={"wijken": list(wijken)})})
        with Steps(False) as steps:
            result = evaluate(sc, self.inputs, steps, name=sc.name, out_dir=Path("."))
        return headline_row(result.scores)


def build_base(sc: Scenario, inputs: Inputs, *, staged: bool = True) -> Any:
    """The state every worker gets once: the scenario evaluated here, once
    (:class:`mobisim.pipeline.stages.Evaluated`), or for areas (``staged=False``) a
    :class:`FullEvaluator`, which evaluates nothing yet."""
    return Evaluated.build(sc, inputs) if staged else FullEvaluator(sc, inputs)


def peak_mb() -> float:
    """Peak resident memory of this process so far (MB; ``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_variant(base: Any, variant: Variant) -> dict[str, Any]:
    """One task: the variant's headline row with its id, varied values, time and the worker's memory.

    The row holds the variant's overrides under their keys (a list as text, ``"a, b"``), ``area``
    (its label) for an area, every headline figure, and ``variant`` (the id), ``seconds`` (this evaluation),
    ``worker_peak_mb`` (the worker process's peak resident memory so far), ``worker_pid``.
    """
    start = time.perf_counter()
    figures = base.variant(variant.overrides, variant.wijken) if variant.wijken else base.variant(variant.overrides)
    return _row(variant, figures, time.perf_counter() - start)


def run_regime_variant(base: Any, variant: Variant) -> dict[str, Any]:
    """One task of ``--figures regime``: the variant's 30/50 km alone
    (:meth:`mobisim.pipeline.stages.Evaluated.regime_row`, equal to :func:`run_variant`'s km in a
    fraction of its time), with the same id, varied values, time and memory."""
    start = time.perf_counter()
    figures = base.regime_row(variant.overrides)
    return _row(variant, figures, time.perf_counter() - start)


def _row(variant: Variant, figures: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The row of a task: id, area, the varied values, the figures, time and the worker's memory."""
    shown = {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in variant.overrides.items()}
    area = {"area": variant.area} if variant.area is not None else {}
    return {"variant": variant.id, **area, **shown, **figures, "seconds": round(seconds, 3),
            "worker_peak_mb": round(peak_mb(), 1), "worker_pid": os.getpid()}
