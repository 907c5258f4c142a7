"""Shrinking resident parking permits: supply, the yearly cap, which spaces go, their re-use.

The programme caps resident permits in the centre and the pre-war wijken and lowers the cap by
2 % a year; the freed spaces are redesigned (bike parking, green, play space, meeting places,
terraces); larger cars pay more (see :mod:`mobisim.parking.tariff`).

Steps (each a small function on whole frames):

1. :func:`parking_supply` — on-street spaces per street segment, from OSM parking tags where
   mapped, from individually mapped ``amenity=parking_space`` features, and otherwise estimated
   from the kerb length by road class. Adds ``parking_spaces`` and ``parking_source`` to the edges.
2. :func:`supply_by_area` — per wijk: on-street spaces by source, surface lots and garages
   (RDW capacities) counted separately.
3. :func:`distribute_permits` — base-year permits per wijk: the counts known per wijk
   (``base_permits``; Rustenburg en Oostbroek ≈ 2,500) and the rest of the city's permit count
   (``permits_city``, ≈ 110,000) spread over the other wijken in proportion to on-street supply ×
   occupancy, whole permits summing exactly to the city count (largest remainder).
4. :func:`cap_table` — base-year permits per capped area and the cap falling by ``cap_rate`` a year:
   ``cap_t = floor(base × (1 − r)^(t − base_year))``; freed spaces per year and cumulatively.
5. :func:`allocate_freed` — the freed spaces land on real streets by a documented priority.
6. :func:`reuse` — the freed spaces split over bike parking, green, play, meeting places and
   terraces.
7. :func:`mobisim.parking.tariff.tariff_revenue` — the large-car tariff at the €60 / €64 permit prices,
   and :func:`mobisim.parking.tariff.finance_comparison` against the €2.0 M/yr finance line, year by year.
8. :func:`headline_figures` — the figures shown everywhere (spaces freed, area, bikes, revenue),
   computed once, as whole numbers, each with a low / central / high range from the permit count
   (``permits_uncertainty``) and the permit price (``tariff.price_uncertainty``).

:func:`evaluate_parking` runs them all and returns a :class:`ParkingResult`. It reads no file:
the wijken, garages and parking-space layer come from :mod:`mobisim.load` (``load_wijken``,
:func:`mobisim.load.parking_data.parking_layers`).

Modules
-------
* :mod:`~mobisim.parking.settings` — :class:`ParkingSettings`, :class:`TariffSettings` and the
  defaults with their sources (imported by :mod:`mobisim.scenario` without the algorithms);
* :mod:`~mobisim.parking.supply` — kerb-space supply per segment and per wijk;
* :mod:`~mobisim.parking.cap` — the permit base per wijk and the cap falling by ``cap_rate`` a year;
* :mod:`~mobisim.parking.allocation` — which segments give up their spaces, and their re-use;
* :mod:`~mobisim.parking.tariff` — the large-car tariff and the finance comparison;
* :mod:`~mobisim.parking.evaluate` — :func:`evaluate_parking` and :func:`headline_figures`.

The algorithms are imported on first use (``from mobisim.parking import evaluate_parking`` works
as before), so importing the settings stays cheap.

Supply estimate (documented assumptions)
----------------------------------------
* Kerb length per side = segment length minus the exclusions at its ends: 5 m at a junction
  (RVV 1990 art. 24: no parking within 5 m of an intersection) and 5 m at a pedestrian crossing
  (RVV 1990 art. 23: no stopping on a pedestrian crossing nor within 5 m before it; applied to
  both approaches because traffic comes from both sides). Where both apply, the larger one.
* Spaces per side = ``floor(kerb / metres_per_space)``: parallel 5.5 m, diagonal 3.0 m,
  perpendicular 2.5 m per space along the kerb (CROW ASVV 2021 parking bay dimensions: parallel
  bays 5.0–6.0 m long, perpendicular bays 2.4–2.5 m wide).
* Sides with parking by road class when the street carries no parking tag (assumption of this
  model, typical of Den Haag streets): residential/unclassified/road both sides, tertiary both
  sides, secondary one side, living_street one side (a woonerf only has marked bays), primary
  none; motorways, trunks, all ``*_link`` roads and non-roads are out of scope.
* Individually mapped spaces (``amenity=parking_space``) within ``space_snap_m`` of a segment
  replace the estimate on that segment (the mapper counted them); segments with a mapped
  on-street parking tag keep the tag's figure; spaces with ``access=private/no`` and spaces
  farther from any road are not counted. Surface lots (``amenity=parking``; capacity from the
  tag, else area / ``lot_m2_per_space``) and garages (RDW) are counted separately, per wijk.
* One withdrawn permit frees one on-street space (the Amsterdam practice: a space is removed
  for each permit the cap takes out; shared/reference/safety-criteria.md, Parking).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobisim._lazy import lazy_exports
from mobisim.parking.settings import (
    DEFAULT_PERMITS_CITY,
    PERMIT_COUNTS,
    PRIORITY_RULES,
    VOLT_AREAS,
    ParkingSettings,
    ReuseMix,
    TariffSettings,
    VehicleClass,
    parking_settings,
)

if TYPE_CHECKING:
    from mobisim.parking.allocation import allocate_freed, freed_by_street, reuse
    from mobisim.parking.cap import base_permits, cap_table, centre_prices, distribute_permits, yearly_totals
    from mobisim.parking.evaluate import ParkingResult, evaluate_parking, headline_figures
    from mobisim.parking.supply import (
        CROSSING_KINDS,
        NO_PARKING_VALUES,
        ON_STREET_VALUES,
        OUT_OF_SCOPE_HIGHWAY,
        city_summary,
        crossing_nodes,
        eligible_segments,
        end_exclusions,
        parking_supply,
        supply_by_area,
        surface_lots,
        with_crossings,
    )

__all__ = [
    "CROSSING_KINDS",
    "DEFAULT_PERMITS_CITY",
    "NO_PARKING_VALUES",
    "ON_STREET_VALUES",
    "OUT_OF_SCOPE_HIGHWAY",
    "PERMIT_COUNTS",
    "PRIORITY_RULES",
    "VOLT_AREAS",
    "ParkingResult",
    "ParkingSettings",
    "ReuseMix",
    "TariffSettings",
    "VehicleClass",
    "allocate_freed",
    "base_permits",
    "cap_table",
    "centre_prices",
    "city_summary",
    "crossing_nodes",
    "distribute_permits",
    "eligible_segments",
    "end_exclusions",
    "evaluate_parking",
    "freed_by_street",
    "headline_figures",
    "parking_settings",
    "parking_supply",
    "reuse",
    "supply_by_area",
    "surface_lots",
    "with_crossings",
    "yearly_totals",
]

#: Where each lazily imported name lives (:mod:`mobisim._lazy`). The readers and ``shared_osm_dir``
#: are the old names of :mod:`mobisim.load` functions (parking reads no file itself), kept for callers.
__getattr__, __dir__ = lazy_exports(__name__, {
    "mobisim.parking.allocation": ("allocate_freed", "freed_by_street", "reuse"),
    "mobisim.parking.cap": ("base_permits", "cap_table", "centre_prices", "distribute_permits", "yearly_totals"),
    "mobisim.parking.evaluate": ("ParkingResult", "evaluate_parking", "headline_figures"),
    "mobisim.parking.supply": ("CROSSING_KINDS", "NO_PARKING_VALUES", "ON_STREET_VALUES", "OUT_OF_SCOPE_HIGHWAY",
                               "city_summary", "crossing_nodes", "eligible_segments", "end_exclusions",
                               "parking_supply", "supply_by_area", "surface_lots", "with_crossings"),
    "mobisim.load.parking_data": ("load_garages", "load_parking_spaces"),
    "mobisim.load.paths": ("shared_osm_dir",),
})
