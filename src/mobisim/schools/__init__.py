"""School routes and child connectivity: can children get to their primary school on their own?

The programme gives the highest priority to school routes. This package derives them from the
network and measures how many children can cycle (or walk) to school on a route that passes the
8-jarigen-toets (the "8-year-old test": would you let an 8-year-old use it alone?).

The package holds one module per concern: :mod:`~mobisim.schools.settings` (:class:`SchoolSettings`),
:mod:`~mobisim.schools.inputs` (schools and homes as frames), :mod:`~mobisim.schools.routing` (CSR
graph, multi-source Dijkstra, tree flows), :mod:`~mobisim.schools.graphs` (the full and the
child-safe graph, attachment), :mod:`~mobisim.schools.nearest` (nearest and safe school per origin),
:mod:`~mobisim.schools.flows` (children per segment and node), :mod:`~mobisim.schools.routes`
(:func:`route_to_schools`, the tables), :mod:`~mobisim.schools.weakest` (weakest links and
stretches, the what-if), :mod:`~mobisim.schools.summary` (city-wide and per-wijk figures) and
:mod:`~mobisim.schools.evaluate` (:func:`evaluate_school_routes` on a network). The files — a
school register, a school list, the wijk polygons — are read by :mod:`mobisim.load.register`.
The algorithms are imported on first use (``from mobisim.schools import route_to_schools`` works as
ever), so importing :class:`SchoolSettings` (as :mod:`mobisim.scenario` does) stays cheap.

Method
------
1. **Schools**: primary schools (basisscholen) from ``net.features`` (``kind == "school"`` and
   ``primary_school``; how primary is told is documented in ``mobisim.load.features``), or a scenario's
   own CSV list (``name, lat, lon``), or the municipality's school register (both read by
   :mod:`mobisim.load.register`). Areas are represented by their representative point.
2. **Homes** (:mod:`mobisim.load.homes`): residential floor area, weighted to the city's number of
   primary-school children (:attr:`SchoolSettings.children_total`).
3. **Graph** (:mod:`mobisim.schools.routing`): one undirected CSR graph of the segments the mode may use
   (``mode_bike`` by default), weight = length. *Undirected on purpose*: ``oneway`` is the
   motor-traffic direction (data model); many Dutch one-way streets are two-way for bikes, and
   the 2021 city file has no ``oneway:bicycle``, so children are assumed to be able to ride (or
   walk their bike) both ways.
   **Attachment** (:func:`mobisim.schools.graphs.start_nodes`): origins and schools attach to the
   network where a child starts, the nearest graph node (k-d tree on whole arrays) that does not lie on a main road
   (:attr:`SchoolSettings.start_avoid_classes`: primary, secondary, tertiary, trunk, motorway,
   their links, busway). Every node of a main road is a crossing or a junction the child would
   first have to cross, or a point in the carriageway; a home along a main road starts from the
   nearest side street or separate cycle path instead (where there is none within
   :attr:`SchoolSettings.max_snap_distance_m`, the nearest node of any kind). Origins attach only
   to nodes from which a school can be reached, so a home next to a stray footway fragment is
   not counted as having no route at all.
   The attachment depends on the network's geometry, the mode's access and the highway classes
   only, **never on the toets verdicts** (nor on crossing tags an intervention may add): an
   improvement (a segment or crossing that now passes) only adds links and nodes to the
   child-safe network, so ``share_safe`` can never drop when a crossing gets signals or an
   island, a limit goes down or a cycle track is added (no intervention changes a class or a
   mode). Snapping away from *failing* crossings only, as before, moved homes onto a crossing
   once it passed: a home snapped to a newly signalised mid-block crossing with no safe way
   onward and the share fell (tests/test_schools_monotone.py).
4. **Nearest school**: ONE multi-source Dijkstra from all school nodes over the full graph
   gives every node its nearest school, the distance and the route (predecessor tree).
5. **Child-safe network**: only segments whose ``toets_<mode>`` is ``pass``, and no node whose
   ``toets_crossing`` is ``fail`` (a crossing that passes, or ``n/a``, never blocks). By default
   (``crossing_rule="any_use"``) a route *passes through* a failing crossing when it uses that
   node at all — also when it only runs along the crossed road past it (conservative: the
   network does not say which way a route turns).
   ``crossing_rule="along_road_passes"`` lets a route run along the crossed road through the node
   (segment ends of the same street re-attached to a virtual node) and blocks only turns and
   crossings there; on the 2021 city data this moves the share by about 0.5 points. A second
   multi-source Dijkstra on this subgraph gives every node its nearest safely reachable school.
6. **A child can go on their own** (``safe``) when a child-safe route to *their nearest school*
   exists and is at most :attr:`SchoolSettings.max_detour_factor` times the shortest route.
   Where the nearest safe school is the nearest school, the safe distance comes from step 5;
   where it is another school but the nearest school lies in the same safe component, a bounded
   Dijkstra from those schools only (a few, batched; never one per origin) gives the exact safe
   distance.
7. **School-route intensity**: children per segment, by pushing the children per node down the
   predecessor trees (:func:`mobisim.schools.routing.tree_flow`): ``school_route_children`` on the
   shortest routes, ``school_route_children_safe`` on the safe routes of children who have one.
8. **Weakest links**: for every failing segment and crossing, the children whose *shortest*
   route uses it and who cannot go on their own (``weakest_link_children``); ranked, with the fix
   the toets proposes (``toets_<mode>_fix`` / ``toets_crossing_fix``): the council's priority list.
   :func:`weakest_stretches` joins them into street stretches (connected failing elements of
   one street). :func:`fix_weakest_links` marks the top N elements (or stretches) as passing so
   the share can be recomputed.
9. **Homes outside the municipality**: the OSM extract has a 300 m margin; when the wijk
   polygons are available the homes are clipped to them and ``children_total`` is spread over
   the rest (schools outside stay valid destinations).

Scores (:func:`city_scores`): ``share_safe`` (headline), ``share_safe_any_detour``, detour
mean/median/p90, per school (``SchoolRoutes.schools``) and per wijk (``SchoolRoutes.per_wijk``).

Schools that snap to the same node (co-located schools) share it: the origins carry the first
school's id, and the per-school figures split the node's children equally among them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobisim._lazy import lazy_exports
from mobisim.schools.settings import SchoolSettings

if TYPE_CHECKING:
    from mobisim.load.register import load_wijken_optional, read_schools_csv
    from mobisim.schools import routing
    from mobisim.schools.evaluate import add_route_columns, evaluate_school_routes
    from mobisim.schools.graphs import along_road_ends, attach, start_nodes
    from mobisim.schools.inputs import (
        EXCLUDED_BECAUSE,
        clip_origins,
        excluded_schools,
        home_origins,
        listed_schools,
        primary_schools,
        register_schools,
        safe_masks,
        school_frame,
        school_points,
    )
    from mobisim.schools.result import SchoolRoutes
    from mobisim.schools.routes import route_to_schools
    from mobisim.schools.summary import city_scores, scores_per_wijk, share_change
    from mobisim.schools.weakest import fix_weakest_links, rank_weakest_links, weakest_stretches

__all__ = [
    "EXCLUDED_BECAUSE",
    "SchoolRoutes",
    "SchoolSettings",
    "add_route_columns",
    "along_road_ends",
    "attach",
    "city_scores",
    "clip_origins",
    "evaluate_school_routes",
    "excluded_schools",
    "fix_weakest_links",
    "home_origins",
    "listed_schools",
    "load_wijken_optional",
    "primary_schools",
    "rank_weakest_links",
    "read_schools_csv",
    "register_schools",
    "route_to_schools",
    "routing",
    "safe_masks",
    "school_frame",
    "school_points",
    "scores_per_wijk",
    "share_change",
    "start_nodes",
    "weakest_stretches",
]

#: Where each lazily imported name lives (:mod:`mobisim._lazy`). The two readers are
#: :mod:`mobisim.load.register`'s (the school step reads no file itself), kept under their old path.
__getattr__, __dir__ = lazy_exports(__name__, {
    "mobisim.load.register": ("load_wijken_optional", "read_schools_csv"),
    "mobisim.schools.evaluate": ("add_route_columns", "evaluate_school_routes"),
    "mobisim.schools.graphs": ("along_road_ends", "attach", "start_nodes"),
    "mobisim.schools.inputs": ("EXCLUDED_BECAUSE", "clip_origins", "excluded_schools", "home_origins",
                               "listed_schools", "primary_schools", "register_schools", "safe_masks",
                               "school_frame", "school_points"),
    "mobisim.schools.result": ("SchoolRoutes",),
    "mobisim.schools.routes": ("route_to_schools",),
    "mobisim.schools.summary": ("city_scores", "scores_per_wijk", "share_change"),
    "mobisim.schools.weakest": ("fix_weakest_links", "rank_weakest_links", "weakest_stretches"),
}, submodules=("routing",))
