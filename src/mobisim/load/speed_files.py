"""Read a speed-limit layer: lines with a limit column, an OSM extract, or a CSV of street names.

What :func:`read_speed_limits` returns is applied after the network cache by
:func:`mobisim.load.speedlimits.apply_speed_limits`.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.errors import InputFileError
from mobisim.frames import CRS
from mobisim.load.messages import columns_text, first_line
from mobisim.load.osmread import read_osm
from mobisim.load.segments import build_segments
from mobisim.load.speedlimits import SpeedLimitLayer, parse_limits
from mobisim.load.tags import maxspeed
from mobisim.load.vector import read_vector
from mobisim.names import fold_names

__all__ = ["read_speed_limits"]

_OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf")


def _speed_layer_name(path: Path, column: str) -> str | None:
    """The layer of a multi-layer file (GeoPackage) that holds ``column``: the first such layer
    with lines, else the first with the column; ``None`` (GDAL's first layer) otherwise."""
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception:  # noqa: BLE001 - read_vector reports the unreadable file
        return None
    if len(layers) <= 1:
        return None
    with_column = []
    for name, kind in layers:
        try:
            fields = pyogrio.read_info(path, layer=name)["fields"]
        except Exception:  # noqa: BLE001 - a layer GDAL cannot describe is skipped
            continue
        if column in list(fields):
            with_column.append((str(name), str(kind)))
    lines = [name for name, kind in with_column if "LineString" in kind]
    if lines or with_column:
        return (lines or [with_column[0][0]])[0]
    names = ", ".join(str(name) for name, _ in layers)
    raise InputFileError(f"{path}: no layer has a column {column!r} with the speed limit (layers: {names})")


def _read_speed_osm(path: Path) -> SpeedLimitLayer:
    """Tagged limits of an OSM extract (e.g. a newer one than the network's) as lines.

    The ways are cut into segments and read by :func:`mobisim.load.tags.maxspeed` like the network
    itself; only segments whose limit comes from a tag (``maxspeed``, ``zone:maxspeed``,
    ``maxspeed:type``) are kept, never a class default. ``row`` is the OSM way id.
    """
    raw = read_osm(path)
    if raw.ways.empty:
        raise InputFileError(f"{path}: no highway ways in the file (is it a street network?)")
    edges, _ = build_segments(raw)
    limits = maxspeed(edges)
    tagged = (limits["maxspeed_source"].str.startswith("tag").to_numpy(dtype=bool)
              & limits["maxspeed"].notna().to_numpy(dtype=bool))
    if not tagged.any():
        raise InputFileError(f"{path}: no way with a maxspeed tag in the file")
    lines = gpd.GeoDataFrame(
        {"maxspeed": limits.loc[tagged, "maxspeed"].astype("Int64").to_numpy(),
         "row": edges.loc[tagged, "way_id"].to_numpy(dtype=np.int64)},
        geometry=edges.geometry[tagged].to_numpy(), crs=CRS,
    )
    return SpeedLimitLayer(path=path, frame=lines, by_name=False)


def _read_speed_csv(path: Path, column: str) -> SpeedLimitLayer:
    """A CSV of street names and limits (``,``, ``;`` or tab separated; UTF-8, with or without BOM)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = fh.readline()
        sep = max((",", ";", "\t"), key=header.count)
        table = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                            skip_blank_lines=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{path}: cannot read the speed-limit list ({first_line(exc)})") from None
    table.columns = [str(c).strip() for c in table.columns]
    lower = {c.lower(): c for c in table.columns}
    if "name" not in lower or column.lower() not in lower:
        raise InputFileError(f"{path}: a speed-limit list needs the columns 'name' and {column!r} "
                             f"(columns: {columns_text(table.columns)})")
    names = table[lower["name"]].astype("string").str.strip()
    limits = parse_limits(table[lower[column.lower()]], path=path, column=column, line_offset=2)
    frame = pd.DataFrame({"name": names, "maxspeed": limits, "row": np.arange(1, len(table) + 1)})
    frame = frame[frame["maxspeed"].notna() & names.fillna("").ne("")]
    if frame.empty:
        raise InputFileError(f"{path}: no street with a speed limit in the list")
    frame = frame.assign(_key=fold_names(frame["name"]).to_numpy())
    spread = frame.groupby("_key")["maxspeed"].transform("nunique").to_numpy() > 1
    if spread.any():
        clash = frame[spread]
        first = clash[clash["_key"].eq(clash["_key"].iloc[0])].head(2)
        a, b = first["row"].tolist()
        va, vb = first["maxspeed"].tolist()
        raise InputFileError(f"{path}: rows {a} and {b}: street {first['name'].iloc[0]!r} has two limits "
                             f"({va} and {vb} km/h); give one limit per street, or lines for a street "
                             f"whose limit changes along it")
    frame = frame.drop_duplicates("_key").drop(columns="_key").reset_index(drop=True)
    return SpeedLimitLayer(path=path, frame=frame, by_name=True)


def read_speed_limits(path: Path | str, column: str = "maxspeed") -> SpeedLimitLayer:
    """Read a speed-limit layer: lines with a limit column, or a CSV of street names and limits.

    Parameters
    ----------
    path : pathlib.Path or str
        A vector file GDAL reads (GeoPackage, GeoJSON, shapefile …) of lines — a municipal speed
        map, NDW's *wegkenmerken*, a newer OSM extract — or a ``.csv`` with the columns ``name``
        and ``column`` (street name → limit). A vector file without a CRS is taken as WGS84.
    column : str
        The column holding the limit in km/h (default ``maxspeed``).

    Returns
    -------
    mobisim.load.speedlimits.SpeedLimitLayer
        Lines in EPSG:28992 (``maxspeed``, ``row``, ``geometry``) or names (``name``, ``maxspeed``,
        ``row``). Rows with an empty limit (or, for lines, no geometry) are left out.

    Raises
    ------
    mobisim.errors.InputFileError
        One line naming the file: missing or unreadable; no such column (with the columns it has);
        a CSV without ``name``/``column``; a value that is not a whole number of km/h from 5 to 130
        (naming the row); geometry that is not a line; two limits for one street name; no row with
        a limit.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: speed-limit file not found")
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        return _read_speed_csv(path, column)
    if path.name.lower().endswith(_OSM_SUFFIXES):
        return _read_speed_osm(path)
    frame = read_vector(path, "speed limits", layer=_speed_layer_name(path, column)).reset_index(drop=True)
    if column not in frame.columns:
        have = [c for c in frame.columns if c != frame.geometry.name]
        raise InputFileError(f"{path}: no column {column!r} with the speed limit (columns: {columns_text(have)})")
    limits = parse_limits(frame[column], path=path, column=column)
    geom = frame.geometry
    has_geom = (geom.notna() & ~geom.is_empty).to_numpy(dtype=bool)
    kind = geom.geom_type.astype("string").fillna("")
    not_line = has_geom & ~kind.isin(["LineString", "MultiLineString"]).to_numpy(dtype=bool)
    if not_line.any():
        at = int(np.flatnonzero(not_line)[0])
        raise InputFileError(f"{path}: row {at + 1}: expected a line (LineString), got a {kind.iloc[at]}")
    keep = has_geom & limits.notna().to_numpy(dtype=bool)
    if not keep.any():
        raise InputFileError(f"{path}: no line with a speed limit in column {column!r}")
    lines = gpd.GeoDataFrame(
        {"maxspeed": limits[keep].to_numpy(), "row": np.flatnonzero(keep) + 1},
        geometry=geom[keep].to_crs(CRS).to_numpy(), crs=CRS,
    )
    lines["maxspeed"] = lines["maxspeed"].astype("Int64")
    return SpeedLimitLayer(path=path, frame=lines, by_name=False)

