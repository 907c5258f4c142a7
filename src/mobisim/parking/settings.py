"""The settings of the parking step: the permit cap, the supply estimate, the re-use and the tariff.

Every input of :func:`mobisim.parking.evaluate_parking` is a field of :class:`ParkingSettings`
(the scenario's ``[parking]`` table) with a documented default and its source; the large-car
tariff is its nested :class:`TariffSettings` (``[parking.tariff]``). This module holds only the
settings, so :mod:`mobisim.scenario` imports it without the algorithms.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from mobisim.errors import ScenarioError
from mobisim.settings_base import Settings

__all__ = [
    "CENTRE_WIJKEN",
    "DEFAULT_PERMITS_CITY",
    "FUELS",
    "PERMIT_COUNTS",
    "PRIORITY_RULES",
    "VOLT_AREAS",
    "Fuel",
    "ParkingSettings",
    "PriorityRule",
    "ReuseMix",
    "TariffSettings",
    "VehicleClass",
    "parking_settings",
]

REF = "shared/reference/safety-criteria.md, Parking"

DEFAULT_PERMITS_CITY = 110_000
"""Resident permits in Den Haag: about 110,000 households hold one (""" + REF + """)."""

PERMIT_COUNTS: dict[str, int] = {"Rustenburg en Oostbroek": 2_500}
"""Resident permits known per wijk. Rustenburg en Oostbroek: about 2,500 permits for 5,600 cars
when paid parking started (Omroep West 2007; """ + REF + """). A 2007 figure: the count
today is not published with the reference."""

VOLT_AREAS: list[str] = [
    # stadsdeel Centrum ("the city centre")
    "Centrum", "Stationsbuurt", "Zeeheldenkwartier", "Archipelbuurt", "Willemspark",
    "Schildersbuurt", "Transvaalkwartier", "Groente- en Fruitmarkt",
    # wijken built mostly before 1940 ("the pre-war districts")
    "Duinoord", "Geuzen- en Statenkwartier", "Belgisch Park", "Scheveningen",
    "Bomen- en Bloemenbuurt", "Regentessekwartier", "Valkenboskwartier", "Vruchtenbuurt",
    "Bezuidenhout", "Benoordenhout", "Laakkwartier en Spoorwijk", "Rustenburg en Oostbroek",
]
"""Default capped areas: the wijken of stadsdeel Centrum plus the wijken whose housing is
mostly pre-war (built before 1940). The selection of pre-war wijken is this model's reading of
the programme (by predominant construction period), not a list published with it: set
``parking.areas`` in the scenario to change it."""

PriorityRule = Literal["school_route", "supply_density", "crossing_sight_line"]
"""A rule id :func:`mobisim.parking.allocate_freed` can order by."""

PRIORITY_RULES: tuple[PriorityRule, ...] = ("school_route", "supply_density", "crossing_sight_line")
"""Rule ids :func:`mobisim.parking.allocate_freed` can order by, in the default order."""


# --------------------------------------------------------------------------------------------
# the large-car tariff

Fuel = Literal["petrol", "diesel", "hybrid", "electric", "lpg", "other"]
"""A vehicle's fuel, as the tariff classes name it."""

FUELS: tuple[Fuel, ...] = ("petrol", "diesel", "hybrid", "electric", "lpg", "other")
"""Every fuel: the default of :attr:`VehicleClass.fuels`."""

PARIS_SOURCE = "Source: Paris, vote of 4 Feb 2024 (shared/reference/safety-criteria.md, Parking)."
FINANCE_SOURCE = "Source: the programme's finance table (shared/reference/safety-criteria.md, Parking)."
PRICE_SOURCE = (
    "Source: Den Haag resident permit price 2019, about €60 a year in most areas and €64 in the centre "
    "(Omroep West 19-12-2018, VEH; shared/reference/safety-criteria.md, Parking)."
)
VISITOR_SOURCE = (
    "Source: Omroep West, Oct 2018 (omroepwest.nl/nieuws/3712559): from 2019 Den Haag residents buy 50 "
    "extra visitor-parking hours for €50, i.e. €1.00 an hour."
)
CENTRE_WIJKEN: list[str] = [
    "Centrum", "Stationsbuurt", "Zeeheldenkwartier", "Archipelbuurt", "Willemspark",
    "Schildersbuurt", "Transvaalkwartier", "Groente- en Fruitmarkt",
]
"""The wijken of stadsdeel Centrum: this model's reading of "the centre" of the €64 permit price."""


