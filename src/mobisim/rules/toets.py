"""The 8-jarigen-toets (8-year-old test): can a child of 8 use this street and crossing alone?

Every segment gets a verdict per mode (bike, walk) and every crossing node a verdict, each with
the id of the rule that decided, a readable reason and, for a failure, what would make it pass.

The test is anchored on two published sets of criteria (thresholds are fields of
:class:`ToetsSettings`, each with its source):

- **Level of Traffic Stress** (LTS): level 1 is "tolerable for children". Mixed-traffic,
  painted-lane and unsignalised-crossing tables from Mekuria, Furth & Nixon (2012), *Low-Stress
  Bicycling and Network Connectivity*, MTI report 11-19, and Furth, *LTS criteria tables v2.2*
  (2022). The worst attribute decides.
- **Dutch practice** (Duurzaam Veilig, CROW, SWOV): children mix with motor traffic only at
  30 km/h and low volume; at 50 km/h cyclists are on separated paths (a painted lane is not
  accepted); a crossing is safe when signal-controlled, or one lane per direction with a refuge
  island, or on a road at ≤ 30 km/h.

A segment passes for a mode only when both agree. All decisions are column operations on whole
frames (``np.select`` over rule conditions, table look-ups by ``np.searchsorted``); the texts
(reasons, fixes) are lazy (:class:`T`, :func:`select`): each is built only for the rows whose rule
uses it, the painted-lane account only where a lane is painted.

By bike each riding direction is judged on the facility that serves it (:func:`bike_directions`,
as LTS v2.2 peers such as the BikeOttawa stressmodel do): a painted lane counts only for its
direction (a contraflow lane leaves with-flow riders in mixed traffic), a lane beside parking
uses the bike-lane-alongside-parking table (bike lane + parking reach), and the segment's LTS is
the worse direction. ``bicycle=use_sidepath`` roads are judged as their mandatory side path
(``B2-sidepath``); bus-only roads are mixed traffic with buses, not traffic-free paths.

Public API: :func:`evaluate_toets`, :func:`classify_crossings`, :func:`toets_failures`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, Any

import numpy as np
import pandas as pd
import shapely
from pydantic import Field, field_validator

from mobisim.rules.noise import (
    DAILY_TRAFFIC_BY_CLASS,
    DAILY_TRAFFIC_OTHER,
    estimate_daily_traffic,
    traffic_source_label,
)
from mobisim.settings_base import DailyTraffic, Lts, Settings

LTS_SOURCE = (
    "Mekuria, Furth & Nixon (2012) MTI report 11-19; Furth, LTS criteria tables v2.2 (2022)"
)
DUTCH_SOURCE = "Duurzaam Veilig / CROW / SWOV (see shared/reference/safety-criteria.md)"


class LtsRow(Settings):
    """One row of an LTS table: up to ``max_daily_traffic`` vehicles/day, LTS per speed column."""

    max_daily_traffic: float = Field(
        ge=0, allow_inf_nan=True,
        description="Upper bound of daily motor traffic (inclusive); `inf` in the last row: any traffic.")
    lts: list[Lts] = Field(min_length=1, max_length=20,
                           description="LTS per speed column (1 = tolerable for children, 4 = most stress).")

    @field_validator("max_daily_traffic", mode="before")
    @classmethod
    def _not_nan(cls, value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            raise ValueError("expected a number ≥ 0 (or inf for the last row), got nan")
        return value


class CrossingRow(Settings):
    """One row of the unsignalised-crossing table (Mekuria tables 5–6, metric)."""

    max_lanes: int = Field(ge=1, le=99, description="Upper bound of total lanes crossed (inclusive).")
    island: bool = Field(description="Row applies with a refuge island (median).")
    lts: list[Lts] = Field(min_length=1, max_length=20, description="LTS per crossed-speed column.")


def _rows(*rows: tuple[float, list[int]]) -> list[LtsRow]:
    return [LtsRow(max_daily_traffic=v, lts=list(lts)) for v, lts in rows]


INF = float("inf")


#: Upper bounds of the speed columns of an LTS table, km/h, ascending.
SpeedBins = Annotated[list[Annotated[float, Field(ge=5, le=130)]], Field(min_length=1, max_length=20)]
#: LTS per speed column of a table row.
LtsColumns = Annotated[list[Lts], Field(min_length=1, max_length=20)]


class ToetsSettings(Settings):
    """Thresholds of the 8-jarigen-toets. ``ToetsSettings()`` is the documented default."""

    # --- Level of Traffic Stress tables (data, not code) -----------------------------------
    mixed_speed_bins_kmh: SpeedBins = Field(
        default=[38, 46, 54, 62, 70, 78],
        description="Upper bounds of the speed columns of the mixed-traffic table (the last "
        f"column is faster than the last bound). Source: {LTS_SOURCE}, mixed traffic.",
    )
    mixed_no_centreline: list[LtsRow] = Field(
        default=_rows((750, [1, 1, 2, 2, 3, 3, 3]), (1500, [1, 1, 2, 3, 3, 3, 3]),
                      (3000, [2, 2, 2, 3, 3, 4, 4]), (INF, [2, 2, 3, 3, 4, 4, 4])),
        description=f"Two-way street without centre line. Source: {LTS_SOURCE}.",
    )
    mixed_centreline: list[LtsRow] = Field(
        default=_rows((1000, [1, 1, 2, 2, 3, 3, 3]), (1500, [2, 2, 2, 3, 3, 4, 4]),
                      (INF, [2, 3, 3, 3, 4, 4, 4])),
        description="One lane each way with centre line, or wide one-way. "
        f"Source: {LTS_SOURCE}.",
    )
    mixed_two_lanes: list[LtsRow] = Field(
        default=_rows((8000, [3, 3, 3, 3, 4, 4, 4]), (INF, [3, 3, 4, 4, 4, 4, 4])),
        description=f"Two through lanes per direction. Source: {LTS_SOURCE}.",
    )
    mixed_three_plus_lanes: list[LtsRow] = Field(
        default=_rows((INF, [3, 3, 4, 4, 4, 4, 4])),
        description=f"Three or more lanes per direction. Source: {LTS_SOURCE}.",
    )
    lane_speed_bins_kmh: SpeedBins = Field(
        default=[46, 54, 62, 70, 78],
        description=f"Speed columns of the painted-bike-lane table. Source: {LTS_SOURCE}.",
    )
    lane_one_per_direction_wide: LtsColumns = Field(
        default=[1, 1, 2, 3, 3, 3],
        description=f"Bike lane ≥ 1.8 m, one lane per direction. Source: {LTS_SOURCE}.",
    )
    lane_one_per_direction_narrow: LtsColumns = Field(
        default=[2, 2, 2, 3, 3, 4],
        description=f"Bike lane < 1.8 m, one lane per direction. Source: {LTS_SOURCE}.",
    )
    lane_two_per_direction: LtsColumns = Field(
        default=[2, 2, 2, 3, 3, 3],
        description=f"Bike lane, two lanes per direction. Source: {LTS_SOURCE}.",
    )
    lane_three_plus_per_direction: LtsColumns = Field(
        default=[3, 3, 3, 4, 4, 4],
        description=f"Bike lane, three or more lanes per direction. Source: {LTS_SOURCE}.",
    )
    bike_lane_width_m: float = Field(
        default=1.5, gt=0, le=10,
        description="Width assumed for a painted bike lane (OSM rarely tags it). 1.5 m is the "
        "common Dutch fietsstrook/suggestiestrook width; below 1.8 m the narrow-lane row applies "
        f"({LTS_SOURCE}). A tagged `cycleway:<side>:width` / `cycleway:width` wins.",
    )
    bike_lane_wide_min_m: float = Field(
        default=1.8, gt=0, le=10,
        description="A painted bike lane (without parking beside it) at least this wide takes the "
        f"'wide' rows of the lane table (6 ft). Source: {LTS_SOURCE}.",
    )
    parking_lane_speed_bins_kmh: SpeedBins = Field(
        default=[40, 48, 56],
        description="Upper bounds of the speed columns of the 'bike lane alongside a parking lane' "
        "table: ≤ 40, ≤ 48, ≤ 56 km/h (25/30/35 mph) and faster (≥ 40 mph). Source: Furth, LTS "
        "criteria tables v2.2 (2017/2022), bike lanes alongside a parking lane.",
    )
    parking_lane_one_per_direction_wide: LtsColumns = Field(
        default=[1, 1, 2, 3],
        description="Bike lane alongside parking, one lane per direction, bike lane + parking lane "
        "reach ≥ parking_reach_wide_m (15 ft). Source: Furth, LTS criteria tables v2.2 "
        "(2017/2022), bike lanes alongside a parking lane.",
    )
    parking_lane_one_per_direction_mid: LtsColumns = Field(
        default=[2, 2, 3, 3],
        description="Bike lane alongside parking, one lane per direction, reach from "
        "parking_reach_mid_m up to parking_reach_wide_m (13–15 ft). Source: Furth, LTS criteria "
        "tables v2.2 (2017/2022), bike lanes alongside a parking lane.",
    )
    parking_lane_one_per_direction_narrow: LtsColumns = Field(
        default=[2, 3, 3, 3],
        description="Bike lane alongside parking, one lane per direction, reach < "
        "parking_reach_mid_m (13 ft). Source: Furth, LTS criteria tables v2.2 (2017/2022), bike "
        "lanes alongside a parking lane.",
    )
    parking_lane_two_per_direction: LtsColumns = Field(
        default=[3, 3, 3, 3],
        description="Bike lane alongside parking, two or more lanes per direction (or a one-way "
        "street with 2+ lanes), any reach. Source: Furth, LTS criteria tables v2.2 (2017/2022), "
        "bike lanes alongside a parking lane.",
    )
    parking_reach_wide_m: float = Field(
        default=4.5, gt=0, le=20,
        description="Bike lane + parking lane reach (m) from which the 'wide' parking row applies "
        "(15 ft). Source: Furth, LTS criteria tables v2.2.",
    )
    parking_reach_mid_m: float = Field(
        default=4.0, gt=0, le=20,
        description="Reach (m) from which the middle parking row applies (13 ft); below it the "
        "narrow row. Source: Furth, LTS criteria tables v2.2.",
    )
    parking_lane_width_m: float = Field(
        default=2.0, gt=0, le=10,
        description="Width of a parking lane beside a bike lane (OSM does not tag it): reach = bike "
        "lane width + this. Assumption: CROW parallel parking bay ≈ 2.0 m.",
    )
    parking_values: list[str] = Field(
        default=["lane", "parallel", "diagonal", "perpendicular", "street_side", "on_kerb",
                 "half_on_kerb", "shoulder", "yes", "marked", "inline", "orthogonal"],
        description="`parking_left`/`parking_right` values (OSM `parking:<side>`, "
        "`parking:lane:<side>`) that mean cars park on that side, beside a bike lane there; "
        "`no`, `separate`, `no_parking`, `no_stopping`, untagged … do not.",
    )
    bus_road_daily_traffic: float = Field(
        default=DAILY_TRAFFIC_BY_CLASS.get("busway", DAILY_TRAFFIC_OTHER), ge=0, le=1_000_000,
        description="Buses per day assumed on a bus-only road (`highway=busway`, or closed to "
        "general traffic with `bus`/`psv`=yes): children cycle there mixed with buses. "
        "Assumption: the busway figure of mobisim.rules.noise.DAILY_TRAFFIC_BY_CLASS (a few lines at "
        "5–10 minute headways); an edge's own `daily_traffic` wins.",
    )
    crossing_speed_bins_kmh: SpeedBins = Field(
        default=[40, 50, 55],
        description="Crossed-speed columns of the unsignalised-crossing table (last column "
        "faster). Source: Mekuria et al. (2012) tables 5–6, metric.",
    )
    crossing_table: list[CrossingRow] = Field(
        default=[
            CrossingRow(max_lanes=3, island=False, lts=[1, 1, 2, 3]),
            CrossingRow(max_lanes=3, island=True, lts=[1, 1, 2, 3]),
            CrossingRow(max_lanes=5, island=False, lts=[2, 2, 3, 4]),
            CrossingRow(max_lanes=5, island=True, lts=[1, 2, 3, 4]),
            CrossingRow(max_lanes=99, island=True, lts=[2, 3, 4, 4]),
            # not in the published table: assumed one level worse than with an island
            CrossingRow(max_lanes=99, island=False, lts=[3, 4, 4, 4]),
        ],
        description="Unsignalised crossing LTS by lanes crossed, island and speed. Source: "
        "Mekuria et al. (2012) tables 5–6; the '≥6 lanes, no island' row and the '–' cell are "
        "not published and assumed (one level worse / LTS 4).",
    )
    centreline_classes: list[str] = Field(
        default=["primary", "primary_link", "secondary", "secondary_link", "tertiary",
                 "tertiary_link", "trunk", "trunk_link", "motorway", "motorway_link"],
        description="Classes assumed to have a centre line (OSM has no tag for it); selects the "
        "'one lane each way with centre line' row of the mixed-traffic table.",
    )
    # --- Dutch practice -----------------------------------------------------------------------
    mixed_max_speed_kmh: int = Field(
        default=30, ge=5, le=130,
        description=f"Children mix with motor traffic only up to this limit. Source: {DUTCH_SOURCE} "
        "(access roads at 30 mix cyclists; at 50 cyclists are separated).",
    )
    crossing_unprotected_max_speed_kmh: int = Field(
        default=30, ge=5, le=130,
        description="A crossing without signals or island is child-safe only on a road at this "
        f"limit or lower. Source: {DUTCH_SOURCE}.",
    )
    island_max_speed_kmh: int = Field(
        default=50, ge=5, le=130,
        description="A refuge-island crossing (one lane per direction) is accepted up to this "
        f"limit. Source: {DUTCH_SOURCE} (median refuge ≥ 1.80 m wide at 50 km/h distributors).",
    )
    signal_search_radius_m: float = Field(
        default=30.0, ge=0, le=500,
        description="A road junction counts as signal-controlled when a traffic_signals node lies "
        "within this distance (OSM maps the signals on the approaches). Assumption.",
    )
    walk_quiet_max_daily_traffic: float = Field(
        default=1500.0, ge=0, le=1_000_000,
        description="A 30 km/h street with at most this traffic is walkable without a tagged "
        f"footway (the LTS 1 volume bound of a street without centre line, {LTS_SOURCE}).",
    )
    assume_sidewalk_when_untagged: bool = Field(
        default=True,
        description="Untagged streets are assumed to have footways on both sides where one is "
        "plausible (almost every Dutch urban street with frontage has them; the 2021 city file "
        "has no sidewalk tags) — never in a tunnel, on a road without frontage "
        "(walk_no_frontage_classes, motorroad=yes) or where sidewalk=no. Set false to require a "
        "tag everywhere.",
    )
    walk_no_frontage_classes: list[str] = Field(
        default=["motorway", "motorway_link", "trunk", "trunk_link", "primary_link",
                 "secondary_link", "tertiary_link"],
        description="Road classes without frontage: no footway is assumed along them when no "
        "sidewalk tag says so. Motorways and trunk roads are autosnelweg/autoweg (signs G1/G3 of "
        "RVV 1990 bijlage 1: motor vehicles only, no entrances); `*_link` ways are slip roads and "
        "connecting carriageways that join two roads, so no house or entrance opens onto them "
        "(OSM highway=*_link definition). Where such a road has a footway, OSM tags it "
        "(sidewalk=*) or maps it as its own way. Assumption of this project.",
    )
    walk_no_footway_on_motorroad: bool = Field(
        default=True,
        description="No footway is assumed on a road tagged motorroad=yes (an autoweg, sign G3 "
        "of RVV 1990 bijlage 1: motor vehicles only, so no frontage) unless a sidewalk tag says "
        "so.",
    )
    walk_no_footway_in_tunnels: bool = Field(
        default=True,
        description="No footway is assumed on a motor road in a tunnel (OSM tunnel=*, except "
        "tunnel=building_passage, which is a street through a building): car tunnels such as "
        "Den Haag's Sijtwendetunnel or Hubertustunnel carry no footway, and a pedestrian "
        "passage is mapped as its own way or tagged sidewalk=*. Assumption of this project.",
    )
    default_speed_kmh: int = Field(
        default=50, ge=5, le=130,
        description="Speed used for a motor road whose limit is unknown: the Dutch urban "
        "statutory limit (RVV 1990 art. 20).",
    )
    default_lanes_by_class: dict[str, Annotated[int, Field(ge=1, le=20)]] = Field(
        default={"motorway": 4, "trunk": 4, "primary": 4, "secondary": 2, "tertiary": 2},
        description="Total lanes used when `lanes` is missing (fallback; the loader normally "
        "fills defaults). Other classes: 2, or 1 when one-way. Assumption for Den Haag.",
    )
    daily_traffic_by_class: dict[str, DailyTraffic] = Field(
        default_factory=lambda: dict(DAILY_TRAFFIC_BY_CLASS),
        description="Daily motor traffic assumed per highway class (LTS volume rows). Keep equal "
        "to RuleSettings.daily_traffic_by_class. Assumption (see mobisim.rules.noise).",
    )
    daily_traffic_other: float = Field(
        default=DAILY_TRAFFIC_OTHER, ge=0, le=1_000_000, description="Daily traffic of other motor classes."
    )


    @field_validator("mixed_speed_bins_kmh", "lane_speed_bins_kmh", "parking_lane_speed_bins_kmh",
                     "crossing_speed_bins_kmh")
    @classmethod
    def _ascending(cls, value: list[float]) -> list[float]:
        if any(b <= a for a, b in zip(value, value[1:])):
            raise ValueError(f"speed bins must rise from left to right, got {[float(v) for v in value]}")
        return value


# ---------------------------------------------------------------------------------------------
# helpers (whole-column operations)
# ---------------------------------------------------------------------------------------------


def _col(df: pd.DataFrame, name: str, default: Any) -> pd.Series:
    """Column ``name`` of ``df`` or a constant series of ``default`` (schema tolerance)."""
    if name in df.columns:
        return df[name]
    return pd.Series(default, index=df.index)


def _bool(df: pd.DataFrame, name: str) -> np.ndarray:
    return _col(df, name, False).fillna(False).astype(bool).to_numpy()


def _as_str(col: pd.Series, missing: str) -> pd.Series:
    if isinstance(col.dtype, pd.StringDtype):  # the usual case: a fast path, same values
        return col.astype(str).fillna(missing)
    return col.astype("object").where(lambda s: s.notna(), missing).astype(str)


def _str(df: pd.DataFrame, name: str, missing: str = "") -> pd.Series:
    """Column ``name`` as strings, ``missing`` where absent or missing."""
    return _as_str(_col(df, name, missing), missing)


def _str_at(df: pd.DataFrame, name: str, rows: np.ndarray, missing: str = "") -> np.ndarray:
    """:func:`_str` of ``df[name]`` on the positions ``rows`` only, as an object array."""
    return _as_str(_col(df, name, missing).iloc[rows], missing).to_numpy(dtype=object)


def _num(df: pd.DataFrame, name: str) -> np.ndarray:
    return pd.to_numeric(_col(df, name, np.nan), errors="coerce").astype("float64").to_numpy()


def _fmt(values: np.ndarray, fmt: str = "{:.0f}", missing: str = "?") -> np.ndarray:
    """Format a float array to strings on whole arrays (``{:.0f}`` or ``{:.1f}``)."""
    x = np.asarray(values, dtype="float64")
    bad = ~np.isfinite(x)
    if fmt == "{:.1f}":
        text = np.char.mod("%.1f", np.where(bad, 0.0, x))
        return np.where(bad, missing, text).astype(object)
    # few distinct values (speeds, volumes, lanes, LTS): format each once
    ints, inverse = np.unique(np.round(np.where(bad, 0.0, x)).astype(np.int64), return_inverse=True)
    out = ints.astype(str).astype(object)[inverse.reshape(-1)]
    out[bad] = missing
    return out


def _int_array(values: np.ndarray) -> pd.arrays.IntegerArray:
    """Float array (NaN = missing) to a nullable Int64 array."""
    return pd.array(values, dtype="Float64").round().astype("Int64")


def _cat(*parts: Any) -> np.ndarray:
    """Concatenate strings and string arrays element-wise (object-array ``+``, no fixed-width
    unicode copies)."""
    out: Any = None
    for p in parts:
        if isinstance(p, np.ndarray):
            p = p if p.dtype == object else p.astype(object)
        elif isinstance(p, pd.Series | pd.Index):
            p = p.to_numpy(dtype=object)
        else:
            p = str(p)
        out = p if out is None else out + p
    if not isinstance(out, np.ndarray):
        return np.asarray(out, dtype=object)
    return out


def _at(part: Any, idx: np.ndarray) -> Any:
    """``part`` at rows ``idx``: a lazy :class:`T` evaluated there, an array or series indexed,
    a scalar kept."""
    if isinstance(part, T):
        return part(idx)
    if isinstance(part, np.ndarray) and part.ndim:
        return part[idx]
    if isinstance(part, pd.Series):
        return part.iloc[idx].to_numpy(dtype=object)
    if isinstance(part, pd.Index):
        return part[idx].to_numpy(dtype=object)
    return part


class T:
    """Lazy element-wise text: ``T("a ", arr, " b")`` is built only for the rows a rule decides.

    Used as a choice of :func:`select`; array parts are indexed by those rows, strings kept, and
    lazy parts (:class:`T`, :class:`Fmt`, :class:`Lazy`, :class:`Select`) evaluated on those
    rows only.
    """

    def __init__(self, *parts: Any) -> None:
        self.parts = list(parts)

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        return _cat(*(_at(p, idx) for p in self.parts))


class Fmt(T):
    """Lazy :func:`_fmt`: the numbers are formatted only on the rows asked for."""

    def __init__(self, values: Any, fmt: str = "{:.0f}", missing: str = "?") -> None:
        self.values = np.asarray(values, dtype="float64")
        self.fmt, self.missing = fmt, missing

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        return _fmt(self.values[idx], self.fmt, self.missing)


class Lazy(T):
    """Lazy rows of any whole-column text: ``fn(idx)`` gives the values at positions ``idx``."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        return self.fn(idx)


