"""The exact optimum of the plan's static problem (a MILP solved by HiGHS), to measure the greedy against.

The static problem: every child who cannot go on their own today has a **route bundle**, the
failing elements on their shortest route to their nearest school (:mod:`mobisim.plan.routes`).
Given a budget, choose the fixable elements that make the most children safe, where a child counts
as safe once every element of their bundle is fixed. As a mixed-integer programme (one binary
``x_e`` per fixable element, one ``y_b`` per bundle)::

    maximise    Σ_b children_b · y_b
    subject to  y_b ≤ x_e            for every element e of bundle b
                Σ_e cost_e · x_e ≤ budget
                x_e ∈ {0, 1},  0 ≤ y_b ≤ 1

(``y_b`` need not be declared integer: with the ``x_e`` integer, the best ``y_b`` is their minimum,
0 or 1.) :func:`static_optimum` solves it with :func:`scipy.optimize.milp` (HiGHS), with a time
limit; a bundle holding an element the city cannot fix, or costing more than the budget on its
own, is left out before solving.

**Static** means no re-routing: children keep their shortest route. Re-routing can only add
children (a fix can also open a child-safe detour of at most
:attr:`~mobisim.schools.SchoolSettings.max_detour_factor` times the shortest route, which the
static problem ignores; a fixed shortest route is child-safe with detour 1), so the static
optimum is a **lower bound** on what the best plan reaches with re-routing. The greedy of
:mod:`mobisim.plan.greedy` re-routes, so its gap to the static optimum is a *measured* figure,
not a proof: the greedy may even exceed it. :func:`static_children` evaluates any set of fixes
the static way (the greedy's own fixes included), which gives the greedy's gap within the static
model; :func:`greedy_within` and :func:`greedy_paid` give the children the greedy's plan makes
safe, re-routed, within a budget. On a small network the optimum **with** re-routing is known by
trying every set of fixes (:func:`rerouting_frontier`, 2**n re-routings), which gives the greedy's
true gap there. ``benchmarks/plan_gap.py`` measures the gaps; the bounds the tests hold the greedy
to are in ``tests/test_plan_optimum.py``.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from mobisim.network import Network
from mobisim.plan.candidates import candidate_fixes, element_keys, key_arrays
from mobisim.plan.greedy import apply_fixes
from mobisim.plan.results import PlanResult, open_children
from mobisim.plan.routes import route_elements
from mobisim.plan.settings import PlanSettings
from mobisim.schools.evaluate import evaluate_school_routes
from mobisim.schools.result import SchoolRoutes
from mobisim.schools.settings import SchoolSettings

__all__ = ["StaticOptimum", "StaticProblem", "children_with", "greedy_paid", "greedy_within", "paid_keys", "plan_keys",
           "static_bundles", "static_children", "static_optimum", "static_problem"]

#: Default time limit of :func:`static_optimum` (seconds).
TIME_LIMIT_S = 60.0
#: Most candidates :func:`rerouting_frontier` enumerates (2**n re-routings).
MAX_ENUMERATED = 14


@dataclass(frozen=True)
class StaticProblem:
    """The static problem of a network and its school routes (module docstring).

    Attributes
    ----------
    pairs : pandas.DataFrame
        ``start``, ``key``: the failing elements on each open start's shortest route
        (:func:`mobisim.plan.routes.route_elements`).
    children : pandas.Series
        Children who cannot go on their own today, per start node.
    cost : numpy.ndarray
        Central cost per element key (0 where not a candidate).
    fixable : numpy.ndarray
        Per element key: can the city fix it.
    children_today : float
        Children safe today (``today.scores["children_safe"]``).
    """

    pairs: pd.DataFrame
    children: pd.Series
    cost: np.ndarray
    fixable: np.ndarray
    children_today: float


@dataclass(frozen=True)
class StaticOptimum:
    """The solution of :func:`static_optimum`.

    Attributes
    ----------
    children_made_safe : float
        Children whose whole route bundle the chosen fixes cover (beyond those safe today).
    keys : numpy.ndarray
        The chosen element keys (sorted; only elements of covered bundles).
    cost : float
        Their central cost.
    optimal : bool
        HiGHS proved the solution optimal (``False``: stopped at the time limit with the best
        solution found so far).
    bound : float
        An upper bound on the static optimum's children made safe (HiGHS's dual bound; equal to
        ``children_made_safe`` when optimal).
    status : str
        HiGHS's message.
    seconds : float
        Wall time of the solve.
    """

    children_made_safe: float
    keys: np.ndarray
    cost: float
    optimal: bool
    bound: float
    status: str
    seconds: float


def static_problem(net: Network, today: SchoolRoutes, settings: PlanSettings,
                   school_settings: SchoolSettings) -> StaticProblem:
    """The static problem as :func:`mobisim.plan.plan_to_full` sets it up (same candidates, costs, bundles).

    Parameters
    ----------
    net : mobisim.network.Network
        Today's network with the toets verdicts.
    today : SchoolRoutes
        Today's school routes on ``net``.
    settings : PlanSettings
    school_settings : SchoolSettings
        The settings ``today`` was computed with.

    Returns
    -------
    StaticProblem
    """
    fixable, cost = key_arrays(net, candidate_fixes(net, settings, school_settings.mode))
    children = open_children(today)
    pairs = route_elements(net, today, school_settings, children.index.to_numpy())
    return StaticProblem(pairs, children, cost, fixable, float(today.scores["children_safe"]))


def static_bundles(pairs: pd.DataFrame, children: pd.Series, fixable: np.ndarray) -> pd.DataFrame:
    """The bundles the city can fix: ``keys`` (sorted tuple of element keys) and ``children``.

    Starts with the same failing elements share a bundle; a start whose route holds an element the
    city cannot fix, or holds none, has none.
    """
    p = pairs[pairs["start"].isin(children.index)]
    blocked = p.loc[~fixable[p["key"].to_numpy()], "start"].unique()
    p = p[~p["start"].isin(blocked)]
    per_start = p.sort_values(["start", "key"], kind="stable").groupby("start")["key"].agg(tuple)
    frame = pd.DataFrame({"keys": per_start.to_numpy(), "children": children.reindex(per_start.index).to_numpy(float)})
    return frame.groupby("keys", sort=True)["children"].sum().reset_index()


def static_children(pairs: pd.DataFrame, children: pd.Series, keys: np.ndarray) -> float:
    """Children whose route bundle ``keys`` covers wholly: what the fixes ``keys`` make safe, statically."""
    p = pairs[pairs["start"].isin(children.index)]
    covered = p["key"].isin(np.asarray(keys, np.int64)).groupby(p["start"]).all()
    return float(children.reindex(covered.index[covered.to_numpy(bool)]).sum())


def _incidence(bundles: pd.DataFrame) -> tuple[sp.csr_matrix, np.ndarray]:
    """The bundle × element incidence matrix (one row per bundle) and the element key of each column."""
    lengths = np.array([len(k) for k in bundles["keys"]], dtype=np.int64)
    rows = np.repeat(np.arange(len(bundles)), lengths)
    flat = np.concatenate([np.zeros(0, np.int64), *[np.asarray(k, np.int64) for k in bundles["keys"]]])
    elements, cols = np.unique(flat, return_inverse=True)
    inc = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(bundles), len(elements)))
    return inc, elements


def _milp(inc: sp.csr_matrix, kids: np.ndarray, cost: np.ndarray, budget: float,
          time_limit: float) -> tuple[np.ndarray, bool, float, str]:
    """Solve the MILP over variables ``[x (columns of inc), y (rows)]``: the chosen columns, whether
    proved optimal, the dual bound (children) and HiGHS's message."""
    nb, ne = inc.shape
    coo = inc.tocoo()
    link = sp.csr_matrix((np.concatenate([-np.ones(coo.nnz), np.ones(coo.nnz)]),
                          (np.tile(np.arange(coo.nnz), 2), np.concatenate([coo.col, ne + coo.row]))),
                         shape=(coo.nnz, ne + nb))  # y_b - x_e ≤ 0
    spend = sp.csr_matrix(np.concatenate([cost, np.zeros(nb)])[None, :])
    tol = 1e-9 * max(budget, 1.0)
    res = milp(np.concatenate([np.zeros(ne), -kids]), integrality=np.concatenate([np.ones(ne), np.zeros(nb)]),
               bounds=Bounds(0, 1),
               constraints=[LinearConstraint(link, -np.inf, 0), LinearConstraint(spend, -np.inf, budget + tol)],
               options={"time_limit": float(time_limit), "mip_rel_gap": 0.0, "presolve": True})
    x = np.zeros(ne, bool) if res.x is None else res.x[:ne] > 0.5
    bound = getattr(res, "mip_dual_bound", None)
    return x, res.status == 0, float(-bound) if bound is not None else float(kids.sum()), str(res.message)


