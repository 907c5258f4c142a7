"""Where mobisim looks for the files it is not given: the one owner of the ``MOBISIM_*`` paths.

No default is resolved relative to the source tree or the installed package's location: a
``pip install .`` into any venv behaves as a checkout does. Every default is resolved, in order,
from

1. an explicit setting or flag (a scenario key such as ``schools.wijken_path``, ``--wijken``,
   ``--osm``; the callers pass those paths on and never ask this module),
2. an environment variable: ``$MOBISIM_SHARED_OSM`` (the shared Den Haag data),
   ``$MOBISIM_DATA_DIR`` (downloads and caches), ``$MOBISIM_CACHE_DIR`` (the processed-network
   cache only),
3. the current working directory: ``../shared/osm`` for the shared data (the README's commands
   run from the checkout, whose sibling is ``shared/``) and ``./data/osm`` for downloads and caches,
4. a file shipped as package data in ``mobisim/data`` (:func:`packaged_file`) — none today: the
   wijk polygons' source states no licence, so they are not redistributed with mobisim (the
   project never copies the shared data); without them the per-wijk scores and the municipal
   boundary are skipped with a note, and a step that needs them (a capped wijk) says where to
   point.
"""

from __future__ import annotations

import atexit
import contextlib
import os
from importlib import resources
from pathlib import Path

ENV_SHARED_OSM = "MOBISIM_SHARED_OSM"
"""Environment variable naming the folder of the shared Den Haag data."""

ENV_DATA_DIR = "MOBISIM_DATA_DIR"
"""Environment variable naming the folder of downloads and caches (default ``./data/osm``)."""

ENV_CACHE_DIR = "MOBISIM_CACHE_DIR"
"""Environment variable naming the processed-network cache (default ``<data dir>/cache``)."""

WIJKEN_FILE = "den-haag-wijken.geojson"
"""File name of the wijk polygons, in the shared OSM folder and in the package data."""

_PACKAGE_DATA = ("mobisim", "data")
_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def shared_osm_dir() -> Path:
    """Folder of the shared Den Haag data.

    Returns
    -------
    pathlib.Path
        ``$MOBISIM_SHARED_OSM`` when set, else ``../shared/osm`` relative to the current working
        directory. The folder may not exist; callers check the files they need.
    """
    env = os.environ.get(ENV_SHARED_OSM)
    if env:
        return Path(env)
    return Path.cwd().parent / "shared" / "osm"


def shared_file(name: str) -> Path:
    """``name`` inside :func:`shared_osm_dir` (it may not exist)."""
    return shared_osm_dir() / name


def data_dir() -> Path:
    """Folder of downloads by place name and of caches: ``$MOBISIM_DATA_DIR``, else ``./data/osm``
    relative to the current working directory (in a checkout: run from the checkout)."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env)
    return Path.cwd() / "data" / "osm"


def cache_dir() -> Path:
    """Folder of the processed-network cache: ``$MOBISIM_CACHE_DIR``, else ``<data_dir()>/cache``."""
    return Path(os.environ.get(ENV_CACHE_DIR) or data_dir() / "cache")


def packaged_file(name: str) -> Path | None:
    """A file shipped in ``mobisim/data`` as a filesystem path, or ``None`` when it is not there.

    An installed package is a plain folder and the path points into it; from a zipped package the
    file is extracted once to a temporary file that lives until the interpreter exits.
    """
    root, sub = _PACKAGE_DATA
    try:
        ref = resources.files(root).joinpath(sub).joinpath(name)
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - mobisim itself is importable
        return None
    if not ref.is_file():
        return None
    if isinstance(ref, Path):
        return ref
    return Path(_extracted.enter_context(resources.as_file(ref)))  # pragma: no cover - zipped


def default_wijken_path() -> Path:
    """Where the wijk polygons are read from when no path is given.

    Returns
    -------
    pathlib.Path
        ``$MOBISIM_SHARED_OSM/den-haag-wijken.geojson`` when the variable is set (existing or
        not); else ``../shared/osm/den-haag-wijken.geojson`` (from the working directory) when
        that file exists; else a packaged copy (none is shipped); else the ``../shared/osm`` path
        (missing, so the caller reports it).
    """
    if os.environ.get(ENV_SHARED_OSM):
        return shared_file(WIJKEN_FILE)
    sibling = shared_file(WIJKEN_FILE)
    if sibling.is_file():
        return sibling
    return packaged_file(WIJKEN_FILE) or sibling


def missing_wijken_hint() -> str:
    """What to do when :func:`default_wijken_path` does not exist (for error messages and notes)."""
    return (f"set ${ENV_SHARED_OSM} to a folder holding {WIJKEN_FILE}, run from a folder next to shared/osm, "
            "or give the file (--wijken, [schools] wijken_path)")


__all__ = [
    "ENV_CACHE_DIR",
    "ENV_DATA_DIR",
    "ENV_SHARED_OSM",
    "WIJKEN_FILE",
    "cache_dir",
    "data_dir",
    "default_wijken_path",
    "missing_wijken_hint",
    "packaged_file",
    "shared_file",
    "shared_osm_dir",
]
