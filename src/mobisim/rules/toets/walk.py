"""On foot: a footway along the street (tagged, assumed or absent), judged with the traffic beside it.

:func:`footway_plausibility` says where an untagged footway may be assumed; :func:`walk_toets`
judges every segment by the first matching rule of :data:`WALK_RULES` (``W1``–``W10``), with a
reason and, for a failure or an unknown, what would decide it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobisim.frames import flags
from mobisim.rules.textkit import Fmt, Lazy, Select, T, cat, select, strings
from mobisim.rules.toets.facts import SegmentFacts
from mobisim.rules.toets.settings import ToetsSettings

__all__ = ["WALK_RULES", "footway_plausibility", "walk_toets"]


def footway_plausibility(edges: pd.DataFrame, settings: ToetsSettings | None = None) -> pd.DataFrame:
    """Where an untagged footway may be assumed, and why not elsewhere (whole columns).

    A footway is plausible along a motor road with frontage. It is not assumed on a motor road
    (``mode_drive``, or a bus-only road) in a tunnel (``tunnel``, which excludes
    ``tunnel=building_passage``; :attr:`ToetsSettings.walk_no_footway_in_tunnels`), on an
    autoweg (``motorroad=yes``; :attr:`ToetsSettings.walk_no_footway_on_motorroad`), or on a
    class without frontage (:attr:`ToetsSettings.walk_no_frontage_classes`). Tags decide
    before this: see :func:`segment_toets`.

    Parameters
    ----------
    edges : pandas.DataFrame
        ``highway``, ``mode_drive``, ``bus_only``, ``tunnel``, ``motorroad`` (missing columns
        count as false / empty).
    settings : ToetsSettings, optional

    Returns
    -------
    pandas.DataFrame
        Indexed like ``edges``: ``tunnel`` (a motor road in a tunnel), ``plausible`` (bool) and
        ``why`` (text for the rows where it is not plausible, empty elsewhere).
    """
    s = settings or ToetsSettings()
    motor = flags(edges, "mode_drive") | flags(edges, "bus_only")
    hw = strings(edges, "highway")
    tunnel = motor & flags(edges, "tunnel") & s.walk_no_footway_in_tunnels
    motorroad = motor & flags(edges, "motorroad") & s.walk_no_footway_on_motorroad
    no_frontage = hw.isin(s.walk_no_frontage_classes).to_numpy()
    why = np.select(
        [tunnel, motorroad, no_frontage],
        ["in a tunnel (car tunnels rarely have one)",
         "on an autoweg (motorroad=yes: motor vehicles only, no frontage)",
         cat("on a ", hw, " road (no frontage: a slip road or a road for motor traffic)")],
        default="",
    ).astype(object)
    return pd.DataFrame({"tunnel": tunnel, "plausible": ~(tunnel | motorroad | no_frontage),
                         "why": why}, index=edges.index)


#: The walk rules, first match wins: rule id and verdict (the conditions are :func:`_walk_conditions`).
WALK_RULES: list[tuple[object, str]] = [
    (pd.NA, "n/a"),  # not walked
    ("W1-path", "pass"),
    ("W2-living-street", "pass"),
    ("W3-footways", "pass"),
    ("W4-quiet-30", "pass"),
    ("W5-one-side-30", "pass"),
    ("W6-one-side-fast", "fail"),
    ("W7-no-footway", "fail"),
    ("W10-no-footway-plausible", "unknown"),
    ("W8-footway-assumed", "pass"),
]
#: Rule id and verdict where no rule of :data:`WALK_RULES` matches (untagged, nothing assumed).
WALK_DEFAULT = ("W9-no-footway-tag", "fail")


@dataclass(frozen=True)
class _Footways:
    """What a child on foot finds along each segment (whole columns)."""

    walked: np.ndarray  #: ``mode_walk``
    sidewalk: pd.Series  #: the ``sidewalk`` tag (``none`` where untagged)
    both: np.ndarray  #: footways on both sides (``both`` or ``separate``)
    one: np.ndarray  #: a footway on one side
    no: np.ndarray  #: ``sidewalk=no``
    untagged: np.ndarray
    implausible: np.ndarray  #: no footway may be assumed (:func:`footway_plausibility`)
    why: np.ndarray  #: why not, where implausible
    quiet: np.ndarray  #: a quiet street at the mixing speed, outside a tunnel


def _footways(edges: pd.DataFrame, f: SegmentFacts, s: ToetsSettings) -> _Footways:
    sw = strings(edges, "sidewalk", "none")
    both = sw.isin(["both", "separate"]).to_numpy()
    one = sw.isin(["left", "right"]).to_numpy()
    no = (sw == "no").to_numpy()
    foot = footway_plausibility(edges, s)
    tunnel = foot["tunnel"].to_numpy()
    return _Footways(walked=flags(edges, "mode_walk"), sidewalk=sw, both=both, one=one, no=no,
                     untagged=~(both | one | no), implausible=~foot["plausible"].to_numpy(),
                     why=foot["why"].to_numpy(dtype=object),
                     quiet=f.slow & (f.volume <= s.walk_quiet_max_daily_traffic) & ~tunnel)


def _walk_conditions(w: _Footways, f: SegmentFacts, assume: bool) -> list[np.ndarray]:
    """The conditions of :data:`WALK_RULES`, in order."""
    return [
        ~w.walked,
        ~f.drive & ~f.bus,
        f.living,
        w.both,
        w.quiet,
        w.one & f.slow,
        w.one,
        w.no,
        w.untagged & w.implausible & assume,
        w.untagged & assume,
    ]


def _walk_reasons(f: SegmentFacts, w: _Footways, conds: list[np.ndarray]) -> np.ndarray:
    """The reason of each segment's walk rule (texts built only on the rows of their rule)."""
    v_s, q_s = Fmt(f.speed), Fmt(f.volume)
    why_none = Lazy(lambda idx: w.why[idx])
    quiet_footway = Select([w.no, w.untagged & w.implausible],
                           [" (sidewalk=no)", T(" (none assumed: ", why_none, ")")], "")
    return select(conds, [
        pd.NA,
        "footway or path away from motor traffic",
        "woonerf (living street): pedestrians may use the whole street",
        T("footway on both sides (sidewalk=", w.sidewalk, ")"),
        T("quiet street at ", v_s, " km/h with ~", q_s, " vehicles/day: walking along it is "
          "acceptable without a tagged footway", quiet_footway),
        T("footway on one side at ", v_s, " km/h"),
        T("footway on one side only at ", v_s, " km/h; Dutch 50-roads have footways on both "
          "sides (CROW)"),
        T("no footway (sidewalk=no) at ", v_s, " km/h with ~", q_s, " vehicles/day"),
        T("unknown: no sidewalk tag, and no footway is assumed ", why_none, "; at ", v_s,
          " km/h with ~", q_s, " vehicles/day a child cannot walk on the carriageway, so it "
          "passes only if a footway is there"),
        "footway assumed on both sides (no sidewalk tag; Dutch urban streets have footways)",
    ], "no footway tagged (assume_sidewalk_when_untagged is off)", len(f))


