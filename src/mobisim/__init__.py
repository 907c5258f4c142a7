"""mobisim: a mobility policy simulator for Den Haag.

The pipeline is load → tag → evaluate → score → render:

- load: :mod:`mobisim.io` reads OSM files (XML, bz2, PBF, GraphML) or downloads a place;
- tag: :mod:`mobisim.tags` and :mod:`mobisim.cycleways` turn raw tags into typed columns with
  provenance;
- evaluate: :mod:`mobisim.rules` (30/50 regime), :mod:`mobisim.toets` (8-jarigen-toets),
  :mod:`mobisim.schools` (school routes), :mod:`mobisim.parking` (permit cap);
- score: :mod:`mobisim.scores`;
- render: :mod:`mobisim.maps` and :mod:`mobisim.report`.
"""

__version__ = "0.1.0"

ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
