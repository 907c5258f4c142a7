"""The report's chapter on the plan to 100 %: what it takes, and costs, for every child to cycle
safely to school — the cost curve, the cost to 95 / 99 / 100 %, what the budget buys year by year,
per wijk and per school, the first fixes per street, and what the city cannot fix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mobisim.plan.settings import PER_KM
from mobisim.render import charts
from mobisim.render.charts import Chart
from mobisim.render.format import fixed, percent
from mobisim.render.i18n import label, t
from mobisim.render.report.markdown import section

if TYPE_CHECKING:
    from mobisim.plan import PlanResult

__all__ = ["plan_chapter", "plan_summary_line"]

#: Rows of the per-street list of fixes in the report (the rest is in ``layers.gpkg`` and ``plan.csv``).
FIX_ROWS = 40


def _millions(value: float | None) -> str:
    """Euros as millions with one decimal: ``€14.9 M`` (``€14,9 mln`` in Dutch)."""
    return t("plan.eur_m", m=fixed(float(value) / 1e6, 1)) if value is not None else "–"


def _cost_range(m: Mapping[str, Any]) -> str:
    """``€14.9 M (€7.6–29.2 M)`` of a milestone or a total."""
    return t("plan.cost_range", central=_millions(m["cost_central"]), low=fixed(m["cost_low"] / 1e6, 1),
             high=fixed(m["cost_high"] / 1e6, 1))


def _pct(share: float | None) -> str:
    """A share (0–1) in per cent with one decimal, ``–`` when unknown."""
    return percent(100.0 * float(share)) if share is not None and np.isfinite(float(share)) else "–"


def _milestone_bullets(value: Mapping[str, Any]) -> list[str]:
    """One bullet per target share: its cost with the range, or why it is not reached."""
    out = []
    for m in value["milestones"]:
        target = percent(100.0 * m["target"], 0)
        if m["reached"]:
            out.append("- " + t("plan.milestone", target=target, cost=_cost_range(m)))
        else:
            out.append("- " + t("plan.not_reached", target=target, end=_pct(value["share_end"])))
    return out


def _headline(value: Mapping[str, Any]) -> list[str]:
    """The chapter's answer: today, the milestones, what the budget reaches."""
    years = [row["year"] for row in value["by_year"]]
    lo, hi = value["share_budget_range"]
    span = f"{min(years)}–{max(years)}" if years else "–"
    budget = t("plan.budget_line", years=span, budget=_millions(value["budget_eur"]), share=_pct(value["share_budget"]),
               low=_pct(lo), high=_pct(hi), fixes=fixed(value["fixes_in_budget"]))
    bound = value.get("static_optimum_budget")
    check = [f"- {t('plan.static_bound', share=_pct(bound['share']), plan=_pct(value['share_budget']))}"] if bound else []
    return [t("plan.today", share=_pct(value["today"])), "", *_milestone_bullets(value), f"- {budget}", *check, ""]


def _filters(plan: PlanResult) -> list[str]:
    """The modal filters the plan chose: the check of the traffic they displace, or the caveat that
    it was not checked."""
    check = plan.traffic_check
    if check:
        return [t("plan.filters_checked", n=fixed(check["filters"]), share=_pct(check["share_budget"]),
                  plan=_pct(check["share_budget_unchecked"]), segments=fixed(check["newly_failing_segments"]),
                  km=fixed(check["newly_failing_km"], 1), school=fixed(check["newly_failing_on_school_routes"])), ""]
    n = int((plan.fixes["fix_type"] == "modal_filter").sum()) if len(plan.fixes) else 0
    return [t("plan.filters_caveat", n=fixed(n)), ""] if n else []


def _chart(plan: PlanResult, value: Mapping[str, Any]) -> Chart | None:
    """The cost curve: children safe against cumulative euros at the central, low and high unit costs
    (none when no share is known: no child routed)."""
    steps = plan.steps[np.isfinite(plan.steps["share_safe"].to_numpy(float))]
    if steps.empty:
        return None
    costs = {t(f"plan.case_{c}"): (steps[f"cost_{c}"].to_numpy(float) / 1e6).tolist() for c in ("central", "low", "high")}
    fig = charts.cost_curve(costs, (100.0 * steps["share_safe"].to_numpy(float)).tolist(), xlabel=t("plan.axis_cost"),
                            ylabel=t("plan.axis_share"), budget=float(value["budget_eur"]) / 1e6,
                            budget_label=t("plan.axis_budget"))
    return Chart("plan", t("plan.chart"), charts.to_svg(fig))


