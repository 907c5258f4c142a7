"""Where the cars go: a traffic model of the street network (zones → demand → assignment).

:func:`model_traffic` runs the whole model on a network (AequilibraE for the gravity model and the
equilibrium assignment); its link flows become into the per-segment columns
every step reads (``daily_traffic`` and ``daily_traffic_source = "model"``), flags rat runs, and
:func:`displacement` lists the streets that gain or lose traffic between two runs.

Modules: :mod:`~mobisim.traffic.settings` (every assumption, sourced), :mod:`~mobisim.traffic.supply`
(links, capacity, driven speed), :mod:`~mobisim.traffic.zones` (zones, connectors, gateways),
:mod:`~mobisim.traffic.demand` (trip ends, gravity), :mod:`~mobisim.traffic.assign`
(AequilibraE), :mod:`~mobisim.traffic.results` (per-segment volumes, rat runs, displacement).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobisim._lazy import lazy_exports
from mobisim.traffic.settings import TrafficSettings

if TYPE_CHECKING:
    from mobisim.traffic.assign import Assignment, assign
    from mobisim.traffic.counts import apply_counts
    from mobisim.traffic.results import (
        TRAFFIC_COLUMNS,
        TrafficModel,
        displacement,
        model_key,
        model_traffic,
        traffic_summary,
        write_traffic,
    )
    from mobisim.traffic.supply import car_links, driven_speed
    from mobisim.traffic.zones import Zones, build_zones

__all__ = [
    "Assignment",
    "TRAFFIC_COLUMNS",
    "TrafficModel",
    "TrafficSettings",
    "Zones",
    "apply_counts",
    "assign",
    "build_zones",
    "car_links",
    "displacement",
    "driven_speed",
    "model_key",
    "model_traffic",
    "traffic_summary",
    "write_traffic",
]


#: The algorithms' names, imported when first used (:mod:`mobisim._lazy`): importing the package
#: (its settings) does not import them.
__getattr__, __dir__ = lazy_exports(__name__, {
    "mobisim.traffic.assign": ("Assignment", "assign"),
    "mobisim.traffic.counts": ("apply_counts",),
    "mobisim.traffic.results": ("TRAFFIC_COLUMNS", "TrafficModel", "displacement", "model_key", "model_traffic",
                                "traffic_summary", "write_traffic"),
    "mobisim.traffic.supply": ("car_links", "driven_speed"),
    "mobisim.traffic.zones": ("Zones", "build_zones"),
})
