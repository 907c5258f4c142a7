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

The settings (:class:`TariffSettings`, :class:`VehicleClass`) live in
:mod:`mobisim.parking.settings` and are re-exported here.
"""

from __future__ import annotations

import pandas as pd

from mobisim.frames import column
from mobisim.parking.settings import CENTRE_WIJKEN, Fuel, TariffSettings, VehicleClass

__all__ = [
    "CENTRE_WIJKEN", "Fuel", "VehicleClass", "TariffSettings", "classify_vehicles", "tariff_revenue",
    "finance_comparison",
]


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
    length = column(vehicles, "length_m", 0.0)
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
