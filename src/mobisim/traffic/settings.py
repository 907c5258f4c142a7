"""Settings of the traffic model (``[traffic]`` in a scenario file), every default with its source.

The model is a classic four-step model without mode choice (the car share is in the trip rates):
trip ends from homes and destinations (:mod:`mobisim.traffic.demand`), a doubly constrained
gravity distribution, and a static user-equilibrium assignment of the peak hour with a BPR
volume-delay function (AequilibraE, :mod:`mobisim.traffic.assign`). Daily volumes are the
peak-hour volumes divided by the peak-hour share.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from mobisim.settings_base import DailyTraffic, Settings

__all__ = ["TrafficSettings", "ACCESS_CLASSES", "MAIN_CLASSES"]

#: Vehicles an hour per lane.
LaneCapacity = Annotated[float, Field(gt=0, le=5000)]
#: Car-trip ends a day attracted per unit (only the ratios matter).
AttractionWeight = Annotated[float, Field(ge=0, le=1_000_000)]

#: Access roads (erftoegangswegen): where zones connect and where rat runs are looked for.
ACCESS_CLASSES: tuple[str, ...] = ("residential", "living_street", "unclassified", "road")
#: Roads whose ends at the edge of the network are gateways for traffic entering and leaving.
MAIN_CLASSES: tuple[str, ...] = ("motorway", "trunk", "primary", "secondary")


class TrafficSettings(Settings):
    """Zones, demand, supply and assignment of the traffic model. Every field has a default."""

    enabled: bool = Field(
        default=True,
        description="Model the traffic (false: every road keeps the class table of "
        "mobisim.rules.noise.DAILY_TRAFFIC_BY_CLASS, as before the model existed).")

    # ---- zones
    zone_size_m: float = Field(
        default=500.0, ge=150, le=5000,
        description="Side of the square grid cells that become zones (m). 500 m gives ~350 zones "
        "on Den Haag: small enough that local streets are loaded by their own zone. Assumption.")
    connectors_per_zone: int = Field(
        default=4, ge=1, le=16,
        description="Connectors per zone: one per quadrant of the cell that holds homes or "
        "destinations, to the access-road node nearest the quadrant's weighted centre.")
    connector_speed_kmh: float = Field(
        default=15.0, gt=0, le=50,
        description="Speed on a connector (the walk/drive from the door to the street). Assumption.")

    # ---- demand: productions
    residents_total: float = Field(
        default=560_000.0, ge=0, le=20_000_000,
        description="Residents of the municipality, spread over the residential floor area (as "
        "the school routes spread the children). Source: CBS Statline, Den Haag ≈ 560,000 (2024). "
        "Left at the default, a run on part of the city (an [area], a smaller extract) gets the "
        "share of the municipality's area it covers; a value the scenario sets is the population "
        "of the area judged as it is.")
    household_size: float = Field(
        default=2.0, gt=0, le=6,
        description="Persons per household. Source: CBS Statline, Den Haag 2023: 2.0.")
    cars_per_household: float = Field(
        default=0.62, ge=0, le=4,
        description="Passenger cars per household. Source: CBS Statline (Den Haag ≈ 175,000 cars, "
        "≈ 280,000 households); about half of the households own no car.")
    car_trips_per_car: float = Field(
        default=2.0, ge=0, le=10,
        description="Car-driver trips per car per day (home-based, both legs). Source: ODiN 2019, "
        "≈ 0.55 car-driver trips per person per day in the large cities ÷ ≈ 0.3 cars per person. "
        "Estimate; range 1.5–2.5.")
    other_traffic_factor: float = Field(
        default=1.2, ge=1, le=3,
        description="Multiplier for traffic not made by residents' cars: vans, lorries, taxis, "
        "business trips. Source: CBS vehicle-km statistics (vans and lorries ≈ 15–20 % of urban "
        "vehicle-km). Estimate.")

    # ---- demand: attractions
    attraction_weights: dict[str, AttractionWeight] = Field(
        default_factory=lambda: {
            "residents": 0.3, "shop": 25.0, "office": 40.0, "amenity": 20.0, "tourism": 30.0,
            "landuse_commercial": 150.0, "landuse_retail": 250.0, "landuse_industrial": 60.0,
            "floor_area_nonresidential": 2.0,
        },
        description="Car-trip ends a day attracted per unit: per resident (visits), per point of "
        "interest (shop, office, service, hotel), per hectare of commercial/retail/industrial "
        "landuse (jobs), per 100 m² of non-residential floor area (when buildings are loaded). "
        "Only the ratios matter: attractions are scaled to the productions. Source: order of "
        "magnitude of CROW publication 381 (verkeersgeneratie, car trips per 100 m² by function). "
        "Estimate.")

    # ---- demand: distribution
    deterrence: Literal["expo", "power"] = Field(
        default="expo", description="Deterrence function of the gravity model: exp(−β·t) or t^−β.")
    deterrence_beta: float = Field(
        default=0.10, gt=0, le=5,
        description="β of the deterrence function, t in minutes (free-flow car time). 0.10/min puts "
        "the mean car trip inside the city at ~10 minutes. Source: the order of β fitted for Dutch "
        "urban car trips (ODiN trip-length distributions). Estimate.")

    # ---- demand: external traffic
    gateway_peak_utilisation: dict[str, Annotated[float, Field(ge=0, le=1.5)]] = Field(
        default_factory=lambda: {"motorway": 0.5, "trunk": 0.45, "primary": 0.35, "secondary": 0.25},
        description="Traffic entering and leaving at a road end on the edge of the network, as a "
        "share of the capacity of its lanes in the peak hour, by class (daily = capacity in + out × "
        "this ÷ peak_hour_share). The entries of Den Haag's motorways run close to capacity in the "
        "peak (A12 Utrechtsebaan ≈ 100,000 a day over both carriageways); urban roads less. "
        "Estimate; a class not listed lets no traffic in.")
    gap_bridge_m: float = Field(
        default=3000.0, ge=0, le=20000,
        description="Where a main road stops and the same road (same ref, else name) starts again "
        "within this distance, straight ahead, the two ends are joined by a virtual link: a road "
        "that leaves the extract and comes back, or a break in the data, is one road, not two "
        "gateways (0: never join).")
    gateway_merge_m: float = Field(
        default=400.0, ge=0, le=5000,
        description="Road ends closer than this are one gateway (the two carriageways of a road).")
    external_through_share_by_class: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: {"motorway": 0.3, "trunk": 0.15, "primary": 0.1, "secondary": 0.1},
        description="Share of a gateway's traffic that passes through (to another gateway), by the "
        "class of its road: a motorway end of the extract (A4, A12 at Prins Clausplein) carries "
        "mostly traffic between motorways, an urban entry mostly traffic to the city. Estimate.")

    # ---- supply
    unassigned_classes: list[str] = Field(
        default_factory=lambda: ["service", "track"],
        description="Classes left out of the assignment (driveways, parking aisles, tracks): they "
        "carry the destination traffic of the streets they serve, from the local-traffic floor.")
    capacity_per_lane_by_class: dict[str, LaneCapacity] = Field(
        default_factory=lambda: {
            "motorway": 2100.0, "motorway_link": 1600.0, "trunk": 1800.0, "trunk_link": 1400.0,
            "primary": 1000.0, "primary_link": 900.0, "secondary": 900.0, "secondary_link": 800.0,
            "tertiary": 800.0, "tertiary_link": 600.0, "unclassified": 500.0, "residential": 450.0,
            "road": 450.0, "living_street": 250.0, "service": 250.0,
        },
        description="Capacity in vehicles per hour per lane (per direction). Motorways after the "
        "Handboek Capaciteitswaarden Infrastructuur Autosnelwegen (~2,000/lane); urban roads: "
        "signalised junctions halve a lane's saturation flow (~1,800/h green) — CROW order of "
        "magnitude. Estimate.")
    default_lanes_per_direction: dict[str, Annotated[float, Field(ge=1, le=6)]] = Field(
        default_factory=lambda: {"motorway": 2.0, "trunk": 2.0, "primary": 2.0},
        description="Lanes per direction, at least, where the data gives none (lanes_source "
        "'default:…'): Den Haag's motorways (2–3 lanes a carriageway, the A12 with parallel "
        "carriageways), trunk and primary roads mostly 2. The 2021 city file carries no lanes "
        "tags. Estimate.")
    capacity_other: float = Field(default=400.0, gt=0, le=5000,
                                  description="Capacity per lane of any other class (veh/h).")
    free_flow_ratio_by_class: dict[str, Annotated[float, Field(gt=0, le=1.5)]] = Field(
        default_factory=lambda: {
            "motorway": 0.95, "motorway_link": 0.8, "trunk": 0.9, "trunk_link": 0.75, "primary": 0.7,
            "primary_link": 0.6, "secondary": 0.65, "secondary_link": 0.6, "tertiary": 0.6,
            "tertiary_link": 0.6, "unclassified": 0.6, "residential": 0.55, "road": 0.55,
            "living_street": 0.6, "service": 0.5,
        },
        description="Driven free-flow speed as a share of the limit, junction delay included "
        "(signals, priority, parked cars). Source: urban travel-time studies put mean car speeds "
        "in Dutch cities at 20–30 km/h on 50-roads. Estimate.")
    fietsstraat_capacity_factor: float = Field(
        default=0.5, gt=0, le=1,
        description="Capacity left on a fietsstraat (cars follow cyclists). Estimate.")
    bpr_alpha: float = Field(default=0.15, ge=0, le=5,
                             description="BPR α (Bureau of Public Roads 1964).")
    bpr_beta: float = Field(default=4.0, ge=1, le=10,
                            description="BPR β (Bureau of Public Roads 1964).")
    peak_hour_share: float = Field(
        default=0.09, gt=0.02, le=0.25,
        description="Share of a day's traffic in the modelled peak hour: daily = peak hour ÷ this. "
        "Source: CROW, the evening peak hour carries 8–10 % of the daily traffic on urban roads.")

    # ---- assignment
    algorithm: Literal["bfw", "cfw", "fw", "msa"] = Field(
        default="bfw", description="AequilibraE equilibrium algorithm (bi-conjugate Frank-Wolfe).")
    max_iterations: int = Field(default=100, ge=1, le=1000,
                                description="Maximum assignment iterations (the city reaches a relative "
                                "gap of ~2e-3 in 100, in about a minute on 2 cores).")
    relative_gap: float = Field(default=2e-3, gt=0, le=0.5,
                                description="Target relative gap of the equilibrium.")

    # ---- results
    local_traffic_floor: bool = Field(
        default=True,
        description="A street gets at least its share (by length) of its zone's trip ends: the "
        "destination traffic a zone-based model does not place on streets without a connector.")
    rat_run_min_daily: float = Field(
        default=1500.0, ge=0, le=1_000_000,
        description="An access road with more vehicles a day than this can be a rat run. Source: "
        "1,500/day is where the LTS tables (Furth et al. 2016) leave the quiet-street class.")
    rat_run_through_share: float = Field(
        default=0.5, gt=0, le=1,
        description="...and when at least this share is through traffic: traffic beyond what its "
        "own zone can generate (a lower bound on the through share).")
    plausible_median_daily_by_class: dict[str, tuple[DailyTraffic, DailyTraffic]] = Field(
        default_factory=lambda: {"residential": (20.0, 1_500.0), "tertiary": (2_000.0, 15_000.0),
                                 "secondary": (4_000.0, 20_000.0), "primary": (8_000.0, 40_000.0),
                                 "motorway": (15_000.0, 150_000.0)},
        description="Plausible range (vehicles a day, both directions) of the median modelled segment "
        "of a class in Den Haag: the report flags a median outside it. Orders of magnitude of the "
        "Dutch road categories, not counts: residential = erftoegangsweg, tens to a few hundred, a "
        "quiet street up to ~1,500 (CROW Handboek wegontwerp erftoegangswegen; Furth et al. 2016); "
        "tertiary = wijkontsluitingsweg and secondary = gebiedsontsluitingsweg, a few thousand to "
        "~20,000 (CROW Handboek wegontwerp gebiedsontsluitingswegen); primary = stedelijke hoofdweg, "
        "8,000–40,000; motorway 15,000–150,000 (Rijkswaterstaat INWEVA around Den Haag).")
    displacement_min_daily: float = Field(
        default=300.0, ge=0, le=1_000_000,
        description="Segments whose traffic changes by less than this (vehicles/day) are not "
        "counted as displacement (list, map).")
    displacement_min_share: float = Field(
        default=0.1, ge=0, le=1,
        description="...nor those whose change is under this share of their volume (the larger of "
        "before and after): an equilibrium stopped at a relative gap of ~2e-3 still moves a busy "
        "road by a few per cent. Measured on the city: 100 against 150 iterations moves 168 "
        "segments by ≥ 300 vehicles/day, 24 of them (2.0 km) also by ≥ 10 %.")

    @model_validator(mode="after")
    def _plausible_ranges_ordered(self) -> TrafficSettings:
        bad = {k: v for k, v in self.plausible_median_daily_by_class.items() if v[0] > v[1]}
        if bad:
            raise ValueError(f"plausible_median_daily_by_class needs (low, high) with low ≤ high, got {bad}")
        return self