class Select(T):
    """Lazy :func:`select`: the first-match rule table evaluated only on the rows asked for
    (conditions and choices are whole-length, as for :func:`select`)."""

    def __init__(self, conds: Sequence[Any], choices: Sequence[Any], default: Any) -> None:
        if len(conds) != len(choices):
            raise ValueError("select: one choice per condition")
        self.conds, self.choices, self.default = list(conds), list(choices), default

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        masks = []
        for c in self.conds:
            c = np.asarray(c, dtype=bool)
            masks.append(c[idx] if c.ndim else np.broadcast_to(c, (len(idx),)))
        return _select_rows(masks, self.choices, self.default, idx)


def _select_rows(masks: list[np.ndarray], choices: Sequence[Any], default: Any,
                 rows: np.ndarray | None) -> np.ndarray:
    """First match of ``masks`` (given on ``rows``, or on all rows when ``None``)."""
    m = len(masks[0]) if masks else (len(rows) if rows is not None else 0)
    which = np.select(masks, np.arange(len(masks)), default=len(masks)) if masks else np.zeros(m, int)
    out = np.empty(m, dtype=object)
    out[:] = None
    for k, choice in enumerate([*choices, default]):
        loc = np.flatnonzero(which == k)
        if len(loc) == 0:
            continue
        out[loc] = _at(choice, loc if rows is None else rows[loc])
    return out


