"""The plan's results: the fixes in order, the cost curve, the milestones, the programme by year.

:class:`PlanResult` holds them; :func:`milestones` reads the cost to reach 95 / 99 / 100 % off the
curve, :func:`programme` spends the yearly budget on the fixes in the plan's order, and
:func:`plan_csv` writes one row per fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mobisim.plan.settings import PlanSettings
from mobisim.schools.result import SchoolRoutes

__all__ = ["FIX_COLUMNS", "PlanResult", "Step", "milestones", "open_children", "plan_csv", "plan_notes", "programme",
           "unreached_children"]

#: Columns of :attr:`PlanResult.fixes` (and of ``plan.csv``).
FIX_COLUMNS = ["order", "year", "street", "element", "id", "fix_type", "cost_low", "cost_central", "cost_high",
               "children_made_safe", "share_after", "round", "fix"]

#: The shares the curve's milestones are read at.
TARGETS = (0.95, 0.99, 1.0)


def open_children(result: SchoolRoutes) -> pd.Series:
    """Children who cannot go on their own, per start node (routed origins only)."""
    o = result.origins
    open_ = o["routed"].to_numpy(bool) & ~o["safe"].to_numpy(bool) & (o["children"].to_numpy(float) > 0)
    return o.loc[open_].groupby("node_id")["children"].sum()


@dataclass(frozen=True)
class Step:
    """One point of the cost curve: after a re-routing, the cumulative cost and the share safe."""

    round: int
    picks: int
    cost_low: float
    cost_central: float
    cost_high: float
    children_safe: float
    share_safe: float

    @classmethod
    def of(cls, rnd: int, picks: int, cand: pd.DataFrame, fixed: np.ndarray, result: SchoolRoutes) -> Step:
        """The step after round ``rnd``: the cost of the ``fixed`` candidates and ``result``'s share."""
        done = cand[fixed[cand.index.to_numpy()]]
        low, central, high = (float(np.nansum(done[f"cost_{c}"])) for c in ("low", "central", "high"))
        return cls(rnd, picks, low, central, high, float(result.scores["children_safe"]),
                   float(result.scores["share_safe"]))


