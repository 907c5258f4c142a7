"""The plan step of a run: the plan to 100 % from today's network (``[plan] in_run``), and the check
of the traffic its modal filters displace.

A modal filter closes a street to through traffic; that traffic drives elsewhere, and a street
that passed the 8-jarigen-toets today can fail under the extra cars. The greedy
(:mod:`mobisim.plan.greedy`) does not see this, so after the plan the traffic model is run again
with the filters the budget pays (:func:`check_displaced_traffic`), the toets is judged again on
today's network with the new volumes, the budget's fixes are applied and the children re-routed:
the share safe *after* the traffic moved is the plan's checked figure.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mobisim.network import Network
from mobisim.scenario import Scenario

if TYPE_CHECKING:
    from mobisim.load.inputs import Inputs
    from mobisim.plan import PlanResult
    from mobisim.schools import SchoolRoutes

__all__ = ["check_displaced_traffic", "make_plan", "plan_step", "static_bound"]

#: Vehicles a day left on a filtered segment (its destination traffic), as ``close_through_traffic``.
FILTERED_DAILY = 500.0


def plan_step(before: Network, schools_before: SchoolRoutes | None, sc: Scenario, inputs: Inputs,
              notes: list[str]) -> PlanResult | None:
    """The plan to 100 % on today's evaluated network and school routes, or ``None``.

    ``None`` when the scenario does not ask for it (``[plan] in_run = false``) or the run has no
    school routes (a note says so).
    """
    if not sc.plan.in_run:
        return None
    if schools_before is None:
        notes.append("plan: no school routes today (no primary schools), so no plan to 100 %")
        return None
    return make_plan(before, schools_before, sc, inputs, notes)


def make_plan(before: Network, today: SchoolRoutes, sc: Scenario, inputs: Inputs, notes: list[str]) -> PlanResult:
    """The greedy plan (:func:`mobisim.plan.plan_to_full`) and the check of its filters' traffic."""
    from mobisim.plan import plan_to_full

    plan = plan_to_full(before, today, sc.plan, sc.schools, wijken=inputs.wijken)
    plan.static_bound = static_bound(before, today, plan, sc)
    checked = check_displaced_traffic(before, today, plan, sc, inputs, notes)
    if checked is not None:
        plan.traffic_check, routes = checked
        _checked_shares(plan, routes, inputs)
    notes.extend(n for n in plan.notes if n not in notes)
    return plan


def _checked_shares(plan: PlanResult, routes: SchoolRoutes, inputs: Inputs) -> None:
    """Add ``share_checked`` (with the budget, the filters' traffic re-assigned) per school and per wijk."""
    from mobisim.schools.summary import scores_per_wijk

    plan.schools["share_checked"] = routes.schools["share_safe"].reindex(plan.schools.index).to_numpy(float)
    if len(plan.wijken) and inputs.wijken is not None and len(inputs.wijken):
        checked = scores_per_wijk(routes.origins, inputs.wijken)["share_safe"]
        plan.wijken["share_checked"] = checked.reindex(plan.wijken.index).to_numpy(float)


def static_bound(before: Network, today: SchoolRoutes, plan: PlanResult, sc: Scenario) -> dict[str, Any] | None:
    """The cross-check of what the budget buys: the exact optimum of the static problem (no
    re-routing; a MILP solved by HiGHS, :func:`mobisim.plan.optimum.static_optimum`) at the whole
    budget — a lower bound on the best plan with re-routing, so the greedy should not fall below it.

    Returns
    -------
    dict or None
        ``share`` (children safe with the optimum's fixes, statically), ``optimal`` (proved by
        HiGHS within the time limit), ``seconds``; ``None`` without a budget or a child routed.
    """
    from mobisim.plan.optimum import static_optimum, static_problem

    budget = float(sum(plan.budget.values()))
    routed = float(today.scores.get("children_routed") or 0.0)
    if budget <= 0 or routed <= 0:
        return None
    problem = static_problem(before, today, sc.plan, sc.schools)
    opt = static_optimum(problem.pairs, problem.children, problem.cost, problem.fixable, budget, time_limit=60.0)
    return {"share": (problem.children_today + opt.children_made_safe) / routed, "optimal": opt.optimal,
            "seconds": opt.seconds}


