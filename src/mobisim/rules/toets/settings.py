"""Thresholds of the 8-jarigen-toets: the Level of Traffic Stress tables and Dutch practice.

:class:`ToetsSettings` is the ``[toets]`` section of a scenario; ``ToetsSettings()`` is the
documented default. Every table and threshold is data, not code, with its source in the field's
description (:data:`LTS_SOURCE`, :data:`DUTCH_SOURCE`).
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import Field, field_validator

from mobisim.rules.noise import DAILY_TRAFFIC_BY_CLASS, DAILY_TRAFFIC_OTHER
from mobisim.settings_base import DailyTraffic, Lts, Settings

__all__ = ["DUTCH_SOURCE", "LTS_SOURCE", "CrossingRow", "LtsColumns", "LtsRow", "SpeedBins", "ToetsSettings"]

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
    def _not_nan(cls, value: object) -> object:
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
    fietsstraat_max_daily_traffic: float = Field(
        default=2500.0, ge=0, le=1_000_000,
        description="A fietsstraat (cyclists first, cars are guests) passes the bike toets only up to "
        "this motor traffic a day; above it the street is judged as the mixed traffic it is. Estimate: "
        "Dutch guidance is commonly quoted as at most about 2,000–2,500 motor vehicles a day, with "
        "cyclists in the majority (CROW Ontwerpwijzer fietsverkeer); the CROW text was not at hand — "
        "set it from the current edition.",
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
