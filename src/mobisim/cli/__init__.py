"""Command-line interface: ``mobisim <command>``.

Each command lives in its own module and registers itself on :data:`mobisim.cli._app.app`. The
modules are imported lazily (:data:`COMMANDS`): ``mobisim toets …`` imports the toets module only,
``mobisim --help`` (or an unknown command) all of them. A plain ``mobisim toets`` is first tried on
the answer index of the evaluated-network cache (:mod:`mobisim.cli._toets_fast`), before typer or
pandas is imported; any miss falls back to the command.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

__all__ = ["COMMANDS", "app", "main"]

#: Command name → the module of :mod:`mobisim.cli` that registers it (add one line per command).
COMMANDS: dict[str, str] = {
    "network": "network",
    "parking": "parking",
    "plan": "plan",
    "run": "run",
    "compare": "run",
    "explain-scores": "run",
    "schools": "schools",
    "toets": "toets",
    "sweep": "sweep",
    "serve": "serve",
}


def load_commands(names: Sequence[str] | None = None) -> typer.Typer:
    """The application with the modules of the commands ``names`` registered (all when ``None``
    or when a name is not a known command, so that typer can list or suggest them)."""
    if names is None or any(n not in COMMANDS for n in names):
        names = list(COMMANDS)
    for module in dict.fromkeys(COMMANDS[n] for n in names):
        importlib.import_module(f"mobisim.cli.{module}")
    from mobisim.cli._app import app as application

    return application


def __getattr__(name: str) -> Any:
    """``mobisim.cli.app``: the application with every command registered."""
    if name == "app":
        return load_commands()
    raise AttributeError(f"module 'mobisim.cli' has no attribute {name!r}")


def main(argv: Sequence[str] | None = None) -> None:  # pragma: no cover - the console script
    """``mobisim``: answer a plain ``toets`` from the answer index when it can, else run the command
    with only its module imported."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["toets"]:
        from mobisim.cli._toets_fast import answer

        code = answer(args[1:])
        if code is not None:
            raise SystemExit(code)
    import typer.main

    command = args[0] if args and not args[0].startswith("-") else None
    application = load_commands(None if command is None else [command])
    typer.main.get_group(application)(args=args, prog_name="mobisim")
