"""The report's sections on the streets: speed limits today and proposed, today's 50-roads and
their criteria, and the 8-jarigen-toets before and after."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from mobisim.render.report.markdown import section
from mobisim.render.report.streets import (
    criteria_on_fifty_roads,
    deciding_table,
    regime_summary,
    sensitivity_table,
    tier_table,
    toets_totals,
)
from mobisim.render.report.view import ReportNetwork

if TYPE_CHECKING:
    from mobisim.scenario import Scenario

__all__ = ["speed_limit_section", "fifty_road_sections", "toets_section"]

_KM = {"km": 1, "share %": 1}
_CRITERIA_KM = {"pass_km": 1, "fail_km": 1, "unknown_km": 1}
_SENSITIVITY_KM = {"keeps 50 km": 1, "50 if shown km": 1, "to 30 km": 1, "fails on this part km": 1}


def speed_limit_section(before: ReportNetwork, after: ReportNetwork) -> list[str]:
    """Road km by speed limit today and proposed (the motor roads in scope of the 30/50 rule)."""
    return section("Speed limits: today and proposed",
                   "Road length (km) of the motor roads in scope of the 30/50 rule (out of scope: roads "
                   "outside the area judged, motorways, trunk roads and their links, national A/N routes, "
                   "car-only tunnels; see the data box and `regime_rule`).",
                   regime_summary(before.edges, after.edges), formats={"today_km": 1, "proposed_km": 1})


def _sensitivity_intro(noise_db: float, air_ugm3: float, traffic: bool) -> str:
    return ("The same roads if C3's noise limit (Lden at the façade at 50 km/h) or air limit (annual NO2 "
            "at the façade) were another value; the levels are computed once. This run: noise "
            f"{noise_db:g} dB, NO2 {air_ugm3:g} µg/m³. Noise and NO2 are screening estimates from "
            + ("the modelled traffic volumes (see *Traffic: where the cars go*)." if traffic
               else "one traffic figure per road class."))


def fifty_road_sections(after: ReportNetwork, tiers: Mapping[str, Any], scenario: Scenario | None, *,
                        traffic: bool) -> list[str]:
    """Today's 50-roads: the outcome per road, each criterion, the deciding criteria, C3's limits.

    Parameters
    ----------
    after
        The scenario's network as the report sees it.
    tiers
        ``scores["regime_tiers"]["value"]``.
    scenario
        For the run's own C3 limits (``rules``).
    traffic
        Whether the traffic model ran (the noise and NO2 levels rest on its volumes).
    """
    rs = getattr(scenario, "rules", None)
    lines = section("Today's 50-roads: keep 50, 50 if shown, or 30",
                    "Road length (km) of today's roads above 30 km/h that the city decides, by outcome. A road "
                    "keeps 50 only when all four criteria are shown to pass; when none fails but the data cannot "
                    "show one (\"unknown\"), it is *50 if shown*: 30 until the evidence is there (pas toe of "
                    "leg uit).", tier_table(tiers), formats=_KM)
    lines += section("Why today's 50-roads keep 50 or go to 30",
                     "Road length (km) of those roads by the outcome of each criterion.",
                     criteria_on_fifty_roads(after.edges), formats=_CRITERIA_KM)
    lines += section("Which criteria decide",
                     "Km per outcome and the criteria that decide it: the failing ones for *to 30*, the unknown "
                     "ones for *50 if shown*.", deciding_table(tiers), formats={"km": 1})
    intro = _sensitivity_intro(getattr(rs, "noise_threshold_lden_db", 63), getattr(rs, "air_limit_ugm3", 20), traffic)
    table = sensitivity_table(tiers, getattr(rs, "noise_threshold_lden_db", None), getattr(rs, "air_limit_ugm3", None))
    return lines + section("How the answer moves with C3's limits", intro, table, formats=_SENSITIVITY_KM)


def toets_section(before: ReportNetwork, after: ReportNetwork) -> list[str]:
    """The 8-jarigen-toets before (today's limits) and after (the proposal and interventions)."""
    tb, ta = toets_totals(before), toets_totals(after)
    table = pd.DataFrame([{"measure": k.replace("_", " "), "before": tb.get(k), "after": ta.get(k)} for k in ta],
                         columns=["measure", "before", "after"])
    return section("8-jarigen-toets (can an 8-year-old go alone?)",
                   "Before: today's limits; after: the proposed limits and the scenario's interventions.", table)
