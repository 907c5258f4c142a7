"""Rule tables and their texts on whole columns: first-match selection and lazy element-wise texts.

Every rule of the 30/50 regime and the 8-jarigen-toets is a row of a first-match table
(:func:`select`): a condition per row, a verdict, a rule id, a reason and a fix. Reasons are texts
built from columns (``"crossing 2 lane(s) at 50 km/h …"``); on a city of ~70,000 segments most
rules decide only a few rows, so the texts are *lazy* (:class:`T`, :class:`Fmt`, :class:`Lazy`,
:class:`Select`): each is built only on the rows its condition selects.

Also the string helpers the texts need: a column as strings with a default (:func:`strings`,
:func:`strings_at`), numbers formatted on whole arrays (:func:`fmt`) and element-wise
concatenation (:func:`cat`).

Examples
--------
>>> import numpy as np
>>> speed = np.array([30.0, 50.0, np.nan])
>>> select([speed <= 30], [T("slow: ", Fmt(speed), " km/h")], "not slow", 3).tolist()
['slow: 30 km/h', 'not slow', 'not slow']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mobisim.frames import column

__all__ = ["Fmt", "Lazy", "Select", "T", "cat", "fmt", "or_none", "select", "strings", "strings_at"]


def _as_str(values: pd.Series, missing: str) -> pd.Series:
    if isinstance(values.dtype, pd.StringDtype):  # the usual case: a fast path, same values
        return values.astype(str).fillna(missing)
    return values.astype("object").where(lambda s: s.notna(), missing).astype(str)


def strings(frame: pd.DataFrame, name: str, missing: str = "") -> pd.Series:
    """Column ``name`` as strings, ``missing`` where absent or missing."""
    return _as_str(column(frame, name, missing), missing)


def strings_at(frame: pd.DataFrame, name: str, rows: np.ndarray, missing: str = "") -> np.ndarray:
    """:func:`strings` of ``frame[name]`` on the positions ``rows`` only, as an object array."""
    return _as_str(column(frame, name, missing).iloc[rows], missing).to_numpy(dtype=object)


def fmt(values: np.ndarray | pd.Series, spec: str = "{:.0f}", missing: str = "?") -> np.ndarray:
    """Format a float array to strings on whole arrays (``{:.0f}`` or ``{:.1f}``).

    Parameters
    ----------
    values
        Numbers; NaN and infinity become ``missing``.
    spec
        ``"{:.0f}"`` (rounded to whole numbers) or ``"{:.1f}"``.
    missing
        Text for a value that is not finite.

    Returns
    -------
    numpy.ndarray of object
    """
    x = np.asarray(values, dtype="float64")
    bad = ~np.isfinite(x)
    if spec == "{:.1f}":
        text = np.char.mod("%.1f", np.where(bad, 0.0, x))
        return np.where(bad, missing, text).astype(object)
    # few distinct values (speeds, volumes, lanes, LTS): format each once
    ints, inverse = np.unique(np.round(np.where(bad, 0.0, x)).astype(np.int64), return_inverse=True)
    out = ints.astype(str).astype(object)[inverse.reshape(-1)]
    out[bad] = missing
    return out


def cat(*parts: object) -> np.ndarray:
    """Concatenate strings and string arrays element-wise (object-array ``+``, no fixed-width
    unicode copies)."""
    out: Any = None  # a str until the first array part, then an object array
    for p in parts:
        if isinstance(p, np.ndarray):
            p = p if p.dtype == object else p.astype(object)
        elif isinstance(p, pd.Series | pd.Index):
            p = p.to_numpy(dtype=object)
        else:
            p = str(p)
        out = p if out is None else out + p
    if not isinstance(out, np.ndarray):
        return np.asarray(out, dtype=object)
    return out


def or_none(mask: np.ndarray, values: np.ndarray | str) -> np.ndarray:
    """``values`` where ``mask``, ``None`` elsewhere, as an object array (``np.where(mask, values, None)``)."""
    return np.where(mask, values, np.array(None, dtype=object)).astype(object)


def _at(part: object, idx: np.ndarray) -> object:
    """``part`` at rows ``idx``: a lazy :class:`T` evaluated there, an array or series indexed,
    a scalar kept."""
    if isinstance(part, T):
        return part(idx)
    if isinstance(part, np.ndarray) and part.ndim:
        return part[idx]
    if isinstance(part, pd.Series):
        return part.iloc[idx].to_numpy(dtype=object)
    if isinstance(part, pd.Index):
        return part[idx].to_numpy(dtype=object)
    return part


class T:
    """Lazy element-wise text: ``T("a ", arr, " b")`` is built only for the rows a rule decides.

    Used as a choice of :func:`select`; array parts are indexed by those rows, strings kept, and
    lazy parts (:class:`T`, :class:`Fmt`, :class:`Lazy`, :class:`Select`) evaluated on those
    rows only.
    """

    def __init__(self, *parts: object) -> None:
        self.parts = list(parts)

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        return cat(*(_at(p, idx) for p in self.parts))


class Fmt(T):
    """Lazy :func:`fmt`: the numbers are formatted only on the rows asked for."""

    def __init__(self, values: np.ndarray | pd.Series, fmt: str = "{:.0f}", missing: str = "?") -> None:
        self.values = np.asarray(values, dtype="float64")
        self.fmt, self.missing = fmt, missing

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        return fmt(self.values[idx], self.fmt, self.missing)


class Lazy(T):
    """Lazy rows of any whole-column text: ``fn(idx)`` gives the values at positions ``idx``."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray]) -> None:
        self.fn = fn

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        return self.fn(idx)


