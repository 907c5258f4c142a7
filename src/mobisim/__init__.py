"""mobisim: a mobility policy simulator for Den Haag.

The pipeline is load → traffic → rules → schools → parking → score → render, one package each:

- :mod:`mobisim.load` reads OSM files (XML, bz2, PBF, GraphML) or downloads a place, tags the ways
  and reads every other input (wijken, school register, parking data, speed limits);
- :mod:`mobisim.traffic` models where the cars go;
- :mod:`mobisim.rules` decides the 30/50 regime and the 8-jarigen-toets (8-year-old test);
- :mod:`mobisim.schools` routes children to primary schools; :mod:`mobisim.parking` caps permits;
- :mod:`mobisim.score` turns the verdicts into scores; :mod:`mobisim.render` writes map and report;
- :mod:`mobisim.scenario` holds the settings, :mod:`mobisim.pipeline` chains the steps.

For notebooks, three functions (imported on first use, so ``import mobisim`` stays cheap)::

    import mobisim
    net = mobisim.load_network("../shared/osm/scheveningen-2025.osm.bz2")
    result = mobisim.run("scenarios/volt-2026.toml", osm="../shared/osm/scheveningen-2025.osm.bz2", write=False)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Attribution of the OSM data (:func:`mobisim.frames.attribution` adds OpenMapTiles where due).
ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"

__all__ = ["load_network", "load_scenario", "run", "ATTRIBUTION", "__version__"]

if TYPE_CHECKING:
    from mobisim.api import load_network, load_scenario, run


def __getattr__(name: str) -> Any:
    """The API functions of :mod:`mobisim.api`, imported when first used."""
    if name in ("load_network", "load_scenario", "run"):
        from mobisim import api

        return getattr(api, name)
    raise AttributeError(f"module 'mobisim' has no attribute {name!r}")
