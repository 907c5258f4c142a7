"""The report's view of a network: the area judged, only the columns the report reads.

Row masks on ~100 Arrow-backed columns are slow, and segments outside the area judged are drawn
greyed on the map but listed in no table; :meth:`ReportNetwork.of` keeps what the report needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobisim.frames import column
from mobisim.load.areas import inside
from mobisim.network import Network

__all__ = ["REPORT_EDGE_COLUMNS", "REPORT_NODE_COLUMNS", "ReportNetwork", "rows", "street_names"]

#: The segment columns the report reads (any of them may be absent).
REPORT_EDGE_COLUMNS = ["u", "v", "way_id", "name", "highway", "length", "is_road", "maxspeed", "maxspeed_source",
                       "proposed_maxspeed", "regime", "regime_tier", "regime_deciding", "regime_missing",
                       "c1_cycle_path", "c2_sensitive_sites", "c3_air_noise", "c4_crossable",
                       "c1_evidence", "c2_evidence", "c3_evidence", "c4_evidence", "c3_noise", "c3_air",
                       "noise_lden_db", "no2_low_ugm3", "no2_high_ugm3",
                       "regime_rule", "regime_reason", "calming", "calming_reason", "school_route_children",
                       "toets_bike", "toets_bike_rule", "toets_bike_reason", "toets_bike_fix", "toets_walk",
                       "toets_walk_rule", "toets_walk_reason", "toets_walk_fix", "daily_traffic", "daily_traffic_before", "traffic_change"]
#: The node columns the report reads.
REPORT_NODE_COLUMNS = ["is_crossing", "crossing_kind", "crossed_name", "toets_crossing", "toets_crossing_rule",
                       "toets_crossing_reason", "toets_crossing_fix", "junction_fix", "junction_fix_reason"]


def rows(frame: pd.DataFrame, mask: np.ndarray | pd.Series) -> pd.DataFrame:
    """Rows where ``mask`` is true, by position (faster than boolean indexing on Arrow strings)."""
    return frame.iloc[np.flatnonzero(np.asarray(mask, dtype=bool))]


def street_names(edges: pd.DataFrame) -> pd.Series:
    """The street of each segment: its name, else ``(unnamed <highway> <way id>)``."""
    name = column(edges, "name").astype("string")
    way = column(edges, "way_id", "?").astype("string")
    highway = column(edges, "highway", "way").astype("string").fillna("way")
    return name.fillna("(unnamed " + highway + " " + way + ")")


@dataclass
class ReportNetwork(Network):
    """A :class:`~mobisim.network.Network` cut to the area judged and the report's columns.

    Attributes
    ----------
    outside_km
        Km of motor roads in the input that lie outside the area judged (not listed).
    """

    outside_km: float = 0.0

    @classmethod
    def of(cls, net: Network) -> ReportNetwork:
        """The report's view of ``net`` (an empty area label reads "the area judged")."""
        edges, nodes = rows(net.edges, inside(net.edges)), rows(net.nodes, inside(net.nodes))
        outside = 0.0
        if "is_road" in net.edges.columns:
            roads_outside = ~inside(net.edges) & net.edges["is_road"].to_numpy(dtype=bool)
            outside = float(net.edges.loc[roads_outside, "length"].sum()) / 1000.0
        return cls(
            edges=edges[[c for c in REPORT_EDGE_COLUMNS if c in edges.columns]],
            nodes=nodes[[c for c in REPORT_NODE_COLUMNS if c in nodes.columns]],
            sources=getattr(net, "sources", []),
            coverage=dict(getattr(net, "coverage", {}) or {}),
            source_dates=dict(getattr(net, "source_dates", {}) or {}),
            area_label=getattr(net, "area_label", "") or "the area judged",
            outside_km=outside,
        )
