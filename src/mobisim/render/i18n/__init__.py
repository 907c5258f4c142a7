"""The report's words in Dutch and English: one catalogue of strings keyed by id.

Every heading, sentence, table header and label of the council report is looked up here by id
(``t("summary.title")``); the texts live in ``strings.toml`` (shipped as package data), each id
with its Dutch (``nl``) and English (``en``) text. :func:`use_language` sets the language of a
block of code (and the number format of :mod:`mobisim.render.format` with it), so there is one
code path whatever the language. The report writes Dutch unless told otherwise
(the first of :data:`LANGUAGES`); outside :func:`use_language` (the command line's tables) texts are
English, as the rest of the command line.

Examples
--------
>>> from mobisim.render.i18n import t, use_language
>>> with use_language("nl"):
...     t("chapter.toets")
'De 8-jarigen-toets: kan een kind van 8 alleen op pad?'
>>> t("chapter.toets")
'The 8-jarigen-toets: can an 8-year-old go alone?'
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib.resources import files

from mobisim.render.format import use_locale

__all__ = ["LANGUAGES", "catalogue", "language", "t", "label", "has", "use_language"]

#: The report's languages; the first is the report's default.
LANGUAGES = ("nl", "en")

_LANGUAGE: ContextVar[str] = ContextVar("mobisim_report_language", default="en")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every string by id: ``{"chapter.toets": {"nl": …, "en": …}}`` (read once).

    The TOML tables nest the ids (``[chapter] toets = {nl = "…", en = "…"}``); a table whose
    keys are the languages is one string.
    """
    raw = tomllib.loads(files("mobisim.render.i18n").joinpath("strings.toml").read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}

    def walk(node: dict[str, object], prefix: str) -> None:
        for key, val in node.items():
            if isinstance(val, dict) and set(val) <= set(LANGUAGES) and val:
                out[prefix + key] = {k: str(v) for k, v in val.items()}
            elif isinstance(val, dict):
                walk(val, f"{prefix}{key}.")

    walk(raw, "")
    return out


def language() -> str:
    """The language now in use (``"en"`` outside :func:`use_language`)."""
    return _LANGUAGE.get()


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Write in ``lang`` (``"nl"`` or ``"en"``; ``None``: Dutch) inside the ``with`` block.

    The number format follows (:func:`mobisim.render.format.use_locale`: ``1.234,5`` in Dutch).

    Raises
    ------
    ValueError
        For a language the catalogue does not have.
    """
    lang = lang or LANGUAGES[0]
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    token = _LANGUAGE.set(lang)
    try:
        with use_locale(lang):
            yield lang
    finally:
        _LANGUAGE.reset(token)


def has(key: str) -> bool:
    """Whether the catalogue holds ``key``."""
    return key in catalogue()


def t(key: str, /, **values: object) -> str:
    """The string ``key`` in the language in use, with ``{name}`` fields filled from ``values``.

    Raises
    ------
    KeyError
        For an id the catalogue does not hold (a typo is an error, not a silent English text).
    """
    text = catalogue()[key][language()]
    return text.format(**values) if values else text


def label(group: str, name: object) -> str:
    """``t(f"{group}.{name}")`` when the catalogue holds it, else ``name`` as it is.

    For names that come from data (column names, tier and mode values): a name without a
    translation prints as it is.
    """
    key = f"{group}.{name}"
    return t(key) if key in catalogue() else str(name)