def static_optimum(pairs: pd.DataFrame, children: pd.Series, cost: np.ndarray, fixable: np.ndarray,
                   budget: float, *, time_limit: float = TIME_LIMIT_S) -> StaticOptimum:
    """The fixes within ``budget`` that make the most children safe without re-routing (the MILP above).

    Parameters
    ----------
    pairs : pandas.DataFrame
        ``start``, ``key``: the failing elements on each start's shortest route
        (:attr:`StaticProblem.pairs`).
    children : pandas.Series
        Children per start who are not safe today.
    cost : numpy.ndarray
        Central cost per element key.
    fixable : numpy.ndarray of bool
        Per element key: can the city fix it.
    budget : float
        Euros.
    time_limit : float
        Seconds HiGHS may take; past it the best solution found is returned with ``optimal=False``
        and the dual bound.

    Returns
    -------
    StaticOptimum
        Deterministic: the same inputs give the same fixes (when solved to optimality).
    """
    t0 = time.perf_counter()
    bundles = static_bundles(pairs, children, fixable)
    if len(bundles):
        inc, elements = _incidence(bundles)
        own = inc @ cost[elements]
        bundles = bundles[own <= budget * (1 + 1e-9)].reset_index(drop=True)
    if not len(bundles):
        return StaticOptimum(0.0, np.zeros(0, np.int64), 0.0, True, 0.0, "no bundle within the budget",
                             time.perf_counter() - t0)
    inc, elements = _incidence(bundles)
    kids = bundles["children"].to_numpy(float)
    x, optimal, bound, status = _milp(inc, kids, cost[elements], float(budget), time_limit)
    covered = np.asarray(inc @ x.astype(float)).ravel() >= np.diff(inc.indptr) - 1e-9
    keys = elements[np.asarray(inc[covered].sum(axis=0)).ravel() > 0]
    made_safe = float(kids[covered].sum())
    return StaticOptimum(made_safe, keys, float(cost[keys].sum()), optimal, max(bound, made_safe) if optimal
                         else bound, status, time.perf_counter() - t0)


