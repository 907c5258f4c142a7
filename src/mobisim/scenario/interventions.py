"""Street-level interventions: the changes a scenario makes to the network before it is evaluated.

A scenario's ``[[interventions]]`` tables are validated into the models below (a discriminated
union on ``type``) and applied by :func:`apply_interventions`, which returns a *copy* of the
network with the changed attributes. Interventions are applied in file order (a later one wins
on the same attribute), after loading and tagging and **before** the evaluate step, so the rules,
the 8-jarigen-toets, the school routes and parking all see the changed street.

Selecting what to change
------------------------
Street interventions select segments by ``street`` (name, or a list of names; matched case- and
accent-insensitively, hyphens and repeated spaces count as one space) or ``way`` (OSM way id, or
a list). Only motor-road segments (``is_road``) of the selection change; a cycle path or footway
that carries the street's name is left alone. The ``crossing`` intervention selects one node by
``node`` (OSM node id) or ``at = [lat, lon]`` (the nearest node on a motor road, within
``max_snap_m``). Only graph nodes can carry a crossing: junctions (also where a footway or
cycle path meets the road) and way ends; an OSM node in the middle of a segment is not in
``net.nodes``, so ``at`` snaps to the nearest junction. A name, way or node that does not exist raises :class:`~mobisim.errors.NotFoundError`
(with the closest street names).

Provenance
----------
Every changed attribute gets its ``*_source`` column set to ``"intervention:<id>"`` (``id`` is
given in the file or defaults to ``<type>-<n>``, n counting from 1 in file order), and the
``interventions`` column of each changed edge/node lists the ids that touched it (``;``-joined),
so every verdict can be traced back to the intervention.

Columns written (see also ``docs/data-model.md``)
-------------------------------------------------
==========================  ==================================================================
intervention                edges / nodes columns
==========================  ==================================================================
``set_speed``               ``maxspeed``, ``maxspeed_source``
``add_cycle_track``         ``cycleway_<side>`` = ``"track"``, ``cycle_separated_<side>`` = True,
                            ``cycleway_source``, ``cycle_separated_source``,
                            ``cycle_track_twoway`` (when ``twoway``)
``crossing`` (node)         ``highway`` (``crossing`` if unset), ``crossing``, ``signals``,
                            ``zebra``, ``crossing_island``, ``crossing_source``
``fietsstraat``             ``bicycle_road`` = True, ``bicycle_road_source``, ``maxspeed`` (30),
                            ``maxspeed_source``
``close_through_traffic``   ``through_traffic`` = False, ``through_traffic_source``,
                            ``daily_traffic`` (vehicles/day left), ``daily_traffic_source``
``calm``                    ``traffic_calming`` (the measure, default ``"redesign"``),
                            ``traffic_calming_source``: the street is redesigned so that its
                            limit is driven (:mod:`mobisim.rules.driven_speed`)
``convert_parking``         ``parking_converted_spaces`` (spread over the street's segments by
                            length), ``parking_converted_use``, ``parking_converted_source``
==========================  ==================================================================

``through_traffic`` (bool, True everywhere by default) is the flag for "closed to through
traffic": motor traffic keeps access (``mode_drive`` is unchanged) but the street carries only
destination traffic. ``daily_traffic`` (Float64 vehicles/day, NA = no override) holds that
residual volume; the rules, noise, the toets and the Power Model read it. The traffic model
(:mod:`mobisim.traffic`) leaves the street out of the car graph, so its through traffic moves to
the streets around it (``traffic_change``). ``parking_converted_*`` is read by :mod:`mobisim.parking`: spaces removed by the horizon
and what the area is used for.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mobisim.errors import NotFoundError
from mobisim.names import fold_names, street_mask

__all__ = [
    "AddCycleTrack",
    "Calm",
    "CloseThroughTraffic",
    "ConvertParking",
    "Crossing",
    "Fietsstraat",
    "Intervention",
    "SetSpeed",
    "apply_interventions",
    "ensure_intervention_columns",
    "normalise_names",
    "select_edges",
    "select_node",
    "with_ids",
]

SOURCE_PREFIX = "intervention:"


# --------------------------------------------------------------------------------------------
# models


class _Base(BaseModel):
    """Every intervention: unknown keys, NaN and ±inf are refused (as in
    :class:`mobisim.settings_base.Settings`, whose field-wide validator cannot sit on the ``type``
    discriminator)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str | None = Field(
        None, min_length=1,
        description="Name of the intervention, used in `*_source` = `intervention:<id>`. "
        "Default `<type>-<n>` (n = position in the file, from 1).",
    )
    note: str | None = Field(None, description="Why: shown in the report next to the change.")

    def source(self) -> str:
        """The provenance label written to the ``*_source`` columns."""
        return f"{SOURCE_PREFIX}{self.id}"


