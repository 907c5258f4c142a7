"""mobisim: a mobility policy simulator for Den Haag.

The pipeline is load → tag → evaluate → score → render:

- load: :mod:`mobisim.load` reads OSM files (XML, bz2, PBF, GraphML) or downloads a place;
- tag: :mod:`mobisim.load.tags` and :mod:`mobisim.load.cycleways` turn raw tags into typed columns with
  provenance;
- evaluate: :mod:`mobisim.rules` (30/50 regime), :mod:`mobisim.rules.toets` (8-jarigen-toets),
  :mod:`mobisim.schools` (school routes), :mod:`mobisim.parking` (permit cap);
- score: :mod:`mobisim.score`;
- render: :mod:`mobisim.render.map` and :mod:`mobisim.render.report`.
"""

__version__ = "0.1.0"

ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
