"""The answer of ``mobisim toets`` from per-segment and per-crossing records, without pandas.

A *segment record* is the JSON-safe dict the command shows for one street segment (the fields of
:data:`mobisim.cli._toets_report.SEGMENT_FIELDS`, ``tier`` and ``verdict``) plus private keys
(``_length``, ``_regime``, ``_centroid``, ``_bounds``) that order and total them; a *crossing record*
the dict of one crossing node plus ``_inside`` and ``_weakest``. :mod:`mobisim.cli._toets_report`
builds them from the judged network, the answer index (:mod:`mobisim.cli._toets_index`) stores them;
:func:`report_from_records` turns either into the same answer, so that the fast path and the
command cannot differ.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["CRITERIA", "CRITERION_NAMES", "OUTSIDE", "deciding_names", "judged", "order_along",
           "report_from_records"]

#: Short names of the criteria in ``regime_deciding`` (``"C2+C4"``).
CRITERION_NAMES = {"C1": "C1 separate cycle path", "C2": "C2 no sensitive sites", "C3": "C3 air and noise",
                   "C4": "C4 crossable"}
OUTSIDE = "outside the municipality: not judged"
CRITERIA = [("C1 separate cycle path", "c1_cycle_path", "c1_evidence"),
            ("C2 no sensitive sites", "c2_sensitive_sites", "c2_evidence"),
            ("C3 air and noise", "c3_air_noise", "c3_evidence"),
            ("C4 crossable by an 8-year-old", "c4_crossable", "c4_evidence")]


def judged(segment: Mapping[str, Any]) -> bool:
    """Whether a segment (or crossing) lies in the area judged (no ``in_area``: everything does)."""
    return segment.get("in_area") is not False and segment.get("regime") != "outside_area"


def deciding_names(deciding: str | None) -> str:
    """``"C2 no sensitive sites, C4 crossable"`` from ``regime_deciding`` ``"C2+C4"``."""
    return ", ".join(CRITERION_NAMES.get(c, c) for c in str(deciding or "").split("+") if c)


def order_along(segments: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The segments along the street's main axis (west→east or south→north, by centroid; a stable
    sort, so equal positions keep the network's order)."""
    if not segments:
        return []
    bounds = [s["_bounds"] for s in segments]
    width = max(b[2] for b in bounds) - min(b[0] for b in bounds)
    height = max(b[3] for b in bounds) - min(b[1] for b in bounds)
    axis = 0 if width >= height else 1
    return sorted(segments, key=lambda s: s["_centroid"][axis])


def _public(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record without its private (``_``) keys."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _weakest_first(crossings: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Crossings with the most children on a school route through them first (stable; unknown last)."""
    if not any("_weakest" in c for c in crossings):
        return crossings

    def key(c: Mapping[str, Any]) -> tuple[bool, float]:
        w = c.get("_weakest")
        unknown = w is None or (isinstance(w, float) and math.isnan(w))
        return unknown, 0.0 if unknown else -float(w)  # type: ignore[arg-type]

    return sorted(crossings, key=key)


def _crossings(segments: Sequence[Mapping[str, Any]],
               crossing_of: Callable[[list[int]], Mapping[int, Mapping[str, Any]]]) -> tuple[list[dict[str, Any]], int]:
    """The crossings on the segments (in street order, school routes first) and how many lie outside."""
    node_ids = list(dict.fromkeys([s["u"] for s in segments] + [s["v"] for s in segments]))
    found = crossing_of(node_ids)
    nodes = [found[n] for n in node_ids if n in found]
    outside = sum(not c["_inside"] for c in nodes)
    inside = _weakest_first([c for c in nodes if c["_inside"]])
    return [_public(c) for c in inside], outside


def _length_by_regime(segments: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Length per proposed regime (metres, rounded), regimes in sorted order."""
    by: dict[str, list[float]] = {}
    for s in segments:
        by.setdefault(str(s["_regime"]), []).append(s["_length"])
    return {k: float(round(math.fsum(v), 0)) for k, v in sorted(by.items())}


def report_from_records(records: Sequence[Mapping[str, Any]],
                        crossing_of: Callable[[list[int]], Mapping[int, Mapping[str, Any]]],
                        sources: Sequence[str], tiers: Sequence[str]) -> dict[str, Any]:
    """Machine-readable verdict for the selected segments and the crossings on them.

    Parameters
    ----------
    records
        Segment records of the selection, in the network's order.
    crossing_of
        The crossing records (crossing nodes only) of some node ids, by node id.
    sources
        The OSM files the network was read from.
    tiers
        The 30/50 tiers in their order (:data:`mobisim.rules.TIERS`).

    Returns
    -------
    dict
        Each segment carries its tier (``regime_tier`` and the label ``tier``), the deciding
        criteria, the evidence that would decide a 50-if-shown road (``regime_missing``) and a
        one-line ``verdict``. Segments and crossings outside the area judged are not judged:
        their toets is left out of the counts and the crossing list.
    """
    ordered = order_along(records)
    segments = [_public(s) for s in ordered]
    crossings, outside_crossings = _crossings(ordered, crossing_of)
    by_tier = {t: float(round(sum(s.get("length") or 0 for s in segments
                                  if judged(s) and s.get("regime_tier") == t), 0)) for t in tiers}
    inside_segs = [s for s in segments if judged(s)]
    return {
        "street": sorted({str(s["name"]) for s in segments if s.get("name") is not None}),
        "segments_count": len(segments),
        "length_m": round(math.fsum(s["_length"] for s in ordered), 1),
        "length_by_regime_m": _length_by_regime(ordered),
        "length_by_tier_m": {k: v for k, v in by_tier.items() if v > 0},
        "length_outside_m": round(sum(s.get("length") or 0 for s in segments if not judged(s)), 1),
        "toets_bike_pass": sum(s.get("toets_bike") == "pass" for s in inside_segs),
        "toets_bike_open": sum(s.get("toets_bike") not in ("n/a", None) for s in inside_segs),
        "toets_walk_pass": sum(s.get("toets_walk") == "pass" for s in inside_segs),
        "toets_walk_open": sum(s.get("toets_walk") not in ("n/a", None) for s in inside_segs),
        "crossings_count": len(crossings),
        "crossings_fail": sum(c.get("toets_crossing") == "fail" for c in crossings),
        "crossings_outside": outside_crossings,
        "sources": [str(s) for s in sources],
        "segments": segments,
        "crossings": crossings,
        "attribution": "© OpenStreetMap contributors (ODbL)",
    }
