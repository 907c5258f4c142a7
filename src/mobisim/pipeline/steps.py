"""The evaluate steps of a run: interventions, rules and toets, driven speed, schools, parking.

Each step takes the network, the typed scenario and the frames read by :mod:`mobisim.load.inputs`;
none reads a file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mobisim.load.areas import inside
from mobisim.load.inputs import Inputs
from mobisim.network import Network
from mobisim.pipeline.traffic import model_traffic_step
from mobisim.scenario import Scenario

if TYPE_CHECKING:
    from mobisim.parking import ParkingResult
    from mobisim.schools import SchoolRoutes

__all__ = ["apply_interventions", "programme_on", "limit_column", "evaluate_rules", "driven_speed_step",
           "evaluate_schools", "evaluate_parking_step"]


def apply_interventions(net: Network, scenario: Scenario) -> Network:
    """A copy of ``net`` with the scenario's interventions applied ("after").

    Uses :func:`mobisim.scenario.interventions.apply_interventions` on ``scenario.interventions`` (an
    empty list still returns a copy with the intervention columns).
    """
    from mobisim.scenario import interventions

    return interventions.apply_interventions(net, list(scenario.interventions))


def programme_on(scenario: Scenario) -> bool:
    """Whether the scenario applies the programme's 30/50 rule (``programme``, on by default)."""
    return bool(scenario.programme)


def limit_column(scenario: Scenario) -> str:
    """The limit the scenario network is judged at: ``proposed_maxspeed`` with the programme, else
    today's ``maxspeed``."""
    return "proposed_maxspeed" if programme_on(scenario) else "maxspeed"


def evaluate_rules(net: Network, scenario: Scenario, inputs: Inputs | None = None, *, proposal: bool,
                   traffic_before: pd.DataFrame | None = None, notes: list[str] | None = None,
                   limits_before: pd.Series | None = None, children: pd.Series | None = None) -> Network:
    """8-jarigen-toets (and, for the proposal, the 30/50 regime) on ``net`` (in place).

    ``proposal=False`` (before, or a scenario without the programme): the toets at today's limits
    (``maxspeed``) and :func:`mobisim.rules.today.today_regime`. ``proposal=True`` (after, programme
    on): :func:`mobisim.rules.evaluate` decides the proposed limits (judging crossings at today's
    limits for criterion C4, and noise and air at today's traffic), then the toets is judged
    again at the proposed limits (``proposed_maxspeed``).

    With ``traffic_before`` (today's edges, carrying the model's volumes) the traffic is modelled
    again on ``net`` before the final toets — with the scenario's closures, fietsstraten and the
    proposed limits — so the toets judges the traffic after the change (:func:`model_traffic_step`).

    With ``limits_before`` (today's ``maxspeed``, aligned on ``edge_id``) the final toets judges
    the *driven* speed instead of the limit (:func:`driven_speed_step`): a lowered limit with
    only a new sign keeps a residual speed, a redesigned street is driven at its limit.
    ``children`` (today's school-route children per segment) orders the calming plan.

    Parameters
    ----------
    inputs
        ``air_layer`` for criterion C3 with ``air_mode = "layer"`` (:func:`mobisim.load.load_inputs`).
    """
    from mobisim import rules
    from mobisim.rules import toets
    from mobisim.rules.today import today_regime

    column = "proposed_maxspeed" if proposal else "maxspeed"
    if proposal:
        rules.evaluate(net, scenario.rules, scenario.toets, air_layer=inputs.air_layer if inputs else None)
    if limits_before is not None:  # the plan is ordered by today's traffic; drivers then see the driven speeds
        driven_speed_step(net, scenario, limits_before, limit_column=column, children=children)
    if traffic_before is not None:
        model_traffic_step(net, scenario, limit_column=column, before=traffic_before, notes=notes)
    toets.evaluate_toets(net, scenario.toets, speed_column="driven_speed" if limits_before is not None else column)
    return net if proposal else today_regime(net, scenario.rules)


