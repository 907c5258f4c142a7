"""Street-level interventions: the changes a scenario makes to the network before it is evaluated.

A scenario's ``[[interventions]]`` tables are validated into the models of
:mod:`~mobisim.scenario.interventions.models` (a discriminated union on ``type``) and applied by
:func:`~mobisim.scenario.interventions.apply.apply_interventions`, which returns a *copy* of the
network with the changed attributes (the segments and nodes are chosen by
:mod:`~mobisim.scenario.interventions.selection`). Interventions are applied in file order (a later one wins
on the same attribute), after loading and tagging and **before** the evaluate step, so the rules,
the 8-jarigen-toets, the school routes and parking all see the changed street.

Selecting what to change
------------------------
Street interventions select segments by ``street`` (name, or a list of names; matched case- and
accent-insensitively, hyphens and repeated spaces count as one space) or ``way`` (OSM way id, or
a list). Only motor-road segments (``is_road``) of the selection change; a cycle path or footway
that carries the street's name is left alone. The ``crossing`` intervention selects one node by
``node`` (OSM node id) or ``at = [lat, lon]`` (the nearest node on a motor road, within
``max_snap_m``). Only graph nodes can carry a crossing: junctions (also where a footway or
cycle path meets the road) and way ends; an OSM node in the middle of a segment is not in
``net.nodes``, so ``at`` snaps to the nearest junction. A name, way or node that does not exist raises :class:`~mobisim.errors.NotFoundError`
(with the closest street names).

Provenance
----------
Every changed attribute gets its ``*_source`` column set to ``"intervention:<id>"`` (``id`` is
given in the file or defaults to ``<type>-<n>``, n counting from 1 in file order), and the
``interventions`` column of each changed edge/node lists the ids that touched it (``;``-joined),
so every verdict can be traced back to the intervention.

Columns written (see also ``docs/data-model.md``)
-------------------------------------------------
==========================  ==================================================================
intervention                edges / nodes columns
==========================  ==================================================================
``set_speed``               ``maxspeed``, ``maxspeed_source``
``add_cycle_track``         ``cycleway_<side>`` = ``"track"``, ``cycle_separated_<side>`` = True,
                            ``cycleway_source``, ``cycle_separated_source``,
                            ``cycle_track_twoway`` (when ``twoway``)
``crossing`` (node)         ``highway`` (``crossing`` if unset), ``crossing``, ``signals``,
                            ``zebra``, ``crossing_island``, ``crossing_source``
``fietsstraat``             ``bicycle_road`` = True, ``bicycle_road_source``, ``maxspeed`` (30),
                            ``maxspeed_source``
``close_through_traffic``   ``through_traffic`` = False, ``through_traffic_source``,
                            ``daily_traffic`` (vehicles/day left), ``daily_traffic_source``
``calm``                    ``traffic_calming`` (the measure, default ``"redesign"``),
                            ``traffic_calming_source``: the street is redesigned so that its
                            limit is driven (:mod:`mobisim.rules.driven_speed`)
``convert_parking``         ``parking_converted_spaces`` (spread over the street's segments by
                            length), ``parking_converted_use``, ``parking_converted_source``
==========================  ==================================================================

``through_traffic`` (bool, True everywhere by default) is the flag for "closed to through
traffic": motor traffic keeps access (``mode_drive`` is unchanged) but the street carries only
destination traffic. ``daily_traffic`` (Float64 vehicles/day, NA = no override) holds that
residual volume; the rules, noise, the toets and the Power Model read it. The traffic model
(:mod:`mobisim.traffic`) leaves the street out of the car graph, so its through traffic moves to
the streets around it (``traffic_change``). ``parking_converted_*`` is read by :mod:`mobisim.parking`: spaces removed by the horizon
and what the area is used for.
"""

from __future__ import annotations

from mobisim.scenario.interventions.apply import apply_interventions, ensure_intervention_columns
from mobisim.scenario.interventions.models import (
    MODELS,
    SOURCE_PREFIX,
    AddCycleTrack,
    Calm,
    CloseThroughTraffic,
    ConvertParking,
    Crossing,
    Fietsstraat,
    Intervention,
    InterventionModel,
    SetSpeed,
    StreetIntervention,
    with_ids,
)
from mobisim.scenario.interventions.selection import normalise_names, select_edges, select_node

__all__ = [
    "MODELS",
    "SOURCE_PREFIX",
    "AddCycleTrack",
    "Calm",
    "CloseThroughTraffic",
    "ConvertParking",
    "Crossing",
    "Fietsstraat",
    "Intervention",
    "InterventionModel",
    "SetSpeed",
    "StreetIntervention",
    "apply_interventions",
    "ensure_intervention_columns",
    "normalise_names",
    "select_edges",
    "select_node",
    "with_ids",
]
