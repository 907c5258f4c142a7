"""The permit cap: base-year permits per wijk and the cap falling by ``cap_rate`` a year.

:func:`distribute_permits` spreads the city's permit count over the wijken (known counts kept,
the rest by on-street supply × occupancy, whole permits by the largest remainder);
:func:`cap_table` lowers the cap of each capped wijk year by year,
``cap_t = floor(base × (1 − r)^(t − base_year))``; one withdrawn permit frees one on-street space.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TypeVar

import numpy as np
import pandas as pd

from mobisim.errors import NotFoundError, ScenarioError
from mobisim.load.areas import select_areas
from mobisim.parking.settings import CENTRE_WIJKEN, PERMIT_COUNTS, ParkingSettings, TariffSettings

__all__ = [
    "base_permits",
    "cap_table",
    "centre_prices",
    "distribute_permits",
    "wijk_codes",
    "yearly_totals",
]

_Value = TypeVar("_Value")


def wijk_codes(
    keys: list[str], wijken: pd.DataFrame, setting: str, strict: bool
) -> tuple[list[str], list[str]]:
    """Codes of the wijken named by ``keys`` (names or codes; case and accents ignored).

    Parameters
    ----------
    keys : list of str
        Wijk names or codes, as a setting gives them.
    wijken : pandas.DataFrame
        ``code`` and ``name``, as columns or with ``code`` as the index.
    setting : str
        The setting's name under ``parking.``, for the error.
    strict : bool
        A key naming no wijk raises :class:`~mobisim.errors.NotFoundError` naming the setting;
        otherwise it is returned among the unknown keys (the untouched defaults, which name real
        Den Haag wijken, on a wijk file that lacks them).

    Returns
    -------
    codes : list of str
        The code per key, ``""`` where a key names no wijk.
    unknown : list of str
        The keys naming no wijk.
    """
    frame = wijken if "code" in wijken else wijken.reset_index()
    frame = frame[["code", "name"]].reset_index(drop=True)
    codes: list[str] = []
    unknown: list[str] = []
    for key in keys:  # a handful of scenario keys
        try:
            codes.append(str(select_areas(frame, [key])["code"].iloc[0]))
        except NotFoundError as exc:
            if strict:
                raise NotFoundError(f"parking.{setting} names {key!r}, which is not a wijk of the wijk file: {exc}") from None
            codes.append("")
            unknown.append(key)
    return codes, unknown


def _per_wijk(values: Mapping[str, _Value], wijken: pd.DataFrame, setting: str, strict: bool) -> dict[str, _Value]:
    """A per-wijk setting keyed by code (see :func:`wijk_codes`)."""
    codes, _ = wijk_codes(list(values), wijken, setting, strict)
    return {code: value for code, value in zip(codes, values.values()) if code}


def distribute_permits(
    supply: pd.DataFrame, settings: ParkingSettings | None = None, *, factor: float = 1.0
) -> pd.DataFrame:
    """Base-year resident permits per wijk, from the city's permit count.

    Wijken with a known count (``settings.base_permits``) keep it; the rest of the city count
    (``settings.permits_city`` minus the known counts) is spread over the other wijken in
    proportion to ``on_street_spaces × occupancy`` (``occupancy_by_wijk``, else ``occupancy``).
    The shares are made whole permits by the largest-remainder method, so the wijken sum
    exactly to the city count.

    Parameters
    ----------
    supply : pandas.DataFrame
        Index ``code``; columns ``name`` and ``on_street_spaces`` — normally every wijk of the
        city (:func:`supply_by_area`), since the city count is spread over the rows given.
    settings : ParkingSettings, optional
    factor : float
        Scales every count (city and per wijk) before rounding: ``1 ± permits_uncertainty``
        gives the low and high ends of the range.

    Returns
    -------
    pandas.DataFrame
        Index ``code``; ``name``, ``on_street_spaces``, ``occupancy`` (the weight used),
        ``permits`` (int), ``permits_source`` (``count`` — a known count, ``distributed`` — a
        share of the city count, ``none`` — no supply or weight 0) and ``permits_per_space``
        (NaN without supply). ``attrs["undistributed"]`` holds the permits left over when no
        wijk carries any weight.

    Raises
    ------
    mobisim.errors.ScenarioError
        The known counts exceed the city count.
    mobisim.errors.NotFoundError
        A wijk set in the scenario (``base_permits``, ``occupancy_by_wijk``) names no wijk.
    """
    s = settings or ParkingSettings()
    out = supply[["name", "on_street_spaces"]].copy()
    out.index.name = "code"
    known = _per_wijk(s.base_permits, out, "base_permits", strict=s.base_permits != PERMIT_COUNTS)
    occ = _per_wijk(s.occupancy_by_wijk, out, "occupancy_by_wijk", strict=True)
    out["occupancy"] = pd.Series(occ, dtype=float).reindex(out.index).fillna(s.occupancy)
    has_count = out.index.isin(list(known))
    counts = np.floor(pd.Series(known, dtype=float).reindex(out.index).fillna(0.0) * factor + 0.5)
    total = math.floor(s.permits_city * factor + 0.5)
    rest = total - float(counts.sum())
    if rest < 0:
        raise ScenarioError(
            f"parking.base_permits: the counts per wijk ({counts.sum():,.0f}) exceed the city's permits "
            f"(parking.permits_city = {total:,})"
        )
    weight = (out["on_street_spaces"].astype(float).clip(lower=0.0) * out["occupancy"]).where(~has_count, 0.0)
    raw = rest * weight / weight.sum() if weight.sum() > 0 else weight * 0.0
    share = np.floor(raw + 1e-9)
    left = int(round(rest - share.sum())) if weight.sum() > 0 else 0
    if left > 0:  # largest remainder: the wijken closest to the next permit get one more
        order = np.argsort(-(raw - share).to_numpy(), kind="stable")[:left]
        share.iloc[order] += 1.0
    out["permits"] = counts.where(has_count, share).astype(np.int64)
    source = pd.Series("distributed", index=out.index, dtype="string").where(weight > 0, "none")
    out["permits_source"] = source.mask(has_count, "count")
    spaces = out["on_street_spaces"].astype(float)
    out["permits_per_space"] = out["permits"] / spaces.where(spaces > 0)
    out.attrs["undistributed"] = int(rest) if weight.sum() <= 0 else 0
    return out


def base_permits(supply: pd.DataFrame, settings: ParkingSettings) -> pd.Series:
    """Base-year permits per area: the ``base_permits`` column of ``supply`` when present, else
    :func:`distribute_permits` over the rows of ``supply``.

    Parameters
    ----------
    supply : pandas.DataFrame
        Index ``code``, columns ``name`` and ``on_street_spaces`` and optionally ``base_permits``
        (:func:`evaluate_parking` passes the capped areas with their share of the city count).
    """
    if "base_permits" in supply:
        return supply["base_permits"].astype(np.int64).rename("base_permits")
    return distribute_permits(supply, settings)["permits"].rename("base_permits")


def cap_table(supply: pd.DataFrame, settings: ParkingSettings | None = None) -> pd.DataFrame:
    """Yearly permit cap per area.

    ``cap_t = floor(base × (1 − r)^(t − base_year) + 1e-9)`` — the cap is floored to whole
    permits (the 1e-9 keeps exact products such as 100 × 0.98 from flooring to 97 by binary
    rounding). Permits follow the cap (natural turnover; Amsterdam's cap also falls that way).
    One withdrawn permit frees one on-street space.

    Parameters
    ----------
    supply : pandas.DataFrame
        Index ``code`` of the capped areas; columns ``name``, ``on_street_spaces`` and optionally
        ``base_permits`` (the base-year permits; without it :func:`base_permits` spreads
        ``settings.permits_city`` over these rows).
    settings : ParkingSettings, optional

    Returns
    -------
    pandas.DataFrame
        One row per (year, area): ``year``, ``code``, ``name``, ``on_street_spaces``, ``cap``,
        ``permits``, ``freed``, ``freed_cumulative``.
    """
    s = settings or ParkingSettings()
    base = base_permits(supply, s)
    years = np.array(list(s.years))
    factor = (1.0 - s.cap_rate) ** (years - s.base_year)
    caps = np.floor(np.outer(factor, base.to_numpy(dtype=float)) + 1e-9).astype(np.int64)
    table = pd.DataFrame(caps, index=pd.Index(years, name="year"), columns=pd.Index(base.index, name="code"))
    long = table.stack().rename("cap").reset_index()
    long["name"] = long["code"].map(supply["name"])
    long["on_street_spaces"] = long["code"].map(supply["on_street_spaces"]).astype(float)
    long["permits"] = long["cap"]
    long["freed_cumulative"] = long["code"].map(base).astype(np.int64) - long["cap"]
    long = long.sort_values(["code", "year"])
    long["freed"] = long.groupby("code")["freed_cumulative"].diff().fillna(0).astype(np.int64)
    cols = ["year", "code", "name", "on_street_spaces", "cap", "permits", "freed", "freed_cumulative"]
    return long.sort_values(["year", "code"])[cols].reset_index(drop=True)


def yearly_totals(cap: pd.DataFrame) -> pd.DataFrame:
    """Sum :func:`cap_table` over the areas: one row per year."""
    return cap.groupby("year")[["cap", "permits", "freed", "freed_cumulative"]].sum()


def centre_prices(supply: pd.DataFrame, tariff: TariffSettings) -> pd.Series:
    """The resident permit price of every wijk: the centre price in ``tariff.centre_areas``,
    ``tariff.price_eur_per_year`` elsewhere.

    Parameters
    ----------
    supply : pandas.DataFrame
        Index ``code``; column ``name`` (every wijk).
    tariff : mobisim.parking.tariff.TariffSettings

    Returns
    -------
    pandas.Series
        Price per year in €, index ``code``.
    """
    price = pd.Series(float(tariff.price_eur_per_year), index=supply.index, name="price_eur")
    if tariff.centre_price_eur_per_year is None:
        return price
    codes, _ = wijk_codes(list(tariff.centre_areas), supply, "tariff.centre_areas",
                          strict=list(tariff.centre_areas) != CENTRE_WIJKEN)
    return price.mask(price.index.isin([c for c in codes if c]), float(tariff.centre_price_eur_per_year))

