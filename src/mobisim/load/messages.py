"""The load step's messages: warnings given once per load, and the small texts they are made of.

A warning is one line ``mobisim: warning: <message>`` on stderr. :func:`mobisim.load.load_network`
clears the record when it starts, so each problem is said once per load even when several readers
(the network cache and the traffic cache) meet it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

#: Warnings given during this load (each is printed once per :func:`mobisim.load.load_network` call).
_warned: set[str] = set()


def warn(message: str) -> None:
    """Print ``mobisim: warning: <message>`` on stderr, once per load.

    Parameters
    ----------
    message
        One line naming the file or folder and the problem.
    """
    if message in _warned:
        return
    _warned.add(message)
    print(f"mobisim: warning: {message}", file=sys.stderr, flush=True)


def clear_warnings() -> None:
    """Forget the warnings given so far: a new load says each of them again."""
    _warned.clear()


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, or its class name when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def plural(n: int, word: str) -> str:
    """``"1 node"``, ``"3 nodes"``."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def columns_text(columns: Iterable[object]) -> str:
    """The columns of a file, for a message: ``"name, daily"`` or ``"none"``."""
    return ", ".join(str(c) for c in columns) or "none"
