"""The parking step as a whole: supply, permits, the cap, freed space, re-use and the tariff.

:func:`evaluate_parking` runs every step of :mod:`mobisim.parking` on a network and the frames
read by :mod:`mobisim.load.parking_data` (no file is read here) and returns a
:class:`ParkingResult`; :func:`headline_figures` computes the figures every output prints, each
with its low / central / high range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import CRS
from mobisim.load.areas import assign_areas, select_areas
from mobisim.parking.allocation import allocate_freed, reuse
from mobisim.parking.cap import cap_table, centre_prices, distribute_permits, wijk_codes, yearly_totals
from mobisim.parking.settings import DEFAULT_PERMITS_CITY, PERMIT_COUNTS, ParkingSettings
from mobisim.parking.supply import city_summary, parking_supply, supply_by_area, surface_lots
from mobisim.parking.tariff import finance_comparison, tariff_revenue

if TYPE_CHECKING:
    from mobisim.network import Network

__all__ = ["ParkingResult", "evaluate_parking", "headline_figures"]


@dataclass
class ParkingResult:
    """Everything :func:`evaluate_parking` computes.

    Attributes
    ----------
    supply : pandas.DataFrame
        Per wijk (all wijken), see :func:`supply_by_area`.
    city : dict
        Whole-city totals: on-street spaces, shares from tags / mapped spaces / estimates,
        surface-lot and garage spaces.
    cap : pandas.DataFrame
        :func:`cap_table` for the capped areas.
    totals : pandas.DataFrame
        :func:`yearly_totals` with the re-use of the cumulative freed spaces.
    freed : geopandas.GeoDataFrame
        :func:`allocate_freed`.
    reuse : pandas.DataFrame
        :func:`reuse` of each area's freed spaces at the last year.
    tariff : pandas.DataFrame
        :func:`mobisim.parking.tariff.tariff_revenue` with the permits lowered by the cap, at the
        permit-weighted mean price (``price_eur``).
    areas : geopandas.GeoDataFrame
        The capped wijken.
    notes : list of str
        Caveats (missing layers, supply shortfalls, defaults skipped, …).
    permits : pandas.DataFrame
        :func:`distribute_permits` for every wijk, with ``capped`` (bool) and ``price_eur``
        (the wijk's permit price).
    finance : pandas.DataFrame
        :func:`mobisim.parking.tariff.finance_comparison`: large-car revenue low / central / high
        against the programme's €2.0 M/yr line, per year.
    headline : dict
        :func:`headline_figures`: the figures every output prints (whole numbers), each
        ``{"low", "central", "high"}``.
    settings : ParkingSettings or None
        The settings the result was computed with.
    """

    supply: pd.DataFrame
    city: dict[str, float]
    cap: pd.DataFrame
    totals: pd.DataFrame
    freed: gpd.GeoDataFrame
    reuse: pd.DataFrame
    tariff: pd.DataFrame
    areas: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    permits: pd.DataFrame = field(default_factory=pd.DataFrame)
    finance: pd.DataFrame = field(default_factory=pd.DataFrame)
    headline: dict[str, Any] = field(default_factory=dict)
    settings: ParkingSettings | None = None



class PermitRun(NamedTuple):
    """The permit base, the cap, its totals and the tariff at one end of the range (:func:`_permit_run`)."""

    permits: pd.DataFrame
    cap: pd.DataFrame
    totals: pd.DataFrame
    tariff: pd.DataFrame


def evaluate_parking(
    net: Network,
    settings: ParkingSettings | None = None,
    *,
    wijken: gpd.GeoDataFrame,
    garages: gpd.GeoDataFrame | None = None,
    spaces: gpd.GeoDataFrame | None = None,
) -> ParkingResult:
    """Run the parking model on a network.

    Adds ``parking_spaces``, ``parking_spaces_left/right``, ``parking_kerb_m``,
    ``parking_source``, ``parking_mapped_spaces``, ``near_crossing`` and ``wijk_code`` to
    ``net.edges`` (in place).

    Parameters
    ----------
    net : mobisim.network.Network
    settings : ParkingSettings, optional
    wijken : geopandas.GeoDataFrame
        All wijken (:func:`mobisim.load.areas.load_wijken`).
    garages : geopandas.GeoDataFrame, optional
        Off-street garages (:func:`mobisim.load.parking_data.load_garages`, or
        :func:`mobisim.load.parking_data.parking_layers` for the settings' file or the shared
        one); None: no garage file, a note says so; an empty frame: no garages.
    spaces : geopandas.GeoDataFrame, optional
        Extra ``amenity=parking_space`` layer (:func:`mobisim.load.parking_data.load_parking_spaces`);
        None or empty: only the network's own parking-space features.

    Raises
    ------
    mobisim.errors.NotFoundError
        An area in ``settings.areas`` names no wijk.
    """
    s = settings or ParkingSettings()
    wijken = wijken.to_crs(CRS)
    areas = select_areas(wijken, s.areas)  # fail early on an unknown wijk
    notes: list[str] = []
    if garages is None:
        notes.append("no garage file: off-street garages not counted")
    by_area = _supply(net, wijken, s, garages, spaces)
    codes = list(areas["code"])
    capped = by_area.loc[codes]
    empty = capped.index[capped["on_street_spaces"] <= 0]
    if len(empty):
        notes.append("no on-street supply in the network for " + ", ".join(capped.loc[empty, "name"])
                     + " (outside the loaded area?)")
    notes += _permit_notes(by_area, s)
    prices = centre_prices(by_area, s.tariff)
    u, up = s.permits_uncertainty, s.tariff.price_uncertainty
    ends = {"central": (1.0, 1.0), "low": (1 - u, 1 - up), "high": (1 + u, 1 + up)}
    runs = {k: _permit_run(by_area, codes, prices, s, pf, qf) for k, (pf, qf) in ends.items()}
    dist, cap, totals, tariff = runs["central"]
    if dist.attrs.get("undistributed"):
        notes.append(f"{dist.attrs['undistributed']:,} of the city's permits could not be spread: no wijk has "
                     "on-street supply with a weight above 0")
    totals = totals.join(reuse(totals["freed_cumulative"], s).drop(columns="freed_spaces"))
    freed = allocate_freed(net.edges, cap, s)
    re = _reuse_by_area(cap, freed, s)
    short = re.index[re["allocated_spaces"] + 1e-9 < re["freed_spaces"]]
    if len(short):
        notes.append("freed spaces exceed the mapped/estimated supply in " + ", ".join(re.loc[short, "name"]))
    finance = finance_comparison(tariff, runs["low"].tariff, runs["high"].tariff, s.tariff)
    permits = dist.assign(capped=dist.index.isin(codes), price_eur=prices)
    city = city_summary(by_area, net.edges)
    headline = headline_figures({k: (r.cap, r.totals) for k, r in runs.items()}, finance, s)
    return ParkingResult(by_area, city, cap, totals, freed, re, tariff, areas, notes,
                         permits=permits, finance=finance, headline=headline, settings=s)


def _supply(
    net: Network, wijken: gpd.GeoDataFrame, s: ParkingSettings, garages: gpd.GeoDataFrame | None,
    spaces: gpd.GeoDataFrame | None,
) -> pd.DataFrame:
    """Add the supply columns and ``wijk_code`` to ``net.edges``; return :func:`supply_by_area`."""
    sup = parking_supply(net, s, spaces=spaces)
    for name in sup.columns:
        net.edges[name] = sup[name]
    net.edges["wijk_code"] = assign_areas(net.edges, wijken)
    lots = surface_lots(net.features, s)
    return supply_by_area(net.edges, wijken, lots, garages)


def _reuse_by_area(cap: pd.DataFrame, freed: gpd.GeoDataFrame, s: ParkingSettings) -> pd.DataFrame:
    """:func:`reuse` of each capped wijk's freed spaces in the last year, with its ``name`` and the
    ``allocated_spaces`` :func:`allocate_freed` found on its streets."""
    last = cap[cap["year"] == cap["year"].max()].set_index("code")
    re = reuse(last["freed_cumulative"], s)
    re.insert(0, "name", last["name"])
    allocated = freed.groupby("code")["freed_spaces"].sum().reindex(re.index).fillna(0.0)
    re["allocated_spaces"] = allocated
    return re


def _permit_notes(supply: pd.DataFrame, s: ParkingSettings) -> list[str]:
    """Caveats on the permit base: skipped default counts, wijken without supply."""
    notes = []
    if s.base_permits == PERMIT_COUNTS:
        _, unknown = wijk_codes(list(s.base_permits), supply, "base_permits", strict=False)
        if unknown:
            notes.append("default permit count skipped (wijk not in the wijk file): " + ", ".join(unknown))
    no_supply = supply.index[supply["on_street_spaces"] <= 0]
    if len(no_supply) and s.permits_city == DEFAULT_PERMITS_CITY:
        notes.append(f"the city's {s.permits_city:,} permits are spread over the wijken with on-street supply in "
                     f"the network only; none in {len(no_supply)} of {len(supply)} wijken ("
                     + ", ".join(supply.loc[no_supply, "name"].astype(str)[:5])
                     + (", …" if len(no_supply) > 5 else "") + "): set parking.permits_city for a partial network")
    return notes


def _permit_run(
    supply: pd.DataFrame, codes: list[str], prices: pd.Series, s: ParkingSettings, permit_factor: float,
    price_factor: float,
) -> PermitRun:
    """The permit base, the cap, its totals and the tariff at scaled permit counts and prices.

    In-process on the evaluated supply: no network work, so the low and high ends cost little.
    """
    dist = distribute_permits(supply, s, factor=permit_factor)
    capped = supply.loc[codes, ["name", "on_street_spaces"]].assign(base_permits=dist.loc[codes, "permits"])
    cap = cap_table(capped, s)
    totals = yearly_totals(cap)
    # permits per wijk and year: the capped wijken follow the cap, the others keep their base
    cap_wide = cap.pivot(index="year", columns="code", values="cap").astype(float)
    per_wijk = pd.DataFrame(np.tile(dist["permits"].to_numpy(dtype=float), (len(cap_wide), 1)),
                            index=cap_wide.index, columns=dist.index)
    per_wijk[cap_wide.columns] = cap_wide
    permits = per_wijk.sum(axis=1)
    price = prices.reindex(per_wijk.columns).astype(float) * price_factor
    mean_price = (per_wijk @ price) / permits.where(permits > 0)
    mean_price = mean_price.fillna(float(s.tariff.price_eur_per_year) * price_factor)
    tariff = tariff_revenue(s.tariff, permits_by_year=permits.rename_axis("year"), price_by_year=mean_price)
    return PermitRun(dist, cap, totals, tariff)


def headline_figures(
    runs: dict[str, tuple[pd.DataFrame, pd.DataFrame]], finance: pd.DataFrame, settings: ParkingSettings
) -> dict[str, Any]:
    """The parking figures every output prints, computed once, as whole numbers with a range.

    Parameters
    ----------
    runs : dict
        ``{"low" | "central" | "high": (cap, totals)}`` — :func:`cap_table` and
        :func:`yearly_totals` at the low, central and high permit counts.
    finance : pandas.DataFrame
        :func:`mobisim.parking.tariff.finance_comparison`.
    settings : ParkingSettings

    Returns
    -------
    dict
        ``year`` (the last year of the table), ``permits_city``, ``cap_base`` (permits in the
        capped wijken in the base year), ``spaces_freed`` (by ``year``), ``area_m2``,
        ``bike_parking_spaces``, ``bikes`` (on the bike-parking share of the freed space:
        :func:`reuse`), ``large_car_revenue_eur`` (in ``year``) — each ``{"low", "central",
        "high"}`` of ints — plus ``programme_eur`` (the finance line in ``year``), ``basis``
        (what the figures rest on: ``permits``, ``range``, ``bikes``, ``price``) and ``estimate``
        (the same as one line).
    """
    s = settings
    out: dict[str, Any] = {}
    year = None
    figures: dict[str, dict[str, int]] = {k: {} for k in (
        "permits_city", "cap_base", "spaces_freed", "area_m2", "bike_parking_spaces", "bikes")}
    for key in ("low", "central", "high"):
        cap, totals = runs[key]
        year = int(totals.index.max())
        freed = totals["freed_cumulative"].iloc[-1:].astype(float)
        use = reuse(freed, s).iloc[0]
        figures["cap_base"][key] = int(cap.loc[cap["year"] == s.base_year, "cap"].sum())
        figures["spaces_freed"][key] = int(round(use["freed_spaces"]))
        figures["area_m2"][key] = int(round(use["freed_m2"]))
        figures["bike_parking_spaces"][key] = int(round(use["bike_parking_spaces"]))
        figures["bikes"][key] = int(round(use["bikes"]))
    u = s.permits_uncertainty
    figures["permits_city"] = {"low": math.floor(s.permits_city * (1 - u) + 0.5), "central": s.permits_city,
                               "high": math.floor(s.permits_city * (1 + u) + 0.5)}
    out["year"] = year
    out.update(figures)
    row = finance.loc[year] if year in finance.index else None
    out["large_car_revenue_eur"] = (
        {k: int(round(float(row[f"revenue_{k}_eur"]))) for k in ("low", "central", "high")} if row is not None else None
    )
    out["programme_eur"] = int(round(float(row["programme_eur"]))) if row is not None else None
    custom = s.base_permits != PERMIT_COUNTS or s.permits_city != DEFAULT_PERMITS_CITY
    basis = {
        "permits": ("permit counts set in the scenario (parking.permits_city / base_permits), spread over the "
                    "wijken by on-street supply × occupancy" if custom else
                    f"estimate: the city's ~{s.permits_city:,} permits (Den Haag) less the known per-wijk counts, "
                    "spread over the wijken by on-street supply × occupancy ("
                    + ("set per wijk in the scenario" if s.occupancy_by_wijk else f"an assumed {s.occupancy:g} everywhere")
                    + ")"),
        "range": f"low/high: ±{u:.0%} permits and ±{s.tariff.price_uncertainty:.0%} permit price (assumptions)",
        "bikes": f"bikes = the {s.reuse_mix.bike_parking:.0%} bike-parking share of the freed spaces × "
                 f"{s.bikes_per_space:g} bikes per car space (Den Haag debate estimate)",
        "price": f"permit price €{s.tariff.price_eur_per_year:g}, centre €"
                 f"{(s.tariff.centre_price_eur_per_year or s.tariff.price_eur_per_year):g} (2019 prices)",
    }
    out["basis"] = basis
    out["estimate"] = "; ".join(basis.values())
    return out