@dataclass
class PlanResult:
    """What ``mobisim plan`` found.

    Attributes
    ----------
    fixes : pandas.DataFrame
        One row per fixed element, in the plan's order (:data:`FIX_COLUMNS`). ``order`` numbers the
        picks (a pick is one route bundle: its elements together make its children safe);
        ``children_made_safe`` is the pick's share of its round's gain (shared by its elements' rows);
        ``year`` is the budget year that pays for it (NA: beyond the budget).
    steps : pandas.DataFrame
        The cost curve: one row per re-routing (round 0: today).
    excluded : pandas.DataFrame
        Failing elements on open school routes the city cannot fix, with the reason and the
        children whose shortest route uses them.
    unreached : pandas.DataFrame
        Per school, the children still not safe at the end and why.
    budget : dict
        Euros by year.
    schools : pandas.DataFrame
        Per school (index ``school_id``): ``name``, ``children``, ``share_today``, ``share_budget``
        (with the fixes the whole budget pays, i.e. after its last year), ``share_end``.
    share_by_year : dict
        The share safe at the end of each budget year, with the fixes paid by then.
    traffic_check : dict or None
        When the budget pays modal filters and the run has a traffic model: the share safe with the
        budget once the traffic the filters displace is re-assigned, and the segments that then
        newly fail (:func:`mobisim.pipeline.plan.check_displaced_traffic`).
    static_bound : dict or None
        The share the exact optimum without re-routing reaches with the whole budget (a lower bound
        on the best plan; :func:`mobisim.pipeline.plan.static_bound`).
    wijken : pandas.DataFrame
        Per wijk (index ``code``; :func:`mobisim.plan.areas.per_wijk`): ``name``, ``children``,
        ``share_today``, ``share_budget``, ``share_end``, ``fixes`` (elements fixed in the wijk) and
        their ``cost_low``/``cost_central``/``cost_high``; empty without wijk polygons.
    notes : list of str
    """

    fixes: pd.DataFrame
    steps: pd.DataFrame
    excluded: pd.DataFrame
    unreached: pd.DataFrame
    budget: dict[int, float]
    schools: pd.DataFrame = field(default_factory=pd.DataFrame)
    share_by_year: dict[int, float] = field(default_factory=dict)
    wijken: pd.DataFrame = field(default_factory=pd.DataFrame)
    traffic_check: dict[str, Any] | None = None
    static_bound: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, cand: pd.DataFrame, picks: list[tuple[int, tuple[int, ...], float]], steps: list[Step],
              pairs: pd.DataFrame, final: SchoolRoutes, today: SchoolRoutes, settings: PlanSettings) -> PlanResult:
        """Assemble the result from the greedy's picks and steps."""
        curve = pd.DataFrame([s.__dict__ for s in steps])
        share_of_round = curve.set_index("round")["share_safe"]
        rows = [(i + 1, rnd, k, gain) for i, (rnd, keys, gain) in enumerate(picks) for k in keys]
        f = pd.DataFrame(rows, columns=["order", "round", "key", "children_made_safe"])
        c = cand.loc[f["key"].to_numpy()].reset_index(drop=True)
        fixes = pd.DataFrame({
            "order": f["order"], "year": pd.array([pd.NA] * len(f), dtype="Int64"),
            "street": c["name"].astype(object).where(c["name"].notna(), "(unnamed)"), "element": c["element"],
            "id": c["id"], "fix_type": c["fix_type"], "cost_low": c["cost_low"], "cost_central": c["cost_central"],
            "cost_high": c["cost_high"], "children_made_safe": f["children_made_safe"],
            "share_after": f["round"].map(share_of_round).to_numpy(float), "round": f["round"], "fix": c["fix"],
        }, columns=FIX_COLUMNS)
        fixes["year"] = assign_years(fixes, settings.budget_eur_by_year)
        return cls(fixes=fixes, steps=curve, excluded=excluded_on_routes(cand, pairs, open_children(today)),
                   unreached=unreached_children(final, pairs, cand), budget=dict(settings.budget_eur_by_year),
                   schools=pd.DataFrame({"name": today.schools["name"], "children": today.schools["children"],
                                         "share_today": today.schools["share_safe"],
                                         "share_budget": np.nan, "share_end": final.schools["share_safe"]}),
                   notes=plan_notes(fixes, settings))


def plan_notes(fixes: pd.DataFrame, settings: PlanSettings) -> list[str]:
    """What the reader of the plan must know about how it was made: the batching and, when modal
    filters are chosen, that the greedy does not re-assign their traffic (the check after it does)."""
    notes = [f"{settings.batch_share:.0%} of the open route bundles picked per re-routing (at least one); "
             "children_made_safe shares each round's gain among its picks"] if settings.batch_share else []
    filters = int(fixes["fix_type"].eq("modal_filter").sum())
    if filters:
        notes.append(f"{filters} modal filter(s) chosen (one per street segment fixed): the greedy does not "
                     "re-assign the motor traffic a filter pushes onto other streets while it chooses; the traffic "
                     "check after the plan does, for the filters the budget pays (mobisim.pipeline.plan)")
    return notes


def assign_years(fixes: pd.DataFrame, budget: dict[int, float]) -> pd.Series:
    """The budget year of each fix: picks are paid in the plan's order, a pick in the first year whose
    cumulative budget covers the cumulative central cost (NA beyond the budget)."""
    per_pick = fixes.groupby("order", sort=True)["cost_central"].sum()
    years = sorted(budget)
    cum_budget = np.cumsum([budget[y] for y in years])
    idx = np.searchsorted(cum_budget, per_pick.cumsum().to_numpy() - 1e-6, side="left")
    year = pd.Series([years[i] if i < len(years) else pd.NA for i in idx], index=per_pick.index, dtype="Int64")
    return pd.Series(year.reindex(fixes["order"]).to_numpy(), index=fixes.index, dtype="Int64")


