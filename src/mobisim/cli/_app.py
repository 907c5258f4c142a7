"""The Typer application every ``mobisim`` command registers on."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from mobisim.errors import MobisimError

app = typer.Typer(
    name="mobisim",
    help=(
        "Mobility policy simulator for Den Haag: the 30 km/h default, the 8-jarigen-toets "
        "(8-year-old test), school routes and shrinking parking permits on OpenStreetMap data."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn a :class:`MobisimError` into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MobisimError as exc:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            print(f"mobisim: error: {message}", file=sys.stderr)
            raise typer.Exit(code=exc.exit_code) from None

    return wrapper  # type: ignore[return-value]
