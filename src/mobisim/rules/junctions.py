"""Fixes for busy junctions on roads that keep 50 (or would, but for C4).

Over half of Den Haag's victims on 50-roads fall at junctions (Kiezen voor Verkeersveiligheid
2030): an unsignalised junction of three or more road ends with heavy traffic entering gets a
single-lane roundabout (after narrowing multi-lane approaches).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.frames import flags
from mobisim.rules.c3 import daily_traffic
from mobisim.rules.settings import RuleSettings
from mobisim.rules.textkit import cat, fmt, or_none
from mobisim.rules.toets.lts import edge_lanes
from mobisim.rules.toets.settings import ToetsSettings

__all__ = ["junction_fixes"]


def junction_fixes(edges: pd.DataFrame, nodes: pd.DataFrame, fifty: np.ndarray,
                   crossing: pd.DataFrame, s: RuleSettings,
                   toets_settings: ToetsSettings) -> tuple[np.ndarray, np.ndarray]:
    """Busy junctions on 50-roads (or roads that would be 50 but for C4) that need a fix.

    Parameters
    ----------
    edges, nodes
        All segments and nodes.
    fifty
        The segments that keep 50, or would but for C4 (bool).
    crossing
        The crossing kinds by node (``crossing_kind``): signals and roundabouts are protected.
    s
        Thresholds (``junction_busy_daily_traffic``, the traffic table).
    toets_settings
        The scenario's ``[toets]``: its lane defaults fill the lane counts that are not tagged.

    Returns
    -------
    fix, reason : numpy.ndarray of object
        Per node, ``None`` where no fix is needed.
    """
    road = flags(edges, "is_road")
    q = daily_traffic(edges, s)
    _, per_dir = edge_lanes(edges, toets_settings)
    inc = pd.DataFrame({
        "node": np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]),
        "road": np.tile(road, 2), "fifty": np.tile(fifty, 2), "q": np.tile(q, 2),
        "per_dir": np.tile(per_dir, 2),
    })
    inc = inc[inc["road"]]
    agg = inc.groupby("node").agg(ends=("q", "size"), q=("q", "sum"), fifty=("fifty", "any"),
                                  per_dir=("per_dir", "max")).reindex(nodes.index)
    ends = agg["ends"].fillna(0).to_numpy()
    entering = agg["q"].fillna(0).to_numpy() / 2.0
    kind = crossing["crossing_kind"].fillna("").to_numpy(dtype=str)
    protected = (kind == "signals") | (kind == "roundabout") | flags(nodes, "roundabout")
    busy = (agg["fifty"].fillna(False).astype(bool).to_numpy() & (ends >= 3) & ~protected
            & (entering >= s.junction_busy_daily_traffic))
    multi = agg["per_dir"].fillna(1).to_numpy() >= 2
    fix = or_none(busy, np.where(multi,
                                 "narrow the approaches to one lane per direction, then a "
                                 "single-lane roundabout (or signals with refuge islands)",
                                 "single-lane roundabout"))
    reason = or_none(busy, cat("to keep (or allow) 50: unsignalised junction with ~", fmt(entering),
                               " vehicles/day entering (≥ ", f"{s.junction_busy_daily_traffic:.0f}",
                               "); over half of Den Haag's victims on 50-roads fall at junctions "
                               "(Kiezen voor Verkeersveiligheid 2030)"))
    return fix, reason
