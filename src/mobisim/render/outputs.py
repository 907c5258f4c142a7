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

:func:`write_gpkg_to` also writes layers defined as SQL views of a table (:class:`GpkgView`: a
theme as an attribute filter, its geometry not copied) and stores repeated texts once
(:data:`TEXTS_TABLE`); the QGIS styles are added by :mod:`mobisim.render.gpkg_styles`.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any, NamedTuple

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
    "GpkgView",
    "TEXTS_TABLE",
    "to_jsonable",
]

#: The GeoPackage table holding each shared text once (:func:`write_gpkg_to` ``shared_texts``).
TEXTS_TABLE = "explanations"


class GpkgView(NamedTuple):
    """A GeoPackage layer defined as an SQL view: the rows of ``table`` where ``where`` is true.

    The view shows every column of ``table`` (its shared texts in full): it is an attribute filter,
    not a copy, and it keeps working when ``table`` gains or loses columns.

    Attributes
    ----------
    name : str
        Layer (view) name.
    table : str
        The table it reads (its geometry and spatial index are shared, not copied).
    where : str
        A true/false column of ``table`` picking the rows.
    """

    name: str
    table: str
    where: str


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


def write_gpkg_to(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame], *,
                  views: Sequence[GpkgView] = (), shared_texts: Sequence[str] = ()) -> Path:
    """Write every layer of ``layers`` into a new GeoPackage at ``path`` (not atomic).

    Empty frames are skipped (GeoPackage cannot store an empty layer without a geometry type);
    with no layer at all a one-row ``empty`` layer keeps the file valid. The atomic variant is
    :func:`write_gpkg`; inside an :func:`output_set` this one is enough.

    Parameters
    ----------
    path : str or Path
        The new GeoPackage.
    layers : mapping of str to GeoDataFrame
        Table name → frame.
    views : sequence of GpkgView
        Layers defined as views of a table in ``layers`` (skipped when the table is empty or the
        view picks no row): they share its geometry and spatial index instead of copying them, and
        show all its columns.
    shared_texts : sequence of str
        Text columns of the views' tables stored once per distinct text, in the table
        :data:`TEXTS_TABLE`: the table keeps ``<column>_ref`` (the text's ``id``), the views show
        the text itself.
    """
    path = Path(path)
    path.unlink(missing_ok=True)  # let the driver create a fresh database
    bases = {v.table for v in views}
    texts: dict[str, int] = {}
    for name, frame in layers.items():
        if frame is None or frame.empty:
            continue
        if name in bases:
            frame = _refer_texts(frame, [c for c in shared_texts if c in frame.columns], texts)
        _gpkg_ready(frame).to_file(path, layer=name, driver="GPKG", engine="pyogrio", index=False,
                                   use_arrow=True)
    if not path.exists():
        gpd.GeoDataFrame({"note": ["no layers"]}, geometry=gpd.points_from_xy([0], [0]), crs=CRS).to_file(
            path, layer="empty", driver="GPKG", engine="pyogrio"
        )
    with closing(sqlite3.connect(path)) as con, con:
        if texts:
            _write_texts(con, texts)
        for view in views:
            base = layers.get(view.table)
            if base is not None and not base.empty and bool(base[view.where].fillna(False).to_numpy(dtype=bool).any()):
                _create_view(con, view, [c for c in shared_texts if c in base.columns])
    return path


def _refer_texts(frame: gpd.GeoDataFrame, columns: Sequence[str], texts: dict[str, int]) -> gpd.GeoDataFrame:
    """``frame`` with each of ``columns`` replaced by ``<column>_ref``: the id of its text in
    ``texts`` (text → id, extended with the new texts; missing values stay missing)."""
    refs = {}
    for col in columns:
        values = frame[col].astype("string")
        for t in values.dropna().unique():
            texts.setdefault(str(t), len(texts) + 1)
        refs[f"{col}_ref"] = values.map(texts, na_action="ignore").astype("Int64")
    return frame.drop(columns=list(columns)).assign(**refs)


def _write_texts(con: sqlite3.Connection, texts: Mapping[str, int]) -> None:
    """The table :data:`TEXTS_TABLE` (``id``, ``text``), registered as GeoPackage attributes."""
    con.execute(f'CREATE TABLE "{TEXTS_TABLE}" (id INTEGER PRIMARY KEY, text TEXT NOT NULL)')
    con.executemany(f'INSERT INTO "{TEXTS_TABLE}" (id, text) VALUES (?, ?)', [(i, t) for t, i in texts.items()])
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                "VALUES (?, 'attributes', ?, ?)",
                (TEXTS_TABLE, "Explanation texts", "each reason, evidence and fix text once; the views show them"))


def _create_view(con: sqlite3.Connection, view: GpkgView, shared: Sequence[str]) -> None:
    """Create ``view`` and register it as a features layer (GDAL's spatial views: the first
    column is the table's ``fid``, so the table's spatial index serves the view)."""
    geom, gtype, srs = con.execute("SELECT column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns "
                                   "WHERE table_name = ?", (view.table,)).fetchone()
    texts = [f't{i}.text AS "{col}"' for i, col in enumerate(shared)]
    joins = [f'LEFT JOIN "{TEXTS_TABLE}" AS t{i} ON t{i}.id = b."{col}_ref"' for i, col in enumerate(shared)]
    con.execute(f'CREATE VIEW "{view.name}" AS SELECT {", ".join(["b.*", *texts])} FROM "{view.table}" AS b '
                f'{" ".join(joins)} WHERE b."{view.where}"')
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, "
                "max_y, srs_id) SELECT ?, 'features', ?, '', min_x, min_y, max_x, max_y, srs_id "
                "FROM gpkg_contents WHERE table_name = ?", (view.name, view.name, view.table))
    con.execute("INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) "
                "VALUES (?, ?, ?, ?, 0, 0)", (view.name, geom, gtype, srs))


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