def excluded_on_routes(cand: pd.DataFrame, pairs: pd.DataFrame, children: pd.Series) -> pd.DataFrame:
    """The excluded elements on today's open routes: ``element``, ``id``, ``name``, ``excluded``, ``children``."""
    ex = cand[cand["excluded"].notna()]
    p = pairs[pairs["key"].isin(ex.index)]
    kids = p.assign(children=children.reindex(p["start"]).to_numpy()).groupby("key")["children"].sum()
    out = ex.loc[kids.index, ["element", "id", "name", "excluded"]].assign(children=kids.to_numpy())
    return out.sort_values(["children", "id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def unreached_children(final: SchoolRoutes, pairs: pd.DataFrame, cand: pd.DataFrame) -> pd.DataFrame:
    """Per school, the children not safe at the end and the main reason (``school``, ``children``, ``reason``)."""
    o = final.origins
    open_ = ~o["safe"].to_numpy(bool) & (o["children"].to_numpy(float) > 0)
    o = o[open_]
    reason_of = cand["excluded"].dropna()
    first = pairs[pairs["key"].isin(reason_of.index)].drop_duplicates("start").set_index("start")["key"]
    why = first.map(reason_of).reindex(o["node_id"].to_numpy()).to_numpy(dtype=object)
    reason = np.where(~o["routed"].to_numpy(bool), "no route to a school (home too far from the network)",
                      np.where(pd.isna(why), "stopped before its route was fixed", "route uses an element "
                               "the city cannot fix: " + pd.Series(why).fillna("").astype(str).to_numpy()))
    names = final.schools["name"].reindex(o["school_id"].to_numpy()).fillna("(no school)").to_numpy(dtype=object)
    out = pd.DataFrame({"school": names, "children": o["children"].to_numpy(float), "reason": reason})
    out = out.groupby(["school", "reason"], as_index=False)["children"].sum()
    return out.sort_values(["children", "school"], ascending=[False, True], kind="stable").reset_index(drop=True)


def milestones(plan: PlanResult, targets: tuple[float, ...] = TARGETS) -> list[dict[str, Any]]:
    """The cost to reach each share (first step at or above it), or ``reached: False``."""
    out: list[dict[str, Any]] = []
    steps = plan.steps
    for t in targets:
        hit = steps[steps["share_safe"] >= t - 1e-9]
        row: dict[str, Any] = {"target": t, "reached": bool(len(hit))}
        if len(hit):
            first = hit.iloc[0]
            row.update({c: float(first[c]) for c in ("cost_low", "cost_central", "cost_high", "share_safe")})
        out.append(row)
    return out


def programme(plan: PlanResult) -> pd.DataFrame:
    """Per budget year: ``budget``, ``fixes``, ``cost_central`` (and low/high), ``share_after`` (the share
    safe with the fixes paid by the end of the year)."""
    f = plan.fixes
    rows = []
    for year in sorted(plan.budget):
        done = f[f["year"].eq(year).fillna(False).to_numpy(bool)]
        rows.append({"year": year, "budget": plan.budget[year], "fixes": len(done),
                     **{f"cost_{c}": float(done[f"cost_{c}"].sum()) for c in ("low", "central", "high")},
                     "share_after": plan.share_by_year.get(year, np.nan)})
    return pd.DataFrame(rows, columns=["year", "budget", "fixes", "cost_low", "cost_central", "cost_high",
                                       "share_after"])


def plan_csv(plan: PlanResult) -> str:
    """``plan.csv``: one row per fix (:data:`FIX_COLUMNS`), costs in whole euros."""
    out = plan.fixes.copy()
    for c in ("cost_low", "cost_central", "cost_high"):
        out[c] = out[c].round(0)
    out["children_made_safe"] = out["children_made_safe"].round(2)
    out["share_after"] = out["share_after"].round(5)
    return str(out.to_csv(index=False, lineterminator="\n"))