def greedy_within(plan: PlanResult, budget: float) -> float:
    """Children safe (re-routed) after the greedy's last round whose cumulative central cost fits ``budget``.

    Read off :attr:`PlanResult.steps`: exact with ``batch_share = 0`` (one pick per round); with
    batching, a round straddling the budget is left out whole (:func:`greedy_paid` pays its picks).
    """
    steps = plan.steps
    fits = steps[steps["cost_central"] <= budget * (1 + 1e-9)]
    return float(fits["children_safe"].iloc[-1]) if len(fits) else float(steps["children_safe"].iloc[0])


#: The element keys of the plan's fix rows (:func:`mobisim.plan.candidates.element_keys`).
plan_keys = element_keys


def paid_keys(net: Network, plan: PlanResult, budget: float, *, skip: bool = False) -> np.ndarray:
    """The element keys of the greedy's picks paid in the plan's order within ``budget``.

    ``skip=False`` pays as :func:`mobisim.plan.results.assign_years` does: in order, up to the first
    pick that no longer fits. ``skip=True`` passes over a pick that does not fit what is left and
    pays the later ones that do (the budgeted greedy of maximum coverage); a later pick was chosen
    with the skipped ones fixed, so its children may still wait for them — the re-routing
    (:func:`children_with`) counts what the paid fixes really make safe.
    """
    fixes = plan.fixes
    per_pick = fixes.groupby("order", sort=True)["cost_central"].sum()
    limit = budget * (1 + 1e-9)
    if skip:
        paid, left = [], limit
        for order, cost in per_pick.items():
            if cost <= left:
                paid.append(order)
                left -= cost
    else:
        paid = list(per_pick.index[per_pick.cumsum().to_numpy() <= limit])  # costs ≥ 0: a prefix
    return plan_keys(net, fixes[fixes["order"].isin(paid)])


