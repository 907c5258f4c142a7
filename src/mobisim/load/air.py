"""The rules step's own input file: a layer of NO2 concentrations for criterion C3.

With ``[rules] air_mode = "layer"`` criterion C3 compares the annual-mean NO2 at each road with
the air limit, from a concentration map (a municipal or RIVM NO2 map: grid cells, zones or
receptor points) instead of the screening proxy. The map is read here, so that
:func:`mobisim.rules.evaluate_regime` only takes the frame:

- :func:`read_air_layer`: the layer at a path, with its value column;
- :func:`air_layer_for`: the layer a scenario's ``[rules]`` asks for, ``None`` in the other modes.

Each raises :class:`~mobisim.errors.InputFileError` naming the file for a missing or bad file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd

from mobisim.load.vector import read_value_layer

if TYPE_CHECKING:
    from mobisim.rules.settings import RuleSettings

__all__ = ["air_layer_for", "read_air_layer"]


def read_air_layer(path: Path | str, column: str = "no2") -> gpd.GeoDataFrame:
    """Read a layer of annual-mean NO2 concentrations (µg/m³).

    Parameters
    ----------
    path
        GeoJSON, GeoPackage or any file GDAL reads: polygons (grid cells, zones) or points
        (receptor points, monitoring stations); a file without a CRS is taken as WGS84.
    column
        The numeric column holding the concentration (``[rules] air_layer_column``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``value`` (float) and ``geometry`` in EPSG:28992; rows without a number or a
        geometry are dropped (:func:`mobisim.load.vector.read_value_layer`).

    Raises
    ------
    mobisim.errors.InputFileError
        The file is missing or unreadable, lacks ``column`` (naming the columns it has), or holds
        no number in it.
    """
    return read_value_layer(path, column)


def air_layer_for(settings: RuleSettings) -> gpd.GeoDataFrame | None:
    """The concentration layer ``settings`` ask for: read with ``air_mode = "layer"``, else ``None``.

    Parameters
    ----------
    settings
        The scenario's ``[rules]`` (``air_mode``, ``air_layer_path``, ``air_layer_column``).

    Returns
    -------
    geopandas.GeoDataFrame or None
        As :func:`read_air_layer`; ``None`` for ``air_mode`` ``"proxy"`` or ``"off"``.
    """
    if settings.air_mode != "layer" or settings.air_layer_path is None:
        return None
    return read_air_layer(settings.air_layer_path, settings.air_layer_column)
