"""The failing elements on every child's shortest route to school (the plan's route bundles).

The shortest route and the nearest school do not depend on the verdicts (the full graph and the
attachment are the same for every toets outcome, :mod:`mobisim.schools`, step 3), so the failing
segments and crossings on each origin's shortest route are found once: fixing all of them makes
that route child-safe (detour 1), so the child can go on their own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.network import Network
from mobisim.schools import routing
from mobisim.schools.graphs import build_graphs
from mobisim.schools.inputs import safe_masks
from mobisim.schools.nearest import place_schools
from mobisim.schools.result import SchoolRoutes
from mobisim.schools.settings import SchoolSettings

__all__ = ["route_elements"]


def route_elements(net: Network, result: SchoolRoutes, settings: SchoolSettings,
                   start_ids: np.ndarray) -> pd.DataFrame:
    """The failing elements on the shortest route from each start node to its nearest school.

    Parameters
    ----------
    net : mobisim.network.Network
        With today's toets verdicts.
    result : SchoolRoutes
        Today's routes (its ``schools`` are placed again, as :func:`~mobisim.schools.route_to_schools` does).
    settings : SchoolSettings
    start_ids : numpy.ndarray
        OSM node ids the origins attach to (``result.origins["node_id"]``), unique.

    Returns
    -------
    pandas.DataFrame
        ``start`` (a value of ``start_ids``) and ``key`` (element key of
        :func:`mobisim.plan.candidates.candidates`), one row per failing element on the route.
    """
    notes: list[str] = []
    se, sn = safe_masks(net, settings.mode)
    graphs = build_graphs(net, se, sn, settings, notes)
    schools = result.schools[["name", "geometry"]].reset_index(drop=True)
    schools.index.name = "school_id"
    placed = place_schools(net, schools, graphs, settings, notes)
    pred = routing.multi_source(graphs.full, placed.src_nodes).pred
    failing_edge = graphs.usable & ~graphs.edge_ok
    failing_node = ~graphs.node_ok & (graphs.node_pos >= 0)
    m = len(net.edges)
    ids = np.asarray(start_ids, dtype=np.int64)
    pos = np.searchsorted(graphs.full.node_ids, ids) if graphs.n else np.zeros(0, np.int64)
    ok = (pos < graphs.n) & (graphs.full.node_ids[np.minimum(pos, max(graphs.n - 1, 0))] == ids) if graphs.n \
        else np.zeros(len(ids), bool)
    cur, origin = pos[ok], ids[ok]
    starts: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    while len(cur):
        fn = failing_node[cur]
        starts.append(origin[fn])
        keys.append(m + graphs.node_pos[cur[fn]])
        p = pred[cur]
        has = p >= 0
        cur, origin, p = cur[has], origin[has], p[has]
        e = graphs.full.edge_of(p, cur)
        fe = (e >= 0) & failing_edge[np.maximum(e, 0)]
        starts.append(origin[fe])
        keys.append(e[fe])
        cur = p
    out = pd.DataFrame({"start": np.concatenate([np.zeros(0, np.int64), *starts]),
                        "key": np.concatenate([np.zeros(0, np.int64), *keys]).astype(np.int64)})
    return out.drop_duplicates().sort_values(["start", "key"], kind="stable").reset_index(drop=True)