def select(conds: Sequence[Any], choices: Sequence[Any], default: Any, n: int) -> np.ndarray:
    """First-match rule table over whole arrays, like ``np.select``, returning an object array.

    Each choice (and ``default``) is a scalar, an array of length ``n``, or a lazy :class:`T`
    text (also :class:`Fmt`, :class:`Lazy`, :class:`Select`) evaluated only on the rows its
    condition selects.
    """
    if len(conds) != len(choices):
        raise ValueError("select: one choice per condition")
    masks = [np.broadcast_to(np.asarray(c, dtype=bool), (n,)) for c in conds]
    if not masks:
        return _select_rows([], [], default, np.arange(n))
    return _select_rows(masks, choices, default, None)


def table_lookup(rows: Sequence[LtsRow], volume: np.ndarray, col: np.ndarray) -> np.ndarray:
    """LTS from a volume-row × speed-column table for whole arrays."""
    bounds = np.array([r.max_daily_traffic for r in rows], dtype="float64")
    grid = np.array([r.lts for r in rows], dtype="int64")
    row = np.minimum(np.searchsorted(bounds, volume, side="left"), len(rows) - 1)
    return grid[row, np.minimum(col, grid.shape[1] - 1)]


def speed_column_index(bins: Sequence[float], speed: np.ndarray) -> np.ndarray:
    """Index of the speed column (speed ≤ bound; beyond the last bound → last column)."""
    return np.searchsorted(np.asarray(bins, dtype="float64"), speed, side="left")


