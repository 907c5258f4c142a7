"""Numbers as the outputs print them: plain numbers, fixed decimals, per cent, vehicles, ranges.

One place for the number formats of the report (and of the command line): thousands separators
(``12,345``), a true minus sign (``−``) in changes and percentages, counts as whole numbers, and
ranges as ``low – high`` or ``central (range low–high)``. Missing values (``None``, NaN, ``pd.NA``)
print as ``missing`` (``""`` unless stated).

Every function takes a ``locale``: ``"en"`` (``1,234.5``, the command line's default) or ``"nl"``
(``1.234,5`` and ``12,3 %``, the council report's); without one, the locale set by
:func:`use_locale` (``"en"`` outside it).

Examples
--------
>>> number(12345.0), number(0.25), number(3), number(2.5, 2)
('12,345', '0.250', '3', '2.50')
>>> fixed(1234.56, 1), fixed(float("nan"), 1, missing="–"), plain_number(5.0)
('1,234.6', '–', '5')
>>> percent(-4.25), vehicles(2366.0), signed(-2714.0)
('−4.2 %', '2,370', '−2,710')
>>> share_with_range({"value": 0.784, "range": [0.732, 0.843]})
'78.4 % (73.2 to 84.3)'
>>> central_range({"central": 1200, "low": 900, "high": 1500}, "€")
'€1,200 (range €900–€1,500)'
>>> number(1234.5, 1, locale="nl"), percent(12.25, locale="nl"), number(True, locale="nl")
('1.234,5', '12,2 %', 'ja')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeGuard

import numpy as np
import pandas as pd

__all__ = [
    "MINUS",
    "LOCALES",
    "use_locale",
    "current_locale",
    "localise",
    "is_number",
    "as_float",
    "number",
    "plain_number",
    "fixed",
    "fixed_columns",
    "value_range",
    "percent",
    "round_to",
    "vehicles",
    "signed",
    "share_with_range",
    "central_range",
]

#: The true minus sign (U+2212) of changes and percentages.
MINUS = "\u2212"

#: A value that may be printed as a number (``bool`` is printed as yes/no).
Number = int | float | np.integer | np.floating

#: The words the formats print, per locale.
LOCALES: dict[str, dict[str, str]] = {
    "en": {"yes": "yes", "no": "no", "to": "to", "range": "range", "n/a": "n/a"},
    "nl": {"yes": "ja", "no": "nee", "to": "tot", "range": "marge", "n/a": "n.b."},
}

_LOCALE: ContextVar[str] = ContextVar("mobisim_number_locale", default="en")
_NL_SEPARATORS = str.maketrans({",": ".", ".": ","})


@contextmanager
def use_locale(locale: str) -> Iterator[str]:
    """Format numbers the ``locale`` way (``"en"`` or ``"nl"``) inside the ``with`` block."""
    if locale not in LOCALES:
        raise ValueError(f"unknown number locale {locale!r}: choose one of {', '.join(LOCALES)}")
    token = _LOCALE.set(locale)
    try:
        yield locale
    finally:
        _LOCALE.reset(token)


def current_locale(locale: str | None = None) -> str:
    """``locale``, or the one set by :func:`use_locale` (``"en"`` by default)."""
    return locale or _LOCALE.get()


def localise(text: str, locale: str | None = None) -> str:
    """A number formatted the English way (``1,234.5``) in ``locale`` (``1.234,5`` in Dutch)."""
    return text.translate(_NL_SEPARATORS) if current_locale(locale) == "nl" else text


def _word(word: str, locale: str | None) -> str:
    """``word`` (yes, no, to, range, n/a) in ``locale``."""
    return LOCALES[current_locale(locale)][word]


def is_number(value: object) -> TypeGuard[Number]:
    """Whether ``value`` is an int or float (numpy ones included), not a bool; NaN counts."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _missing(value: object) -> bool:
    """``None``, ``pd.NA`` or a NaN float."""
    return value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and bool(np.isnan(value)))


def as_float(value: object) -> float:
    """``value`` as a float (NaN when it is no number)."""
    return float(value) if is_number(value) else float("nan")


def number(value: Number | bool | np.bool_ | None, decimals: int | None = None, *,
           locale: str | None = None) -> str:
    """A number as a table cell prints it.

    Parameters
    ----------
    value
        ``bool`` prints ``yes``/``no``; an integer as it is (years, ids: no thousands separator)
        unless ``decimals`` is given (a count: ``12,345``); a float with ``decimals`` decimals and
        thousands separators.
    decimals
        Fixed decimals for floats. ``None``: a whole float of 10 or more without decimals, a
        float below 1 with three, any other with one.
    locale
        ``"en"`` or ``"nl"`` (default: :func:`current_locale`).

    Returns
    -------
    str
        ``""`` for ``None``, ``pd.NA`` and NaN.
    """
    if value is None or _missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return _word("yes" if value else "no", locale)
    if isinstance(value, (int, np.integer)) and decimals is None:
        return str(int(value))
    v = float(value)
    if decimals is None and v.is_integer() and abs(v) >= 10:
        return localise(f"{v:,.0f}", locale)
    if decimals is None and abs(v) < 1 and v != 0:
        return localise(f"{v:.3f}", locale)
    return localise(f"{v:,.{1 if decimals is None else decimals}f}", locale)


