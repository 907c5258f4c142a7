"""Large-car parking tariff: vehicle classes, surcharge factors, fleet mix and yearly revenue.

Modelled on Paris (vote of 4 February 2024): visitors with petrol/hybrid cars of at least
1.6 t or electric cars of at least 2 t pay three times the hourly rate. The programme applies a
differentiated tariff to large vehicles and budgets it at **€2.0 M/yr from 2028**, and aligns
permit costs with the other large cities for **€1.2 M/yr** (the programme's finance table; see
``shared/reference/safety-criteria.md``, section Parking).

The revenue model is deliberately plain and every input is a setting:

* permits per year ``P_t`` (city-wide permits; falls with the cap in the capped areas),
* the mean permit price per year ``p_t`` — €60 in most wijken and €64 in the centre (Den Haag
  2019); :func:`mobisim.parking.evaluate_parking` weighs the two prices by the permits per wijk,
* base revenue ``P_t × p_t``,
* large-car surcharge ``P_t × p_t × Σ_c share_c × (factor_c − 1)`` from ``surcharge_start_year``,
* visitor surcharge ``hours × rate × Σ_c visitor_share_c × (visitor_factor_c − 1)``,
* price alignment ``P_t × (aligned_price − price)`` from ``alignment_start_year``.

Each figure is compared with the programme's finance line, and the table gives the price change
per permit that would exactly reach the programme's figure. :func:`finance_comparison` sets the
large-car revenue (low / central / high) against the €2.0 M/yr line year by year.
"""

from __future__ import annotations

import math
from typing import Literal

import pandas as pd
from pydantic import Field, field_validator, model_validator

from mobisim.settings_base import Settings

__all__ = [
    "CENTRE_WIJKEN", "Fuel", "VehicleClass", "TariffSettings", "classify_vehicles", "tariff_revenue",
    "finance_comparison",
]

Fuel = Literal["petrol", "diesel", "hybrid", "electric", "lpg", "other"]

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
        default_factory=lambda: ["petrol", "diesel", "hybrid", "electric", "lpg", "other"],
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


def classify_vehicles(
    vehicles: pd.DataFrame, settings: TariffSettings | None = None
) -> pd.Series:
    """Tariff class of each vehicle (vectorised, first matching class wins).

    Parameters
    ----------
    vehicles : pandas.DataFrame
        Columns ``fuel`` (see :data:`Fuel`), ``mass_t`` and optionally ``length_m``.
    settings : TariffSettings, optional

    Returns
    -------
    pandas.Series
        Class name per vehicle; NA where no class matches.
    """
    settings = settings or TariffSettings()
    result = pd.Series(pd.NA, index=vehicles.index, dtype="string", name="tariff_class")
    length = vehicles["length_m"] if "length_m" in vehicles else pd.Series(0.0, index=vehicles.index)
    for name, cls in settings.classes.items():  # loop over classes (a handful), not rows
        hit = (
            vehicles["fuel"].isin(cls.fuels)
            & (vehicles["mass_t"] >= cls.min_mass_t)
            & (length.fillna(0.0) >= cls.min_length_m)
            & result.isna()
        )
        result = result.mask(hit, name)
    return result


