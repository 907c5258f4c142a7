"""The segment toets: every segment judged for a child on a bike and on foot (whole-column rules).

The facts both judgements read (:func:`~mobisim.rules.toets.facts.segment_facts`) are computed
once; the bike rules are :func:`~mobisim.rules.toets.bike.bike_toets`, the walk rules
:func:`~mobisim.rules.toets.walk.walk_toets`. A segment passes (``toets_pass``) when neither fails.
"""

from __future__ import annotations

import pandas as pd

from mobisim.rules.toets.bike import bike_toets
from mobisim.rules.toets.facts import segment_facts
from mobisim.rules.toets.settings import ToetsSettings
from mobisim.rules.toets.walk import walk_toets

__all__ = ["SEGMENT_COLUMNS", "segment_toets"]

#: The columns :func:`segment_toets` returns (and :func:`~mobisim.rules.toets.evaluate_toets` adds to ``edges``).
SEGMENT_COLUMNS = ["lts_bike", "toets_bike", "toets_bike_rule", "toets_bike_reason",
                   "toets_bike_fix", "toets_walk", "toets_walk_rule", "toets_walk_reason",
                   "toets_walk_fix", "walk_footway_source", "toets_pass"]


def segment_toets(edges: pd.DataFrame, settings: ToetsSettings | None = None, *,
                  speed_column: str = "maxspeed") -> pd.DataFrame:
    """Judge every segment for a child on a bike and on foot (whole-column rules).

    By bike each riding direction is judged on its own facility
    (:func:`~mobisim.rules.toets.bike.bike_directions`): a painted lane counts only for the
    direction it serves, and the segment's LTS is the worse direction. A road with
    ``bicycle=use_sidepath`` is judged as its mandatory side path (rule ``B2-sidepath``); a
    bus-only road (``bus_only``) is mixed traffic with buses, not a traffic-free path.

    Parameters
    ----------
    edges
        Segments (``docs/data-model.md``); columns missing are taken as untagged.
    settings
        Thresholds; ``ToetsSettings()`` when omitted.
    speed_column
        Edge column with the speed to judge.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``edges``: ``lts_bike``, ``toets_bike`` (+ ``_rule``, ``_reason``, ``_fix``),
        ``toets_walk`` (+ ``_rule``, ``_reason``, ``_fix``), ``walk_footway_source``,
        ``toets_pass``.

    Notes
    -----
    On foot a footway is *tagged* (``sidewalk`` both/left/right/separate, also from
    ``sidewalk:<side>``), *assumed* on both sides where no tag says anything and one is plausible
    (:func:`~mobisim.rules.toets.walk.footway_plausibility`,
    :attr:`ToetsSettings.assume_sidewalk_when_untagged`), or *none* (``sidewalk=no``, a living
    street, or untagged where none is plausible); ``walk_footway_source`` says which (``path`` for
    a footway or path itself). An untagged motor road where no footway is plausible and that is
    not a quiet 30 street outside a tunnel is ``unknown`` (rule ``W10-no-footway-plausible``), with
    the reason why none was assumed and what would decide it: unknown is not a failure.
    """
    s = settings or ToetsSettings()
    facts = segment_facts(edges, s, speed_column)
    out = pd.DataFrame({**bike_toets(edges, facts, s), **walk_toets(edges, facts, s)}, index=edges.index)
    out["toets_bike"] = out["toets_bike"].astype("string")
    out["toets_walk"] = out["toets_walk"].astype("string")
    out["toets_pass"] = (out["toets_bike"] != "fail") & (out["toets_walk"] != "fail")
    return out
