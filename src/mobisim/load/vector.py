"""The one vector-file reader of mobisim: GDAL through pyogrio, with the CRS default.

Every vector input (feature files, speed-limit layers, boundaries, wijk polygons, value layers such
as an NO₂ grid, the school register) is read by :func:`read_vector`, so that a file without a CRS is
taken as WGS84 (the GeoJSON standard) everywhere and an unreadable file gives the same one-line
error naming the file.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from mobisim.errors import InputFileError
from mobisim.frames import CRS
from mobisim.load.messages import columns_text, first_line

#: The CRS of a vector file that states none (GeoJSON's WGS84).
DEFAULT_FILE_CRS = "EPSG:4326"


def read_vector(path: Path | str, what: str, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file with GDAL (pyogrio); a file without a CRS is taken as WGS84 (GeoJSON).

    Parameters
    ----------
    path
        Any file GDAL reads (GeoJSON, GeoPackage, shapefile, …).
    what
        What the file should hold, for the error message (``"the school register"``).
    layer
        The layer of a multi-layer file (GeoPackage); the first layer by default.

    Returns
    -------
    geopandas.GeoDataFrame
        In the file's CRS, or :data:`DEFAULT_FILE_CRS` when it states none.

    Raises
    ------
    mobisim.errors.InputFileError
        Naming the file and ``what`` it should hold, when GDAL cannot read it.
    """
    try:
        frame = gpd.read_file(path, engine="pyogrio", layer=layer)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many kinds
        raise InputFileError(f"{path}: cannot read {what} ({first_line(exc)})") from None
    return frame.set_crs(DEFAULT_FILE_CRS) if frame.crs is None else frame


def read_value_layer(path: Path | str, column: str) -> gpd.GeoDataFrame:
    """Read a layer of measured or modelled values (e.g. annual-mean NO2) from a vector file.

    Parameters
    ----------
    path : pathlib.Path or str
        GeoJSON, GeoPackage or any file GDAL reads: polygons (grid cells, zones) or points
        (receptor points, monitoring stations). A file without a CRS is taken as WGS84 (the
        GeoJSON standard).
    column : str
        The numeric column to read.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``value`` (float) and ``geometry`` in EPSG:28992; rows without a number or a
        geometry are dropped.

    Raises
    ------
    mobisim.errors.InputFileError
        One line naming the file: missing, unreadable, no such column (with the columns it has),
        or no numeric value at all.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: value layer not found")
    frame = read_vector(path, "the layer")
    if column not in frame.columns:
        have = columns_text(c for c in frame.columns if c != frame.geometry.name)
        raise InputFileError(f"{path}: no column {column!r} (columns: {have})")
    value = pd.to_numeric(frame[column], errors="coerce")
    keep = value.notna() & frame.geometry.notna() & ~frame.geometry.is_empty
    if not keep.any():
        raise InputFileError(f"{path}: column {column!r} holds no numbers")
    return gpd.GeoDataFrame({"value": value[keep].astype("float64").to_numpy()},
                            geometry=frame.geometry[keep].to_crs(CRS).to_numpy(), crs=CRS)