def _years(value: Mapping[str, Any]) -> pd.DataFrame:
    rows = [{t("plan.col_year"): str(r["year"]), t("plan.col_budget"): _millions(r["budget"]),
             t("plan.col_fixes"): fixed(r["fixes"]), t("plan.col_cost"): _millions(r["cost_central"]),
             t("plan.col_share_after"): _pct(r["share_after"])} for r in value["by_year"]]
    return pd.DataFrame(rows)


def _areas(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Per wijk or school: children, safe today, with the budget and at the end, lowest with the budget first."""
    if frame is None or frame.empty or "share_today" not in frame.columns:
        return pd.DataFrame()
    f = frame.copy()
    budget = f["share_budget"] if "share_budget" in f.columns else pd.Series(np.nan, index=f.index)
    out = pd.DataFrame({
        name: f["name"].astype(object).where(f["name"].notna(), "–").astype(str).to_numpy(),
        t("col.children"): f["children"].to_numpy(float),
        t("plan.col_today"): (100 * f["share_today"].to_numpy(float)),
        t("plan.col_with_budget"): (100 * budget.to_numpy(float)),
        t("plan.col_end"): (100 * f["share_end"].to_numpy(float)),
    })
    if "share_checked" in f.columns:
        out[t("plan.col_checked")] = 100 * f["share_checked"].to_numpy(float)
    for extra, col in (("fixes", "plan.col_fixes"), ("cost_central", "plan.col_cost_m")):
        if extra in f.columns:
            out[t(col)] = f[extra].to_numpy(float) / (1e6 if extra == "cost_central" else 1.0)
    out = out[out[t("col.children")] > 0]
    order = next((c for c in (t("plan.col_checked"), t("plan.col_with_budget")) if c in out.columns
                  and out[c].notna().any()), t("plan.col_end"))
    return out.sort_values([order, t("col.children")], ascending=[True, False], kind="stable").reset_index(drop=True)


def _fixes(plan: PlanResult) -> pd.DataFrame:
    """The fixes per budget year and street, in the plan's order: fix types, elements, cost and the
    children made safe (each pick's children shared equally among its elements, so rows add up)."""
    f = plan.fixes
    if f.empty:
        return pd.DataFrame()
    per_row = f["children_made_safe"] / f.groupby("order")["order"].transform("size")
    when = f["year"].astype("Int64").astype("string").fillna(t("plan.after_budget")).astype(str)
    g = f.assign(when=when, kids=per_row, first=f["order"]).groupby(["when", "street"], sort=False).agg(
        first=("first", "min"), types=("fix_type", lambda v: ", ".join(label("fix_type", x) for x in dict.fromkeys(v))),
        n=("id", "size"), cost=("cost_central", "sum"), kids=("kids", "sum")).reset_index()
    g = g.sort_values("first", kind="stable")
    return pd.DataFrame({
        t("plan.col_year"): g["when"].to_numpy(), t("col.street"): g["street"].astype(str).to_numpy(),
        t("plan.col_fix_type"): g["types"].to_numpy(), t("plan.col_elements"): g["n"].to_numpy(),
        t("plan.col_cost_k"): g["cost"].to_numpy(float) / 1e3, t("plan.col_children_made_safe"): g["kids"].to_numpy(float)})


def _reason(text: str) -> str:
    """An exclusion reason in the report's language (the plan's own English text when unknown)."""
    for key in ("outside the area judged", "rail crossing", "crossing of an out-of-scope road", "out of scope"):
        if text.startswith(key):
            return t(f"plan.reason.{key.replace(' ', '_').replace('-', '_')}")
    return text


def _excluded(plan: PlanResult) -> pd.DataFrame:
    """What the city cannot fix, per street, kind and reason: elements and the most children on one of them."""
    ex = plan.excluded
    if ex.empty:
        return pd.DataFrame()
    ex = ex.assign(name=ex["name"].astype(object).where(ex["name"].notna(), "–").astype(str),
                   why=ex["excluded"].astype(str).map(_reason))
    g = ex.groupby(["name", "element", "why"], sort=False).agg(n=("id", "size"), kids=("children", "max")).reset_index()
    g = g.sort_values(["kids", "name"], ascending=[False, True], kind="stable")
    return pd.DataFrame({t("col.street"): g["name"].to_numpy(),
                         t("plan.col_element"): [label("plan.element", v) for v in g["element"]],
                         t("plan.col_elements"): g["n"].to_numpy(), t("col.why"): g["why"].to_numpy(),
                         t("plan.col_children_most"): g["kids"].to_numpy(float)})


def _unit_costs(score: Mapping[str, Any]) -> pd.DataFrame:
    costs = (score.get("inputs") or {}).get("unit_costs") or {}
    rows = [{t("plan.col_fix_type"): label("fix_type", k), t("plan.col_unit"): t("plan.per_km" if k in PER_KM else "plan.per_item"),
             t("plan.col_low"): fixed(c["low"]), t("plan.col_central"): fixed(c["central"]),
             t("plan.col_high"): fixed(c["high"]), t("plan.col_source"): c["source"]} for k, c in costs.items()]
    return pd.DataFrame(rows)


def plan_chapter(plan: PlanResult | None, scores: Mapping[str, Any] | None, *,
                 max_rows: int | None = None) -> list[str | Chart]:
    """Chapter the plan to 100 % (none when the run made no plan).

    Parameters
    ----------
    plan : mobisim.plan.PlanResult or None
    scores : mapping
        The run's scores (``scores["plan"]``, :func:`mobisim.score.plan_score`).
    max_rows : int, optional
        Rows of the long tables (the per-street fixes: :data:`FIX_ROWS` by default).

    Returns
    -------
    list of str or Chart
    """
    score = (scores or {}).get("plan") or {}
    value = score.get("value")
    if plan is None or not value:
        return []
    chart = _chart(plan, value)
    blocks: list[str | Chart] = [f"# {t('chapter.plan')}", "", t("plan.intro"), "", *_headline(value),
                                 *_filters(plan), *([chart] if chart is not None else [])]
    blocks += section(t("plan.years_title"), t("plan.years_intro"), _years(value))
    wijken = _areas(getattr(plan, "wijken", pd.DataFrame()), t("plan.col_wijk"))
    whole = {t("col.children"): 0, t("plan.col_today"): 1, t("plan.col_with_budget"): 1, t("plan.col_end"): 1,
             t("plan.col_checked"): 1,
             t("plan.col_fixes"): 0, t("plan.col_cost_m"): 1}
    if not wijken.empty:
        blocks += section(t("plan.wijk_title"), t("plan.wijk_intro"), wijken, limit=max_rows or 20, formats=whole)
    schools = _areas(plan.schools, t("plan.col_school"))
    if not schools.empty:
        blocks += section(t("plan.school_title"), t("plan.school_intro"), schools, limit=max_rows or 20, formats=whole)
    fixes = _fixes(plan)
    if not fixes.empty:
        blocks += section(t("plan.fixes_title"), t("plan.fixes_intro"), fixes, limit=max_rows or FIX_ROWS,
                          formats={t("plan.col_cost_k"): 0, t("plan.col_children_made_safe"): 1},
                          more=t("plan.more_fixes"))
    excluded = _excluded(plan)
    if not excluded.empty:
        blocks += section(t("plan.excluded_title"), t("plan.excluded_intro"), excluded, limit=max_rows or 15,
                          formats={t("plan.col_children_most"): 0})
    return blocks + section(t("plan.costs_title"), t("plan.costs_intro"), _unit_costs(score))


def plan_summary_line(scores: Mapping[str, Any]) -> list[str]:
    """Page 1's line on the plan (none without a plan): the share the budget reaches — after the
    traffic check when the budget pays modal filters — and the cost to 95 %."""
    value = ((scores or {}).get("plan") or {}).get("value")
    if not value:
        return []
    years = [row["year"] for row in value["by_year"]]
    ms = {round(100 * m["target"]): m for m in value["milestones"]}
    m95 = ms.get(95)
    cost95 = _cost_range(m95) if m95 and m95["reached"] else t("plan.not_reached_short")
    span = f"{min(years)}–{max(years)}" if years else "–"
    check = value.get("traffic_check")
    if check:
        return ["", t("plan.summary_checked", years=span, budget=_millions(value["budget_eur"]),
                      share=_pct(check["share_budget"]), plan=_pct(value["share_budget"]), n=fixed(check["filters"]),
                      cost95=cost95), ""]
    lo, hi = value["share_budget_range"]
    return ["", t("plan.summary", years=span, budget=_millions(value["budget_eur"]),
                  share=_pct(value["share_budget"]), low=_pct(lo), high=_pct(hi), cost95=cost95), ""]
