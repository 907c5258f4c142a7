"""Two runs side by side (``mobisim compare``): their scores, the segments whose verdicts differ,
and run B's modelled traffic against run A's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.render.format import is_number
from mobisim.render.report.headline import flatten_scores

__all__ = ["SEGMENT_KEY", "compare_scores", "traffic_between", "changed_segments"]

#: The columns that match a segment of one run to the same segment of another.
SEGMENT_KEY = ["way_id", "u", "v"]


def _headline_value(head: Mapping[str, Any], key: str) -> float:
    """``value`` of headline figure ``key`` (NaN when the run lacks it)."""
    entry = head.get(key)
    v = entry.get("value") if isinstance(entry, Mapping) else None
    return float(v) if is_number(v) else np.nan


def _headline_frame(ha: Mapping[str, Any], hb: Mapping[str, Any]) -> pd.DataFrame:
    """``score``, ``a``, ``b``, ``unit`` of the headline figures of either run."""
    keys = list(dict.fromkeys([*ha, *hb]))
    return pd.DataFrame({
        "score": [(ha.get(k) or hb.get(k) or {}).get("label", k) for k in keys],
        "a": [_headline_value(ha, k) for k in keys], "b": [_headline_value(hb, k) for k in keys],
        "unit": [(ha.get(k) or hb.get(k) or {}).get("unit", "") for k in keys],
    })


def compare_scores(a: Mapping[str, Any], b: Mapping[str, Any], *, every: bool = False) -> pd.DataFrame:
    """Two runs' scores side by side: ``score``, ``a``, ``b``, ``change``, ``unit``.

    By default the headline figures (the scenario outcome, ``value`` of each ``headline`` entry)
    when both runs have them; with ``every`` (or without headlines) every numeric score, named by
    its path in ``scores.json``.
    """
    ha, hb = a.get("headline"), b.get("headline")
    if not every and isinstance(ha, Mapping) and isinstance(hb, Mapping):
        frame = _headline_frame(ha, hb)
    else:
        fa, fb = flatten_scores(a), flatten_scores(b)
        keys = list(dict.fromkeys([*fa, *fb]))
        frame = pd.DataFrame({"score": keys, "a": [fa.get(k, np.nan) for k in keys],
                              "b": [fb.get(k, np.nan) for k in keys], "unit": ""})
    frame["change"] = frame["b"] - frame["a"]
    return frame[["score", "a", "b", "change", "unit"]]


def _has_modelled_volumes(frame: pd.DataFrame) -> bool:
    """Volumes from the traffic model (not only interventions')."""
    return ("daily_traffic_source" in frame.columns and "daily_traffic" in frame.columns
            and bool(frame["daily_traffic_source"].astype("string").eq("model").any()))


def traffic_between(a: pd.DataFrame, b: pd.DataFrame) -> gpd.GeoDataFrame:
    """Per segment (matched on way, u, v), run B's modelled traffic against run A's.

    Returns
    -------
    GeoDataFrame
        Run B's geometry with ``name``, ``ref``, ``highway``, ``length``, ``in_area``,
        ``daily_traffic`` (B), ``daily_traffic_before`` (A), ``traffic_change`` (B − A) and
        ``daily_traffic_source`` (B); empty when either run carries no volumes.
    """
    if not _has_modelled_volumes(a) or not _has_modelled_volumes(b):
        return gpd.GeoDataFrame({c: [] for c in SEGMENT_KEY}, geometry=[], crs=getattr(b, "crs", None))
    keep = [c for c in SEGMENT_KEY + ["name", "ref", "highway", "length", "in_area", "daily_traffic",
                                      "daily_traffic_source", "geometry"] if c in b.columns]
    m = b[keep].merge(a[SEGMENT_KEY + ["daily_traffic"]].rename(columns={"daily_traffic": "daily_traffic_before"}),
                      on=SEGMENT_KEY, how="inner")
    after = pd.to_numeric(m["daily_traffic"], errors="coerce").astype("Float64")
    before = pd.to_numeric(m["daily_traffic_before"], errors="coerce").astype("Float64")
    m = m.assign(daily_traffic=after, daily_traffic_before=before, traffic_change=after - before)
    return gpd.GeoDataFrame(m, geometry="geometry", crs=getattr(b, "crs", None))


def changed_segments(a: pd.DataFrame, b: pd.DataFrame) -> gpd.GeoDataFrame:
    """Segments (matched on way, u, v) whose regime, proposed limit or toets verdict differ.

    Returns
    -------
    GeoDataFrame
        Run B's geometry with ``name``, ``regime_a/b``, ``proposed_maxspeed_a/b``,
        ``toets_pass_a/b`` and ``change`` (``regime``, ``toets`` or ``regime+toets``).
    """
    cols = ["regime", "proposed_maxspeed", "toets_pass"]
    left = a[[c for c in SEGMENT_KEY + cols if c in a.columns]]
    right = b[[c for c in SEGMENT_KEY + cols + ["name", "geometry"] if c in b.columns]]
    m = right.merge(left, on=SEGMENT_KEY, how="inner", suffixes=("_b", "_a"))

    def differs(col: str) -> pd.Series:
        if f"{col}_a" not in m.columns or f"{col}_b" not in m.columns:
            return pd.Series(False, index=m.index)
        x, y = m[f"{col}_a"].astype("string"), m[f"{col}_b"].astype("string")
        return (x != y).fillna(x.isna() != y.isna()).astype(bool)

    regime = differs("regime") | differs("proposed_maxspeed")
    toets = differs("toets_pass")
    m["change"] = np.select([regime & toets, regime, toets], ["regime+toets", "regime", "toets"], "")
    out = m[m["change"] != ""]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=getattr(b, "crs", None))