def driven_speed_step(net: Network, scenario: Scenario, limits_before: pd.Series, *, limit_column: str,
                      children: pd.Series | None = None) -> Network:
    """Driven speeds and the calming plan's redesign years on ``net`` (in place).

    Adds ``limit_before`` (today's limit), ``redesign_year`` (Int64: the year the calming plan
    redesigns the segment; NA = not in the plan), ``driven_speed_sign_only`` (what drivers keep
    with the new sign alone) and ``driven_speed`` / ``driven_speed_basis`` /
    ``driven_speed_reason`` at the horizon (:mod:`mobisim.rules.driven_speed`).
    """
    from mobisim.rules import driven_speed as ds
    from mobisim.rules.noise import estimate_daily_traffic

    s, plan, scores = scenario.driven_speed, scenario.calming_plan, scenario.scores
    e = net.edges
    l0 = pd.to_numeric(pd.Series(limits_before).reindex(e.index), errors="coerce").to_numpy(dtype=float)
    l1 = pd.to_numeric(e[limit_column], errors="coerce").to_numpy(dtype=float)
    sign = ds.driven_speeds(e, net.nodes, l0, l1, s)
    cand = ds.candidates_for_plan(e, net.nodes, l0, l1, s) & inside(e)
    volume = estimate_daily_traffic(e, scores.exposure_vehicles_per_day, scores.exposure_other_vehicles_per_day)
    kids = None if children is None else \
        pd.to_numeric(pd.Series(children).reindex(e.index), errors="coerce").fillna(0).to_numpy(dtype=float)
    excess = pd.to_numeric(sign["driven_speed"], errors="coerce").to_numpy(dtype=float) - l1
    year = ds.plan_redesign(e, cand, plan, children=kids, excess_kmh=excess, traffic=volume)
    cols = ds.driven_speeds(e, net.nodes, l0, l1, s, redesigned=ds.redesigned_by(year, int(scenario.horizon)))
    e = ds.with_driven_speed(e, cols)
    e["limit_before"] = pd.array(l0, dtype="Float64").round().astype("Int64")
    e["driven_speed_sign_only"] = sign["driven_speed"]
    e["redesign_year"] = pd.array(year, dtype="Float64").astype("Int64")
    net.edges = e
    return net


def evaluate_schools(net: Network, scenario: Scenario, inputs: Inputs,
                     notes: list[str] | None = None) -> SchoolRoutes | None:
    """School routes, safe shares and weakest links (adds the school-route columns).

    Returns ``None`` (and adds a note) when the input holds no primary school at all, e.g. a
    drive-only street extract: the rest of the run does not depend on school routes.

    Parameters
    ----------
    inputs
        ``school_register``, ``school_list`` and ``school_wijken`` (:func:`mobisim.load.load_inputs`).
    """
    from mobisim import schools

    s = scenario.schools
    points = schools.school_points(net, s, register=inputs.school_register, school_list=inputs.school_list)
    if len(points) == 0:
        if notes is not None:
            notes.append("no primary school in the input (amenity=school, schools.school_register or "
                         "schools.schools_csv): school routes skipped")
            notes.extend(points.attrs.get("notes", []))
        return None
    result = schools.evaluate_school_routes(net, s, schools=points, wijken=inputs.school_wijken)
    result.notes[:0] = [inputs.school_wijken_note] if inputs.school_wijken_note else []
    return result


def evaluate_parking_step(net: Network, scenario: Scenario, inputs: Inputs,
                          notes: list[str] | None = None) -> ParkingResult | None:
    """Parking supply, the permit cap and the freed street space (on the scenario network).

    The cap works per wijk. Without the wijk polygons a scenario that does not name its capped
    wijken skips the step with a note (``inputs.parking_skipped``); one that names them stopped
    when the inputs were read, with the error saying where to point.
    """
    from mobisim import parking

    if inputs.parking_skipped is not None or inputs.wijken is None:
        if notes is not None and inputs.parking_skipped:
            notes.append(inputs.parking_skipped)
        return None
    return parking.evaluate_parking(net, scenario.parking, wijken=inputs.wijken, garages=inputs.garages,
                                    spaces=inputs.parking_spaces)
