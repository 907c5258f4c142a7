"""The score step of a run: every figure of ``scores.json`` from the before and after networks."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from mobisim.load.areas import inside
from mobisim.load.inputs import Inputs
from mobisim.network import Network
from mobisim.pipeline.headline import composite_range, headline
from mobisim.pipeline.steps import limit_column, programme_on
from mobisim.pipeline.traffic import model_traffic_step
from mobisim.scenario import Scenario

if TYPE_CHECKING:
    from mobisim.parking import ParkingResult
    from mobisim.plan import PlanResult
    from mobisim.schools import SchoolRoutes
    from mobisim.traffic import TrafficModel

__all__ = ["compute_scores"]


def compute_scores(before: Network, after: Network, scenario: Scenario, *,
                   schools_before: SchoolRoutes | None = None, schools_after: SchoolRoutes | None = None,
                   parking_result: ParkingResult | None = None, inputs: Inputs | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   plan: PlanResult | None = None, calming: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every score of the run (:mod:`mobisim.score`), each with its formula and inputs.

    Before is today's network at today's limits (``maxspeed``); after is the scenario network at
    the proposed limits (``proposed_maxspeed``). ``headline`` repeats the main figures for the
    report and points (``from``) to the score holding their inputs.

    Parameters
    ----------
    before, after
        The evaluated networks.
    scenario
        The settings of every figure.
    schools_before, schools_after, parking_result
        The school routes and the parking result, when their steps ran.
    inputs
        ``school_list`` for the calming states' school routes (a scenario's own school list).
    progress
        ``progress(done, total)`` as the calming states are judged (the slow part).
    plan
        The plan to 100 %, when the run made one (``plan`` and its headline figure).
    calming
        The ``calming`` score an earlier call computed on the same networks, school routes and
        calming settings (:data:`mobisim.pipeline.stages.CALMING_READS`), reused instead of judging
        its states again (a sweep of a parking or plan setting).

    Returns
    -------
    dict
        JSON-ready: ``regime``, ``power_model``, ``toets_before``/``toets_after``,
        ``school_children_safe_before``/``_after``, ``parking``, ``composite_before``/``_after``,
        ``traffic``, ``calming`` and ``plan`` when they apply, ``headline``.
    """
    from mobisim import score as sc
    from mobisim.render.outputs import to_jsonable

    s = scenario.scores
    eb, ea = in_area(before.edges), in_area(after.edges)
    after_col = limit_column(scenario)
    out: dict[str, Any] = {"scenario": scenario.name}
    out["regime"] = sc.regime_change(eb, ea, before_col="maxspeed", after_col=after_col)
    if programme_on(scenario) and "regime_tier" in ea.columns:
        out["regime_tiers"] = sc.regime_tiers(ea, scenario.rules)
    out["power_model"] = sc.power_model(eb, ea, s, before_col="maxspeed", after_col=after_col)
    out["toets_before"] = sc.toets_rates(eb, in_area(before.nodes))
    out["toets_after"] = sc.toets_rates(ea, in_area(after.nodes))
    for key, res in (("before", schools_before), ("after", schools_after)):
        figures = res.scores if res is not None else {}
        out[f"school_children_safe_{key}"] = (
            sc.school_children_safe(figures["children_routed"], figures["children_safe"])
            if "children_routed" in figures else None)
    out["parking"] = _parking(ea, scenario, parking_result)
    # before against itself: no speed change, so its safety-gain part is 0 and the two composites
    # weigh the same parts (leaving the part out would renormalise the weights)
    same = sc.power_model(eb, eb, s, before_col="maxspeed", after_col="maxspeed")
    out["composite_before"] = sc.composite(
        sc.composite_parts(out["toets_before"], same, out["school_children_safe_before"], s), s)
    out["composite_after"] = sc.composite(
        sc.composite_parts(out["toets_after"], out["power_model"], out["school_children_safe_after"], s), s)
    if before.traffic is not None and after.traffic is not None:
        out["traffic"] = _traffic_scores(eb, ea, before.traffic, after.traffic, scenario)
    if _limits_lowered(after.edges):
        out["calming"] = calming if calming is not None else _calming_scores(
            before, after, scenario, out, schools_after=schools_after, inputs=inputs, progress=progress)
    if plan is not None:
        out["plan"] = sc.plan_score(plan, scenario.plan)
    out["headline"] = headline(out)
    composite_range(out, s)
    return to_jsonable(out)