class VehicleClass(Settings):
    """One tariff class: which cars fall in it, its surcharge and its share of the fleet.

    A car falls in the first class (in the order given) whose ``fuels`` hold its fuel and whose
    mass and length thresholds it reaches; the last class normally catches the rest.
    """

    fuels: list[Fuel] = Field(
        default_factory=lambda: list(FUELS),
        description="Fuels the class applies to.",
    )
    min_mass_t: float = Field(0.0, ge=0, le=100, description="Lower bound of the unladen mass in tonnes (inclusive).")
    min_length_m: float = Field(0.0, ge=0, le=50, description="Lower bound of the vehicle length in metres (inclusive).")
    factor: float = Field(1.0, ge=0, le=100, description="Permit price multiplier for residents (1 = no surcharge).")
    visitor_factor: float = Field(1.0, ge=0, le=100, description="Hourly visitor rate multiplier. " + PARIS_SOURCE)
    share: float = Field(
        ..., ge=0, le=1, description="Share of permit holders' cars in this class (fleet mix, 0..1)."
    )
    visitor_share: float | None = Field(
        None, ge=0, le=1, description="Share of visitor parking hours in this class; default: `share`."
    )


def _default_classes() -> dict[str, VehicleClass]:
    return {
        "large_combustion": VehicleClass(
            fuels=["petrol", "diesel", "hybrid", "lpg", "other"], min_mass_t=1.6, factor=3.0,
            visitor_factor=3.0, share=0.12,
        ),
        "large_electric": VehicleClass(fuels=["electric"], min_mass_t=2.0, factor=3.0, visitor_factor=3.0, share=0.03),
        "standard": VehicleClass(factor=1.0, visitor_factor=1.0, share=0.85),
    }