def _walk_fixes(conds: list[np.ndarray], verdict: np.ndarray) -> np.ndarray:
    """What would make a failing segment pass on foot, or decide an unknown one."""
    fix = select(conds, [pd.NA] * 6 + [
        "add a footway on the other side",
        "add footways on both sides, or make it a 30 km/h street with little traffic",
        "survey it and tag the footway (sidewalk=both/left/right/separate, or sidewalk=no); "
        "without one, add a footway or a separate path",
        pd.NA,
    ], pd.NA, len(verdict))
    return np.where(verdict == "fail",
                    np.where(pd.isna(fix), "add footways on both sides", fix),
                    np.where(verdict == "unknown", fix, pd.NA))


def walk_toets(edges: pd.DataFrame, f: SegmentFacts, s: ToetsSettings) -> dict[str, object]:
    """Judge every segment for a child on foot: the columns ``toets_walk*`` and ``walk_footway_source``.

    A footway is *tagged* (``sidewalk`` both/left/right/separate, also from ``sidewalk:<side>``),
    *assumed* on both sides where no tag says anything and one is plausible
    (:func:`footway_plausibility`, :attr:`ToetsSettings.assume_sidewalk_when_untagged`), or *none*
    (``sidewalk=no``, a living street, or untagged where none is plausible); it is never assumed in
    a tunnel, on a road without frontage, or where ``sidewalk=no``. An untagged motor road where no
    footway is plausible and that is not a quiet 30 street outside a tunnel is ``unknown`` (rule
    ``W10-no-footway-plausible``), with the reason why none was assumed and what would decide it.

    Returns
    -------
    dict
        ``toets_walk`` (object: ``pass``/``fail``/``unknown``/``n/a``) and the string arrays
        ``toets_walk_rule``, ``toets_walk_reason``, ``toets_walk_fix``, ``walk_footway_source``
        (``path``, ``tagged``, ``assumed`` or ``none``).
    """
    n = len(f)
    w = _footways(edges, f, s)
    assume = s.assume_sidewalk_when_untagged
    footway_source = select(
        [w.walked & ~f.drive & ~f.bus, w.both | w.one, w.no | f.living | w.implausible | ~w.walked],
        ["path", "tagged", "none"], "assumed" if assume else "none", n)
    conds = _walk_conditions(w, f, assume)
    verdict = select(conds, [v for _, v in WALK_RULES], WALK_DEFAULT[1], n)
    return {
        "toets_walk": verdict,
        "toets_walk_rule": pd.array(select(conds, [r for r, _ in WALK_RULES], WALK_DEFAULT[0], n), dtype="string"),
        "toets_walk_reason": pd.array(_walk_reasons(f, w, conds), dtype="string"),
        "toets_walk_fix": pd.array(_walk_fixes(conds, verdict), dtype="string"),
        "walk_footway_source": pd.array(footway_source, dtype="string"),
    }
