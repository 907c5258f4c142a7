"""The report's section "Signs or redesign": driven speeds, the calming plan, effects by year."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mobisim.render.report.calming import calming_before, calming_table
from mobisim.render.report.markdown import section

__all__ = ["calming_section"]

_AMSTERDAM = (
    "A lower limit on a sign lowers the speed people drive only a little. One year after 30 km/h became the "
    "norm in Amsterdam, mean speed on the changed roads fell about 5 % and about 20 % of drivers still drove "
    "40 km/h or more; crashes fell 11–15 %. The programme pairs the limit with a redesign of every 30-road "
    "(humps, plateaus, planters, narrowings) so that speeding becomes impossible.")

_RANGES = (
    "Ranges (in brackets): low / high speed response, residual speed ± 5 km/h and traffic volumes ± 30 % "
    "(assumptions, see `scores.json` → `calming`). No input of the range moves the crossings: a crossing of a "
    "road driven above 30 km/h fails at any residual, and volumes do not enter the crossing table — their "
    "figure rests on the plan's pace. Traffic: the rows without redesign use an assignment with signs only, "
    "the plan's years the horizon's assignment (for the years in between an approximation); a redesigned "
    "street is slower to drive, so some traffic moves to streets around it, which can lower the toets "
    "there.")

_TWO_SPEEDS = (
    "Two speeds, two purposes: the toets judges the speed a child at the kerb meets (the limit on a "
    "redesigned street, the new limit + the residual with signs only); the crash change uses the *mean* "
    "speed response, calibrated on the crash effects measured after such changes (Amsterdam, SWOV). "
    "The crash change is the change in all road victims of the city: the victims of the roads outside "
    "the city's rule (motorways, national routes) see no change.")


def _pace(plan: Mapping[str, Any]) -> str:
    """What the calming plan redesigns and when it is done (or that there is no plan)."""
    if plan["enabled"] and plan["km_per_year"] > 0:
        order = "school routes first, then" if plan["school_routes_first"] else "by"
        done = f"; at this pace the plan is complete in {plan['complete_in']}." if plan.get("complete_in") else "."
        return (f"The calming plan redesigns {plan['km_per_year']:,.0f} km a year from {plan['start_year']} "
                f"({order} speed excess × traffic; whole streets): **{plan['redesigned_by_horizon_km']:,.0f} of "
                f"the {plan['to_redesign_km']:,.0f} km** that need it are done by the horizon" + done)
    return (f"This scenario has **no calming plan**: the {plan['to_redesign_km']:,.0f} km whose limit is lowered "
            "keep only a new sign.")


def _driven_speed(inputs: Mapping[str, Any]) -> str:
    """How mobisim judges the driven speed and the speed responses it assumes (with their ranges)."""
    res = (inputs.get("driven_speed") or {}).get("sign_only_residual_kmh") or {}
    sign_f = inputs.get("speed_response_sign_only") or {}
    red_f = inputs.get("speed_response_redesign") or {}
    return (
        f"mobisim therefore judges the *driven* speed: the new limit + {res.get('central', 10):g} km/h "
        f"(range {res.get('low', 5):g}–{res.get('high', 15):g}; an estimate after Amsterdam) where only the sign "
        "changes, the limit where the design enforces it (living street, fietsstraat, calming present, narrow "
        "carriageway) or the street is redesigned. The Power Model moves mean speed by "
        f"{100 * sign_f.get('central', 0.125):g} % of the limit change with signs only (range "
        f"{100 * sign_f.get('low', 0):g}–{100 * sign_f.get('high', 0):g} %, Amsterdam) and by "
        f"{100 * red_f.get('central', 0.34):g} % when redesigned (range {100 * red_f.get('low', 0):g}–"
        f"{100 * red_f.get('high', 0):g} %, SWOV: −22 to −42 % injury crashes in 30-zones).")


def calming_section(scores: Mapping[str, Any] | None) -> list[str]:
    """The report's section on signs vs redesign: driven speeds, the calming plan, effects by year.

    Parameters
    ----------
    scores
        The run's scores (``scores["calming"]``; the headline's ``before`` for today's row).

    Returns
    -------
    list of str
        Markdown lines; none when the run has no calming figures.
    """
    entry = ((scores or {}).get("calming") or {})
    calming = entry.get("value")
    if not calming:
        return []
    km = calming.get("driven_speed_km") or {}
    basis = "Road length at the horizon by what its driven speed rests on: " + ", ".join(
        f"{k} {v:,.0f} km" for k, v in km.items()) + "."
    intro = [_AMSTERDAM, "", _driven_speed(entry.get("inputs") or {}), "", _pace(calming["plan"]), "", basis, "",
             _RANGES, "", _TWO_SPEEDS]
    return section("Signs or redesign: what each delivers, year by year", "\n".join(intro),
                   calming_table(calming, calming_before(scores)))
