"""Signs only against the calming plan, year by year: the table of the report and ``mobisim run``.

Data only; the prose is in :mod:`mobisim.render.report.sections.calming`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from mobisim.render.format import share_with_range

__all__ = ["calming_table", "calming_before"]

#: Figure → (column label, printed with its sign) of the report's table.
_COLUMNS = {"fatal_serious_change": ("fatal + serious crashes", True),
            "injury_change": ("all injury crashes", True),
            "children_safe": ("children with a child-safe route", False),
            "crossings": ("crossings passing", False),
            "toets_school_routes": ("toets on school routes", False)}
#: The command line's narrower table.
_COMPACT_COLUMNS = {"fatal_serious_change": ("F+S crashes %", True), "children_safe": ("children safe %", False),
                    "crossings": ("crossings ok %", False)}


def _today_row(before: Mapping[str, Any], cols: Mapping[str, tuple[str, bool]], compact: bool) -> dict[str, str]:
    """Today's row: the figures the run has, no change in the crash columns."""
    return {"state": "today", "redesigned km": "–",
            **{label: share_with_range(before.get(k), signed=sg, compact=compact) if before.get(k)
               else (("0" if compact else "0 %") if sg else "n/a")
               for k, (label, sg) in cols.items()}}


def calming_table(calming: Mapping[str, Any], before: Mapping[str, Any] | None = None, *,
                  compact: bool = False) -> pd.DataFrame:
    """Signs only and the calming plan year by year: one row per state, figures with ranges.

    Parameters
    ----------
    calming
        ``scores["calming"]["value"]`` (``signs_only`` and ``years``).
    before
        Today's figures (:func:`calming_before`); adds a first row ``today``.
    compact
        The command line's table: crash change, children and crossings only, in per cent without
        the sign.

    Returns
    -------
    pandas.DataFrame
        ``state``, ``redesigned km`` and one text column per figure.
    """
    cols = _COMPACT_COLUMNS if compact else _COLUMNS
    table = []
    if before:
        table.append(_today_row(before, cols, compact))
    table.append({"state": "signs only", "redesigned km": "0",
                  **{label: share_with_range(calming["signs_only"].get(k), signed=sg, compact=compact)
                     for k, (label, sg) in cols.items()}})
    for y in calming.get("years", []):
        table.append({"state": str(y["year"]), "redesigned km": f"{y['redesigned_km']:,.0f}",
                      **{label: share_with_range(y.get(k), signed=sg, compact=compact)
                         for k, (label, sg) in cols.items()}})
    return pd.DataFrame(table)


def calming_before(scores: Mapping[str, Any] | None) -> dict[str, Any]:
    """Today's figures of the calming table (the headline's ``before``), as ``{figure: {"value"}}``."""
    head = (scores or {}).get("headline") or {}
    return {name: {"value": (head.get(key) or {}).get("before")}
            for name, key in (("children_safe", "children_safe"), ("crossings", "safe_crossings"),
                              ("toets_school_routes", "toets_school_routes"))}
