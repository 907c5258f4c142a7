"""What a sweep's rows say: per key the range of each score, Monte Carlo percentiles, the tornado.

* :func:`key_ranges` — per varied key and score: the lowest and highest value over all rows, and
  the *swing*: how much the score moves over the key's range. For listed values it is the mean of
  the score at the last value minus at the first (other keys averaged out); for a distribution it
  is the least-squares slope of the score on the key times the key's 5–95 % spread.
* :func:`percentiles` — p5, p50, p95 and the mean of each score (Monte Carlo).
* :func:`tornado` — the keys ordered by how far they move one score (the largest swing first).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["META_COLUMNS", "key_ranges", "percentiles", "score_columns", "swing", "tornado"]

#: Columns of a row that are neither a varied key nor a score.
META_COLUMNS = ("variant", "area", "seconds", "worker_peak_mb", "worker_pid")


def score_columns(rows: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    """The headline scores of the rows: numeric columns that are not keys, meta, a range end or the
    figure before the change (``_low``, ``_high``, ``_before``)."""
    skip = set(keys) | set(META_COLUMNS)
    return [c for c in rows.columns if c not in skip and not c.endswith(("_low", "_high", "_before"))
            and pd.api.types.is_numeric_dtype(rows[c]) and not pd.api.types.is_bool_dtype(rows[c])]


def _numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def swing(rows: pd.DataFrame, key: str, score: str, *, sampled: bool) -> float:
    """How much ``score`` moves over the range of ``key`` (see the module text); NaN when it cannot tell."""
    data = rows[[key, score]].dropna()
    if data[key].nunique() < 2:
        return float("nan")
    if sampled:
        x, y = data[key].to_numpy(float), data[score].to_numpy(float)
        slope = np.polyfit(x, y, 1)[0]
        return float(slope * (np.percentile(x, 95) - np.percentile(x, 5)))
    means = data.groupby(key, sort=_numeric(data[key]))[score].mean()
    if not _numeric(data[key]):  # names: no order, the spread of the means
        return float(means.max() - means.min())
    return float(means.iloc[-1] - means.iloc[0])


def key_ranges(rows: pd.DataFrame, keys: Sequence[str], *, sampled: Sequence[str] = ()) -> pd.DataFrame:
    """Per varied key and score: ``low``, ``high`` (over every row) and ``swing``."""
    scores = score_columns(rows, keys)
    out = [{"key": key, "score": score, "low": rows[score].min(), "high": rows[score].max(),
            "swing": swing(rows, key, score, sampled=key in sampled)}
           for key in keys for score in scores]
    return pd.DataFrame(out, columns=["key", "score", "low", "high", "swing"])


def percentiles(rows: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """p5, p50, p95 and the mean of every score over the rows."""
    scores = score_columns(rows, keys)
    table = rows[scores].quantile([0.05, 0.5, 0.95]).T
    table.columns = ["p5", "p50", "p95"]
    table["mean"] = rows[scores].mean()
    table["rows"] = rows[scores].notna().sum()
    return table.rename_axis("score").reset_index()


def tornado(ranges: pd.DataFrame, score: str) -> pd.DataFrame:
    """The keys by how far they move ``score``, the largest absolute swing first."""
    part = ranges[ranges["score"] == score].dropna(subset=["swing"])
    order = part["swing"].abs().sort_values(ascending=False).index
    return part.loc[order, ["key", "swing", "low", "high"]].reset_index(drop=True)
