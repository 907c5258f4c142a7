"""What ``mobisim toets`` says about the segments selected: one JSON-safe dict per street.

:func:`street_report` turns the judged segments and the crossings on them into the dict the
command prints (:mod:`mobisim.cli._toets_text`) or writes as JSON.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from mobisim.network import Network

__all__ = ["CRITERIA", "CROSSING_FIELDS", "OUTSIDE", "SEGMENT_FIELDS", "deciding_names", "judged", "order_along",
           "segment_verdict", "street_report"]

#: Edge columns shown per segment (and written by ``--json``).
SEGMENT_FIELDS = [
    "way_id", "u", "v", "name", "highway", "length", "maxspeed", "maxspeed_source", "lanes",
    "is_road", "in_area", "regime", "proposed_maxspeed", "regime_tier", "regime_deciding", "regime_missing",
    "regime_rule", "regime_reason", "c1_cycle_path", "c1_evidence", "c2_sensitive_sites", "c2_evidence",
    "c3_air_noise", "c3_evidence", "noise_lden_db", "c4_crossable", "c4_evidence",
    "calming", "calming_reason", "lts_bike",
    "toets_bike", "toets_bike_rule", "toets_bike_reason", "toets_bike_fix",
    "toets_walk", "toets_walk_rule", "toets_walk_reason", "toets_walk_fix", "toets_pass",
    "school_route_children", "driven_speed", "driven_speed_basis", "driven_speed_reason", "interventions",
]
CROSSING_FIELDS = [
    "crossing_kind", "crossed_name", "lanes_crossed", "crossed_speed", "lts_crossing",
    "toets_crossing", "toets_crossing_rule", "toets_crossing_reason", "toets_crossing_fix",
    "junction_fix", "junction_fix_reason", "weakest_link_children", "interventions",
]
#: Short names of the criteria in ``regime_deciding`` (``"C2+C4"``).
CRITERION_NAMES = {"C1": "C1 separate cycle path", "C2": "C2 no sensitive sites", "C3": "C3 air and noise",
                   "C4": "C4 crossable"}
OUTSIDE = "outside the municipality: not judged"
CRITERIA = [("C1 separate cycle path", "c1_cycle_path", "c1_evidence"),
            ("C2 no sensitive sites", "c2_sensitive_sites", "c2_evidence"),
            ("C3 air and noise", "c3_air_noise", "c3_evidence"),
            ("C4 crossable by an 8-year-old", "c4_crossable", "c4_evidence")]



def order_along(sel: Any) -> Any:
    """Order segments along the street's main axis (west→east or south→north)."""
    c = sel.geometry.centroid
    minx, miny, maxx, maxy = sel.total_bounds
    key = c.x if (maxx - minx) >= (maxy - miny) else c.y
    return sel.assign(_k=key.to_numpy()).sort_values("_k").drop(columns="_k")