def in_area(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows inside the area judged (:func:`mobisim.load.areas.inside`)."""
    return frame.iloc[inside(frame).nonzero()[0]]


def _parking(edges: pd.DataFrame, scenario: Scenario, result: ParkingResult | None) -> dict[str, Any]:
    """The parking figure: the cap's freed spaces plus the ``convert_parking`` interventions', with
    the scenario's parking settings also when the parking step was skipped."""
    from mobisim import score as sc

    converted = float(edges["parking_converted_spaces"].fillna(0).sum()) if "parking_converted_spaces" in edges \
        else 0.0
    totals = result.totals if result is not None else None
    freed = (float(totals["freed_cumulative"].iloc[-1])
             if totals is not None and len(totals) and "freed_cumulative" in totals.columns else 0.0)
    return sc.parking_space(freed, scenario.scores, spaces_converted=converted, horizon=scenario.parking.horizon,
                            parking=result if result is not None else scenario.parking)


def _limits_lowered(edges: pd.DataFrame) -> bool:
    """Whether the scenario lowers a limit inside the area (then signs and redesign differ)."""
    from mobisim.rules.driven_speed import LOWERED_BASES, basis_mask

    return bool((basis_mask(edges, LOWERED_BASES) & inside(edges)).any())


def _calming_scores(before: Network, after: Network, scenario: Scenario, out: dict[str, Any], *,
                    schools_after: SchoolRoutes | None = None, inputs: Inputs | None = None,
                    progress: Callable[[int, int], None] | None = None,
                   plan: PlanResult | None = None) -> dict[str, Any]:
    """Signs only vs the calming plan, year by year, with ranges (:func:`mobisim.score.effects.calming_effects`).

    The states are routed from the homes the run's own school routes used (``schools_after``), so
    nothing is read or spread again."""
    from mobisim import schools
    from mobisim.rules import driven_speed as ds
    from mobisim.score import effects

    points = origins = None
    if schools_after is not None:  # the same schools and homes as the run's school routes
        points = schools.school_points(after, scenario.schools,
                                       school_list=inputs.school_list if inputs is not None else None)
        origins = schools_after.origins
    settings = effects.EffectInputs(
        toets=scenario.toets, schools=scenario.schools, driven=scenario.driven_speed, plan=scenario.calming_plan,
        scores=scenario.scores, base_year=int(scenario.base_year), horizon=int(scenario.horizon),
        limit_column=limit_column(scenario), school_points=points, origins=origins)
    ta = out["toets_after"]["value"]
    kids = out.get("school_children_safe_after") or {}
    central = effects.State(ta.get("all"), ta.get("school_routes"), ta.get("crossings"), kids.get("value"),
                            (kids.get("inputs") or {}).get("children_routed"))
    value = effects.calming_effects(before, after, settings, central=central,
                                    signs_only=_signs_only_traffic(before, after, scenario), progress=progress)
    value["driven_speed_km"] = ds.summary(in_area(after.edges))
    return {"value": value, "unit": "fractions (share, change)",
            "formula": effects.EFFECTS_FORMULA,
            "inputs": {"driven_speed": settings.driven.model_dump(), "calming_plan": settings.plan.model_dump(),
                       "speed_response_sign_only": settings.scores.speed_response_sign_only.model_dump(),
                       "speed_response_redesign": settings.scores.speed_response_redesign.model_dump()}}


def _signs_only_traffic(before: Network, after: Network, scenario: Scenario) -> Network:
    """The scenario network with the traffic drivers choose when no street is redesigned (a second
    assignment, cached like the first); ``after`` itself when nothing is redesigned or the traffic
    model did not run."""
    basis = after.edges.get("driven_speed_basis")
    if after.traffic is None or basis is None or not basis.eq("redesign").fillna(False).any():
        return after
    signs = copy.copy(after)
    signs.edges = after.edges.copy()
    enforced = basis.eq("design").fillna(False).to_numpy(bool)  # a design that was there stays
    model_traffic_step(signs, scenario, limit_column=limit_column(scenario), before=before.edges,
                       redesigned=enforced)
    return signs


def _vehicle_km(edges: pd.DataFrame) -> float:
    """Vehicle-km a day the traffic model puts on ``edges`` (each carriageway counted once:
    ``daily_traffic_carriageway`` × length, on the segments with a modelled volume)."""
    if "daily_traffic_carriageway" not in edges.columns:
        return 0.0
    q = pd.to_numeric(edges["daily_traffic_carriageway"], errors="coerce").fillna(0).to_numpy(dtype=float)
    model = edges["daily_traffic_source"].astype("string").eq("model").fillna(False).to_numpy(dtype=bool)
    return round(float((q * model * edges["length"].to_numpy(dtype=float)).sum() / 1000.0), -2)


def _traffic_scores(eb: pd.DataFrame, ea: pd.DataFrame, model_before: TrafficModel, model_after: TrafficModel,
                    scenario: Scenario) -> dict[str, Any]:
    """The traffic model's figures today and with the scenario, and the streets traffic moves to."""
    from mobisim import traffic

    ts = scenario.traffic
    moved = traffic.displacement(ea, ts)
    vkm_before, vkm_after = _vehicle_km(eb), _vehicle_km(ea)
    return {
        "value": {"before": traffic.traffic_summary(eb, model_before), "after": traffic.traffic_summary(ea, model_after),
                  "displacement": moved.to_dict("records"),
                  "vehicle_km_per_day": {"before": vkm_before, "after": vkm_after},
                  "vehicle_km_change_per_day": round(vkm_after - vkm_before, -2)},
        "unit": "vehicles/day",
        "formula": "four-step model without mode choice: trip ends from homes and destinations → doubly "
                   "constrained gravity (exp(−β·t)) → peak-hour user equilibrium (BPR, AequilibraE bfw) → "
                   "daily = peak hour ÷ peak_hour_share; at least each street's share of its zone's trip ends",
        "inputs": {"settings": ts.model_dump(), "source": "estimate: every input is a [traffic] setting "
                   "with its source; no counts were used to calibrate it"},
    }


