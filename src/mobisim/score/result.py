"""What every score function returns, and the small helpers they share.

A score is a JSON-ready ``dict`` (:data:`ScoreResult`) with ``value``, ``unit``, ``formula`` and
``inputs`` (and ``range`` where it rests on an estimate); :func:`score_result` builds one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mobisim.frames import flags

__all__ = ["ScoreResult", "limit_band", "rate", "road_mask", "rounded", "score_result", "span"]

#: A score: ``{"value": ..., "unit": str, "formula": str, "inputs": dict}`` (JSON-ready).
ScoreResult = dict[str, Any]


def score_result(value: Any, unit: str, formula: str, inputs: dict[str, Any]) -> ScoreResult:
    """A :data:`ScoreResult` from its four parts (``value`` is a number or a dict of numbers)."""
    return {"value": value, "unit": unit, "formula": formula, "inputs": inputs}


def rounded(x: float | np.floating | None, digits: int = 6) -> float | None:
    """A plain, rounded float for JSON (``None`` for NaN/NA)."""
    if x is None or pd.isna(x):
        return None
    return round(float(x), digits)


def rate(num: float, den: float) -> float | None:
    """``num / den`` rounded, ``None`` when there is nothing to rate (``den`` ≤ 0)."""
    return rounded(num / den) if den > 0 else None


def span(values: list[float | None]) -> list[float] | None:
    """``[lowest, highest]`` of the known values, ``None`` when none is known."""
    known = [v for v in values if v is not None]
    return [min(known), max(known)] if known else None


def road_mask(edges: pd.DataFrame, limit_col: str = "maxspeed") -> np.ndarray:
    """Boolean mask of motor-road segments (``is_road`` when present, else a known limit)."""
    if "is_road" in edges.columns:
        return flags(edges, "is_road")
    return edges[limit_col].notna().to_numpy(dtype=bool)


def limit_band(limit: pd.Series) -> pd.Series:
    """``"30"`` (≤ 30 km/h, incl. 15), ``"50"`` (31–50), ``"other"`` (> 50), ``"unknown"`` (NA)."""
    lim = pd.to_numeric(limit, errors="coerce").astype("Float64")
    out = pd.Series("unknown", index=limit.index, dtype="object")
    out[(lim <= 30).fillna(False).to_numpy(bool)] = "30"
    out[((lim > 30) & (lim <= 50)).fillna(False).to_numpy(bool)] = "50"
    out[(lim > 50).fillna(False).to_numpy(bool)] = "other"
    return out
