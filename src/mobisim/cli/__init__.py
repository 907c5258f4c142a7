"""Command-line interface: ``mobisim <command>``.

Each command lives in its own module and registers itself on :data:`app`.
"""

from mobisim.cli import network, parking, plan, run, schools, toets  # noqa: F401  (register the commands)
from mobisim.cli._app import app

__all__ = ["app"]


def main() -> None:  # pragma: no cover
    app()