def daily_traffic(edges: pd.DataFrame, settings: ToetsSettings) -> np.ndarray:
    """Assumed daily motor traffic per edge (0 where no motor traffic is allowed).

    Roads open to motor traffic take the class table (or their own ``daily_traffic``); bus-only
    roads (``bus_only``) carry :attr:`ToetsSettings.bus_road_daily_traffic` buses (or their own
    ``daily_traffic``).
    """
    q = estimate_daily_traffic(edges, settings.daily_traffic_by_class, settings.daily_traffic_other)
    bus = _bool(edges, "bus_only") & ~_bool(edges, "mode_drive")
    own = _num(edges, "daily_traffic")
    return np.where(bus, np.where(np.isnan(own), settings.bus_road_daily_traffic, own), q)


def edge_speed(edges: pd.DataFrame, speed_column: str, settings: ToetsSettings) -> np.ndarray:
    """Speed (km/h) per edge from ``speed_column``; unknown on motor or bus roads → default."""
    v = _num(edges, speed_column)
    motor = _bool(edges, "mode_drive") | _bool(edges, "bus_only")
    return np.where(np.isnan(v) & motor, float(settings.default_speed_kmh), v)


def edge_lanes(edges: pd.DataFrame, settings: ToetsSettings) -> tuple[np.ndarray, np.ndarray]:
    """Total lanes and lanes per direction, filling gaps from the class defaults."""
    oneway = _bool(edges, "oneway")
    lanes = _num(edges, "lanes")
    codes, classes = pd.factorize(_str(edges, "highway"))
    by_class = np.array([settings.default_lanes_by_class.get(c, np.nan) for c in classes],
                        dtype="float64")
    default = np.append(by_class, np.nan)[codes]  # code -1 (missing) → NaN
    default = np.where(np.isnan(default), np.where(oneway, 1.0, 2.0), default)
    lanes = np.where(np.isnan(lanes), default, lanes)
    per_dir = _num(edges, "lanes_per_direction")
    per_dir = np.where(np.isnan(per_dir), np.where(oneway, lanes, np.ceil(lanes / 2.0)), per_dir)
    return lanes, np.maximum(per_dir, 1.0)


def mixed_lts(speed: np.ndarray, volume: np.ndarray, per_dir: np.ndarray, centreline: np.ndarray,
              settings: ToetsSettings) -> np.ndarray:
    """LTS of cycling in mixed traffic (Furth v2.2 mixed-traffic table) for whole arrays."""
    col = speed_column_index(settings.mixed_speed_bins_kmh, np.nan_to_num(speed))
    return np.select(
        [per_dir >= 3, per_dir >= 2, centreline],
        [table_lookup(settings.mixed_three_plus_lanes, volume, col),
         table_lookup(settings.mixed_two_lanes, volume, col),
         table_lookup(settings.mixed_centreline, volume, col)],
        default=table_lookup(settings.mixed_no_centreline, volume, col),
    )


def _cells(row: Sequence[int], col: np.ndarray) -> np.ndarray:
    """Cells of one LTS table row at column indices ``col`` (beyond the last → last column)."""
    grid = np.asarray(row, dtype="int64")
    return grid[np.minimum(col, len(grid) - 1)]


def lane_lts(speed: np.ndarray, per_dir: np.ndarray, settings: ToetsSettings,
             width_m: np.ndarray | float | None = None) -> np.ndarray:
    """LTS of a painted bike lane without parking beside it (Furth v2.2) for whole arrays.

    Parameters
    ----------
    speed, per_dir : numpy.ndarray
        Speed (km/h) and motor lanes per direction.
    settings : ToetsSettings
        The lane table and the wide-lane bound :attr:`ToetsSettings.bike_lane_wide_min_m`.
    width_m : numpy.ndarray or float, optional
        Bike lane width per row (a tagged ``cycleway:<side>:width``); missing or NaN →
        :attr:`ToetsSettings.bike_lane_width_m`.

    Returns
    -------
    numpy.ndarray of int
    """
    col = speed_column_index(settings.lane_speed_bins_kmh, np.nan_to_num(speed))
    width = np.full(len(col), settings.bike_lane_width_m, dtype="float64")
    if width_m is not None:
        given = np.broadcast_to(np.asarray(width_m, dtype="float64"), width.shape)
        width = np.where(np.isnan(given), width, given)
    wide = width >= settings.bike_lane_wide_min_m
    narrow_one = _cells(settings.lane_one_per_direction_narrow, col)
    one = np.where(wide, _cells(settings.lane_one_per_direction_wide, col), narrow_one)
    two = _cells(settings.lane_two_per_direction, col)
    # the table has no narrow two-lane row: the worse of the two known rows
    two = np.where(wide, two, np.maximum(two, narrow_one))
    three = _cells(settings.lane_three_plus_per_direction, col)
    return np.select([per_dir >= 3, per_dir >= 2], [three, two], default=one)


def parking_lane_lts(speed: np.ndarray, per_dir: np.ndarray, reach_m: np.ndarray,
                     settings: ToetsSettings) -> np.ndarray:
    """LTS of a painted bike lane alongside a parking lane (Furth v2.2) for whole arrays.

    Parameters
    ----------
    speed, per_dir : numpy.ndarray
        Speed (km/h) and motor lanes per direction.
    reach_m : numpy.ndarray
        Bike lane + parking lane width (m): the distance a cyclist keeps from the moving traffic
        while clear of opening car doors.
    settings : ToetsSettings
        The parking-lane tables and reach bounds.

    Returns
    -------
    numpy.ndarray of int
    """
    col = speed_column_index(settings.parking_lane_speed_bins_kmh, np.nan_to_num(speed))
    reach = np.asarray(reach_m, dtype="float64")
    one = np.select(
        [reach >= settings.parking_reach_wide_m, reach >= settings.parking_reach_mid_m],
        [_cells(settings.parking_lane_one_per_direction_wide, col),
         _cells(settings.parking_lane_one_per_direction_mid, col)],
        default=_cells(settings.parking_lane_one_per_direction_narrow, col),
    )
    return np.where(per_dir >= 2, _cells(settings.parking_lane_two_per_direction, col), one)


#: Facility serving one riding direction (:func:`bike_directions`).
MIXED, LANE, SEPARATED = 0, 1, 2


def _bike_oneway(edges: pd.DataFrame) -> np.ndarray:
    """Cyclists ride forward (``u`` → ``v``) only: ``oneway_bicycle``, or ``oneway`` without it."""
    if "oneway_bicycle" in edges.columns:
        return _bool(edges, "oneway_bicycle")
    return _bool(edges, "oneway")


def _left_track_serves(edges: pd.DataFrame) -> np.ndarray:
    """Whether a separated track on the left can serve the riders of a one-way street: not on a half
    of a dual carriageway when the track was only found by geometry (a path on the left of one half
    is, in nearly every case, the track of the other half, beyond the median)."""
    found = _str(edges, "cycle_separated_source", "none").str.startswith("geometry").to_numpy()
    return ~(_bool(edges, "dual_carriageway") & found)