class Select(T):
    """Lazy :func:`select`: the first-match rule table evaluated only on the rows asked for
    (conditions and choices are whole-length, as for :func:`select`)."""

    def __init__(self, conds: Sequence[object], choices: Sequence[object], default: object) -> None:
        if len(conds) != len(choices):
            raise ValueError("select: one choice per condition")
        self.conds, self.choices, self.default = list(conds), list(choices), default

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        masks = []
        for c in self.conds:
            c = np.asarray(c, dtype=bool)
            masks.append(c[idx] if c.ndim else np.broadcast_to(c, (len(idx),)))
        return _select_rows(masks, self.choices, self.default, idx)


def _select_rows(masks: list[np.ndarray], choices: Sequence[object], default: object,
                 rows: np.ndarray | None) -> np.ndarray:
    """First match of ``masks`` (given on ``rows``, or on all rows when ``None``)."""
    m = len(masks[0]) if masks else (len(rows) if rows is not None else 0)
    which = np.select(masks, np.arange(len(masks)), default=len(masks)) if masks else np.zeros(m, int)
    out = np.empty(m, dtype=object)
    out[:] = None
    for k, choice in enumerate([*choices, default]):
        loc = np.flatnonzero(which == k)
        if len(loc) == 0:
            continue
        out[loc] = _at(choice, loc if rows is None else rows[loc])
    return out


def select(conds: Sequence[object], choices: Sequence[object], default: object, n: int) -> np.ndarray:
    """First-match rule table over whole arrays, like ``np.select``, returning an object array.

    Parameters
    ----------
    conds
        One boolean array (length ``n``, or a scalar) per rule, first match wins.
    choices
        One per condition: a scalar, an array of length ``n``, or a lazy :class:`T` text (also
        :class:`Fmt`, :class:`Lazy`, :class:`Select`) evaluated only on the rows its condition
        selects.
    default
        The value of the rows no condition selects (the same kinds as a choice).
    n
        Number of rows.

    Returns
    -------
    numpy.ndarray of object
    """
    if len(conds) != len(choices):
        raise ValueError("select: one choice per condition")
    masks = [np.broadcast_to(np.asarray(c, dtype=bool), (n,)) for c in conds]
    if not masks:
        return _select_rows([], [], default, np.arange(n))
    return _select_rows(masks, choices, default, None)
