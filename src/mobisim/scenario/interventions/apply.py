"""Applying interventions: a copy of the network with the changed attributes and their provenance."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mobisim.frames import flags
from mobisim.scenario.interventions.models import (
    AddCycleTrack,
    Calm,
    CloseThroughTraffic,
    ConvertParking,
    Crossing,
    Fietsstraat,
    InterventionModel,
    SetSpeed,
    StreetIntervention,
    StreetSelection,
    with_ids,
)
from mobisim.scenario.interventions.selection import normalise_names, select_edges, select_node

if TYPE_CHECKING:
    import geopandas as gpd

    from mobisim.network import Network

__all__ = ["apply_interventions", "ensure_intervention_columns"]


def ensure_intervention_columns(edges: pd.DataFrame, nodes: pd.DataFrame) -> None:
    """Add the columns interventions write, with their no-intervention defaults (in place).

    Called by :func:`apply_interventions` even without interventions, so every scenario's frames
    have the same schema: ``through_traffic`` (True), ``daily_traffic`` (NA: the evaluate step's
    class default applies), ``parking_converted_spaces`` (0.0),
    ``parking_converted_use`` (NA), ``interventions`` (NA) and the ``*_source`` columns for
    ``bicycle_road``, ``through_traffic``, ``parking_converted`` and node ``crossing``.
    """
    n = len(edges)
    if "through_traffic" not in edges.columns:
        edges["through_traffic"] = np.ones(n, dtype=bool)
    if "through_traffic_source" not in edges.columns:
        edges["through_traffic_source"] = pd.Series("default", index=edges.index, dtype="string")
    if "bicycle_road_source" not in edges.columns:
        is_br = flags(edges, "bicycle_road")
        edges["bicycle_road_source"] = pd.Series(np.where(is_br, "tag", "none"), index=edges.index, dtype="string")
    if "daily_traffic" not in edges.columns:
        edges["daily_traffic"] = pd.array([pd.NA] * n, dtype="Float64")
    if "daily_traffic_source" not in edges.columns:
        edges["daily_traffic_source"] = pd.Series("default", index=edges.index, dtype="string")
    if "parking_converted_spaces" not in edges.columns:
        edges["parking_converted_spaces"] = np.zeros(n, dtype=float)
    for col in ("parking_converted_use", "parking_converted_source", "interventions"):
        if col not in edges.columns:
            edges[col] = pd.Series(pd.NA, index=edges.index, dtype="string")
    if "crossing_source" not in nodes.columns:
        tagged = np.zeros(len(nodes), dtype=bool)
        for col in ("crossing", "highway"):
            if col in nodes.columns:
                tagged |= (nodes[col].notna() if col == "crossing"
                           else nodes[col].eq("crossing")).fillna(False).to_numpy(bool)
        nodes["crossing_source"] = pd.Series(np.where(tagged, "tag", "none"), index=nodes.index, dtype="string")
    if "interventions" not in nodes.columns:
        nodes["interventions"] = pd.Series(pd.NA, index=nodes.index, dtype="string")


def _set(frame: pd.DataFrame, mask: np.ndarray, column: str, value: object) -> None:
    """``frame.loc[mask, column] = value``, creating the column when missing."""
    if column not in frame.columns:
        frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame.loc[mask, column] = value


def _record(frame: pd.DataFrame, mask: np.ndarray, ident: str) -> None:
    """Add ``ident`` to the ``interventions`` list (``;``-joined) of the rows in ``mask``."""
    old = frame.loc[mask, "interventions"]
    frame.loc[mask, "interventions"] = old.where(old.isna(), old + ";" + ident).fillna(ident)


def _apply_edges(edges: pd.DataFrame, iv: StreetIntervention, folded: pd.Series | None = None) -> None:
    """Write one street intervention into ``edges`` (in place), with its provenance."""
    mask = select_edges(edges, iv, folded)
    src = iv.source()
    if isinstance(iv, (SetSpeed, Fietsstraat)):
        if "maxspeed" not in edges.columns:
            edges["maxspeed"] = pd.array([pd.NA] * len(edges), dtype="Int64")
        edges.loc[mask, "maxspeed"] = iv.maxspeed
        _set(edges, mask, "maxspeed_source", src)
    if isinstance(iv, Fietsstraat):
        edges.loc[mask, "bicycle_road"] = True
        _set(edges, mask, "bicycle_road_source", src)
    elif isinstance(iv, AddCycleTrack):
        sides = ("left", "right") if iv.side == "both" else (iv.side,)
        for side in sides:
            _set(edges, mask, f"cycleway_{side}", "track")
            edges.loc[mask, f"cycle_separated_{side}"] = True
        _set(edges, mask, "cycleway_source", src)
        _set(edges, mask, "cycle_separated_source", src)
        if iv.twoway:
            edges.loc[mask, "cycle_track_twoway"] = True
    elif isinstance(iv, Calm):
        _set(edges, mask, "traffic_calming", iv.measure)
        _set(edges, mask, "traffic_calming_source", src)
    elif isinstance(iv, CloseThroughTraffic):
        edges.loc[mask, "through_traffic"] = False
        _set(edges, mask, "through_traffic_source", src)
        edges.loc[mask, "daily_traffic"] = iv.daily_traffic
        _set(edges, mask, "daily_traffic_source", src)
    elif isinstance(iv, ConvertParking):
        length = edges.loc[mask, "length"].astype(float)
        share = length / length.sum() if length.sum() > 0 else pd.Series(1.0 / mask.sum(), index=length.index)
        edges.loc[mask, "parking_converted_spaces"] = (
            edges.loc[mask, "parking_converted_spaces"].astype(float) + iv.spaces * share
        )
        _set(edges, mask, "parking_converted_use", iv.use)
        _set(edges, mask, "parking_converted_source", src)
    _record(edges, mask, iv.ident())


def _apply_crossing(nodes: gpd.GeoDataFrame, edges: pd.DataFrame, iv: Crossing) -> None:
    """Add or upgrade the crossing of one node (in place), with its provenance."""
    node = select_node(nodes, edges, iv)
    mask = nodes.index == node
    kinds = set(iv.kind)
    for flag, col in (("signals", "signals"), ("zebra", "zebra"), ("island", "crossing_island")):
        if col not in nodes.columns:
            nodes[col] = np.zeros(len(nodes), dtype=bool)
        if flag in kinds:  # an upgrade adds, it never removes an existing feature
            nodes.loc[mask, col] = True
    if "highway" not in nodes.columns:
        nodes["highway"] = pd.Series(pd.NA, index=nodes.index, dtype="string")
    if pd.isna(nodes.loc[mask, "highway"]).all():
        nodes.loc[mask, "highway"] = "crossing"
    has_signals = bool(nodes.loc[mask, "signals"].iloc[0])
    has_zebra = bool(nodes.loc[mask, "zebra"].iloc[0])
    raw = "traffic_signals" if has_signals else "zebra" if has_zebra else "uncontrolled"
    _set(nodes, mask, "crossing", raw)
    _set(nodes, mask, "crossing_source", iv.source())
    _record(nodes, mask, iv.ident())


def apply_interventions(net: Network, interventions: Sequence[InterventionModel]) -> Network:
    """Apply interventions in order to a copy of the network.

    Parameters
    ----------
    net : mobisim.network.Network
        The loaded, tagged network (``edges``, ``nodes`` per ``docs/data-model.md``). It is not
        modified.
    interventions : list of Intervention
        Validated models (``Scenario.interventions``). Ids missing on a model default to
        ``<type>-<n>``.

    Returns
    -------
    Network
        A copy whose ``edges``/``nodes`` carry the changes, their ``*_source`` provenance and the
        intervention columns (see :func:`ensure_intervention_columns`), also when the list is
        empty.

    Raises
    ------
    NotFoundError
        A street, way or node an intervention names is not in the network.
    """
    edges = net.edges.copy()
    nodes = net.nodes.copy()
    ensure_intervention_columns(edges, nodes)
    items = with_ids(list(interventions))
    folded = None
    if "name" in edges.columns and any(isinstance(iv, StreetSelection) and iv.street is not None for iv in items):
        folded = normalise_names(edges["name"])  # once; names never change here
    for iv in items:
        if isinstance(iv, Crossing):
            _apply_crossing(nodes, edges, iv)
        else:
            _apply_edges(edges, iv, folded)
    out = copy.copy(net)
    out.edges = edges
    out.nodes = nodes
    return out