class TariffSettings(Settings):
    """Inputs of the large-car tariff and of the revenue estimate.

    Defaults follow Paris for the thresholds and factors; the prices, the fleet mix and the
    permit count are assumptions documented per field — set the real figures in the scenario.
    """

    classes: dict[str, VehicleClass] = Field(
        default_factory=_default_classes,
        description=(
            "Tariff classes in matching order. Thresholds: petrol and hybrid >= 1.6 t, electric "
            ">= 2 t, factor 3. " + PARIS_SOURCE + " Paris charges the factor to visitors only "
            "(residents exempt); applying it to resident permits as well is this model's reading of "
            "the programme's 'differentiated tariff' (set factor=1 to follow Paris exactly). "
            "Fleet shares (0.12 / 0.03 / 0.85) are an "
            "assumption, not a published figure: replace with RDW registration data for the areas."
        ),
    )
    permits_citywide: int = Field(
        110_000, ge=0, le=1_000_000,
        description="Resident permits held in the city in the base year, used when tariff_revenue is "
        "called without a permit count (mobisim.parking passes its own, from parking.permits_city, and "
        "keeps the two equal). Source: Den Haag, about 110,000 households hold a resident permit "
        "(shared/reference/safety-criteria.md, Parking).",
    )
    price_eur_per_year: float = Field(
        60.0, ge=0, le=10_000,
        description="Resident permit price per year in most wijken, €. " + PRICE_SOURCE
        + " A 2019 price: later indexation is covered by price_uncertainty.",
    )
    centre_price_eur_per_year: float | None = Field(
        64.0, ge=0, le=10_000,
        description="Resident permit price per year in the centre wijken (centre_areas), €; None = "
        "price_eur_per_year everywhere. " + PRICE_SOURCE,
    )
    centre_areas: list[str] = Field(
        default_factory=lambda: list(CENTRE_WIJKEN),
        description="Wijken paying the centre price (names or WK0518nn codes). Default: the wijken of "
        "stadsdeel Centrum — this model's reading of 'the centre' in the source; wijken of the default "
        "list that the wijk file lacks are skipped, a name set in the scenario must exist.",
    )
    price_uncertainty: float = Field(
        0.10, ge=0, lt=1,
        description="Relative uncertainty of the permit prices for the low/high range (0.10 = ±10 %). "
        "Assumption: the prices are 2019 figures ('about'), the base-year price is not published here.",
    )
    aligned_price_eur_per_year: float | None = Field(
        None, ge=0, le=10_000,
        description="Permit price after alignment with the other large cities; None = no change. "
        "The table reports the increase needed to reach the programme's €1.2 M/yr either way.",
    )
    surcharge_start_year: int = Field(2028, ge=1900, le=2200, description="First year of the large-car tariff. " + FINANCE_SOURCE)
    alignment_start_year: int = Field(2028, ge=1900, le=2200, description="First year of the aligned permit price (assumed as the tariff).")
    visitor_hours_per_year: float = Field(
        0.0, ge=0, le=1e9,
        description="Paid visitor parking hours per year in the tariff area; 0 = visitors not modelled "
        "(default: no published figure for Den Haag).",
    )
    visitor_rate_eur_per_hour: float = Field(
        1.0, ge=0, le=100,
        description="Visitor-parking price per hour before any surcharge, €. " + VISITOR_SOURCE
        + " Only counts when visitor_hours_per_year is set (no sourced figure for the hours: 0 by default).",
    )
    programme_surcharge_eur: float = Field(
        2_000_000.0, ge=0, le=1e9, description="Finance line 'differentiated tariff for large vehicles', €/yr. " + FINANCE_SOURCE
    )
    programme_alignment_eur: float = Field(
        1_200_000.0, ge=0, le=1e9, description="Finance line 'permit costs in line with the other large cities', €/yr. " + FINANCE_SOURCE
    )

    @field_validator("classes")
    @classmethod
    def _classes_not_empty(cls, v: dict[str, VehicleClass]) -> dict[str, VehicleClass]:
        if not v:
            raise ValueError("tariff.classes is empty: give at least one vehicle class")
        return v

    @model_validator(mode="after")
    def _mix_sums_to_one(self) -> TariffSettings:
        total = sum(c.share for c in self.classes.values())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            shares = ", ".join(f"{k}={c.share:g}" for k, c in self.classes.items())
            raise ValueError(f"tariff.classes fleet shares must sum to 1, got {total:g} ({shares})")
        vtotal = sum(c.share if c.visitor_share is None else c.visitor_share for c in self.classes.values())
        if not math.isclose(vtotal, 1.0, abs_tol=1e-6):
            raise ValueError(f"tariff.classes visitor shares must sum to 1, got {vtotal:g}")
        return self


# --------------------------------------------------------------------------------------------
# the parking model

class ReuseMix(Settings):
    """How the freed spaces are redesigned: shares summing to 1, or percentages summing to 100."""

    bike_parking: float = Field(0.30, ge=0, le=100, description="Share for bike parking.")
    green: float = Field(0.40, ge=0, le=100, description="Share for green (trees, planting, unpaving).")
    play: float = Field(0.10, ge=0, le=100, description="Share for play space.")
    meeting: float = Field(0.10, ge=0, le=100, description="Share for meeting places (benches, squares).")
    terraces: float = Field(0.10, ge=0, le=100, description="Share for terraces.")

    @model_validator(mode="after")
    def _sums_to_whole(self) -> ReuseMix:
        values = self.model_dump()
        total = sum(values.values())
        if math.isclose(total, 100.0, abs_tol=1e-6):
            for key, value in values.items():
                object.__setattr__(self, key, value / 100.0)
        elif not math.isclose(total, 1.0, abs_tol=1e-6):
            parts = ", ".join(f"{k}={v:g}" for k, v in values.items())
            raise ValueError(f"reuse_mix must sum to 1 (or 100 %), got {total:g} ({parts})")
        return self


