"""The parking step's input layers: off-street garages and mapped parking spaces.

Both are GeoJSON layers in the shared Den Haag data (``den-haag-rdw-parking.geojson``, RDW open
parking data; ``den-haag-parking-spaces.geojson``, OSM ``amenity=parking_space``). A scenario
names its own (``parking.garages_path``, ``parking.spaces_path``); without one the shared file
is used when it exists and ``parking.shared_layers`` is on (:func:`parking_layers`). Every frame
comes back in EPSG:28992 for :func:`mobisim.parking.evaluate_parking`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from mobisim.errors import InputFileError
from mobisim.frames import CRS
from mobisim.load.paths import shared_file
from mobisim.load.vector import read_vector

if TYPE_CHECKING:
    from mobisim.parking.settings import ParkingSettings

__all__ = ["GARAGES_FILE", "SPACES_FILE", "load_garages", "load_parking_spaces", "parking_layers"]

GARAGES_FILE = "den-haag-rdw-parking.geojson"
"""File name of the garage capacities (RDW open parking data) in the shared OSM folder."""

SPACES_FILE = "den-haag-parking-spaces.geojson"
"""File name of the ``amenity=parking_space`` layer in the shared OSM folder."""


def _read_layer(path: Path, what: str) -> gpd.GeoDataFrame:
    """Read the layer at ``path`` in EPSG:28992 with :func:`mobisim.load.vector.read_vector` (no CRS
    means WGS84); ``what`` names it in the errors.

    Raises
    ------
    mobisim.errors.InputFileError
        The file is missing or GDAL cannot read it.
    """
    if not path.exists():
        raise InputFileError(f"{what} not found: {path}")
    return read_vector(path, f"the {what}").to_crs(CRS)


def load_parking_spaces(path: Path | str) -> gpd.GeoDataFrame:
    """Read an ``amenity=parking_space`` layer (e.g. ``den-haag-parking-spaces.geojson``) in EPSG:28992.

    Parameters
    ----------
    path : pathlib.Path or str
        A GeoJSON (or any GDAL vector file) of parking spaces.

    Returns
    -------
    geopandas.GeoDataFrame
        ``osm_type``, ``osm_id``, ``capacity`` (as read; NA unknown), ``access``, ``geometry``.

    Raises
    ------
    mobisim.errors.InputFileError
        The file is missing or unreadable.
    """
    gdf = _read_layer(Path(path), "parking-space layer")
    gdf = gdf.replace({"N/A": None}) if len(gdf) else gdf
    for name in ("osm_type", "osm_id", "capacity", "access"):
        if name not in gdf:
            gdf[name] = pd.NA
    return gdf[["osm_type", "osm_id", "capacity", "access", "geometry"]]


def load_garages(path: Path | str | None = None) -> gpd.GeoDataFrame:
    """Off-street garages (RDW open parking data) in EPSG:28992.

    Parameters
    ----------
    path : pathlib.Path or str, optional
        Default ``<shared osm>/den-haag-rdw-parking.geojson`` (:func:`mobisim.load.paths.shared_file`).

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``type``, ``capacity_total`` (float, NaN where RDW gives none), ``geometry``.

    Raises
    ------
    mobisim.errors.InputFileError
        The file is missing or unreadable.
    """
    gdf = _read_layer(Path(path) if path is not None else shared_file(GARAGES_FILE), "garage file")
    for name in ("name", "type", "capacity_total"):
        if name not in gdf:
            gdf[name] = pd.NA
    gdf["capacity_total"] = pd.to_numeric(gdf["capacity_total"], errors="coerce").astype(float)
    return gdf[["name", "type", "capacity_total", "geometry"]]


def _optional_layer(
    path: Path | None, shared_name: str, use_shared: bool, reader: Callable[[Path], gpd.GeoDataFrame]
) -> gpd.GeoDataFrame | None:
    """Read ``path``; without one, the shared file when present and ``use_shared``; else None."""
    if path is not None:
        return reader(path)
    shared = shared_file(shared_name)
    return reader(shared) if (use_shared and shared.exists()) else None


def parking_layers(
    settings: ParkingSettings,
    *,
    garages: gpd.GeoDataFrame | None = None,
    spaces: gpd.GeoDataFrame | None = None,
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """The garages and the parking-space layer of a run, read where a frame is not given.

    Parameters
    ----------
    settings : mobisim.parking.ParkingSettings
        ``garages_path`` and ``spaces_path`` name the files; without them the shared files
        (:data:`GARAGES_FILE`, :data:`SPACES_FILE`) are read when they exist and
        ``shared_layers`` is on.
    garages, spaces : geopandas.GeoDataFrame, optional
        Frames already read (a command-line flag, a test): kept as given.

    Returns
    -------
    garages, spaces : geopandas.GeoDataFrame or None
        None where there is no file to read (:func:`mobisim.parking.evaluate_parking` then notes
        that garages are not counted, or uses the network's parking spaces only).

    Raises
    ------
    mobisim.errors.InputFileError
        A file to read is missing or unreadable.
    """
    if garages is None:
        garages = _optional_layer(settings.garages_path, GARAGES_FILE, settings.shared_layers, load_garages)
    if spaces is None:
        spaces = _optional_layer(settings.spaces_path, SPACES_FILE, settings.shared_layers, load_parking_spaces)
    return garages, spaces