def _paid_keys(net: Network, plan: PlanResult) -> tuple[np.ndarray, pd.DataFrame]:
    """The candidate keys of the fixes the budget pays, and those fixes."""
    from mobisim.plan.candidates import element_keys

    paid = plan.fixes[plan.fixes["year"].notna().to_numpy(bool)]
    return element_keys(net, paid), paid


def _with_filters(net: Network, edge_ids: np.ndarray) -> Network:
    """A copy of ``net`` with ``edge_ids`` closed to through traffic (their destination traffic kept)."""
    edges = net.edges.copy()
    through = (edges["through_traffic"].astype("boolean").fillna(True) if "through_traffic" in edges.columns
               else pd.Series(True, index=edges.index, dtype="boolean"))
    through.loc[edge_ids] = False
    edges["through_traffic"] = through.to_numpy(dtype=bool)
    edges.loc[edge_ids, "daily_traffic"] = FILTERED_DAILY
    edges.loc[edge_ids, "daily_traffic_source"] = "intervention:plan-modal-filter"
    return dataclasses.replace(net, edges=edges, nodes=net.nodes.copy())


def check_displaced_traffic(before: Network, today: SchoolRoutes, plan: PlanResult, sc: Scenario,
                            inputs: Inputs, notes: list[str]) -> tuple[dict[str, Any], SchoolRoutes] | None:
    """The share safe with the budget once the traffic the paid modal filters displace is re-assigned.

    Returns
    -------
    tuple or None
        The figures — ``filters`` (paid), ``share_budget`` (checked), ``share_budget_unchecked``
        (the plan's), ``newly_failing_segments``/``_km`` (passing today, failing with the moved
        traffic, not fixed by the plan), ``newly_failing_on_school_routes`` — and the school routes
        they come from; ``None`` when the budget pays no filter or the run has no traffic model (a
        note says which).
    """
    from mobisim.pipeline.steps import evaluate_rules
    from mobisim.pipeline.traffic import model_traffic_step
    from mobisim.plan import apply_fixes
    from mobisim.schools import evaluate_school_routes

    mode = sc.schools.mode
    keys, paid = _paid_keys(before, plan)
    filters = paid.loc[paid["fix_type"].eq("modal_filter").to_numpy(bool), "id"].to_numpy()
    if not len(filters):
        return None
    if before.traffic is None:
        notes.append(f"plan: the budget pays {len(filters):,} modal filters; without a traffic model the traffic "
                     "they displace is not re-assigned, so the plan's share is not checked")
        return None
    moved = _with_filters(before, filters)
    model_notes: list[str] = []
    model_traffic_step(moved, sc, None, before=before.edges, notes=model_notes)
    notes.extend(f"plan traffic check (the {len(filters):,} paid filters closed): {n}" for n in model_notes
                 if n not in notes)
    evaluate_rules(moved, sc, inputs, proposal=False)
    routes = evaluate_school_routes(apply_fixes(moved, keys, mode), sc.schools,
                                    schools=today.schools[["name", "geometry"]],
                                    origins=today.origins[["children", "geometry"]], write_columns=False)
    col = f"toets_{mode}"
    was, now = before.edges[col].astype("string").eq("pass"), moved.edges[col].astype("string").eq("fail")
    newly = (was & now).to_numpy(bool) & ~before.edges.index.isin(paid["id"][paid["element"].eq("segment")])
    kids = pd.to_numeric(before.edges.get("school_route_children", pd.Series(0.0, index=before.edges.index)),
                         errors="coerce").fillna(0).to_numpy(float)
    last = max(plan.share_by_year) if plan.share_by_year else None
    figures = {"filters": int(len(filters)), "share_budget": float(routes.scores["share_safe"]),
               "share_budget_unchecked": plan.share_by_year.get(last, np.nan) if last is not None else np.nan,
               "newly_failing_segments": int(newly.sum()),
               "newly_failing_km": float(before.edges["length"].to_numpy(float)[newly].sum() / 1000.0),
               "newly_failing_on_school_routes": int((newly & (kids > 0)).sum())}
    return figures, routes