def children_with(net: Network, today: SchoolRoutes, keys: np.ndarray, school_settings: SchoolSettings) -> float:
    """Children safe, re-routed, with the elements ``keys`` fixed (same schools and homes as ``today``)."""
    schools: gpd.GeoDataFrame = today.schools[["name", "geometry"]]
    origins: gpd.GeoDataFrame = today.origins[["children", "geometry"]]
    after = evaluate_school_routes(apply_fixes(net, keys, school_settings.mode), school_settings, schools=schools,
                                   origins=origins, wijken=None, write_columns=False)
    return float(after.scores["children_safe"])


def greedy_paid(net: Network, plan: PlanResult, today: SchoolRoutes, school_settings: SchoolSettings,
                budget: float, *, skip: bool = False) -> float:
    """Children safe (re-routed) with the greedy's picks paid in order within ``budget`` (:func:`paid_keys`)."""
    return children_with(net, today, paid_keys(net, plan, budget, skip=skip), school_settings)


def rerouting_frontier(net: Network, today: SchoolRoutes, keys: np.ndarray, cost: np.ndarray,
                       school_settings: SchoolSettings, max_elements: int = MAX_ENUMERATED) -> pd.DataFrame:
    """The exact optimum **with** re-routing on a small network, by trying every set of fixes.

    Every subset of ``keys`` is fixed and the children re-routed (:func:`children_with`); the
    result is the frontier: for each cost, the most children safe at that cost or less. The best
    plan within a budget is the last row whose ``cost`` fits it.

    Parameters
    ----------
    net, today
        Today's network with the toets verdicts and its school routes.
    keys : numpy.ndarray
        The candidate element keys (e.g. every fixable one, :attr:`StaticProblem.fixable`).
    cost : numpy.ndarray
        Central cost per element key.
    school_settings : SchoolSettings
    max_elements : int
        More keys than this raise ``ValueError`` (2**n re-routings).

    Returns
    -------
    pandas.DataFrame
        ``cost``, ``children_safe`` (absolute, re-routed) and ``keys`` (tuple), ascending in both.
    """
    keys = np.sort(np.asarray(keys, np.int64))
    if len(keys) > max_elements:
        raise ValueError(f"{len(keys)} candidates: too many to enumerate (at most {max_elements})")
    rows = [(float(cost[list(sub)].sum()), children_with(net, today, np.array(sub, np.int64), school_settings), sub)
            for r in range(len(keys) + 1) for sub in itertools.combinations(keys.tolist(), r)]
    frame = pd.DataFrame(rows, columns=["cost", "children_safe", "keys"])
    frame = frame.sort_values(["cost", "children_safe"], ascending=[True, False], kind="stable")
    best = frame["children_safe"].cummax()
    return frame[frame["children_safe"].ge(best) & ~best.duplicated()].reset_index(drop=True)
