"""The 8-jarigen-toets (8-year-old test): can a child of 8 use this street and crossing alone?

Every segment gets a verdict per mode (bike, walk) and every crossing node a verdict, each with
the id of the rule that decided, a readable reason and, for a failure, what would make it pass.

The test is anchored on two published sets of criteria (thresholds are fields of
:class:`ToetsSettings`, each with its source):

- **Level of Traffic Stress** (LTS): level 1 is "tolerable for children". Mixed-traffic,
  painted-lane and unsignalised-crossing tables from Mekuria, Furth & Nixon (2012), *Low-Stress
  Bicycling and Network Connectivity*, MTI report 11-19, and Furth, *LTS criteria tables v2.2*
  (2022). The worst attribute decides.
- **Dutch practice** (Duurzaam Veilig, CROW, SWOV): children mix with motor traffic only at
  30 km/h and low volume; at 50 km/h cyclists are on separated paths (a painted lane is not
  accepted); a crossing is safe when signal-controlled, or one lane per direction with a refuge
  island, or on a road at ≤ 30 km/h.

A segment passes for a mode only when both agree. All decisions are column operations on whole
frames (``np.select`` over rule conditions, table look-ups by ``np.searchsorted``); the texts
(reasons, fixes) are lazy (:class:`T`, :func:`select`): each is built only for the rows whose rule
uses it, the painted-lane account only where a lane is painted.

By bike each riding direction is judged on the facility that serves it (:func:`bike_directions`,
as LTS v2.2 peers such as the BikeOttawa stressmodel do): a painted lane counts only for its
direction (a contraflow lane leaves with-flow riders in mixed traffic), a lane beside parking
uses the bike-lane-alongside-parking table (bike lane + parking reach), and the segment's LTS is
the worse direction. ``bicycle=use_sidepath`` roads are judged as their mandatory side path
(``B2-sidepath``); bus-only roads are mixed traffic with buses, not traffic-free paths.

Public API: :func:`evaluate_toets`, :func:`classify_crossings`, :func:`toets_failures`,
:class:`ToetsSettings`.

Modules: :mod:`~mobisim.rules.toets.settings` (the thresholds and LTS tables, sourced),
:mod:`~mobisim.rules.toets.lts` (speed, traffic, lanes and the LTS table look-ups),
:mod:`~mobisim.rules.toets.facts` (what the segment rules read), :mod:`~mobisim.rules.toets.bike`
(each riding direction's facility, rules B1–B8), :mod:`~mobisim.rules.toets.walk` (footways,
rules W1–W10), :mod:`~mobisim.rules.toets.segments` (both per segment),
:mod:`~mobisim.rules.toets.crossings` (finding and judging crossings, rules X1–X8),
:mod:`~mobisim.rules.toets.evaluate` (the run on a network, failures). The rule-table and lazy-text
toolkit is :mod:`mobisim.rules.textkit`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobisim._lazy import lazy_exports
from mobisim.rules.toets.settings import DUTCH_SOURCE, LTS_SOURCE, CrossingRow, LtsRow, ToetsSettings

if TYPE_CHECKING:
    from mobisim.rules.textkit import Fmt, Lazy, Select, T, select
    from mobisim.rules.toets.bike import LANE, MIXED, SEPARATED, bike_directions, lane_texts
    from mobisim.rules.toets.crossings import NODE_COLUMNS, classify_crossings, find_crossings, judge_crossings
    from mobisim.rules.toets.evaluate import evaluate_toets, toets_failures
    from mobisim.rules.toets.lts import (
        crossing_lts,
        daily_traffic,
        edge_lanes,
        edge_speed,
        lane_lts,
        mixed_lts,
        parking_lane_lts,
        speed_column_index,
        table_lookup,
    )
    from mobisim.rules.toets.segments import SEGMENT_COLUMNS, segment_toets
    from mobisim.rules.toets.walk import footway_plausibility

__all__ = [
    "DUTCH_SOURCE",
    "LANE",
    "LTS_SOURCE",
    "MIXED",
    "NODE_COLUMNS",
    "SEGMENT_COLUMNS",
    "SEPARATED",
    "CrossingRow",
    "Fmt",
    "Lazy",
    "LtsRow",
    "Select",
    "T",
    "ToetsSettings",
    "bike_directions",
    "classify_crossings",
    "crossing_lts",
    "daily_traffic",
    "edge_lanes",
    "edge_speed",
    "evaluate_toets",
    "find_crossings",
    "footway_plausibility",
    "judge_crossings",
    "lane_lts",
    "lane_texts",
    "mixed_lts",
    "parking_lane_lts",
    "segment_toets",
    "select",
    "speed_column_index",
    "table_lookup",
    "toets_failures",
]


#: The algorithms' names, imported when first used (:mod:`mobisim._lazy`): importing the package
#: (its settings) does not import them.
__getattr__, __dir__ = lazy_exports(__name__, {
    "mobisim.rules.textkit": ("Fmt", "Lazy", "Select", "T", "select"),
    "mobisim.rules.toets.bike": ("LANE", "MIXED", "SEPARATED", "bike_directions", "lane_texts"),
    "mobisim.rules.toets.crossings": ("NODE_COLUMNS", "classify_crossings", "find_crossings", "judge_crossings"),
    "mobisim.rules.toets.evaluate": ("evaluate_toets", "toets_failures"),
    "mobisim.rules.toets.lts": ("crossing_lts", "daily_traffic", "edge_lanes", "edge_speed", "lane_lts", "mixed_lts",
                                "parking_lane_lts", "speed_column_index", "table_lookup"),
    "mobisim.rules.toets.segments": ("SEGMENT_COLUMNS", "segment_toets"),
    "mobisim.rules.toets.walk": ("footway_plausibility",),
})
