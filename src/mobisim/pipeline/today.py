"""Today's state of a scenario's network, as ``mobisim run`` computes its *before*: the library
functions behind ``mobisim toets`` and ``mobisim schools``, so their figures equal the run's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobisim.errors import MobisimError
from mobisim.load.inputs import Inputs
from mobisim.network import Network
from mobisim.pipeline.scope import clip_to_area, mark_scope, use_school_register
from mobisim.pipeline.steps import evaluate_rules, evaluate_schools
from mobisim.pipeline.traffic import model_traffic_step
from mobisim.scenario import Scenario

if TYPE_CHECKING:
    from mobisim.schools import SchoolRoutes

__all__ = ["prepare", "today_network", "school_routes_today", "street_verdicts"]


def prepare(sc: Scenario, inputs: Inputs, notes: list[str]) -> Network:
    """The loaded network clipped to the scenario's wijken, its area judged marked and the
    register's schools in place (:mod:`mobisim.pipeline.scope`); the loading notes go to ``notes``."""
    net = mark_scope(clip_to_area(inputs.net, sc, inputs), sc, inputs, notes)
    net = use_school_register(net, sc, inputs, notes)
    notes.extend(net.notes)  # e.g. ways that lost nodes of the file
    return net


def today_network(sc: Scenario, inputs: Inputs, notes: list[str]) -> Network:
    """:func:`prepare`, then today's traffic (:func:`model_traffic_step`, read from the cache after a run)."""
    net = prepare(sc, inputs, notes)
    model_traffic_step(net, sc, inputs, notes=notes)
    return net


def school_routes_today(sc: Scenario, inputs: Inputs, notes: list[str]) -> tuple[Network, SchoolRoutes]:
    """Today's network and school routes, exactly as ``mobisim run`` computes its *before* state.

    :func:`today_network`, the 8-jarigen-toets at today's limits (:func:`evaluate_rules` with
    ``proposal=False``) and :func:`evaluate_schools`.

    Raises
    ------
    MobisimError
        When the input holds no primary school.
    """
    net = today_network(sc, inputs, notes)
    evaluate_rules(net, sc, inputs, proposal=False)
    result = evaluate_schools(net, sc, inputs, notes)
    if result is None:
        raise MobisimError("schools: no primary school in the input (amenity=school, [schools] school_register "
                           "or schools_csv)")
    return net, result


def street_verdicts(sc: Scenario, inputs: Inputs, notes: list[str]) -> Network:
    """Today's network judged by the scenario's 30/50 rule and 8-jarigen-toets (a reviewer's view of
    every street: :func:`today_network`, then :func:`mobisim.rules.evaluate`)."""
    from mobisim.rules import evaluate

    net = today_network(sc, inputs, notes)
    evaluate(net, sc.rules, sc.toets, air_layer=inputs.air_layer)
    return net
