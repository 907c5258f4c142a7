"""Command-line interface: ``mobisim <command>``.

Each command lives in its own module and registers itself on :data:`app`.
"""

from mobisim.cli._app import app
from mobisim.cli import network as _network  # noqa: F401  (registers `mobisim network`)

for _name in ("toets", "schools", "parking", "run"):
    try:  # commands land one issue at a time; a missing module is not an error
        __import__(f"mobisim.cli.{_name}")
    except ModuleNotFoundError as _exc:  # pragma: no cover
        if _exc.name != f"mobisim.cli.{_name}":
            raise

__all__ = ["app"]


def main() -> None:  # pragma: no cover
    app()
