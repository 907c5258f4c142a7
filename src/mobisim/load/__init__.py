"""The *load* step: every file mobisim reads, and the street network built from OSM data.

:func:`load_inputs` (:mod:`mobisim.load.inputs`) reads everything a run needs, so that the later
steps only take frames. Its street network comes from :func:`load_network`
(:mod:`mobisim.load.network`), which reads OSM files with pyosmium (XML, ``.osm.bz2``/``.gz``,
``.osm.pbf``) or an osmnx GraphML file, cuts the highway ways into segments, tags them, classifies
the points of interest, caches the result and checks it against the data model
(``docs/data-model.md``). A place name is downloaded once with osmnx (:mod:`mobisim.load.download`).

Modules
-------
- :mod:`~mobisim.load.inputs` — :func:`load_inputs`, every input of a run as frames;
- :mod:`~mobisim.load.network` — :func:`load_network`;
- :mod:`~mobisim.load.osmread`, :mod:`~mobisim.load.osm` — reading OSM, GraphML and feature files;
- :mod:`~mobisim.load.segments` — segments and graph nodes, the *tag* step on them;
- :mod:`~mobisim.load.tags`, :mod:`~mobisim.load.speed_tags`, :mod:`~mobisim.load.tag_values` —
  typed attributes with provenance; :mod:`~mobisim.load.cycleways` — parallel cycle paths;
- :mod:`~mobisim.load.features` — points of interest, buildings, landuse, trip destinations;
- :mod:`~mobisim.load.coverage` — what the data carries per tag family;
- :mod:`~mobisim.load.cache`, :mod:`~mobisim.load.store` — the network and traffic caches;
- :mod:`~mobisim.load.speedlimits` (with ``speed_files``, ``speed_match``, ``speed_defaults``) —
  a speed-limit layer over the class defaults;
- :mod:`~mobisim.load.vector` — the one vector-file reader (:func:`read_vector`);
- :mod:`~mobisim.load.areas`, :mod:`~mobisim.load.homes`, :mod:`~mobisim.load.register`,
  :mod:`~mobisim.load.parking_data`, :mod:`~mobisim.load.air`, :mod:`~mobisim.load.counts`,
  :mod:`~mobisim.load.paths` — wijken, homes, the school register, parking layers, the air layer,
  traffic counts, where files are looked for.
"""

from __future__ import annotations

from mobisim.load.cache import read_traffic_cache, write_traffic_cache
from mobisim.load.counts import read_traffic_counts
from mobisim.load.download import PLACE_FEATURE_TAGS, download_place, place_slug
from mobisim.load.features import build_features
from mobisim.load.inputs import Inputs, load_inputs, read_inputs
from mobisim.load.network import load_network
from mobisim.load.osm import data_date, read_any, read_feature_file, read_graphml
from mobisim.load.paths import cache_dir, data_dir, shared_osm_dir
from mobisim.load.register import SCHOOL_REGISTER_FIELDS, read_school_register
from mobisim.load.segments import build_segments, tag_network
from mobisim.load.speed_files import read_speed_limits
from mobisim.load.store import CACHE_FORMAT, file_digest
from mobisim.load.vector import read_value_layer, read_vector
from mobisim.network import empty_frame

__all__ = [
    "CACHE_FORMAT",
    "Inputs",
    "PLACE_FEATURE_TAGS",
    "SCHOOL_REGISTER_FIELDS",
    "build_features",
    "build_segments",
    "cache_dir",
    "data_date",
    "data_dir",
    "download_place",
    "empty_frame",
    "file_digest",
    "load_inputs",
    "load_network",
    "place_slug",
    "read_any",
    "read_feature_file",
    "read_graphml",
    "read_inputs",
    "read_school_register",
    "read_speed_limits",
    "read_traffic_cache",
    "read_traffic_counts",
    "read_value_layer",
    "read_vector",
    "shared_osm_dir",
    "tag_network",
    "write_traffic_cache",
]