def _clean(value: Any) -> Any:
    """JSON-safe scalar."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 2)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def judged(segment: dict[str, Any]) -> bool:
    """Whether a segment (or crossing) lies in the area judged (no ``in_area``: everything does)."""
    return segment.get("in_area") is not False and segment.get("regime") != "outside_area"


def deciding_names(deciding: str | None) -> str:
    """``"C2 no sensitive sites, C4 crossable"`` from ``regime_deciding`` ``"C2+C4"``."""
    return ", ".join(CRITERION_NAMES.get(c, c) for c in str(deciding or "").split("+") if c)


def segment_verdict(segment: dict[str, Any]) -> str:
    """One-line outcome of the 30/50 rule: the tier, or why the road has none."""
    from mobisim.rules import TIER_LABELS

    if not judged(segment):
        return OUTSIDE
    tier = segment.get("regime_tier")
    if tier:
        return TIER_LABELS.get(tier, tier)
    regime, rule = segment.get("regime"), segment.get("regime_rule") or ""
    if regime == "not_road":
        return "not a motor road"
    if regime == "out_of_scope":
        return "out of scope: limit unchanged"
    if rule == "R3-living-street":
        return "woonerf: limit unchanged"
    if rule == "R4-already-30":
        return "30 or less already: unchanged"
    return f"{regime} km/h" if regime in ("30", "50") else str(regime)


def street_report(net: Network, sel: pd.DataFrame) -> dict[str, Any]:
    """Machine-readable verdict for the selected segments and the crossings on them.

    Each segment carries its tier (``regime_tier`` and the label ``tier``), the deciding criteria
    (``regime_deciding``: the failing ones for to 30, the unknown ones for 50 if shown), the
    evidence that would decide a 50-if-shown road (``regime_missing``) and a one-line ``verdict``.
    Segments and crossings outside the area judged are not judged: their toets is left out of the
    counts and the crossing list.
    """
    from mobisim.rules import TIER_LABELS, TIERS

    sel = order_along(sel)
    seg_cols = [c for c in SEGMENT_FIELDS if c in sel.columns]
    segments = [{"edge_id": int(i), **{c: _clean(row[c]) for c in seg_cols}}
                for i, row in sel[seg_cols].iterrows()]  # output formatting only
    for seg in segments:
        seg["tier"] = TIER_LABELS.get(str(seg.get("regime_tier"))) if judged(seg) else None
        seg["verdict"] = segment_verdict(seg)
    node_ids = pd.unique(np.concatenate([sel["u"].to_numpy(), sel["v"].to_numpy()]))
    nodes = net.nodes.loc[net.nodes.index.intersection(node_ids)]
    nodes = nodes[nodes["is_crossing"].fillna(False).astype(bool)]
    inside = (nodes["in_area"].astype("boolean").fillna(True).to_numpy(dtype=bool) if "in_area" in nodes.columns
              else np.ones(len(nodes), dtype=bool))
    outside_crossings = int((~inside).sum())
    nodes = nodes[inside]
    order = {n: k for k, n in enumerate(node_ids)}
    nodes = nodes.assign(_o=[order[n] for n in nodes.index]).sort_values("_o")
    if "weakest_link_children" in nodes.columns:  # school routes first
        nodes = nodes.sort_values("weakest_link_children", ascending=False, kind="stable")
    nodes = nodes.to_crs(4326)
    cr_cols = [c for c in CROSSING_FIELDS if c in nodes.columns]
    crossings = [{"node_id": int(i), "lat": round(row.geometry.y, 6), "lon": round(row.geometry.x, 6),
                  **{c: _clean(row[c]) for c in cr_cols}} for i, row in nodes.iterrows()]
    length = float(sel["length"].sum())
    by_regime = sel.groupby(sel["regime"].astype(str))["length"].sum().round(0)
    by_tier = {t: float(round(sum(s.get("length") or 0 for s in segments
                                  if judged(s) and s.get("regime_tier") == t), 0)) for t in TIERS}
    inside_segs = [s for s in segments if judged(s)]
    return {
        "street": sorted({str(n) for n in sel["name"].dropna()}),
        "segments_count": len(sel),
        "length_m": round(length, 1),
        "length_by_regime_m": {k: float(v) for k, v in by_regime.items()},
        "length_by_tier_m": {k: v for k, v in by_tier.items() if v > 0},
        "length_outside_m": round(sum(s.get("length") or 0 for s in segments if not judged(s)), 1),
        "toets_bike_pass": sum(s.get("toets_bike") == "pass" for s in inside_segs),
        "toets_bike_open": sum(s.get("toets_bike") not in ("n/a", None) for s in inside_segs),
        "toets_walk_pass": sum(s.get("toets_walk") == "pass" for s in inside_segs),
        "toets_walk_open": sum(s.get("toets_walk") not in ("n/a", None) for s in inside_segs),
        "crossings_count": len(crossings),
        "crossings_fail": sum(c.get("toets_crossing") == "fail" for c in crossings),
        "crossings_outside": outside_crossings,
        "sources": [str(s) for s in getattr(net, "sources", [])],
        "segments": segments,
        "crossings": crossings,
        "attribution": "© OpenStreetMap contributors (ODbL)",
    }