def bike_directions(edges: pd.DataFrame, speed: np.ndarray, per_dir: np.ndarray,
                    lts_mix: np.ndarray, settings: ToetsSettings) -> pd.DataFrame:
    """What serves each riding direction of every segment, and its LTS (whole columns).

    *Forward* is ``u`` → ``v``: with the motor traffic on a one-way street (:mod:`mobisim.load`
    reverses ``oneway=-1`` ways), the way direction otherwise. *Backward* is ridden unless
    ``oneway_bicycle`` (contraflow on a one-way street needs ``oneway:bicycle=no`` or a
    contraflow facility). In OSM with right-hand traffic the right side serves forward riders
    and the left side backward riders; where cyclists ride one way only, a lane or a separated
    track on either side serves that one direction.

    Per direction: a separated track on its side (``cycle_separated_<side>``) is LTS 1; a
    painted lane (``cycleway_<side>`` = ``lane``) takes the bike-lane-alongside-parking table
    when ``parking_<side>`` is one of :attr:`ToetsSettings.parking_values` (reach = lane width
    + :attr:`ToetsSettings.parking_lane_width_m`), else the no-parking lane table, never worse
    than mixed traffic; otherwise the rider is in mixed traffic (``lts_mix``). Lane widths
    come from ``cycleway_width_<side>`` when tagged, else
    :attr:`ToetsSettings.bike_lane_width_m`.

    Parameters
    ----------
    edges : pandas.DataFrame
        Segments (columns missing are taken as untagged; without ``oneway_bicycle`` cyclists
        follow ``oneway``).
    speed, per_dir, lts_mix : numpy.ndarray
        Speed (km/h), motor lanes per direction and mixed-traffic LTS per segment.
    settings : ToetsSettings

    Returns
    -------
    pandas.DataFrame
        Indexed like ``edges``, per direction ``d`` in ``fwd``/``bwd``: ``d_ridden`` (bool),
        ``d_kind`` (:data:`MIXED`, :data:`LANE`, :data:`SEPARATED`), ``d_lts`` (int, 0 where not
        ridden), ``d_side`` (side of the lane: ``left``/``right``/``""``), ``d_width`` (lane width
        used, m), ``d_width_tagged`` (bool), ``d_parking`` (bool), ``d_reach`` (m, NaN without
        parking); and ``lts`` (the worse direction).
    """
    n = len(edges)
    bike_oneway = _bike_oneway(edges)
    side = {}
    for sd in ("left", "right"):
        side[sd] = {
            "lane": _str(edges, f"cycleway_{sd}").isin(["lane", "opposite_lane"]).to_numpy(),
            "sep": _bool(edges, f"cycle_separated_{sd}"),
            "width": _num(edges, f"cycleway_width_{sd}"),
            "parking": _str(edges, f"parking_{sd}").str.strip().str.lower()
            .isin(settings.parking_values).to_numpy(),
        }
    left, right = side["left"], side["right"]
    lane_side = {
        "fwd": np.where(right["lane"], "right", np.where(bike_oneway & left["lane"], "left", "")),
        "bwd": np.where(left["lane"], "left", ""),
    }
    # as for lanes: where cyclists ride one way only, a track on the left serves them too
    sep = {"fwd": right["sep"] | (bike_oneway & left["sep"] & _left_track_serves(edges)), "bwd": left["sep"]}
    ridden = {"fwd": np.ones(n, dtype=bool), "bwd": ~bike_oneway}
    out: dict[str, Any] = {}
    for d in ("fwd", "bwd"):
        on_left = lane_side[d] == "left"
        width = np.where(on_left, left["width"], right["width"])
        tagged = ~np.isnan(width)
        width = np.where(tagged, width, settings.bike_lane_width_m)
        parking = np.where(on_left, left["parking"], right["parking"]) & (lane_side[d] != "")
        reach = np.where(parking, width + settings.parking_lane_width_m, np.nan)
        lts_lane = np.where(parking, parking_lane_lts(speed, per_dir, reach, settings),
                            lane_lts(speed, per_dir, settings, width))
        kind = np.select([sep[d], lane_side[d] != ""], [SEPARATED, LANE], default=MIXED)
        lts = np.select([kind == SEPARATED, kind == LANE], [1, np.minimum(lts_lane, lts_mix)],
                        default=lts_mix)
        out.update({
            f"{d}_ridden": ridden[d], f"{d}_kind": kind,
            f"{d}_lts": np.where(ridden[d], lts, 0).astype("int64"),
            f"{d}_side": lane_side[d].astype(object), f"{d}_width": width,
            f"{d}_width_tagged": tagged & (lane_side[d] != ""), f"{d}_parking": parking,
            f"{d}_reach": reach,
        })
    frame = pd.DataFrame(out, index=edges.index)
    frame["lts"] = np.maximum(frame["fwd_lts"], frame["bwd_lts"])
    return frame


def crossing_lts(lanes: np.ndarray, island: np.ndarray, speed: np.ndarray,
                 settings: ToetsSettings) -> np.ndarray:
    """LTS of an unsignalised crossing (Mekuria tables 5–6) for whole arrays."""
    col = speed_column_index(settings.crossing_speed_bins_kmh, np.nan_to_num(speed))
    out = np.full(len(lanes), 4, dtype="int64")
    done = np.zeros(len(lanes), dtype=bool)
    for row in settings.crossing_table:  # loop over the few table rows, not over data rows
        grid = np.asarray(row.lts)
        hit = ~done & (lanes <= row.max_lanes) & (island == row.island)
        out = np.where(hit, grid[np.minimum(col, len(grid) - 1)], out)
        done |= hit
    return out


# ---------------------------------------------------------------------------------------------
# crossings
# ---------------------------------------------------------------------------------------------


def _incidence(edges: pd.DataFrame, speed: np.ndarray, lanes: np.ndarray,
               per_dir: np.ndarray) -> pd.DataFrame:
    """Long frame: one row per (node, edge end) with what the crossing rules need."""
    base = pd.DataFrame({
        "edge_id": edges.index.to_numpy(),
        "is_road": _bool(edges, "is_road"),
        "mode_drive": _bool(edges, "mode_drive"),
        "slow_mode": (_bool(edges, "mode_walk") | _bool(edges, "mode_bike"))
        & ~_bool(edges, "mode_drive"),
        "roundabout": (_str(edges, "junction") == "roundabout").to_numpy(),
        "speed": speed,
        "lanes": lanes,
        "per_dir": per_dir,
        "name": _str(edges, "name").to_numpy(),
    })
    u = base.assign(node=edges["u"].to_numpy())
    v = base.assign(node=edges["v"].to_numpy())
    return pd.concat([u, v], ignore_index=True)


