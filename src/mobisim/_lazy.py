"""Lazy public names for a package ``__init__``: its algorithms are imported when first used.

A step's package re-exports its public API (``from mobisim.rules import evaluate``), but importing
the package must not import every algorithm: :mod:`mobisim.scenario` imports only the steps'
settings, and ``import mobisim.rules.settings`` runs ``mobisim/rules/__init__.py`` first. So the
settings are imported eagerly and everything else through :func:`lazy_exports`.

Examples
--------
In ``mobisim/rules/__init__.py``::

    __getattr__, __dir__ = lazy_exports(__name__, {"mobisim.rules.regime": ("evaluate", "evaluate_regime")})
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, modules: Mapping[str, Iterable[str]], *, submodules: Iterable[str] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module ``__getattr__`` and ``__dir__`` that import ``modules``' names on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    modules
        Module path → the public names it defines that the package re-exports.
    submodules
        Submodules also reachable as attributes (``mobisim.schools.routing``).

    Returns
    -------
    (__getattr__, __dir__)
        To assign in the package's namespace; a name once imported is cached there.
    """
    where = {name: module for module, names in modules.items() for name in names}
    subs = set(submodules)

    def __getattr__(name: str) -> Any:
        if name in subs:
            value = import_module(f"{package}.{name}")
        elif name in where:
            value = getattr(import_module(where[name]), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where, *subs})

    return __getattr__, __dir__
