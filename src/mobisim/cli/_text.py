"""Terminal text of the CLI: data and user values shown literally through rich.

Street, school and wijk names, scenario names, file paths and notes come from OSM data or the
user. rich reads ``[...]`` as markup, so ``"Schoolstraat [oud]"`` printed as-is loses ``[oud]``
and ``"[/]"`` raises :class:`rich.errors.MarkupError`. Every such value passes through
:func:`safe` before it is put into a markup string, a table cell, a table or tree title; the
consoles of :func:`console` neither re-colour data (``highlight=False``) nor turn ``:name:`` into
emoji (``emoji=False``).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

__all__ = ["console", "safe"]


def safe(value: Any) -> str:
    """``str(value)`` with its rich markup escaped, so rich prints it literally."""
    return escape(str(value))


def console(*, stderr: bool = False, width: int | None = None) -> Console:
    """A rich console for the CLI's tables and messages: no highlighting of data, no emoji codes."""
    return Console(stderr=stderr, width=width, highlight=False, emoji=False)