def classify_crossings(net: Any, settings: ToetsSettings | None = None, *,
                       speed_column: str = "maxspeed") -> pd.DataFrame:
    """Find the places where a child crosses a motor road and judge each one.

    A node is a crossing when it lies on a motor road (``is_road``) and either carries crossing
    tags (``highway=crossing``, ``crossing=*``, signals, zebra, island), or a footway/cycleway/
    path meets the road there, or it is a road–road junction (three or more road ends).
    The crossed road is the fastest road at the node; lanes to cross are its total lanes
    (``lanes``, class default when untagged, see :attr:`ToetsSettings.default_lanes_by_class`).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``net.nodes``: ``is_crossing``, ``crossing_kind``, ``lanes_crossed``,
        ``crossed_speed``, ``crossed_name``, ``lts_crossing``, ``toets_crossing``,
        ``toets_crossing_rule``, ``toets_crossing_reason``, ``toets_crossing_fix``.
    """
    s = settings or ToetsSettings()
    edges, nodes = net.edges, net.nodes
    speed = edge_speed(edges, speed_column, s)
    lanes, per_dir = edge_lanes(edges, s)
    inc = _incidence(edges, speed, lanes, per_dir)
    road = inc[inc["is_road"]].sort_values("speed", ascending=False, kind="stable")
    agg = road.groupby("node").agg(
        road_ends=("edge_id", "size"), crossed_speed=("speed", "max"),
        lanes_crossed=("lanes", "max"), per_dir=("per_dir", "max"),
        crossed_name=("name", "first"), roundabout_edge=("roundabout", "any"),
    )
    slow = inc.loc[inc["slow_mode"], "node"].unique()
    agg = agg.reindex(nodes.index)
    n = len(nodes)
    road_ends = agg["road_ends"].fillna(0).to_numpy()
    on_road = road_ends > 0
    hw = _str(nodes, "highway")
    signals = _bool(nodes, "signals") | (hw == "traffic_signals").to_numpy()
    zebra = _bool(nodes, "zebra")
    island = _bool(nodes, "crossing_island")
    roundabout = _bool(nodes, "roundabout") | agg["roundabout_edge"].fillna(False).astype(bool).to_numpy()
    tagged = ((hw == "crossing").to_numpy() | _col(nodes, "crossing", None).notna().to_numpy()
              | signals | zebra | island)
    path_meets = nodes.index.isin(slow)
    junction = road_ends >= 3
    is_crossing = on_road & (tagged | path_meets | junction)

    # junctions whose signals are mapped on the approaches count as signal-controlled
    sig_pts = nodes.geometry.to_numpy()[signals]
    near_signals = np.zeros(n, dtype=bool)
    if len(sig_pts):
        cand = np.flatnonzero(is_crossing & junction & ~tagged)
        if len(cand):
            tree = shapely.STRtree(sig_pts)
            hit, _ = tree.query(nodes.geometry.to_numpy()[cand], predicate="dwithin",
                                distance=s.signal_search_radius_m)
            near_signals[cand[np.unique(hit)]] = True
    signalised = signals | near_signals

    v = agg["crossed_speed"].to_numpy(dtype="float64")
    ln = agg["lanes_crossed"].to_numpy(dtype="float64")
    pd_ = agg["per_dir"].to_numpy(dtype="float64")
    lts = crossing_lts(np.nan_to_num(ln), island, v, s)
    lts = np.where(signalised, 1, lts)

    kind = select(
        [~is_crossing, signalised, roundabout, island & zebra, island, zebra, tagged, path_meets],
        [None, "signals", "roundabout", "zebra+island", "island", "zebra", "uncontrolled",
         "path_meets_road"],
        "junction", n,
    )
    # texts are lazy (T, Fmt, Select, Lazy): built only on the crossings whose rule uses them
    node_id = Lazy(lambda idx: nodes.index[idx].astype(str).to_numpy(dtype=object))
    v_s, ln_s, lts_s = Fmt(v), Fmt(ln), Fmt(lts.astype(float))
    what = T(ln_s, " lane(s) at ", v_s, " km/h")
    zebra_note = Select([zebra], [" (a zebra alone is not enough above 30 km/h)"], "")
    slow_ok = (v <= s.crossing_unprotected_max_speed_kmh) & (ln <= 3)
    conds = [
        ~is_crossing,
        signalised,
        slow_ok,
        roundabout & (pd_ <= 1),
        island & (pd_ <= 1) & (v <= s.island_max_speed_kmh),
        (ln <= 1) & (v <= s.island_max_speed_kmh),
        v > s.island_max_speed_kmh,
        pd_ >= 2,
    ]
    rule = select(conds, [pd.NA, "X1-signals", "X2-slow-road", "X3-roundabout", "X4-island",
                          "X5-one-lane", "X6-fast-road", "X7-multi-lane"], "X8-no-island", n)
    verdict = select(conds, ["n/a", "pass", "pass", "pass", "pass", "pass", "fail", "fail"],
                     "fail", n)
    reason = select(conds, [
        pd.NA,
        T("signal-controlled crossing of ", what,
          np.where(near_signals, " (signals at the junction)", ""),
          " — LTS 1 (", LTS_SOURCE, ")"),
        T("crossing ", what, ": a road at ≤", str(s.crossing_unprotected_max_speed_kmh),
          " km/h (Dutch practice; LTS ", lts_s, ")"),
        T("single-lane roundabout (", what, "): splitter islands let a child cross one lane "
          "at a time (CROW)"),
        T("one lane per direction with a refuge island, ", what, " (Dutch practice, CROW)"),
        T("a single one-way lane to cross at ", v_s, " km/h: one lane, one direction at a "
          "time, as with a refuge island (LTS ", lts_s, ")"),
        T("crossing ", what, " without signals: children aged 5–9 misjudge gaps in fast "
          "traffic (Connelly et al. 1998); LTS ", lts_s, zebra_note),
        T(what, " to cross (", Fmt(pd_), " per direction) without signals: LTS ", lts_s,
          " (Mekuria et al. 2012)", zebra_note),
    ], T("two-way road, ", what, ", no refuge island and no signals: LTS ", lts_s,
            ", but Dutch practice needs an island or signals above ",
            str(s.crossing_unprotected_max_speed_kmh), " km/h", zebra_note), n)
    reason = np.where(is_crossing, reason, pd.NA)
    fix = select(conds, [pd.NA] * 6 + [
        T("add traffic signals at node ", node_id, ", or lower the limit of ",
          Lazy(lambda idx: agg["crossed_name"].iloc[idx].fillna("").replace("", "the road")
               .to_numpy(dtype=object)),
          " to 50 km/h or less"),
        T("add traffic signals at node ", node_id,
          " (or reduce to one lane per direction with a refuge island)"),
    ], T("add a refuge island (≥ 1.80 m wide) at node ", node_id,
         ", or lower the limit to 30 km/h"), n)
    fix = np.where(verdict == "fail", fix, pd.NA)

    out = pd.DataFrame({
        "is_crossing": is_crossing,
        "crossing_kind": pd.array(kind, dtype="string"),
        "lanes_crossed": _int_array(np.where(is_crossing, ln, np.nan)),
        "crossed_speed": _int_array(np.where(is_crossing, v, np.nan)),
        "crossed_name": pd.array(np.where(is_crossing, agg["crossed_name"].to_numpy(dtype=object),
                                          None), dtype="string"),
        "lts_crossing": pd.array(np.where(is_crossing, lts, np.nan), dtype="Float64").astype("Int64"),
        "toets_crossing": verdict,
        "toets_crossing_rule": pd.array(rule, dtype="string"),
        "toets_crossing_reason": pd.array(reason, dtype="string"),
        "toets_crossing_fix": pd.array(fix, dtype="string"),
    }, index=nodes.index)
    out["crossed_name"] = out["crossed_name"].replace("", pd.NA)
    return out


# ---------------------------------------------------------------------------------------------
# segments
# ---------------------------------------------------------------------------------------------