class ParkingSettings(Settings):
    """Every input of the parking model, with documented defaults (``ParkingSettings()``)."""

    areas: list[str] = Field(
        default_factory=lambda: list(VOLT_AREAS),
        description="Capped wijken by name or WK0518nn code (case and accents do not matter). "
        "Default: the centre and the pre-war wijken (see VOLT_AREAS).",
    )
    base_year: int = Field(2026, ge=1900, le=2200, description="Year the cap starts (cap = base permits).")
    horizon: int = Field(2030, ge=1900, le=2200, description="Last year of the yearly table (programme horizon).")
    horizon_long: int | None = Field(None, ge=1900, le=2200,
                                     description="Optional long horizon (e.g. 2040); None = stop at `horizon`.")
    cap_rate: float = Field(
        0.02, ge=0, lt=1, description="Yearly fall of the cap, a fraction (0.02 = 2 %/yr, compounding). Source: the "
        "programme (issue 5); compare Amsterdam's 1.1 % per half year (" + REF + ").",
    )
    permits_city: int = Field(
        DEFAULT_PERMITS_CITY, ge=0, le=1_000_000,
        description="Resident permits held in the whole city in the base year, spread over the wijken "
        "(see base_permits, occupancy). Source: Den Haag, about 110,000 households hold a resident "
        "permit (" + REF + "). Equal to tariff.permits_citywide (set either; both must agree).",
    )
    permits_uncertainty: float = Field(
        0.10, ge=0, lt=1,
        description="Relative uncertainty of the permit counts for the low/high range (0.10 = ±10 %). "
        "Assumption: the source says 'about 110,000' and 'about 2,500' (a 2007 figure).",
    )
    base_permits: dict[str, Annotated[int, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=lambda: dict(PERMIT_COUNTS),
        description="Base-year permits known per wijk (name or WK0518nn code → count); these wijken keep "
        "their count and the rest of permits_city is spread over the others. Default: Rustenburg en "
        "Oostbroek 2,500 (Omroep West 2007; " + REF + "). Setting it replaces the default "
        "entry (repeat it to keep it).",
    )
    occupancy: float = Field(
        0.90, ge=0, le=1.5,
        description="Permits per on-street space of a wijk, as a weight: permits_city is spread over the "
        "wijken in proportion to on-street spaces × occupancy, so only the ratio between wijken matters. "
        "Default 0.90 everywhere — Den Haag's parking strategy 2021-2030 treats 90 % occupancy as the "
        "problem threshold (" + REF + "); no occupancy per wijk is published with the reference "
        "(set occupancy_by_wijk).",
    )
    occupancy_by_wijk: dict[str, Annotated[float, Field(ge=0, le=1.5)]] = Field(
        default_factory=dict,
        description="Occupancy weight per wijk (name or code → permits per on-street space, 0–1.5), "
        "overriding `occupancy`; 0 = no resident permits there (no paid parking). Default: none.",
    )
    reuse_mix: ReuseMix = Field(
        default_factory=ReuseMix,
        description="Re-use of freed space (assumption; Den Haag: freed space goes to bike facilities or "
        "greenery; " + REF + ").",
    )
    bikes_per_space: float = Field(
        12.0, gt=0, le=50, description="Bikes parked on one car space. Source: Den Haag debate estimate (" + REF + ")."
    )
    space_area_m2: float = Field(
        12.5, gt=0, le=100, description="Public space of one car space, m² (2.5 m × 5.0 m bay; CROW ASVV 2021)."
    )
    metres_per_space: float = Field(
        5.5, ge=1, le=20, description="Kerb length per parallel space, m (CROW ASVV 2021: parallel bay 5.0–6.0 m)."
    )
    metres_per_space_diagonal: float = Field(
        3.0, ge=1, le=20, description="Kerb length per diagonal space, m (CROW ASVV 2021, 45–60° bays)."
    )
    metres_per_space_perpendicular: float = Field(
        2.5, ge=1, le=20, description="Kerb length per perpendicular space, m (CROW ASVV 2021: bay width 2.4–2.5 m)."
    )
    junction_exclusion_m: float = Field(
        5.0, ge=0, le=100, description="No parking within this distance of an intersection. Source: RVV 1990 art. 24."
    )
    crossing_exclusion_m: float = Field(
        5.0, ge=0, le=100,
        description="No stopping within this distance before a pedestrian crossing. Source: RVV 1990 art. 23.",
    )
    sides_by_class: dict[str, Annotated[int, Field(ge=0, le=2)]] = Field(
        default_factory=lambda: {
            "residential": 2, "unclassified": 2, "road": 2, "tertiary": 2, "secondary": 1,
            "living_street": 1, "primary": 0, "service": 0, "busway": 0,
        },
        description="Sides with parking by highway class where no parking tag is mapped (assumption: typical "
        "Den Haag street profiles). Classes not listed: 0.",
    )
    space_snap_m: float = Field(
        15.0, ge=0, le=500, description="A mapped parking space this close to a road segment counts as on-street there."
    )
    lot_m2_per_space: float = Field(
        25.0, ge=5, le=200,
        description="Gross surface-lot area per space incl. aisles, m², for lots without capacity "
        "(CROW ASVV 2021: 20–30 m²).",
    )
    priority: list[PriorityRule] = Field(
        default_factory=lambda: list(PRIORITY_RULES),
        description="Order in which segments give up their spaces: school-route segments (most children first), "
        "then the most spaces per metre, then segments ending at a crossing (sight lines).",
    )
    density_step: float = Field(
        0.01, ge=0.0001, le=1,
        description="Spaces per metre are rounded to this step before sorting, so near-equal streets tie and the "
        "next rule decides.",
    )
    tariff: TariffSettings = Field(default_factory=TariffSettings, description="Large-car tariff (mobisim.parking.tariff).")
    garages_path: Path | None = Field(
        None, description="Garage capacities (RDW open parking data, GeoJSON with `capacity_total`); None = "
        "the shared den-haag-rdw-parking.geojson when present and `shared_layers` is on.",
    )
    spaces_path: Path | None = Field(
        None, description="Extra amenity=parking_space layer (GeoJSON with `capacity`); None = the shared "
        "den-haag-parking-spaces.geojson when present and `shared_layers` is on.",
    )
    shared_layers: bool = Field(
        True, description="Use the shared garage and parking-space files when no path is given."
    )
    exclude_bridges_tunnels: bool = Field(
        True, description="No on-street parking on segments tagged bridge/tunnel (when the edges carry those columns)."
    )

    @field_validator("cap_rate", mode="before")
    @classmethod
    def _rate_in_range(cls, v: Any) -> Any:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and not (0 <= v < 1):
            raise ValueError(f"cap_rate must be >= 0 and < 1 (a fraction per year, 0.02 = 2 %), got {v:g}")
        return v

    @field_validator("areas")
    @classmethod
    def _areas_not_empty(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("areas is empty: name at least one wijk (name or WK0518nn code)")
        return v

    @model_validator(mode="after")
    def _one_city_count(self) -> ParkingSettings:
        """``permits_city`` and ``tariff.permits_citywide`` are one figure: set either."""
        city_set = "permits_city" in self.model_fields_set
        tariff_set = "permits_citywide" in self.tariff.model_fields_set
        if city_set and tariff_set and self.permits_city != self.tariff.permits_citywide:
            raise ValueError(
                f"permits_city ({self.permits_city}) and tariff.permits_citywide "
                f"({self.tariff.permits_citywide}) differ: set one of them"
            )
        if tariff_set and not city_set:
            object.__setattr__(self, "permits_city", self.tariff.permits_citywide)
        else:
            object.__setattr__(self, "tariff", self.tariff.model_copy(update={"permits_citywide": self.permits_city}))
        return self

    @model_validator(mode="after")
    def _years_ordered(self) -> ParkingSettings:
        if self.horizon <= self.base_year:
            raise ValueError(f"horizon ({self.horizon}) must be after base_year ({self.base_year})")
        if self.horizon_long is not None and self.horizon_long <= self.horizon:
            raise ValueError(f"horizon_long ({self.horizon_long}) must be after horizon ({self.horizon})")
        return self

    @property
    def years(self) -> range:
        """Years of the table: base year to the long horizon when set, else to the horizon."""
        return range(self.base_year, (self.horizon_long or self.horizon) + 1)


def parking_settings(data: dict[str, Any] | None, where: str = "parking") -> ParkingSettings:
    """Build :class:`ParkingSettings` from a mapping; a bad value becomes one clear line.

    Parameters
    ----------
    data : dict or None
        The scenario's ``parking`` mapping (None → defaults).
    where : str
        Place named in the error (e.g. ``"scenarios/volt.yaml: parking"``).

    Raises
    ------
    mobisim.errors.ScenarioError
        ``<where>.<key>: <problem>`` for the first invalid field.
    """
    try:
        return ParkingSettings(**(data or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        place = f"{where}.{loc}" if loc else where
        raise ScenarioError(f"{place}: {msg}") from None