def plain_number(value: object, *, missing: str = "–") -> str:
    """A figure in running text or a terminal table: ``12,345``, ``2.5``, ``0.125``, ``7``.

    A float below 1 (not 0) with three decimals, a whole float without decimals, any other float
    with one (thousands separators); anything else as it is (an int without separators);
    ``missing`` for ``None`` and NaN.
    """
    if value is None:
        return missing
    if isinstance(value, float):
        if np.isnan(value):
            return missing
        if abs(value) < 1 and value != 0:
            return f"{value:.3f}"
        return f"{value:,.1f}" if not value.is_integer() else f"{value:,.0f}"
    return str(value)


def fixed(value: object, digits: int = 0, *, missing: str = "", locale: str | None = None) -> str:
    """``value`` with ``digits`` decimals and thousands separators (``missing`` when it is no number)."""
    if not is_number(value) or _missing(value):
        return missing
    return localise(f"{value:,.{digits}f}", locale)


def fixed_columns(frame: pd.DataFrame, decimals: Mapping[str, int] | None = None, *,
                  default: int = 0) -> pd.DataFrame:
    """A copy of ``frame`` with its numeric columns (not bools) as text, :func:`fixed` decimals.

    ``decimals`` names the decimals per column (``default`` for the others); missing values
    print as ``""``.
    """
    decimals = decimals or {}
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            digits = decimals.get(col, default)
            out[col] = [fixed(v, digits) for v in out[col]]
    return out


def value_range(low: float, high: float, digits: int = 1, *, locale: str | None = None) -> str:
    """A low–high span: ``"1,200 – 1,500"`` (``digits`` decimals)."""
    return localise(f"{low:,.{digits}f} – {high:,.{digits}f}", locale)


def percent(value: float, digits: int = 1, *, locale: str | None = None) -> str:
    """A value already in per cent, ``digits`` decimals and a true minus: ``"−4.2 %"``."""
    return localise(f"{value:,.{digits}f} %", locale).replace("-", MINUS)


def round_to(value: float, step: int) -> float:
    """``value`` to the nearest ``step``, halves away from zero (1,250 → 1,300 with 100)."""
    return float(np.sign(value) * np.floor(abs(value) / step + 0.5) * step)


def vehicles(value: object, *, step: int = 10, locale: str | None = None) -> str:
    """Vehicles (a day) as text, rounded to ``step``: ``"2,370"``; ``""`` when missing."""
    v = as_float(value)
    return "" if np.isnan(v) else localise(f"{round_to(v, step):,.0f}", locale).replace("-", MINUS)


def signed(value: object, *, step: int = 10, locale: str | None = None) -> str:
    """A change rounded to ``step``, with its sign and a true minus: ``"+2,370"``, ``"−2,710"``."""
    v = as_float(value)
    if np.isnan(v):
        return ""
    r = round_to(v, step)
    return ("+" if r > 0 else MINUS if r < 0 else "") + localise(f"{abs(r):,.0f}", locale)


def share_with_range(fig: Mapping[str, object] | None, *, signed: bool = False, compact: bool = False,
                     locale: str | None = None) -> str:
    """A fraction and its range in per cent: ``78.4 % (73.2 to 84.3)``.

    Parameters
    ----------
    fig
        ``{"value": fraction, "range": [low, high]}`` (the range optional).
    signed
        With the sign (``+1.2``): a change.
    compact
        Without the per-cent sign, the range as ``73.2…84.3`` (the command line's tables).
    locale
        ``"en"`` or ``"nl"`` (``78,4 % (73,2 tot 84,3)``).

    Returns
    -------
    str
        ``"n/a"`` without a value; the range only when it is wider than 0.05 points.
    """
    if not fig or fig.get("value") is None:
        return _word("n/a", locale)
    fmt = "{:+.1f}" if signed else "{:.1f}"
    text = fmt.format(100 * as_float(fig["value"])) + ("" if compact else " %")
    rng = fig.get("range")
    if isinstance(rng, Sequence) and rng and abs(as_float(rng[1]) - as_float(rng[0])) >= 0.0005:
        sep = "…" if compact else f" {_word('to', locale)} "
        text += f" ({fmt.format(100 * as_float(rng[0]))}{sep}{fmt.format(100 * as_float(rng[1]))})"
    return localise(text, locale)


def central_range(fig: Mapping[str, object] | None, unit: str = "", *, locale: str | None = None) -> str:
    """``central (range low–high)`` of a figure of whole numbers, ``unit`` before each (``€``)."""
    if not fig:
        return _word("n/a", locale)
    text = f"{unit}{fig['central']:,} ({_word('range', locale)} {unit}{fig['low']:,}–{unit}{fig['high']:,})"
    return localise(text, locale)
