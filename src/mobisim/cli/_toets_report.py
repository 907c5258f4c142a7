"""What ``mobisim toets`` says about the segments selected: one JSON-safe dict per street.

:func:`segment_records` and :func:`crossing_records` turn judged segments and crossing nodes into
the records of :mod:`mobisim.cli._toets_answer` (column by column); :func:`street_report` answers
for a selection of a judged network with them, as the answer index does for the fast path
(:mod:`mobisim.cli._toets_index`). The command prints the answer (:mod:`mobisim.cli._toets_text`)
or writes it as JSON.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mobisim.cli._toets_answer import CRITERIA, OUTSIDE, deciding_names, judged, report_from_records

if TYPE_CHECKING:
    from mobisim.network import Network

__all__ = ["CRITERIA", "CROSSING_FIELDS", "OUTSIDE", "SEGMENT_FIELDS", "crossing_records", "deciding_names",
           "judged", "segment_columns", "segment_records", "segment_verdict", "street_report"]

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


def _clean(value: Any) -> Any:
    """JSON-safe scalar."""
    if value is None or value is pd.NA:
        return None
    if type(value) is str:
        return value
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




def clean_column(values: pd.Series) -> list[Any]:
    """The JSON-safe values of one column: :func:`_clean` of each, numbers and text without the
    per-value checks."""
    kind = values.dtype.kind
    if isinstance(values.dtype, pd.StringDtype):  # text or missing: nothing else to clean
        return [None if na else v for v, na in zip(values.to_numpy(dtype=object).tolist(), values.isna().tolist())]
    if kind == "f":
        return [None if v != v else round(v, 2) for v in values.to_numpy(dtype=float, na_value=np.nan).tolist()]
    if kind in "iub":
        if isinstance(values.dtype, np.dtype):
            return values.to_numpy().tolist()
        return values.to_numpy(dtype=object, na_value=None).tolist()  # Int64, boolean: Python numbers or None
    return [_clean(v) for v in values.tolist()]


def segment_columns(sel: Any) -> dict[str, list[Any]]:
    """The records of judged segments column by column, keys in the records' order.

    ``edge_id``, the :data:`SEGMENT_FIELDS` the frame has (JSON-safe), the tier's label ``tier``,
    the one-line ``verdict``, and the private keys that order and total them (``_length``,
    ``_regime``, ``_centroid``, ``_bounds``).
    """
    from mobisim.rules import TIER_LABELS

    values = {"edge_id": [int(i) for i in sel.index],
              **{c: clean_column(sel[c]) for c in SEGMENT_FIELDS if c in sel.columns}}
    decisive = ("in_area", "regime", "regime_tier", "regime_rule")  # what tier and verdict read
    present = [c for c in decisive if c in values]
    values["tier"], values["verdict"] = [], []
    for row in zip(*(values[c] for c in present)) if present else [()] * len(sel):
        seg = dict(zip(present, row))
        values["tier"].append(TIER_LABELS.get(str(seg.get("regime_tier"))) if judged(seg) else None)
        values["verdict"].append(segment_verdict(seg))
    centroids = sel.geometry.centroid
    values["_length"] = sel["length"].to_numpy(dtype=float).tolist()
    values["_regime"] = sel["regime"].astype(str).tolist()
    values["_centroid"] = [list(c) for c in zip(centroids.x.to_numpy().tolist(), centroids.y.to_numpy().tolist())]
    values["_bounds"] = sel.geometry.bounds.to_numpy().tolist()
    return values


def segment_records(sel: Any) -> list[dict[str, Any]]:
    """The records (:mod:`mobisim.cli._toets_answer`) of judged segments, in their order
    (:func:`segment_columns` row by row)."""
    values = segment_columns(sel)
    return [dict(zip(values, row)) for row in zip(*values.values())]


def crossing_records(nodes: Any) -> dict[int, dict[str, Any]]:
    """The records of the crossing nodes among ``nodes``, by node id: position (WGS84, 6 decimals),
    the :data:`CROSSING_FIELDS` the frame has, whether it lies in the area judged (``_inside``) and
    the children on school routes through it (``_weakest``, when known)."""
    nodes = nodes[nodes["is_crossing"].fillna(False).astype(bool).to_numpy()]
    inside = (nodes["in_area"].astype("boolean").fillna(True).to_numpy(dtype=bool).tolist()
              if "in_area" in nodes.columns else [True] * len(nodes))
    points = nodes.geometry.to_crs(4326)
    lats, lons = points.y.to_numpy().tolist(), points.x.to_numpy().tolist()
    cols = [c for c in CROSSING_FIELDS if c in nodes.columns]
    values = {c: clean_column(nodes[c]) for c in cols}
    weakest = (nodes["weakest_link_children"].astype(float).to_numpy().tolist()
               if "weakest_link_children" in nodes.columns else None)
    records = {}
    for k, node_id in enumerate(int(i) for i in nodes.index):
        rec: dict[str, Any] = {"node_id": node_id, "lat": round(lats[k], 6), "lon": round(lons[k], 6),
                               **{c: values[c][k] for c in cols}, "_inside": inside[k]}
        if weakest is not None:
            rec["_weakest"] = None if math.isnan(weakest[k]) else weakest[k]
        records[node_id] = rec
    return records


def street_report(net: Network, sel: pd.DataFrame) -> dict[str, Any]:
    """Machine-readable verdict for the selected segments and the crossings on them
    (:func:`mobisim.cli._toets_answer.report_from_records` of their records)."""
    from mobisim.rules import TIERS

    def crossing_of(node_ids: list[int]) -> dict[int, dict[str, Any]]:
        return crossing_records(net.nodes.loc[net.nodes.index.intersection(node_ids)])

    return report_from_records(segment_records(sel), crossing_of, getattr(net, "sources", []), TIERS)
