"""Which roads the 30/50 rule judges: the streets, and the roads the city does not decide (rule R1).

Out of scope, with the rule that says so: motorways, trunk roads and their links
(``R1-out-of-scope-class``); ``motorroad=yes`` (``R1-motorroad``); national A/N routes the city
does not manage (``R1-national-route``); tunnels of primary roads without a cycle facility and
bridges bicycles may not use (``R1-car-only-tunnel``); and the rest of a street that is mostly such
road, e.g. the Rotterdamsebaan (``R1-out-of-scope-street``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.frames import column, flags
from mobisim.rules.settings import RuleSettings
from mobisim.rules.textkit import T, fmt, select, strings

__all__ = ["scope", "street_key"]


def street_key(edges: pd.DataFrame) -> np.ndarray:
    """Street identity: the normalised name, else ``way:<way_id>``."""
    name = strings(edges, "name").str.strip().str.casefold()
    way = "way:" + column(edges, "way_id", -1).astype("Int64").astype(str)
    return np.where(name != "", name.to_numpy(dtype=object), way.to_numpy(dtype=object))


def scope(edges: pd.DataFrame, s: RuleSettings, keys: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """Which in-area motor roads the city does not decide, and by which rule.

    ``keys`` is :func:`street_key` of ``edges`` when the caller has it already.

    Returns
    -------
    rule : numpy.ndarray of object
        ``R1-*`` rule id per segment, ``None`` where the road is in scope.
    reason : numpy.ndarray of object
        The reason shown for it.
    """
    n = len(edges)
    hw = strings(edges, "highway")
    road = flags(edges, "is_road")
    ref = strings(edges, "ref")
    by_class = hw.isin(s.out_of_scope_classes).to_numpy()
    motorroad = flags(edges, "motorroad") & s.out_of_scope_motorroad
    national = np.zeros(n, dtype=bool)
    has_ref = road & (ref != "").to_numpy()
    if s.out_of_scope_ref_pattern and has_ref.any():
        national[has_ref] = ref[has_ref].str.contains(s.out_of_scope_ref_pattern, case=False, regex=True).to_numpy()
    # a cycle facility on or beside the road: tagged lane/track/separate, or a path found by geometry
    facility = ["lane", "track", "separate"]
    cycle = ((strings(edges, "cycleway_left").isin(facility) | strings(edges, "cycleway_right").isin(facility)).to_numpy()
             | flags(edges, "cycle_separated_left") | flags(edges, "cycle_separated_right"))
    no_bikes = ~flags(edges, "mode_bike") & ~flags(edges, "bike_use_sidepath")
    tunnel = (hw.isin(s.car_only_tunnel_classes).to_numpy()
              & ((flags(edges, "tunnel") & ~cycle) | (flags(edges, "bridge") & no_bikes)))
    direct = road & (by_class | motorroad | national | tunnel)
    # the rest of a street that is mostly out of scope (ramps and approaches of such a route)
    length = edges["length"].to_numpy(dtype="float64")
    named = strings(edges, "name").str.strip().ne("").to_numpy()
    frame = pd.DataFrame({"key": street_key(edges) if keys is None else keys, "len": np.where(road, length, 0.0),
                          "out": np.where(direct, length, 0.0)})
    sums = frame.groupby("key")[["len", "out"]].transform("sum")
    share = np.divide(sums["out"].to_numpy(), sums["len"].to_numpy(),
                      out=np.zeros(n), where=sums["len"].to_numpy() > 0)
    street = (road & ~direct & named & hw.isin(s.out_of_scope_street_classes).to_numpy()
              & (share >= s.out_of_scope_street_share) & (share > 0))
    hw_s, ref_s = hw.to_numpy(dtype=str), ref.str.upper().to_numpy(dtype=str)
    conds = [by_class & road, motorroad & road, national & road, tunnel & road, street]
    rule = select(conds, ["R1-out-of-scope-class", "R1-motorroad", "R1-national-route",
                          "R1-car-only-tunnel", "R1-out-of-scope-street"], None, n)
    reason = select(conds, [
        T(hw_s, " (motorway/trunk road): outside the urban 30/50 rule, limit unchanged"),
        "motorroad=yes (autoweg: no cycling or walking): outside the urban 30/50 rule, limit unchanged",
        T("national route ", ref_s, " (Rijkswaterstaat or the province, not the city): outside the "
          "city's 30/50 rule, limit unchanged"),
        T("tunnel or bridge of a ", hw_s, " road without a cycle facility (car-only, e.g. a tunnel entry "
          "road): outside the urban 30/50 rule, limit unchanged"),
        T("part of a street that is mostly out of scope (", fmt(100 * share), " % of its length is a "
          "national route, motorway or car-only tunnel): outside the urban 30/50 rule"),
    ], None, n)
    return rule, reason
