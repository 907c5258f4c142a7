"""The headline figures of a run (``scores["headline"]``) as tables, and every score as a path.

Data only: the tables here are printed by :mod:`mobisim.render.report.summary`, the
command line (``mobisim run``) and the comparison of two runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from mobisim.render.format import fixed, is_number, value_range

__all__ = ["INPUT_KEYS", "WHOLE_UNITS", "flatten_scores", "headline_display", "headline_scores"]

#: Sub-trees of a score that document it (inputs, sources, settings), not figures.
INPUT_KEYS = {"inputs", "input", "sources", "source", "settings", "notes", "method", "assumptions"}

#: Units of counted things, shown as whole numbers.
WHOLE_UNITS = ("spaces", "children", "schools", "bikes", "permits", "people")

_COLUMNS = ["score", "before", "after", "unit", "range", "signs only"]


def flatten_scores(scores: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a scores dict as ``{"a.b.c": value}``, skipping input/source sub-trees.

    A ``{"value": x, "inputs": {...}}`` node counts as the number ``x`` under its own path.
    """
    out: dict[str, float] = {}
    for key, val in scores.items():
        if str(key) in INPUT_KEYS:
            continue
        path = f"{prefix}{key}"
        if is_number(val):
            out[path] = float(val)
        elif isinstance(val, Mapping):
            if "value" in val and (is_number(val["value"]) or val["value"] is None):
                if val["value"] is not None:
                    out[path] = float(val["value"])
            else:
                out.update(flatten_scores(val, prefix=path + "."))
    return out


def headline_display(head: pd.DataFrame) -> pd.DataFrame:
    """The headline table as text.

    Whole numbers for counts (with thousands separators), one decimal for the rest, so that
    ``−17.0`` does not print as ``−17`` next to a one-decimal range.
    """
    out = head.copy()
    whole = out["unit"].isin(WHOLE_UNITS).to_numpy()
    for col in ("before", "after"):
        out[col] = [fixed(v, 0 if w else 1) for v, w in zip(out[col], whole)]
    return out


def _headline_rows(source: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per headline figure with a number (label, before, after, unit, range, signs only)."""
    rows = []
    for key, val in source.items():
        if str(key) in INPUT_KEYS:
            continue
        rng: Any = None
        signs: Any = None
        if isinstance(val, Mapping):
            value = val.get("value", val.get("after"))
            label = val.get("label") or val.get("description") or key
            before = val.get("before")
            unit = val.get("unit", "")
            rng = val.get("range")
            signs = val.get("signs_only")
        else:
            value, label, before, unit = val, key, None, ""
        if is_number(value) or is_number(before):
            rows.append({"score": str(label), "before": before, "after": value, "unit": unit or "",
                         "range": rng, "signs only": signs})
    return rows


def _in_percent(frame: pd.DataFrame) -> pd.DataFrame:
    """Shares and fractions (``before``, ``after``, ``signs only``, ``range``) in per cent."""
    pct = frame["unit"].isin(["share", "fraction"])
    for col in ("before", "after", "signs only"):
        num = pd.to_numeric(frame[col], errors="coerce").astype(float)
        frame[col] = frame[col].astype(object).where(~pct, (num * 100).round(1))
    frame["range"] = [[100 * x for x in r] if p and isinstance(r, list) else r
                      for r, p in zip(frame["range"], pct)]
    frame["unit"] = frame["unit"].where(~pct, "%")
    return frame


def headline_scores(scores: Mapping[str, Any], *, percent: bool = True) -> pd.DataFrame:
    """The headline figures (``scores["headline"]`` when present, else every top-level number).

    Parameters
    ----------
    scores
        The run's scores (``scores.json``).
    percent
        Figures whose unit is ``share`` or ``fraction`` in per cent.

    Returns
    -------
    pandas.DataFrame
        ``score``, ``before``, ``after``, ``unit``, ``range`` (the low–high span of the scenario's
        figure, as text) and ``signs only`` (the same figure when no street is redesigned,
        :mod:`mobisim.score.effects`; only where the run has it).
    """
    head = scores.get("headline") if isinstance(scores, Mapping) else None
    source = head if isinstance(head, Mapping) else scores
    frame = pd.DataFrame(_headline_rows(source), columns=_COLUMNS)
    if percent and len(frame):
        frame = _in_percent(frame)
    whole = frame["unit"].isin(WHOLE_UNITS).to_numpy()
    frame["range"] = [value_range(r[0], r[1], 0 if w else 1) if isinstance(r, list) and len(r) == 2 else ""
                      for r, w in zip(frame["range"], whole)]
    for col in ("before", "after"):  # counts of spaces, people, schools: whole numbers
        frame[col] = [int(round(float(v))) if w and is_number(v) and pd.notna(v) else v
                      for v, w in zip(frame[col], whole)]
    if frame["signs only"].isna().all():
        frame = frame.drop(columns="signs only")
    else:
        frame["signs only"] = [fixed(v, 1) for v in frame["signs only"]]
    return frame