def tariff_revenue(
    settings: TariffSettings | None = None,
    permits_by_year: pd.Series | None = None,
    years: range | None = None,
    *,
    price_by_year: pd.Series | float | None = None,
) -> pd.DataFrame:
    """Yearly revenue of the permit tariff, compared with the programme's finance table.

    Parameters
    ----------
    settings : TariffSettings, optional
    permits_by_year : pandas.Series, optional
        City-wide permits per year (index: year). Default: ``settings.permits_citywide`` every
        year (:func:`mobisim.parking.evaluate_parking` passes the count lowered by the cap).
    years : range, optional
        Years to report when ``permits_by_year`` is not given (default 2026–2030).
    price_by_year : pandas.Series or float, optional
        Mean resident permit price per permit (index: year, or one figure for every year).
        Default: ``settings.price_eur_per_year`` (:func:`mobisim.parking.evaluate_parking` passes
        the €60/€64 prices weighted by the permits per wijk).

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns ``permits``, ``price_eur``, ``base_eur``, ``surcharge_eur``,
        ``visitor_surcharge_eur``, ``alignment_eur``, ``programme_surcharge_eur``,
        ``programme_alignment_eur``, ``surcharge_gap_eur`` (estimate − programme, residents and
        visitors), ``alignment_gap_eur``, ``price_increase_needed_eur`` (per permit per year to
        reach the €1.2 M line) and ``surcharge_factor_needed`` (uniform factor on the large
        classes that would reach the €2.0 M line).
    """
    settings = settings or TariffSettings()
    if permits_by_year is None:
        yrs = list(years or range(2026, 2031))
        permits_by_year = pd.Series(float(settings.permits_citywide), index=pd.Index(yrs, name="year"))
    permits = permits_by_year.astype(float)
    year = permits.index.to_series(index=permits.index)
    if price_by_year is None:
        price_by_year = settings.price_eur_per_year
    if isinstance(price_by_year, pd.Series):
        price = price_by_year.astype(float).reindex(permits.index)
        if price.isna().any():
            missing = [int(y) for y in price.index[price.isna()]]
            raise ValueError(f"price_by_year has no price for the year(s) {missing}")
    else:
        price = pd.Series(float(price_by_year), index=permits.index)
    classes = settings.classes.values()
    extra_per_permit = price * sum(c.share * (c.factor - 1.0) for c in classes)
    visitor_extra = (
        settings.visitor_hours_per_year
        * settings.visitor_rate_eur_per_hour
        * sum((c.share if c.visitor_share is None else c.visitor_share) * (c.visitor_factor - 1.0) for c in classes)
    )
    large_share = sum(c.share for c in classes if c.factor > 1.0) or sum(
        c.share for c in classes if c.min_mass_t > 0 or c.min_length_m > 0
    )
    surcharge_on = year >= settings.surcharge_start_year
    align_on = year >= settings.alignment_start_year
    aligned = settings.aligned_price_eur_per_year
    delta = 0.0 if aligned is None else aligned - price
    df = pd.DataFrame(index=permits.index)
    df["permits"] = permits
    df["price_eur"] = price
    df["base_eur"] = permits * price
    df["surcharge_eur"] = (permits * extra_per_permit).where(surcharge_on, 0.0)
    df["visitor_surcharge_eur"] = pd.Series(visitor_extra, index=permits.index).where(surcharge_on, 0.0)
    df["alignment_eur"] = (permits * delta).where(align_on, 0.0)
    df["programme_surcharge_eur"] = pd.Series(settings.programme_surcharge_eur, index=permits.index).where(surcharge_on, 0.0)
    df["programme_alignment_eur"] = pd.Series(settings.programme_alignment_eur, index=permits.index).where(align_on, 0.0)
    df["surcharge_gap_eur"] = df["surcharge_eur"] + df["visitor_surcharge_eur"] - df["programme_surcharge_eur"]
    df["alignment_gap_eur"] = df["alignment_eur"] - df["programme_alignment_eur"]
    safe = permits.where(permits > 0)
    df["price_increase_needed_eur"] = settings.programme_alignment_eur / safe
    denom = safe * price * large_share
    df["surcharge_factor_needed"] = 1.0 + (settings.programme_surcharge_eur - df["visitor_surcharge_eur"]) / denom.where(denom > 0)
    df.index.name = "year"
    return df


def finance_comparison(
    central: pd.DataFrame,
    low: pd.DataFrame | None = None,
    high: pd.DataFrame | None = None,
    settings: TariffSettings | None = None,
) -> pd.DataFrame:
    """The large-car revenue against the programme's finance line, year by year.

    Parameters
    ----------
    central, low, high : pandas.DataFrame
        :func:`tariff_revenue` tables (index ``year``) at the central, low and high inputs; low
        and high default to the central table.
    settings : TariffSettings, optional
        Only for the finance line when the tables lack ``programme_surcharge_eur``.

    Returns
    -------
    pandas.DataFrame
        Index ``year``; ``revenue_low_eur``, ``revenue_central_eur``, ``revenue_high_eur``
        (residents' surcharge plus visitors' surcharge), ``programme_eur`` (the finance line,
        €2.0 M/yr from its start year, 0 before), ``difference_eur`` (central − line),
        ``difference_low_eur`` and ``difference_high_eur``, and ``meets_line`` (``"yes"``,
        ``"no"`` or ``"within range"`` when only the high end reaches the line; ``""`` before
        the line starts).
    """
    s = settings or TariffSettings()
    low = central if low is None else low
    high = central if high is None else high

    def revenue(df: pd.DataFrame) -> pd.Series:
        return df["surcharge_eur"].astype(float) + df["visitor_surcharge_eur"].astype(float)

    line = (central["programme_surcharge_eur"].astype(float) if "programme_surcharge_eur" in central
            else pd.Series(s.programme_surcharge_eur, index=central.index))
    out = pd.DataFrame(index=central.index)
    out["revenue_low_eur"] = revenue(low).reindex(central.index)
    out["revenue_central_eur"] = revenue(central)
    out["revenue_high_eur"] = revenue(high).reindex(central.index)
    out["programme_eur"] = line
    out["difference_eur"] = out["revenue_central_eur"] - line
    out["difference_low_eur"] = out["revenue_low_eur"] - line
    out["difference_high_eur"] = out["revenue_high_eur"] - line
    active = line > 0
    verdict = pd.Series("no", index=out.index, dtype="string")
    verdict = verdict.mask(out["revenue_high_eur"] >= line, "within range")
    verdict = verdict.mask(out["revenue_central_eur"] >= line, "yes")
    out["meets_line"] = verdict.where(active, "")
    out.index.name = "year"
    return out
