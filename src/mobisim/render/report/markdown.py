"""Markdown markup of the report: escaped text, tables and titled sections.

Every OSM text passes :func:`md_escape` (punctuation backslash-escaped, no newlines), so a street
name can never start a table cell, a heading or markup; the HTML is rendered from this Markdown
with raw HTML disabled (:func:`mobisim.render.report.render_report_html`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from mobisim.render.format import is_number, number
from mobisim.render.i18n import label, t

__all__ = ["md_escape", "md_cell", "md_table", "section"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!{}])")


def md_escape(value: object) -> str:
    """Text safe inside a Markdown table cell: punctuation backslash-escaped, no newlines.

    ``None``, NaN and ``pd.NA`` give ``""``.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    text = re.sub(r"\s+", " ", str(value)).strip()
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_cell(value: object, decimals: int | None = None) -> str:
    """One table cell: numbers and yes/no by :func:`mobisim.render.format.number`, text escaped."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_)) or is_number(value):
        return number(value, decimals)
    return md_escape(label("yesno", value) if isinstance(value, str) else value)


def md_table(frame: pd.DataFrame, *, formats: Mapping[str, int] | None = None) -> str:
    """A GitHub-style Markdown table of ``frame`` (cells escaped; numbers formatted).

    Parameters
    ----------
    frame
        The rows to show, columns in order.
    formats
        Fixed decimals per column name (others: :func:`mobisim.render.format.number`'s default).

    Returns
    -------
    str
        The table and a newline; ``_(geen)_`` (``_(none)_``) for an empty frame. The headers are
        the catalogue's column labels (``col.<name>``) where it has them.
    """
    if frame.empty:
        return t("report.none") + "\n"
    formats = formats or {}
    cols = list(frame.columns)
    body = pd.DataFrame({c: [md_cell(v, formats.get(c)) for v in frame[c].tolist()] for c in cols}, dtype=object)
    lines = ["| " + " | ".join(md_escape(label("col", c)) for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ("| " + body.agg(" | ".join, axis=1) + " |").tolist()
    return "\n".join(lines) + "\n"


def section(title: str, intro: str, table: pd.DataFrame, *, limit: int | None = None,
            formats: Mapping[str, int] | None = None, more: str | None = None) -> list[str]:
    """A ``##`` section: title, introduction (Markdown as it is) and the table.

    Parameters
    ----------
    title, intro
        Heading and the paragraph(s) under it.
    table
        The section's figures.
    limit
        Rows shown at most; a line names how many more are in ``layers.gpkg``.
    formats
        Fixed decimals per column (:func:`md_table`).
    more
        The line under a cut table, ``{n}`` the rows left out (default: they are in ``layers.gpkg``).

    Returns
    -------
    list of str
        Markdown lines.
    """
    lines = [f"## {title}", ""] + ([intro, ""] if intro else [])
    shown = table if limit is None else table.head(limit)
    lines.append(md_table(shown, formats=formats))
    if limit is not None and len(table) > limit:
        lines.append((more or t("report.more_rows", n="{n}")).format(n=len(table) - limit) + "\n")
    return lines
