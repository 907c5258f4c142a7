"""Atomic writers for the run outputs (``map.html``, ``layers.gpkg``, ``scores.json``, reports).

Every writer writes to a temporary file in the target's own folder and then renames it over the
target with :func:`os.replace`, so a reader never sees a half-written file and a failed run leaves
no partial output behind.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = [
    "atomic_path",
    "staged_outputs",
    "write_text",
    "write_json",
    "write_gpkg",
    "write_gpkg_to",
    "stage_path",
    "to_jsonable",
]


@contextmanager
def atomic_path(path: str | Path, *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` when the block succeeds.

    Parameters
    ----------
    path : str or Path
        Final location of the file. Its folder is created when missing.
    suffix : str, optional
        Suffix for the temporary file (some writers pick the format from it, e.g. ``.gpkg``).

    Yields
    ------
    Path
        The temporary file to write. It is removed when the block raises.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def staged_outputs() -> Iterator[list[tuple[Path, Path]]]:
    """Collect ``(temporary, final)`` pairs; rename them all only when the block succeeds.

    Writers inside the block put their result in a temporary file next to the final one and
    append the pair; if anything fails, every temporary file is removed and no output changes.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        yield staged
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    mask = _umask()
    for tmp, final in staged:
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, final)


def stage_path(staged: list[tuple[Path, Path]], path: str | Path, *, suffix: str = "") -> Path:
    """A new temporary file next to ``path``, registered in ``staged`` (see :func:`staged_outputs`)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + suffix, dir=target.parent)
    os.close(fd)
    staged.append((Path(tmp_name), target))
    return Path(tmp_name)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def to_jsonable(obj: Any) -> Any:
    """Turn numpy/pandas/pydantic values into plain JSON values (NaN and NA become ``None``)."""
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
        if isinstance(dtype, pd.StringDtype) or dtype == object:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        elif isinstance(dtype, (pd.Int64Dtype, pd.BooleanDtype)) or str(dtype) in ("Int32", "Int16", "Int8"):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def write_gpkg_to(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write every layer of ``layers`` into a new GeoPackage at ``path`` (not atomic; see
    :func:`write_gpkg`). Empty frames are skipped (GeoPackage cannot store an empty layer without
    a geometry type); with no layer at all a one-row ``empty`` layer keeps the file valid."""
    path = Path(path)
    path.unlink(missing_ok=True)  # let the driver create a fresh database
    for name, frame in layers.items():
        if frame is None or frame.empty:
            continue
        _gpkg_ready(frame).to_file(path, layer=name, driver="GPKG", engine="pyogrio", index=False,
                                   use_arrow=True)
    if not path.exists():
        gpd.GeoDataFrame({"note": ["no layers"]}, geometry=gpd.points_from_xy([0], [0]), crs=28992).to_file(
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
