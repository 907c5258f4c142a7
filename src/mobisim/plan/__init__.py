"""The plan to 100 %: which fixes, in which order and for how much, let every child cycle safely to school.

One module per concern: :mod:`~mobisim.plan.settings` (:class:`PlanSettings`: unit costs and the
budget, ``[plan]`` in a scenario), :mod:`~mobisim.plan.candidates` (failing elements, their fix type
and cost, or why the city cannot fix them), :mod:`~mobisim.plan.routes` (the failing elements on
every child's shortest route), :mod:`~mobisim.plan.greedy` (:func:`plan_to_full`, the greedy with
re-routing), :mod:`~mobisim.plan.results` (the curve, the milestones, the programme by year,
``plan.csv``), :mod:`~mobisim.plan.areas` (per wijk), :mod:`~mobisim.plan.geometry` (the fixes and
wijken as map and GeoPackage layers) and :mod:`~mobisim.plan.optimum` (the static optimum with
HiGHS, to measure the greedy's gap). The algorithms are imported on first use, so importing :class:`PlanSettings` (as
:mod:`mobisim.scenario` does) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobisim._lazy import lazy_exports
from mobisim.plan.settings import FIX_TYPES, PlanSettings, UnitCost

if TYPE_CHECKING:
    from mobisim.plan.candidates import candidate_fixes
    from mobisim.plan.greedy import apply_fixes, plan_for_scenario, plan_to_full
    from mobisim.plan.optimum import static_optimum
    from mobisim.plan.results import PlanResult, milestones, plan_csv, programme

__all__ = ["FIX_TYPES", "PlanResult", "PlanSettings", "UnitCost", "apply_fixes", "candidate_fixes", "milestones",
           "plan_csv", "plan_for_scenario", "plan_to_full", "programme", "static_optimum"]

__getattr__, __dir__ = lazy_exports(__name__, {
    "mobisim.plan.candidates": ("candidate_fixes",),
    "mobisim.plan.greedy": ("apply_fixes", "plan_for_scenario", "plan_to_full"),
    "mobisim.plan.optimum": ("static_optimum",),
    "mobisim.plan.results": ("PlanResult", "milestones", "plan_csv", "programme"),
})