def _lane_texts(edges: pd.DataFrame, dirs: pd.DataFrame, lane: np.ndarray, lts_mix: np.ndarray,
                settings: ToetsSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Readable account of the painted lane(s) of every segment, for the bike reasons and fixes.

    Parameters
    ----------
    edges : pandas.DataFrame
        Segments (``oneway``, ``cycleway_left``, ``cycleway_right``).
    dirs : pandas.DataFrame
        :func:`bike_directions` of the segments.
    lane : numpy.ndarray of bool
        A painted lane on either side.
    lts_mix : numpy.ndarray
        Mixed-traffic LTS.
    settings : ToetsSettings

    Returns
    -------
    text : numpy.ndarray of object
        The lane that decides (the worse lane direction), e.g. ``right-side bike lane 1.5 m
        (width assumed) beside parking: reach 3.5 m …: LTS 3``, plus a note when the lane
        serves only one of the directions ridden; ``""`` where there is no lane.
    partial : numpy.ndarray of bool
        A lane serves one direction ridden while riders of the other are in mixed traffic.
    other : numpy.ndarray of object
        Name of the direction in mixed traffic (``with-flow``, ``contraflow``,
        ``way-direction``, ``opposite-direction``), ``""`` elsewhere.
    """
    n = len(edges)
    text = np.full(n, "", dtype=object)
    partial = np.zeros(n, dtype=bool)
    other = np.full(n, "", dtype=object)
    rows = np.flatnonzero(lane)  # texts only where a lane is painted (none in most city files)
    if len(rows) == 0:
        return text, partial, other
    oneway = _bool(edges, "oneway")[rows]
    name = {"fwd": np.where(oneway, "with-flow", "way-direction").astype(object),
            "bwd": np.where(oneway, "contraflow", "opposite-direction").astype(object)}

    def col(column: str) -> np.ndarray:
        return dirs[column].to_numpy()[rows]

    kind = {d: col(f"{d}_kind") for d in ("fwd", "bwd")}
    ridden = {d: col(f"{d}_ridden").astype(bool) for d in ("fwd", "bwd")}
    served = {d: ridden[d] & (kind[d] != MIXED) for d in kind}
    mixed = {d: ridden[d] & (kind[d] == MIXED) for d in kind}
    with_lane = {d: ridden[d] & (kind[d] == LANE) for d in kind}
    part = (served["fwd"] & mixed["bwd"]) | (served["bwd"] & mixed["fwd"])
    # the lane described: the worse lane direction (forward on a tie)
    use_bwd = with_lane["bwd"] & (~with_lane["fwd"] | (col("bwd_lts") > col("fwd_lts")))

    def pick(column: str, at: np.ndarray) -> np.ndarray:
        return np.where(use_bwd[at], col(f"bwd_{column}")[at], col(f"fwd_{column}")[at])

    sides = _cat("cycleway left=", _str_at(edges, "cycleway_left", rows, "none"), ", right=",
                 _str_at(edges, "cycleway_right", rows, "none"))
    at = np.flatnonzero(with_lane["fwd"] | with_lane["bwd"])
    if len(at):
        parking = pick("parking", at).astype(bool)
        park_text = _cat(" beside parking: reach ", _fmt(pick("reach", at), "{:.1f}"),
                         f" m with a {settings.parking_lane_width_m:.1f} m parking lane "
                         "(assumed), Furth v2.2 bike lane alongside parking")
        sides[at] = _cat(pick("side", at), "-side bike lane ", _fmt(pick("width", at), "{:.1f}"),
                         " m (width ", np.where(pick("width_tagged", at), "tagged", "assumed"),
                         ")", np.where(parking, park_text, " without parking beside it"),
                         ": LTS ", _fmt(pick("lts", at).astype(float)))
    at = np.flatnonzero(part)
    if len(at):
        fwd_only = served["fwd"][at] & mixed["bwd"][at]
        served_name = np.where(fwd_only, name["fwd"][at], name["bwd"][at])
        served_kind = np.where(fwd_only, kind["fwd"][at], kind["bwd"][at])
        other_at = np.where(mixed["fwd"][at], name["fwd"][at], name["bwd"][at]).astype(object)
        sides[at] = _cat(sides[at], "; the ",
                         np.where(served_kind == LANE, "painted lane", "separated track"),
                         " serves only ", served_name, " riders, ", other_at,
                         " riders ride in mixed traffic: LTS ",
                         _fmt(np.asarray(lts_mix)[rows[at]].astype(float)))
        other[rows[at]] = other_at
    text[rows] = sides
    partial[rows] = part
    return text, partial, other


def footway_plausibility(edges: pd.DataFrame, settings: ToetsSettings | None = None) -> pd.DataFrame:
    """Where an untagged footway may be assumed, and why not elsewhere (whole columns).

    A footway is plausible along a motor road with frontage. It is not assumed on a motor road
    (``mode_drive``, or a bus-only road) in a tunnel (``tunnel``, which excludes
    ``tunnel=building_passage``; :attr:`ToetsSettings.walk_no_footway_in_tunnels`), on an
    autoweg (``motorroad=yes``; :attr:`ToetsSettings.walk_no_footway_on_motorroad`), or on a
    class without frontage (:attr:`ToetsSettings.walk_no_frontage_classes`). Tags decide
    before this: see :func:`segment_toets`.

    Parameters
    ----------
    edges : pandas.DataFrame
        ``highway``, ``mode_drive``, ``bus_only``, ``tunnel``, ``motorroad`` (missing columns
        count as false / empty).
    settings : ToetsSettings, optional

    Returns
    -------
    pandas.DataFrame
        Indexed like ``edges``: ``tunnel`` (a motor road in a tunnel), ``plausible`` (bool) and
        ``why`` (text for the rows where it is not plausible, empty elsewhere).
    """
    s = settings or ToetsSettings()
    motor = _bool(edges, "mode_drive") | _bool(edges, "bus_only")
    hw = _str(edges, "highway")
    tunnel = motor & _bool(edges, "tunnel") & s.walk_no_footway_in_tunnels
    motorroad = motor & _bool(edges, "motorroad") & s.walk_no_footway_on_motorroad
    no_frontage = hw.isin(s.walk_no_frontage_classes).to_numpy()
    why = np.select(
        [tunnel, motorroad, no_frontage],
        ["in a tunnel (car tunnels rarely have one)",
         "on an autoweg (motorroad=yes: motor vehicles only, no frontage)",
         _cat("on a ", hw, " road (no frontage: a slip road or a road for motor traffic)")],
        default="",
    ).astype(object)
    return pd.DataFrame({"tunnel": tunnel, "plausible": ~(tunnel | motorroad | no_frontage),
                         "why": why}, index=edges.index)


def segment_toets(edges: pd.DataFrame, settings: ToetsSettings | None = None, *,
                  speed_column: str = "maxspeed") -> pd.DataFrame:
    """Judge every segment for a child on a bike and on foot (whole-column rules).

    By bike each riding direction is judged on its own facility (:func:`bike_directions`): a
    painted lane counts only for the direction it serves, and the segment's LTS is the worse
    direction. A road with ``bicycle=use_sidepath`` is judged as its mandatory side path
    (rule ``B2-sidepath``); a bus-only road (``bus_only``) is mixed traffic with buses, not a
    traffic-free path.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``edges``: ``lts_bike``, ``toets_bike`` (+ ``_rule``, ``_reason``, ``_fix``),
        ``toets_walk`` (+ ``_rule``, ``_reason``, ``_fix``), ``walk_footway_source``,
        ``toets_pass``.

    Notes
    -----
    On foot a footway is *tagged* (``sidewalk`` both/left/right/separate, also from
    ``sidewalk:<side>``), *assumed* on both sides where no tag says anything and one is plausible
    (:func:`footway_plausibility`, :attr:`ToetsSettings.assume_sidewalk_when_untagged`), or
    *none* (``sidewalk=no``, a living street, or untagged where none is plausible);
    ``walk_footway_source`` says which (``path`` for a footway or path itself). An untagged motor
    road where no footway is plausible and that is not a quiet 30 street outside a tunnel is
    ``unknown`` (rule ``W10-no-footway-plausible``), with the reason why none was assumed and
    what would decide it: unknown is not a failure.
    """
    s = settings or ToetsSettings()
    n = len(edges)
    hw = _str(edges, "highway")
    speed = edge_speed(edges, speed_column, s)
    volume = daily_traffic(edges, s)
    _, per_dir = edge_lanes(edges, s)
    drive = _bool(edges, "mode_drive")
    bus = _bool(edges, "bus_only") & ~drive
    centre = hw.isin(s.centreline_classes).to_numpy()
    lts_mix = mixed_lts(speed, volume, per_dir, centre, s)
    lts_mix_30 = mixed_lts(np.minimum(np.nan_to_num(speed), s.mixed_max_speed_kmh), volume,
                           per_dir, centre, s)
    cw = [_str(edges, f"cycleway_{side}") for side in ("left", "right")]
    lane = ((cw[0].isin(["lane", "opposite_lane"])) | (cw[1].isin(["lane", "opposite_lane"]))).to_numpy()
    dirs = bike_directions(edges, speed, per_dir, lts_mix, s)
    # both sides, a two-way track, or the with-flow side of a one-way carriageway: its right
    # (dual carriageways: each half carries the track of its own direction on its outer side),
    # or either side where cyclists ride one way only (as bike_directions: a left track on a
    # street one-way for bikes serves the with-flow riders, as a left painted lane does)
    left_sep, right_sep = _bool(edges, "cycle_separated_left"), _bool(edges, "cycle_separated_right")
    with_flow_sep = right_sep | (_bike_oneway(edges) & left_sep & _left_track_serves(edges))
    separated = ((left_sep & right_sep) | _bool(edges, "cycle_track_twoway")
                 | (_bool(edges, "oneway") & with_flow_sep))
    living = (hw == "living_street").to_numpy()
    fietsstraat = _bool(edges, "bicycle_road")
    slow = np.nan_to_num(speed) <= s.mixed_max_speed_kmh

    # ---- bike ----
    mode_bike = _bool(edges, "mode_bike")
    sidepath = _bool(edges, "bike_use_sidepath")
    path = _bool(edges, "is_cycleway") | (~drive & ~bus)
    lts = np.select([sidepath | path | separated | living | (fietsstraat & slow)], [1],
                    default=dirs["lts"].to_numpy())
    # texts are lazy (T, Fmt, Select, Lazy): built only on the rows whose rule uses them
    v_s, q_s, lts_s = Fmt(speed), Fmt(volume), Fmt(lts.astype(float))
    pdir_s = Fmt(per_dir)
    source = traffic_source_label(edges)
    modelled = source == "modelled"
    own = ~modelled & (source != "class estimate")
    vehicles = Select([bus, modelled, own],
                      [" buses/day (assumed: bus-only ", " motor vehicles/day (modelled; ",
                       T(" motor vehicles/day (", source, "; ")],
                      " motor vehicles/day (assumed for ")
    traffic = T(v_s, " km/h, ~", q_s, vehicles, hw, "), ", pdir_s, " lane(s) per direction")
    mixed_with = Select([bus], ["mixed with buses"], "mixed with motor traffic")
    mixed_word = Select([bus], ["mixed with buses"], "mixed traffic")
    lane_text, partial, other_dir = _lane_texts(edges, dirs, lane, lts_mix, s)
    conds = [
        ~mode_bike & ~sidepath,
        sidepath,
        path,
        separated,
        living,
        fietsstraat & slow,
        lane & ~slow,
        ~slow,
        lts > 1,
    ]
    b_rule = select(conds, [pd.NA, "B2-sidepath", "B1-path", "B2-separated", "B3-living-street",
                            "B4-fietsstraat", "B5-painted-lane-50", "B6-mixed-fast", "B7-lts"],
                    "B8-mixed-30", n)
    b_verdict = select(conds, ["n/a", "pass", "pass", "pass", "pass", "pass", "fail", "fail",
                               "fail"], "pass", n)
    sep_src = Lazy(lambda idx: _str_at(edges, "cycle_separated_source", idx, "none"))
    slow_what = Select([lane], [T("painted cycle lane at ", traffic, ": LTS ", lts_s, " (",
                                  lane_text, "; ")],
                       T(mixed_word, " at ", traffic, ": LTS ", lts_s, " ("))
    b_reason = select(conds, [
        pd.NA,
        "bicycle=use_sidepath: a mandatory separate cycle path runs alongside (RVV 1990 art. 5), "
        "so children ride there, not on the carriageway; judged as that path: LTS 1 (physically "
        "separated)",
        "cycle path or path without motor traffic (LTS 1: physically separated)",
        T("separated cycle track (both sides, a two-way track, or beside a one-way "
          "carriageway; source: ", sep_src, "): LTS 1"),
        "woonerf (living street): walking pace, cars are guests (LTS 1)",
        "fietsstraat at ≤30 km/h: cars are guests (LTS 1)",
        T("painted cycle lane at ", v_s, " km/h: at 50 Dutch practice separates cyclists, a "
          "painted lane is not enough (CROW/SWOV); LTS ", lts_s, " (", lane_text, ")"),
        T(mixed_with, " at ", traffic, ": LTS ", lts_s, "; Dutch practice mixes "
          "children only at ≤", str(s.mixed_max_speed_kmh), " km/h"),
        T(slow_what, LTS_SOURCE, ")"),
    ], T(slow_what, LTS_SOURCE, "), and ≤", str(s.mixed_max_speed_kmh),
         " km/h (Dutch practice)"), n)
    sep_fix = Select([per_dir >= 2],
                     ["reduce to one lane per direction and add a separated cycle track"],
                     "add a separated cycle track (both sides, or a two-way track)")
    lane_fix = Select(
        [partial,
         lane & (dirs["fwd_parking"].to_numpy() | dirs["bwd_parking"].to_numpy()),
         lane],
        [T("give ", other_dir, " riders a cycle lane too (or add a separated cycle track), "
           "or cut motor traffic below the LTS 1 volume"),
         f"widen the bike lane so that lane + parking reach at least "
         f"{s.parking_reach_wide_m:.1f} m (or remove the parking beside it), or add a "
         "separated cycle track",
         f"widen the bike lane to at least {s.bike_lane_wide_min_m:.1f} m, cut motor traffic "
         "below the LTS 1 volume, or add a separated cycle track"],
        "cut motor traffic (modal filter) below the LTS 1 volume, or add a separated cycle track")
    b_fix = select(conds, [pd.NA] * 6 + [
        Select([partial], ["replace the painted lane by a separated cycle track for both "
                           "directions (a track on each side, or a two-way track), or lower the "
                           "limit to 30 km/h"],
               "replace the painted lane by a separated cycle track, or lower the limit to "
               "30 km/h"),
        Select([lts_mix_30 == 1], ["lower the limit to 30 km/h"],
               T(sep_fix, ", or lower the limit to 30 km/h and cut traffic")),
        Select([per_dir >= 2], [sep_fix], lane_fix),
    ], pd.NA, n)

    # ---- walk ----
    # a footway is known (tagged), assumed (untagged where one is plausible) or absent; it is
    # never assumed in a tunnel, on a road without frontage, or where sidewalk=no
    mode_walk = _bool(edges, "mode_walk")
    sw = _str(edges, "sidewalk", "none")
    both = sw.isin(["both", "separate"]).to_numpy()
    one = sw.isin(["left", "right"]).to_numpy()
    no = (sw == "no").to_numpy()
    untagged = ~(both | one | no)
    foot = footway_plausibility(edges, s)
    tunnel = foot["tunnel"].to_numpy()
    implausible = ~foot["plausible"].to_numpy()
    quiet = slow & (volume <= s.walk_quiet_max_daily_traffic) & ~tunnel
    assume = s.assume_sidewalk_when_untagged
    footway_source = select(
        [mode_walk & ~drive & ~bus, both | one, no | living | implausible | ~mode_walk],
        ["path", "tagged", "none"], "assumed" if assume else "none", n)
    wconds = [
        ~mode_walk,
        ~drive & ~bus,
        living,
        both,
        quiet,
        one & slow,
        one,
        no,
        untagged & implausible & assume,
        untagged & assume,
    ]
    w_rule = select(wconds, [pd.NA, "W1-path", "W2-living-street", "W3-footways", "W4-quiet-30",
                             "W5-one-side-30", "W6-one-side-fast", "W7-no-footway",
                             "W10-no-footway-plausible", "W8-footway-assumed"],
                    "W9-no-footway-tag", n)
    w_verdict = select(wconds, ["n/a", "pass", "pass", "pass", "pass", "pass", "fail", "fail",
                                "unknown", "pass"], "fail", n)
    why_none = Lazy(lambda idx: foot["why"].to_numpy(dtype=object)[idx])
    quiet_footway = Select([no, untagged & implausible],
                           [" (sidewalk=no)", T(" (none assumed: ", why_none, ")")], "")
    w_reason = select(wconds, [
        pd.NA,
        "footway or path away from motor traffic",
        "woonerf (living street): pedestrians may use the whole street",
        T("footway on both sides (sidewalk=", sw, ")"),
        T("quiet street at ", v_s, " km/h with ~", q_s, " vehicles/day: walking along it is "
          "acceptable without a tagged footway", quiet_footway),
        T("footway on one side at ", v_s, " km/h"),
        T("footway on one side only at ", v_s, " km/h; Dutch 50-roads have footways on both "
          "sides (CROW)"),
        T("no footway (sidewalk=no) at ", v_s, " km/h with ~", q_s, " vehicles/day"),
        T("unknown: no sidewalk tag, and no footway is assumed ", why_none, "; at ", v_s,
          " km/h with ~", q_s, " vehicles/day a child cannot walk on the carriageway, so it "
          "passes only if a footway is there"),
        "footway assumed on both sides (no sidewalk tag; Dutch urban streets have footways)",
    ], "no footway tagged (assume_sidewalk_when_untagged is off)", n)
    w_fix = select(wconds, [pd.NA] * 6 + [
        "add a footway on the other side",
        "add footways on both sides, or make it a 30 km/h street with little traffic",
        "survey it and tag the footway (sidewalk=both/left/right/separate, or sidewalk=no); "
        "without one, add a footway or a separate path",
        pd.NA,
    ], pd.NA, n)
    w_fix = np.where(w_verdict == "fail",
                     np.where(pd.isna(w_fix), "add footways on both sides", w_fix),
                     np.where(w_verdict == "unknown", w_fix, pd.NA))

    out = pd.DataFrame({
        "lts_bike": pd.array(np.where(mode_bike | sidepath, lts, np.nan),
                             dtype="Float64").astype("Int64"),
        "toets_bike": b_verdict,
        "toets_bike_rule": pd.array(b_rule, dtype="string"),
        "toets_bike_reason": pd.array(b_reason, dtype="string"),
        "toets_bike_fix": pd.array(np.where(b_verdict == "fail", b_fix, pd.NA), dtype="string"),
        "toets_walk": w_verdict,
        "toets_walk_rule": pd.array(w_rule, dtype="string"),
        "toets_walk_reason": pd.array(w_reason, dtype="string"),
        "toets_walk_fix": pd.array(w_fix, dtype="string"),
        "walk_footway_source": pd.array(footway_source, dtype="string"),
    }, index=edges.index)
    out["toets_bike"] = out["toets_bike"].astype("string")
    out["toets_walk"] = out["toets_walk"].astype("string")
    out["toets_pass"] = (out["toets_bike"] != "fail") & (out["toets_walk"] != "fail")
    return out


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------

SEGMENT_COLUMNS = ["lts_bike", "toets_bike", "toets_bike_rule", "toets_bike_reason",
                   "toets_bike_fix", "toets_walk", "toets_walk_rule", "toets_walk_reason",
                   "toets_walk_fix", "walk_footway_source", "toets_pass"]
NODE_COLUMNS = ["is_crossing", "crossing_kind", "lanes_crossed", "crossed_speed", "crossed_name",
                "lts_crossing", "toets_crossing", "toets_crossing_rule", "toets_crossing_reason",
                "toets_crossing_fix"]


def _assign(frame: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in new.columns if c in frame.columns])
    for c in new.columns:
        frame[c] = new[c]
    return frame


def evaluate_toets(net: Any, settings: ToetsSettings | None = None, *,
                   speed_column: str = "maxspeed") -> Any:
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
        ``nodes``. ``edges.attrs["toets_speed_column"]`` records ``speed_column``.
    """
    s = settings or ToetsSettings()
    if speed_column not in net.edges.columns:
        from mobisim.errors import MobisimError

        raise MobisimError(f"toets: edge column {speed_column!r} not found in the network")
    net.edges = _assign(net.edges, segment_toets(net.edges, s, speed_column=speed_column))
    net.nodes = _assign(net.nodes, classify_crossings(net, s, speed_column=speed_column))
    net.edges.attrs["toets_speed_column"] = speed_column
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


def toets_failures(net: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
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
