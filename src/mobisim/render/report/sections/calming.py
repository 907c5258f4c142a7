"""The report's section "Signs or redesign": driven speeds, the calming plan, effects by year."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mobisim.render.format import fixed, localise
from mobisim.render.i18n import label, t
from mobisim.render.report.calming import calming_before, calming_table
from mobisim.render.report.markdown import section

__all__ = ["calming_section"]

def _pace(plan: Mapping[str, Any]) -> str:
    """What the calming plan redesigns and when it is done (or that there is no plan)."""
    if plan["enabled"] and plan["km_per_year"] > 0:
        order = t("calming_text.order_schools" if plan["school_routes_first"] else "calming_text.order_speed")
        text = t("calming_text.pace", per_year=fixed(plan["km_per_year"]), start=plan["start_year"], order=order,
                 done=fixed(plan["redesigned_by_horizon_km"]), need=fixed(plan["to_redesign_km"]))
        return text + (" " + t("calming_text.pace_done", year=plan["complete_in"]) if plan.get("complete_in") else "")
    return t("calming_text.no_plan", need=fixed(plan["to_redesign_km"]))


def _driven_speed(inputs: Mapping[str, Any]) -> str:
    """How mobisim judges the driven speed and the speed responses it assumes (with their ranges)."""
    res = (inputs.get("driven_speed") or {}).get("sign_only_residual_kmh") or {}
    sign_f = inputs.get("speed_response_sign_only") or {}
    red_f = inputs.get("speed_response_redesign") or {}

    def g(value: float) -> str:
        return localise(f"{value:g}")

    return t("calming_text.driven", residual=g(res.get("central", 10)), low=g(res.get("low", 5)),
             high=g(res.get("high", 15)), sign=g(100 * sign_f.get("central", 0.125)),
             sign_low=g(100 * sign_f.get("low", 0)), sign_high=g(100 * sign_f.get("high", 0)),
             redesign=g(100 * red_f.get("central", 0.34)), red_low=g(100 * red_f.get("low", 0)),
             red_high=g(100 * red_f.get("high", 0)))


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
    basis = t("calming_text.basis", parts=", ".join(f"{label('calming_basis', k)} {fixed(v)} km" for k, v in km.items()))
    intro = [t("calming_text.amsterdam"), "", _driven_speed(entry.get("inputs") or {}), "", _pace(calming["plan"]), "",
             basis, "", t("calming_text.ranges"), "", t("calming_text.two_speeds")]
    table = calming_table(calming, calming_before(scores))
    if "state" in table.columns:
        table["state"] = table["state"].map(lambda v: label("calming_state", v))
    return section(t("calming_text.table_title"), "\n".join(intro), table)