class _StreetSelection(_Base):
    street: str | list[str] | None = Field(
        None, description="Street name(s), case- and accent-insensitive.",
    )
    way: int | list[int] | None = Field(None, description="OSM way id(s).")

    @model_validator(mode="after")
    def _one_selector(self) -> _StreetSelection:
        if (self.street is None) == (self.way is None):
            raise ValueError("give exactly one of `street` or `way`")
        return self

    def where(self) -> str:
        """Human-readable selection, for messages and the report."""
        if self.street is not None:
            names = [self.street] if isinstance(self.street, str) else self.street
            return ", ".join(names)
        ways = [self.way] if isinstance(self.way, int) else self.way
        return "way " + ", ".join(str(w) for w in ways)


class SetSpeed(_StreetSelection):
    """Set the speed limit of a street (``maxspeed``)."""

    type: Literal["set_speed"]
    maxspeed: int = Field(..., ge=5, le=130, strict=True, description="New limit in km/h.")

    def summary(self) -> str:
        return f"{self.where()}: limit {self.maxspeed} km/h"


class AddCycleTrack(_StreetSelection):
    """Add a physically separated cycle track (fietspad) on one or both sides."""

    type: Literal["add_cycle_track"]
    side: Literal["left", "right", "both"] = Field(
        "both", description="Side relative to the OSM way direction (`both` is the usual case).",
    )
    twoway: bool = Field(False, description="A two-way track on that side.")

    def summary(self) -> str:
        return f"{self.where()}: separated cycle track ({self.side})"


class Fietsstraat(_StreetSelection):
    """Make a street a fietsstraat (cycle street: cars are guests, 30 km/h)."""

    type: Literal["fietsstraat"]
    maxspeed: int = Field(
        30, ge=5, le=30,
        description="Limit on the fietsstraat. Source: CROW fietsstraat design, 30 km/h.",
    )

    def summary(self) -> str:
        return f"{self.where()}: fietsstraat ({self.maxspeed} km/h, cars as guests)"


class Calm(_StreetSelection):
    """Redesign a street so that its limit is the speed driven (humps, plateaus, narrowings)."""

    type: Literal["calm"]
    measure: Literal["redesign", "hump", "table", "chicane", "choker", "cushion"] = Field(
        "redesign",
        description="What is built (OSM `traffic_calming` values; `redesign` = a combination). "
        "Any of them makes the driven speed the limit (mobisim.rules.driven_speed).",
    )

    def summary(self) -> str:
        return f"{self.where()}: traffic calming ({self.measure}), the limit is what people drive"


class CloseThroughTraffic(_StreetSelection):
    """Close a street to through traffic (access for residents and deliveries stays)."""

    type: Literal["close_through_traffic"]
    daily_traffic: float = Field(
        500.0, ge=0, le=100_000, strict=True,
        description="Motor vehicles/day left after the closure (destination traffic only), written "
        "to the `daily_traffic` edge column. Assumption: the order of an erftoegangsweg's "
        "destination traffic (CROW: access streets carry up to a few thousand vehicles/day).",
    )

    def summary(self) -> str:
        return f"{self.where()}: closed to through traffic"


class ConvertParking(_StreetSelection):
    """Remove on-street car spaces and give the area another use."""

    type: Literal["convert_parking"]
    spaces: int = Field(..., ge=1, le=100_000, strict=True, description="Car spaces removed.")
    use: Literal[
        "bike_parking", "greenery", "cycle_track", "sidewalk", "play", "terrace", "housing", "other"
    ] = Field(..., description="New use of the space.")

    def summary(self) -> str:
        return f"{self.where()}: {self.spaces} car spaces → {self.use.replace('_', ' ')}"


CrossingKind = Literal["signals", "zebra", "island"]


