"""The report's charts: matplotlib figures written as inline SVG.

One function per chart, each taking plain frames (the same tables the report prints) and the
labels in the report's language, and returning a :class:`Chart` whose ``svg`` text is embedded
in ``report.html`` (``report.md`` names the chart and points to the HTML). The figures are drawn
with :class:`matplotlib.figure.Figure` (no pyplot state, no display backend), text kept as text
(``svg.fonttype = "none"``: searchable, small) and a fixed hash salt and no date, so the same run
writes the same SVG. Colours are the Okabe–Ito palette (safe for colour-blind readers); numbers on
the axes follow the report's locale (:func:`mobisim.render.format.localise`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter
from matplotlib.typing import RcKeyType

from mobisim.render.format import localise

__all__ = ["Chart", "PALETTE", "to_svg", "bar_chart", "cost_curve", "grouped_bars", "line_chart", "share_chart",
           "year_chart"]

#: Okabe–Ito colours (colour-blind safe), in the order the charts use them.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

_RC: dict[RcKeyType, Any] = {"svg.fonttype": "none", "svg.hashsalt": "mobisim", "font.family": "sans-serif", "font.size": 9,
       "axes.spines.top": False, "axes.spines.right": False, "axes.titlesize": 10}


@dataclass(frozen=True)
class Chart:
    """One chart of the report.

    Attributes
    ----------
    key
        A short id (``"tiers"``), unique in the report.
    caption
        The figure's caption in the report's language.
    svg
        The ``<svg>`` element (no XML declaration).
    """

    key: str
    caption: str
    svg: str


def to_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element: no XML prologue, no date, same text for the same figure."""
    buf = io.StringIO()
    with mpl.rc_context(_RC):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _formatter(digits: int = 0, suffix: str = "") -> FuncFormatter:
    """Axis numbers with ``digits`` decimals in the report's locale."""
    return FuncFormatter(lambda v, _pos: localise(f"{v:,.{digits}f}") + suffix)


def _legend(fig: Figure, handles: Sequence[Any]) -> None:
    """The legend under the chart, in one row (never over the bars)."""
    fig.legend(handles=list(handles), loc="outside lower center", ncols=max(len(handles), 1), frameon=False)


def _figure(width: float, height: float) -> Figure:
    with mpl.rc_context(_RC):
        return Figure(figsize=(width, height), layout="constrained")


