"""Atomic writers for the run outputs (``map.html``, ``layers.gpkg``, ``scores.json``, reports).

Two mechanisms, both crash-safe:

* :func:`output_set` (:mod:`mobisim.render.staging`) writes a whole output folder
  (``maps/<name>/``) as one unit: staged in a hidden sibling folder, fsynced, then swapped in
  (``renameat2(RENAME_EXCHANGE)`` on Linux, two renames elsewhere). A reader sees the whole old
  set or the whole new set; SIGINT/SIGTERM remove the staging folder (exit 130/143); leftovers
  of dead processes are removed, or put back, by the next writer (:func:`recover_output_set`).

* :func:`atomic_path` (and :func:`write_text`, :func:`write_json`, :func:`write_gpkg`) replace one
  file: write a temporary file next to it, then :func:`os.replace`. Temporary files of dead
  processes are removed by the next write of the same file.
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import CRS
from mobisim.render.files import current_umask, remove_stale_temps
from mobisim.render.staging import Interrupted, output_set, recover_output_set

__all__ = [
    "Interrupted",
    "atomic_path",
    "output_set",
    "recover_output_set",
    "write_text",
    "write_json",
    "write_gpkg",
    "write_gpkg_to",
    "to_jsonable",
]


@contextmanager
def atomic_path(path: str | Path, *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` when the block succeeds.

    For a single file (an ``--export``); a set of files that belong together is written with
    :func:`output_set`.

    Parameters
    ----------
    path : str or Path
        Final location of the file. Its folder is created when missing.
    suffix : str, optional
        Suffix for the temporary file (some writers pick the format from it, e.g. ``.gpkg``).

    Yields
    ------
    Path
        The temporary file to write. It is removed when the block raises; one left by a killed
        process is removed by the next write of ``path``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    tmp = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp{suffix}"
    try:
        yield tmp
        if not tmp.exists():  # the block wrote nothing: create an empty file, as before
            tmp.touch()
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def to_jsonable(obj: Any) -> Any:
    """Turn numpy/pandas/pydantic values into plain JSON values (NaN and NA become ``None``).

    ``Any`` in and out: any nesting of mappings, sequences and scalars (``scores.json``).
    """
    if hasattr(obj, "model_dump"):
        return to_jsonable(obj.model_dump(mode="json"))
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return None if math.isnan(float(obj)) or math.isinf(float(obj)) else float(obj)
    if obj is None or obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (str, int)):
        return obj
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    return str(obj)


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented UTF-8 JSON to ``path`` atomically and return the path."""
    text = json.dumps(to_jsonable(data), indent=2, ensure_ascii=False, allow_nan=False)
    return write_text(path, text + "\n")


def _gpkg_ready(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy GeoPackage can store: nullable ints/bools/strings as plain object columns."""
    out = frame.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        dtype = out[col].dtype
        if isinstance(dtype, pd.StringDtype) or dtype == object:  # noqa: E721  (numpy dtype equality, not a type check)
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        elif isinstance(dtype, (pd.Int64Dtype, pd.BooleanDtype)) or str(dtype) in ("Int32", "Int16", "Int8"):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def write_gpkg_to(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write every layer of ``layers`` into a new GeoPackage at ``path`` (not atomic).

    Empty frames are skipped (GeoPackage cannot store an empty layer without a geometry type);
    with no layer at all a one-row ``empty`` layer keeps the file valid. The atomic variant is
    :func:`write_gpkg`; inside an :func:`output_set` this one is enough.
    """
    path = Path(path)
    path.unlink(missing_ok=True)  # let the driver create a fresh database
    for name, frame in layers.items():
        if frame is None or frame.empty:
            continue
        _gpkg_ready(frame).to_file(path, layer=name, driver="GPKG", engine="pyogrio", index=False,
                                   use_arrow=True)
    if not path.exists():
        gpd.GeoDataFrame({"note": ["no layers"]}, geometry=gpd.points_from_xy([0], [0]), crs=CRS).to_file(
            path, layer="empty", driver="GPKG", engine="pyogrio"
        )
    return path


def write_gpkg(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write every layer of ``layers`` into one GeoPackage at ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        Target ``.gpkg`` file; replaced as a whole.
    layers : mapping of str to GeoDataFrame
        Layer name → frame.

    Returns
    -------
    Path
        ``path``.
    """
    with atomic_path(path, suffix=".gpkg") as tmp:
        write_gpkg_to(tmp, layers)
    return Path(path)