class Crossing(_Base):
    """Add or upgrade a crossing on a node: traffic signals, zebra, refuge island (combinable)."""

    type: Literal["crossing"]
    node: int | None = Field(None, description="OSM node id.")
    at: tuple[float, float] | None = Field(
        None, description="[lat, lon] (WGS84): the nearest node on a motor road is used.",
    )
    kind: list[CrossingKind] = Field(
        ..., min_length=1, description="`signals`, `zebra`, `island`, or a list of them.",
    )
    max_snap_m: float = Field(
        50.0, gt=0, le=1000, strict=True, description="Largest distance from `at` to the node used (m).",
    )

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("at")
    @classmethod
    def _lat_lon(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not (-90 <= value[0] <= 90 and -180 <= value[1] <= 180):
            raise ValueError("expected [lat, lon] in degrees (lat −90…90, lon −180…180)")
        return value

    @model_validator(mode="after")
    def _one_selector(self) -> Crossing:
        if (self.node is None) == (self.at is None):
            raise ValueError("give exactly one of `node` or `at`")
        return self

    def where(self) -> str:
        return f"node {self.node}" if self.node is not None else f"[{self.at[0]}, {self.at[1]}]"

    def summary(self) -> str:
        return f"{self.where()}: crossing with {' + '.join(self.kind)}"


#: One intervention: a discriminated union on ``type``.
Intervention = Annotated[
    SetSpeed | AddCycleTrack | Crossing | Fietsstraat | Calm | CloseThroughTraffic | ConvertParking,
    Field(discriminator="type"),
]


# --------------------------------------------------------------------------------------------
# selection


#: Street-name folding shared with the reviewer command (:mod:`mobisim.names`).
normalise_names = fold_names


def select_edges(
    edges: pd.DataFrame, intervention: _StreetSelection, folded: pd.Series | None = None,
) -> np.ndarray:
    """Boolean mask of the motor-road segments an intervention selects.

    ``folded`` is ``normalise_names(edges["name"])`` when the caller has it already.

    Raises
    ------
    NotFoundError
        A street name or way id that is not in the network, or a selection without motor-road
        segments.
    """
    if intervention.street is not None:
        wanted = [intervention.street] if isinstance(intervention.street, str) else intervention.street
        if folded is None and "name" in edges.columns:
            folded = fold_names(edges["name"])
        mask = np.zeros(len(edges), dtype=bool)
        for name in wanted:
            mask |= street_mask(edges, name, folded=folded, context=f'intervention "{intervention.id}": ')
    else:
        wanted_ways = [intervention.way] if isinstance(intervention.way, int) else intervention.way
        way_ids = edges["way_id"].to_numpy()
        missing = sorted(set(wanted_ways) - set(np.unique(way_ids).tolist()))
        if missing:
            raise NotFoundError(
                f'intervention "{intervention.id}": way {", ".join(map(str, missing))} '
                "is not in the network"
            )
        mask = np.isin(way_ids, wanted_ways)
    if "is_road" in edges.columns:
        mask &= edges["is_road"].fillna(False).to_numpy(bool)
    if not mask.any():
        raise NotFoundError(
            f'intervention "{intervention.id}": {intervention.where()} has no motor-road segments'
        )
    return mask


def _project_wgs84(lat: float, lon: float, crs: Any) -> tuple[float, float]:
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", crs or "EPSG:28992", always_xy=True).transform(lon, lat)
    return float(x), float(y)


def select_node(nodes: pd.DataFrame, edges: pd.DataFrame, intervention: Crossing) -> int:
    """The node id a ``crossing`` intervention works on (given, or nearest road node to ``at``).

    Raises
    ------
    NotFoundError
        A node id not in the network, or no motor-road node within ``max_snap_m`` of ``at``.
    """
    if intervention.node is not None:
        if intervention.node not in nodes.index:
            raise NotFoundError(
                f'intervention "{intervention.id}": node {intervention.node} is not in the network'
            )
        return int(intervention.node)
    roads = edges["is_road"].fillna(False).to_numpy(bool) if "is_road" in edges.columns else slice(None)
    road_nodes = np.unique(edges.loc[roads, ["u", "v"]].to_numpy().ravel())
    candidates = nodes.loc[nodes.index.isin(road_nodes)]
    if candidates.empty:
        raise NotFoundError(f'intervention "{intervention.id}": the network has no road nodes')
    x, y = _project_wgs84(*intervention.at, getattr(nodes, "crs", None))
    d = np.hypot(candidates.geometry.x.to_numpy() - x, candidates.geometry.y.to_numpy() - y)
    i = int(np.argmin(d))
    if d[i] > intervention.max_snap_m:
        raise NotFoundError(
            f'intervention "{intervention.id}": no road node within {intervention.max_snap_m:g} m '
            f"of {intervention.where()} (nearest {d[i]:.0f} m away)"
        )
    return int(candidates.index[i])


# --------------------------------------------------------------------------------------------
# application


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
        is_br = edges["bicycle_road"].fillna(False).to_numpy(bool) if "bicycle_road" in edges else np.zeros(n, bool)
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


def _set(frame: pd.DataFrame, mask: np.ndarray, column: str, value: Any) -> None:
    """``frame.loc[mask, column] = value``, creating the column when missing."""
    if column not in frame.columns:
        frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame.loc[mask, column] = value


def _record(frame: pd.DataFrame, mask: np.ndarray, ident: str) -> None:
    old = frame.loc[mask, "interventions"]
    frame.loc[mask, "interventions"] = old.where(old.isna(), old + ";" + ident).fillna(ident)


def _apply_edges(edges: pd.DataFrame, iv: Any, folded: pd.Series | None = None) -> None:
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
    _record(edges, mask, iv.id)


def _apply_crossing(nodes: pd.DataFrame, edges: pd.DataFrame, iv: Crossing) -> None:
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
    _record(nodes, mask, iv.id)


def with_ids(interventions: list[Any]) -> list[Any]:
    """The interventions with ``id`` filled in (``<type>-<n>``, n = position from 1)."""
    return [
        iv if iv.id is not None else iv.model_copy(update={"id": f"{iv.type}-{i}"})
        for i, iv in enumerate(interventions, start=1)
    ]


def apply_interventions(net: Any, interventions: list[Any]) -> Any:
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
    if "name" in edges.columns and any(getattr(iv, "street", None) is not None for iv in items):
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