def bar_chart(frame: pd.DataFrame, *, label: str, value: str, group: str, xlabel: str,
              colours: Mapping[str, str] | None = None) -> Figure:
    """Horizontal bars, one per row of ``frame`` (``label``, ``value``), coloured by ``group``.

    Parameters
    ----------
    frame
        One row per bar, in the order drawn top to bottom.
    label, value, group
        Columns: the bar's text, its length, the group that sets its colour (legend).
    xlabel
        The axis title (with its unit).
    colours
        Colour per group (by default the palette in order of appearance).
    """
    groups = list(dict.fromkeys(frame[group].tolist()))
    colours = dict(colours or {}) or {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    with mpl.rc_context(_RC):
        fig = _figure(7.0, 0.8 + 0.28 * max(len(frame), 1))
        ax = fig.add_subplot()
        y = np.arange(len(frame))[::-1]
        ax.barh(y, frame[value].astype(float), color=[colours[g] for g in frame[group]])
        ax.set_yticks(y, frame[label].astype(str).tolist())
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_formatter(_formatter())
        _legend(fig, [Patch(color=colours[g], label=str(g)) for g in groups])
    return fig


def grouped_bars(categories: Sequence[str], series: Mapping[str, Sequence[float]], *, ylabel: str,
                 percent: bool = False) -> Figure:
    """Vertical bars per category, one per series side by side (before / after), labelled on top."""
    with mpl.rc_context(_RC):
        fig = _figure(7.0, 3.0)
        ax = fig.add_subplot()
        x = np.arange(len(categories))
        width = 0.8 / max(len(series), 1)
        suffix = " %" if percent else ""
        for i, (name, vals) in enumerate(series.items()):
            bars = ax.bar(x + (i - (len(series) - 1) / 2) * width, list(vals), width, color=PALETTE[i], label=name)
            ax.bar_label(bars, labels=[localise(f"{v:,.1f}") + suffix for v in vals], fontsize=8, padding=2)
        ax.set_xticks(x, list(categories))
        ax.set_ylabel(ylabel)
        if percent:
            ax.set_ylim(0, 110)
        ax.yaxis.set_major_formatter(_formatter(0, suffix))
        _legend(fig, ax.get_legend_handles_labels()[0])
    return fig


def line_chart(x: Sequence[float], series: Mapping[str, Sequence[float]], *, xlabel: str, ylabel: str,
               marker: float | None = None, marker_label: str = "",
               colours: Mapping[str, str] | None = None) -> Figure:
    """Lines of ``series`` over ``x``; a dashed vertical line at ``marker`` (this run's value).

    ``colours`` gives a series its colour (by default the palette in order).
    """
    with mpl.rc_context(_RC):
        fig = _figure(7.0, 3.4)
        ax = fig.add_subplot()
        for i, (name, ys) in enumerate(series.items()):
            ax.plot(list(x), list(ys), marker="o", color=(colours or {}).get(name, PALETTE[i % len(PALETTE)]), label=name)
        if marker is not None:
            ax.axvline(marker, color="#555555", linestyle="--", linewidth=1)
            ax.annotate(marker_label, (marker, 1.0), xycoords=("data", "axes fraction"), xytext=(4, -10),
                        textcoords="offset points", fontsize=8, color="#333333")
        ax.set_xticks(list(x))  # the limits computed, not in-between values
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_formatter(_formatter())
        ax.xaxis.set_major_formatter(_formatter())
        _legend(fig, ax.get_legend_handles_labels()[0])
    return fig


def share_chart(labels: Sequence[str], before: Sequence[float], after: Sequence[float], *, xlabel: str,
                before_label: str, after_label: str) -> Figure:
    """Per item (a wijk): the share after as a bar and before as a dot, in per cent, top to bottom."""
    with mpl.rc_context(_RC):
        fig = _figure(7.0, 0.8 + 0.2 * max(len(labels), 1))
        ax = fig.add_subplot()
        y = np.arange(len(labels))[::-1]
        ax.barh(y, list(after), color=PALETTE[2], label=after_label)
        ax.plot(list(before), y, "o", color=PALETTE[5], markersize=3.5, label=before_label)
        ax.set_yticks(y, list(labels))
        ax.tick_params(axis="y", labelsize=7)
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_formatter(_formatter(0, " %"))
        _legend(fig, ax.get_legend_handles_labels()[0])
    return fig


def year_chart(years: Sequence[int], bars: Mapping[str, Sequence[float]], line: tuple[str, Sequence[float]], *,
               bar_axis: str, line_axis: str) -> Figure:
    """Grouped bars per year (left axis) and one line (right axis, e.g. cumulative space freed)."""
    with mpl.rc_context(_RC):
        fig = _figure(7.0, 3.2)
        ax = fig.add_subplot()
        x = np.arange(len(years))
        width = 0.8 / max(len(bars), 1)
        for i, (name, vals) in enumerate(bars.items()):
            ax.bar(x + (i - (len(bars) - 1) / 2) * width, list(vals), width, color=PALETTE[i], label=name)
        ax.set_xticks(x, [str(y) for y in years])
        ax.set_ylabel(bar_axis)
        ax.yaxis.set_major_formatter(_formatter())
        right = ax.twinx()
        right.plot(x, list(line[1]), marker="o", color=PALETTE[5], label=line[0])
        right.set_ylabel(line_axis)
        right.yaxis.set_major_formatter(_formatter())
        right.spines["right"].set_visible(True)
        right.set_ylim(bottom=0)
        _legend(fig, ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0])
    return fig


def cost_curve(costs: Mapping[str, Sequence[float]], share: Sequence[float], *, xlabel: str, ylabel: str,
               budget: float | None = None, budget_label: str = "", targets: Sequence[float] = (95.0, 99.0)) -> Figure:
    """A cost curve: the share reached (per cent) against cumulative cost, one line per cost case.

    Parameters
    ----------
    costs
        Cumulative cost per step for each case (``{"central": [...], "low": [...], "high": [...]}``
        by label), the first drawn solid, the others dashed.
    share
        The share reached after each step, in per cent (the same for every case).
    budget
        A dashed vertical line at the budget, labelled ``budget_label``.
    targets
        Dotted horizontal lines at these shares.
    """
    with mpl.rc_context(_RC):
        fig = _figure(7.0, 3.6)
        ax = fig.add_subplot()
        for i, (name, xs) in enumerate(costs.items()):
            ax.step(list(xs), list(share), where="post", color=PALETTE[i % len(PALETTE)],
                    linestyle="-" if i == 0 else "--", linewidth=2.0 if i == 0 else 1.0, label=name)
        for target in targets:
            ax.axhline(target, color="#999999", linestyle=":", linewidth=0.8)
        if budget is not None:
            ax.axvline(budget, color="#555555", linestyle="--", linewidth=1)
            ax.annotate(budget_label, (budget, 0.02), xycoords=("data", "axes fraction"), xytext=(4, 2),
                        textcoords="offset points", fontsize=8, color="#333333")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_xlim(left=0)
        ax.set_ylim(min(min(share, default=0.0), 100.0) - 2, 100.5)
        ax.xaxis.set_major_formatter(_formatter())
        ax.yaxis.set_major_formatter(_formatter(0, " %"))
        _legend(fig, ax.get_legend_handles_labels()[0])
    return fig
