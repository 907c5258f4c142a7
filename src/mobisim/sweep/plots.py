"""The charts of a sweep (matplotlib, Agg): each score against a varied key, and the tornado chart."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["score_vs_key", "tornado_chart"]


def score_vs_key(rows: pd.DataFrame, key: str, scores: Sequence[str]) -> Figure:
    """One small panel per score: every row as a dot, the mean per value of ``key`` as a line."""
    cols = min(3, len(scores)) or 1
    nrows = -(-len(scores) // cols) or 1
    fig = Figure(figsize=(4.2 * cols, 3.0 * nrows), layout="constrained")
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    numeric = pd.api.types.is_numeric_dtype(rows[key]) and not pd.api.types.is_bool_dtype(rows[key])
    x = rows[key] if numeric else rows[key].astype(str)
    for ax, score in zip(axes, scores):
        ax.scatter(x, rows[score], s=8, alpha=0.5, color="#4c72b0")
        if rows[key].nunique() <= 50:
            means = rows.assign(_x=x).groupby("_x", sort=numeric)[score].mean()
            ax.plot(means.index, means.to_numpy(), color="#c44e52", linewidth=1.5)
        ax.set_title(score, fontsize=9)
        ax.set_xlabel(key, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(scores):]:
        ax.set_visible(False)
    fig.suptitle(f"Scores against {key}", fontsize=11)
    return fig


def tornado_chart(table: pd.DataFrame, score: str) -> Figure:
    """Horizontal bars: how far each key moves ``score`` over its range (:func:`mobisim.sweep.summary.tornado`)."""
    fig = Figure(figsize=(7, 0.5 * max(len(table), 2) + 1.2), layout="constrained")
    ax = fig.subplots()
    rows = table.iloc[::-1]  # the largest on top
    colours = ["#c44e52" if v < 0 else "#4c72b0" for v in rows["swing"]]
    ax.barh(rows["key"], rows["swing"], color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"change of {score} over the key's range")
    ax.set_title(f"What moves {score} most", fontsize=11)
    return fig
