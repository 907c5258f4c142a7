"""The school step's own input files: the school register, a scenario's school list, the wijken.

Every file the school-route analysis (:mod:`mobisim.schools`) needs is read here, so that the
step itself only takes frames:

- :func:`read_school_register`: the municipality's register of school buildings
  (``[schools] school_register``), for :func:`mobisim.schools.register_schools`;
- :func:`read_schools_csv`: a scenario's own list of primary schools (``[schools] schools_csv``),
  for :func:`mobisim.schools.listed_schools`;
- :func:`load_wijken_optional`: the wijk polygons for the per-wijk scores and the municipality
  clip, or a note when the default file is absent.

Each raises :class:`~mobisim.errors.InputFileError` naming the file for a missing or bad file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.errors import InputFileError
from mobisim.frames import CRS
from mobisim.load.areas import load_wijken
from mobisim.load.messages import columns_text
from mobisim.load.paths import default_wijken_path, missing_wijken_hint
from mobisim.load.vector import read_vector

if TYPE_CHECKING:
    from mobisim.schools.settings import SchoolSettings

#: Fields a school register must carry (the municipality's "schoolgebouwen" names).
SCHOOL_REGISTER_FIELDS = ("bestemming", "brinnummer", "school", "lesruimte")


def read_school_register(path: Path | str) -> gpd.GeoDataFrame:
    """A register of school buildings: Den Haag's open data "schoolgebouwen", or any point file with
    the same fields (:data:`SCHOOL_REGISTER_FIELDS`: ``bestemming`` the building's use, ``BO`` =
    primary school; ``brinnummer`` the school's national id; ``school`` its name; ``lesruimte``
    classrooms; optional ``adres``, the building's address).

    Parameters
    ----------
    path
        A vector file GDAL reads (GeoJSON, GeoPackage); without a CRS it is taken as WGS84.

    Returns
    -------
    geopandas.GeoDataFrame
        ``use``, ``brin``, ``name``, ``classrooms`` (float, NaN where missing), ``address``,
        ``row`` (record number, from 1), point geometry in EPSG:28992.

    Raises
    ------
    mobisim.errors.InputFileError
        Missing or unreadable file, missing fields (named, with the fields it has), no record, or
        geometries that are not points.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: school register not found")
    frame = read_vector(path, "the school register")
    missing = [c for c in SCHOOL_REGISTER_FIELDS if c not in frame.columns]
    if missing:
        have = columns_text(c for c in frame.columns if c != frame.geometry.name)
        raise InputFileError(f"{path}: the school register lacks the field(s) {', '.join(missing)} (fields: {have})")
    frame = frame[frame.geometry.notna().to_numpy() & ~frame.geometry.is_empty.to_numpy()]
    if frame.empty:
        raise InputFileError(f"{path}: the school register holds no building with a location")
    if not frame.geom_type.eq("Point").all():
        raise InputFileError(f"{path}: the school register must hold points (found {frame.geom_type.iloc[0]})")
    return gpd.GeoDataFrame({
        "use": frame["bestemming"].astype("string").str.strip().to_numpy(),
        "brin": frame["brinnummer"].astype("string").str.strip().to_numpy(),
        "name": frame["school"].astype("string").str.strip().to_numpy(),
        "classrooms": pd.to_numeric(frame["lesruimte"], errors="coerce").astype("float64").to_numpy(),
        # optional: the building's address tells apart the buildings of one school
        "address": (frame["adres"].astype("string").str.strip() if "adres" in frame.columns
                    else pd.Series(pd.NA, index=frame.index, dtype="string")).to_numpy(),
        "row": np.arange(1, len(frame) + 1),
    }, geometry=frame.geometry.to_crs(CRS).to_numpy(), crs=CRS)


def read_schools_csv(path: Path | str) -> gpd.GeoDataFrame:
    """A scenario's own school list: CSV with ``name``, ``lat``, ``lon`` (WGS84).

    Parameters
    ----------
    path
        The CSV file (column names are case-insensitive; spaces after a comma are ignored).

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` and the point in EPSG:28992, one row per line of the file, in file order.

    Raises
    ------
    mobisim.errors.InputFileError
        Missing file, missing columns, a row whose coordinates are not numbers in range, or no row.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: school list not found")
    try:
        df = pd.read_csv(path, dtype=str, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path}: cannot read the school list as CSV ({str(exc).splitlines()[0]})") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in ("name", "lat", "lon") if c not in df.columns]
    if missing:
        raise InputFileError(f"{path}: school list lacks column(s) {', '.join(missing)} (need name, lat, lon)")
    lat = pd.to_numeric(df["lat"], errors="coerce")
    lon = pd.to_numeric(df["lon"], errors="coerce")
    bad = lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputFileError(
            f"{path}: row {row + 2}: lat/lon must be numbers in WGS84 degrees "
            f"(got lat={df['lat'].iloc[row]!r}, lon={df['lon'].iloc[row]!r})"
        )
    if len(df) == 0:
        raise InputFileError(f"{path}: school list is empty")
    points = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(CRS)
    return gpd.GeoDataFrame({"name": df["name"].to_numpy()}, geometry=points.to_numpy(), crs=CRS)


def load_wijken_optional(settings: SchoolSettings) -> tuple[gpd.GeoDataFrame | None, str | None]:
    """The wijk polygons for the school step, or ``None`` and a note when the default file is absent.

    Parameters
    ----------
    settings
        ``wijken_path`` names the file; ``None`` takes the default
        (:func:`mobisim.load.paths.default_wijken_path`).

    Returns
    -------
    (wijken, note) : tuple
        The polygons (:func:`mobisim.load.areas.load_wijken`) and ``None``, or ``None`` and the note
        saying the per-wijk scores are skipped.

    Raises
    ------
    mobisim.errors.InputFileError
        An explicitly configured path that is missing or unreadable (raised by the loader).
    """
    if settings.wijken_path is not None:
        return load_wijken(settings.wijken_path), None
    path = default_wijken_path()
    if not path.is_file():
        hint = f"set schools.wijken_path, or {missing_wijken_hint()}"
        return None, f"per-wijk scores skipped: {path} not found ({hint})"
    return load_wijken(path), None


def read_school_list(settings: SchoolSettings) -> gpd.GeoDataFrame | None:
    """The scenario's own school list when it is the run's source of schools, else ``None``.

    The list (``schools_csv``, :func:`read_schools_csv`) is the source when no
    ``school_register`` is set (the register wins, as in :func:`mobisim.schools.school_points`).
    """
    if settings.school_register is not None or settings.schools_csv is None:
        return None
    return read_schools_csv(settings.schools_csv)
