"""Download a place by name with osmnx, once, into ``data/osm/places/<slug>/``.

``--place "Den Haag, Netherlands"`` is downloaded (street network and points of interest) the first
time and then loaded from the two files like any other input (:func:`mobisim.load.load_network`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from mobisim.errors import InputFileError
from mobisim.load.messages import first_line
from mobisim.load.osmread import NODE_KEYS, WAY_KEYS
from mobisim.load.paths import data_dir

#: Points of interest, landuse and buildings a place download asks Overpass for (what the rules,
#: school routes and parking read; see :mod:`mobisim.load.features`).
PLACE_FEATURE_TAGS: dict[str, bool | str | list[str]] = {
    "amenity": ["school", "kindergarten", "childcare", "hospital", "clinic", "nursing_home",
                "social_facility", "doctors", "parking", "parking_space", "bicycle_parking"],
    "healthcare": ["hospital", "clinic", "nursing_home"],
    "leisure": ["playground"],
    "landuse": ["residential"],
    "building": True,
}


def place_slug(place: str) -> str:
    """File-system name for a place (``"Den Haag, Netherlands"`` → ``den-haag-netherlands``)."""
    return re.sub(r"[^a-z0-9]+", "-", place.lower()).strip("-") or "place"


def _osmnx_failure(place: str, exc: Exception) -> InputFileError:
    return InputFileError(f"place '{place}': download with osmnx failed ({first_line(exc)[:200]})")


def download_place(place: str, *, folder: Path | None = None) -> list[Path]:
    """Download a place's street network and points of interest with osmnx, once.

    Two files are written under ``data/osm/places/<slug>/`` (each to a temporary name, then
    renamed, so an interrupted download leaves nothing half-written) and reused by later calls:

    - ``network.graphml``: every way (``network_type="all"``), unsimplified, with the way and node
      tags mobisim reads (:data:`~mobisim.load.osmread.WAY_KEYS`, :data:`~mobisim.load.osmread.NODE_KEYS`);
    - ``features.gpkg``: the points of interest, residential landuse and buildings
      (:data:`PLACE_FEATURE_TAGS`), read back by :func:`mobisim.load.osm.read_feature_file`.

    Parameters
    ----------
    place
        A place name osmnx (Nominatim) knows.
    folder
        Where the place folders go; ``<data dir>/places`` by default (:func:`mobisim.load.paths.data_dir`).

    Returns
    -------
    list of Path
        The files to load: the network first.

    Raises
    ------
    InputFileError
        When the place is unknown or the download fails (e.g. offline).
    """
    import osmnx as ox

    target = (folder or data_dir() / "places") / place_slug(place)
    graph_file, feature_file = target / "network.graphml", target / "features.gpkg"
    if graph_file.exists() and feature_file.exists():
        return [graph_file, feature_file]
    old_way, old_node = list(ox.settings.useful_tags_way), list(ox.settings.useful_tags_node)
    ox.settings.useful_tags_way = old_way + [t for t in WAY_KEYS if t not in old_way]
    ox.settings.useful_tags_node = old_node + [t for t in NODE_KEYS if t not in old_node]
    try:
        G = ox.graph_from_place(place, network_type="all", simplify=False, retain_all=True)
        features = ox.features_from_place(place, tags=PLACE_FEATURE_TAGS)
    except Exception as exc:  # noqa: BLE001 - requests/osmnx errors of every kind
        raise _osmnx_failure(place, exc) from None
    finally:
        ox.settings.useful_tags_way, ox.settings.useful_tags_node = old_way, old_node
    target.mkdir(parents=True, exist_ok=True)
    tmp = graph_file.with_suffix(".graphml.tmp")
    ox.save_graphml(G, tmp)
    keep = [c for c in NODE_KEYS if c in features.columns]
    features = features.reset_index()[["element", "id", *keep, "geometry"]]
    features = features.rename(columns={"element": "osm_type", "id": "osm_id"})
    tmp_features = feature_file.with_suffix(".tmp.gpkg")
    features.to_file(tmp_features, driver="GPKG", engine="pyogrio")
    os.replace(tmp, graph_file)
    os.replace(tmp_features, feature_file)
    return [graph_file, feature_file]
