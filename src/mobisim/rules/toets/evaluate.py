"""Run the 8-jarigen-toets on a network, and list its failures school routes first."""

from __future__ import annotations

import pandas as pd

from mobisim.errors import MobisimError
from mobisim.network import Network
from mobisim.rules.toets.crossings import classify_crossings
from mobisim.rules.toets.segments import segment_toets
from mobisim.rules.toets.settings import ToetsSettings

__all__ = ["evaluate_toets", "toets_failures"]


def _assign(frame: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in new.columns if c in frame.columns])
    for c in new.columns:
        frame[c] = new[c]
    return frame


def evaluate_toets(net: Network, settings: ToetsSettings | None = None, *,
                   speed_column: str = "maxspeed") -> Network:
    """Add the 8-jarigen-toets columns to ``net.edges`` and ``net.nodes``; return ``net``.

    Parameters
    ----------
    net : mobisim.network.Network
        Loaded, tagged network (see ``docs/data-model.md``).
    settings : ToetsSettings, optional
        Thresholds; ``ToetsSettings()`` when omitted.
    speed_column : str
        Edge column with the speed to judge: ``"maxspeed"`` (today) or
        ``"proposed_maxspeed"`` (after the 30/50 proposal of :mod:`mobisim.rules`).

    Returns
    -------
    Network
        The same object, with :data:`SEGMENT_COLUMNS` on ``edges`` and :data:`NODE_COLUMNS` on
        ``nodes``. ``edges.attrs["toets_speed_column"]`` records ``speed_column``, and
        ``edges.attrs["toets_fietsstraat_max_daily"]`` the motor traffic a fietsstraat passes with.
    """
    s = settings or ToetsSettings()
    if speed_column not in net.edges.columns:
        raise MobisimError(f"toets: edge column {speed_column!r} not found in the network")
    net.edges = _assign(net.edges, segment_toets(net.edges, s, speed_column=speed_column))
    net.nodes = _assign(net.nodes, classify_crossings(net, s, speed_column=speed_column))
    net.edges.attrs["toets_speed_column"] = speed_column
    net.edges.attrs["toets_fietsstraat_max_daily"] = s.fietsstraat_max_daily_traffic
    return net


def _priority_sort(frame: pd.DataFrame, column: str, tie: str | None = None) -> pd.DataFrame:
    keys, asc = [], []
    if column in frame.columns:
        keys.append(column)
        asc.append(False)
    if tie and tie in frame.columns:
        keys.append(tie)
        asc.append(False)
    if not keys:
        return frame
    return frame.sort_values(keys, ascending=asc, kind="stable", na_position="last")


def toets_failures(net: Network) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Failing segments and crossings, school routes first.

    Segments are sorted by ``school_route_children`` (descending) when :mod:`mobisim.schools`
    has added it, then by length; crossings by the most school-route children on the roads
    meeting there (or ``weakest_link_children`` when present).

    Returns
    -------
    (segments, crossings) : tuple of pandas.DataFrame
    """
    e = net.edges
    seg = e[(e["toets_bike"] == "fail") | (e["toets_walk"] == "fail")]
    seg = _priority_sort(seg, "school_route_children", "length")
    nd = net.nodes
    cr = nd[nd["toets_crossing"] == "fail"]
    if "weakest_link_children" in cr.columns:
        cr = _priority_sort(cr, "weakest_link_children")
    elif "school_route_children" in e.columns:
        long = pd.concat([e[["u", "school_route_children"]].rename(columns={"u": "node"}),
                          e[["v", "school_route_children"]].rename(columns={"v": "node"})])
        kids = long.groupby("node")["school_route_children"].max()
        cr = cr.assign(school_route_children=kids.reindex(cr.index).to_numpy())
        cr = _priority_sort(cr, "school_route_children")
    return seg, cr
