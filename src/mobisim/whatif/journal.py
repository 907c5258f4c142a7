"""Writing an edit's rows into the session's frames, and the journal that undoes it.

:meth:`Journal.write` puts new values at some rows of a frame (in place where the column's array
allows) and :meth:`Journal.assign` replaces a whole column; each first keeps the old values of
exactly what it overwrites (or notes that the column is new). :meth:`Journal.restore` puts
them back in the reverse order, so every value, dtype and column is what it was before, bit for
bit. The session also keeps in the journal a copy of its own state (the calming plan's arrays,
the tally, the school routes) that an edit changes (:attr:`Journal.state`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Clock", "Journal", "changed_columns", "differs", "python_strings", "put"]


def python_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its Arrow-backed text columns held as Python strings.

    An Arrow array is immutable: writing a few rows rebuilds the whole column, a Python-backed
    one is written in place, which is what an edit does to a few hundred rows of 70,000.
    """
    out = frame.copy()
    out.attrs = dict(frame.attrs)
    for col in frame.columns:
        dtype = frame[col].dtype
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
            out[col] = frame[col].astype(pd.StringDtype("python", na_value=dtype.na_value))
    return out


def put(column: pd.Series, pos: np.ndarray, values: pd.Series) -> pd.Series:
    """``column`` with ``values`` at positions ``pos`` (in place where its array allows)."""
    try:
        column.array[pos] = values.array
        return column
    except (TypeError, ValueError, NotImplementedError):
        out = column.copy()
        out.iloc[pos] = values.to_numpy()
        return out


def _empty_column(frame: pd.DataFrame, dtype: Any) -> pd.Series:
    """A column of ``frame``'s length for a new column of ``dtype``: missing everywhere."""
    if isinstance(dtype, pd.StringDtype):
        dtype = pd.StringDtype("python", na_value=dtype.na_value)
    elif not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        dtype = np.dtype(object)  # as a scenario's own new column: missing elsewhere
    return pd.Series(None if dtype == np.dtype(object) else pd.NA, index=frame.index, dtype=dtype)


@dataclass
class _Entry:
    """One write: the frame, the column, the positions (``None``: the whole column) and the old
    values there (``None``: the column did not exist)."""

    frame: pd.DataFrame
    column: str
    pos: np.ndarray | None
    old: pd.Series | None


@dataclass
class Journal:
    """The old values of every write of one edit (and of a re-assignment after it).

    Attributes
    ----------
    entries : list
        The writes, in order.
    state : dict
        The session's own state before the edit (attribute name → value), restored as it is.
    """

    entries: list[_Entry] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    def write(self, frame: pd.DataFrame, new: pd.DataFrame, columns: list[str] | None = None) -> None:
        """Write the rows of ``new`` into ``frame`` (in place, by position), creating missing columns."""
        pos = frame.index.get_indexer(new.index)
        for col in columns if columns is not None else list(new.columns):
            if col not in frame.columns:
                self.entries.append(_Entry(frame, col, None, None))
                frame[col] = _empty_column(frame, new[col].dtype)
            else:
                self.entries.append(_Entry(frame, col, pos, frame[col].iloc[pos].copy()))
            frame.isetitem(frame.columns.get_loc(col), put(frame[col], pos, new[col]))

    def update(self, frame: pd.DataFrame, column: str, values: Any) -> np.ndarray:
        """Write ``values`` (one per row of ``frame``) into ``column`` where they differ; return
        those positions. Only the changed rows are journalled (an edit moves a few school routes
        of 70,000 segments)."""
        new = pd.Series(values, index=frame.index)
        if column not in frame.columns:
            self.write(frame, new.to_frame(column))
            return np.arange(len(frame))
        old = frame[column]
        same = old.eq(new).fillna(False).to_numpy(bool) | (old.isna().to_numpy() & new.isna().to_numpy())
        pos = np.flatnonzero(~same)
        if len(pos):
            self.write(frame, new.iloc[pos].to_frame(column))
        return pos

    def assign(self, frame: pd.DataFrame, column: str, values: Any) -> None:
        """Replace (or add) the whole ``column`` of ``frame`` by ``values``."""
        old = frame[column] if column in frame.columns else None
        self.entries.append(_Entry(frame, column, None, old))
        frame[column] = values

    def restore(self) -> None:
        """Put every old value back, the last write first."""
        for e in reversed(self.entries):
            if e.old is None:
                del e.frame[e.column]
            elif e.pos is None:
                e.frame.isetitem(e.frame.columns.get_loc(e.column), e.old)
            else:
                loc = e.frame.columns.get_loc(e.column)
                e.frame.isetitem(loc, put(e.frame[e.column], e.pos, e.old))
        self.entries.clear()

    def positions(self, frame: pd.DataFrame, column: str) -> np.ndarray:
        """The positions of ``frame`` whose ``column`` this journal wrote (all rows for a whole column)."""
        parts = [np.arange(len(frame)) if e.pos is None else e.pos for e in self.entries
                 if e.frame is frame and e.column == column]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def changed_columns(new: pd.DataFrame, old: pd.DataFrame) -> list[str]:
    """The columns of ``new`` whose values differ from ``old`` (same rows), or that ``old`` lacks."""
    return [c for c in new.columns if c not in old.columns or not new[c].equals(old[c])]


def _objects(values: pd.Series) -> np.ndarray:
    """``values`` as Python objects, missing (``NA``, ``NaN``, ``None``) as ``None``."""
    out = values.to_numpy(dtype=object, copy=True)
    out[np.asarray(pd.isna(out), dtype=bool)] = None
    return out


def differs(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """Per row and column of ``new``: does its value differ from ``old``'s at the same place?

    ``old`` has the same shape and order (the same rows before a write). Values compare as
    Python objects, whatever their array (a Python- or Arrow-backed string, ``Int64`` or
    ``float``); missing equals missing.
    """
    if len(new) != len(old):
        raise ValueError(f"differs: {len(new)} rows against {len(old)}")
    return pd.DataFrame({c: _objects(new[c]) != _objects(old[c]) for c in new.columns}, index=new.index,
                        columns=new.columns, dtype=bool)


class Clock:
    """Wall time per stage."""

    def __init__(self) -> None:
        self.t = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.t
        self.t = now
