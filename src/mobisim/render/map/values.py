"""Tooltip values: columns as display text, street names, counts and class labels (vectorised).

Every helper reads an optional column through :func:`mobisim.frames.column`, so a frame without
the column gives empty text, never an error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mobisim.frames import column, numbers
from mobisim.render.map.styles import Bin

__all__ = ["text", "column_text", "street", "children", "flag", "bin_labels"]


def text(values: pd.Series, *, decimals: int | None = None, suffix: str = "") -> pd.Series:
    """Format a column as display text; missing values become ``""``.

    Parameters
    ----------
    values
        Any column.
    decimals
        Round numeric columns to this many decimals (``0``: whole numbers, no ``.0``).
    suffix
        Appended to every non-empty text (e.g. ``" km/h"``).

    Returns
    -------
    pandas.Series
        ``string`` dtype, aligned with ``values``.
    """
    s = values
    if decimals is not None and pd.api.types.is_numeric_dtype(s.dtype):
        s = pd.to_numeric(s, errors="coerce").round(decimals)
        if decimals == 0:
            s = s.astype("Int64")
    out = s.astype("string").fillna("")
    if suffix:
        out = out.where(out == "", out + suffix)
    return out


def column_text(frame: pd.DataFrame, name: str, *, decimals: int | None = None, suffix: str = "") -> pd.Series:
    """Column ``name`` of ``frame`` as display text (:func:`text`); ``""`` where the frame has none."""
    return text(column(frame, name), decimals=decimals, suffix=suffix)


def street(frame: pd.DataFrame) -> pd.Series:
    """Street name, or ``(unnamed <highway>)``."""
    name = column_text(frame, "name")
    highway = column_text(frame, "highway")
    return name.where(name != "", "(unnamed " + highway.where(highway != "", "way") + ")")


def children(frame: pd.DataFrame, name: str) -> pd.Series:
    """A children count as a float column (0 where missing or the column is absent)."""
    return pd.Series(numbers(frame, name), index=frame.index).fillna(0.0)


def flag(frame: pd.DataFrame, name: str, default: bool = False) -> pd.Series:
    """A boolean column, ``default`` where missing or the column is absent.

    Unlike :func:`mobisim.frames.flags` (``False`` by default, an array) the default is chosen and
    the result stays aligned with the frame (``is_road`` and ``mode_drive`` default to true).
    """
    return column(frame, name, default).astype("boolean").fillna(default).astype(bool)


def bin_labels(values: pd.Series, bins: Sequence[Bin]) -> pd.Series:
    """Label of the bin each value falls in.

    Parameters
    ----------
    values
        Numbers.
    bins
        In ascending order of their lower bound; values below the first bound fall in the first bin.

    Returns
    -------
    pandas.Series
        The bin labels, aligned with ``values``.
    """
    bounds = [b.lower for b in bins][1:]
    labels = np.array([b.label for b in bins])
    return pd.Series(labels[np.searchsorted(bounds, values.to_numpy(), side="right")], index=values.index)
