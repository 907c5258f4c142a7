"""Demand: the daily car trips between zones.

* **Internal trips.** Each zone's residents make ``residents / household_size ×
  cars_per_household × car_trips_per_car × other_traffic_factor`` car trips a day (its
  *productions*), attracted by the zones' destinations (``attraction_units`` scaled to the same
  total). A doubly constrained gravity model (AequilibraE's ``GravityApplication`` with IPF)
  distributes them with the deterrence ``exp(−β·t)`` (or ``t^−β``) of the free-flow car time
  ``t`` (minutes). Half of each trip pair is the way out and half the way back, so the matrix is
  made symmetric.
* **External trips.** A gateway carries ``gateway_daily`` vehicles a day, half in and half out.
  ``external_through_share_by_class`` of them drive to another gateway (in proportion to its volume ×
  deterrence), the rest to internal zones (in proportion to attractions × deterrence).

Trips within one zone are not assigned (they do not leave their streets); their number is
reported. Every assumption is a :class:`~mobisim.traffic.settings.TrafficSettings` field.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobisim.traffic.settings import TrafficSettings

os.environ.setdefault("AEQ_SHOW_PROGRESS", "FALSE")  # no tqdm bars from AequilibraE

__all__ = ["Demand", "deterrence", "daily_demand"]


@dataclass
class Demand:
    """Daily car trips between zones.

    Attributes
    ----------
    matrix : numpy.ndarray
        Trips a day from row zone to column zone, zone order of ``zone_ids``; zero diagonal.
    zone_ids : numpy.ndarray
    internal, external_in_out, through, intrazonal : float
        Daily trips: between internal zones, between a gateway and an internal zone (both ways),
        gateway to gateway, and within one zone (not assigned).
    gravity_gap : float
        Convergence of the gravity model's IPF.
    within : numpy.ndarray
        Per zone, the daily trips that stay within it (not assigned; their streets carry them
        through the local-traffic floor).
    unplaced : float
        Daily trips the homes make that reach no destination (no zone with destinations
        reachable): reported, never silently dropped.
    """

    matrix: np.ndarray
    zone_ids: np.ndarray
    internal: float
    external_in_out: float
    through: float
    intrazonal: float
    gravity_gap: float
    unplaced: float = 0.0
    within: np.ndarray | None = None


def deterrence(minutes: np.ndarray, settings: TrafficSettings) -> np.ndarray:
    """The deterrence ``f(t)`` of the gravity model (0 where ``t`` is not finite)."""
    t = np.where(np.isfinite(minutes), np.maximum(minutes, 0.5), np.nan)
    f = np.exp(-settings.deterrence_beta * t) if settings.deterrence == "expo" else t ** -settings.deterrence_beta
    return np.nan_to_num(f, nan=0.0)


def _gravity(minutes: np.ndarray, rows: np.ndarray, cols: np.ndarray, ids: np.ndarray,
             settings: TrafficSettings) -> tuple[np.ndarray, float]:
    """Doubly constrained gravity (AequilibraE): row sums ``rows``, column sums ``cols``."""
    from aequilibrae.distribution import GravityApplication, SyntheticGravityModel
    from aequilibrae.matrix import AequilibraeMatrix

    n = len(ids)
    imp = AequilibraeMatrix()
    imp.create_empty(zones=n, matrix_names=["time"], memory_only=True)
    imp.index[:] = ids
    # within a zone: half the time to its nearest other zone (a trip that stays in its cell)
    off = np.where(np.isfinite(minutes), minutes, np.nan)
    np.fill_diagonal(off, np.nan)
    # a zone with no other zone reachable gives an all-NaN row: its nearest is NaN (handled below),
    # not a warning on the user's terminal
    reach = np.isfinite(off).any(axis=1) if n else np.zeros(0, dtype=bool)
    nearest = np.full(n, np.nan)
    if reach.any():
        nearest[reach] = np.nanmin(off[reach], axis=1)
    within = np.where(np.isfinite(nearest), 0.5 * nearest, 1.0)
    # unreachable pairs: a time no trip makes (the deterrence of 0 would be the largest weight)
    times = np.where(np.isfinite(minutes), np.maximum(minutes, 0.5), 1e4)
    times[np.arange(n), np.arange(n)] = np.maximum(within, 0.5)
    imp.matrices[:, :, 0] = times
    imp.computational_view(["time"])
    model = SyntheticGravityModel()
    model.function = "EXPO" if settings.deterrence == "expo" else "POWER"
    if settings.deterrence == "expo":
        model.beta = settings.deterrence_beta
    else:
        model.alpha = settings.deterrence_beta
    vectors = pd.DataFrame({"rows": rows, "cols": cols}, index=pd.Index(ids, name="zones"))
    app = GravityApplication(model=model, impedance=imp, vectors=vectors, row_field="rows",
                             column_field="cols", nan_as_zero=True)
    app.parameters["max trip length"] = -1
    app.apply()
    out = np.array(app.output.matrix_view, dtype="float64", copy=True)
    unreachable = ~np.isfinite(minutes)
    unreachable[np.arange(n), np.arange(n)] = False  # the diagonal: trips within the zone
    out[unreachable] = 0.0
    return np.nan_to_num(out), float(app.gap)


def daily_demand(table: pd.DataFrame, minutes: np.ndarray, settings: TrafficSettings) -> Demand:
    """The daily trip matrix of the zones (see the module docstring).

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`mobisim.traffic.zones.Zones.table`.
    minutes : numpy.ndarray
        Free-flow car time between the zones (minutes, ``inf`` where unreachable), zone order of
        ``table``.
    settings : TrafficSettings

    Returns
    -------
    Demand
    """
    ids = table.index.to_numpy()
    n = len(ids)
    internal = (table["kind"] == "internal").to_numpy()
    gateway = ~internal
    prod = table["productions"].to_numpy(dtype=float)
    units = table["attraction_units"].to_numpy(dtype=float)
    matrix = np.zeros((n, n))
    gap = 0.0
    ii = np.flatnonzero(internal)
    if prod[ii].sum() > 0 and units[ii].sum() > 0:
        sub = minutes[np.ix_(ii, ii)]
        attr = units[ii] * prod[ii].sum() / units[ii].sum()
        trips, gap = _gravity(sub, prod[ii], attr, ids[ii], settings)
        matrix[np.ix_(ii, ii)] = 0.5 * (trips + trips.T)
    f = deterrence(minutes, settings)
    gi = np.flatnonzero(gateway)
    volume = table["gateway_daily"].to_numpy(dtype=float)
    through_share = table["through_share"].to_numpy(dtype=float) if "through_share" in table else np.zeros(n)
    through_total = 0.0
    for g in gi:
        half = 0.5 * volume[g]
        to_city = units[ii] * f[g, ii]
        if to_city.sum() > 0:
            share = (1.0 - through_share[g]) * half * to_city / to_city.sum()
            matrix[g, ii] += share
            matrix[ii, g] += share
        others = gi[gi != g]
        if len(others):
            w = volume[others] * f[g, others]
            if w.sum() > 0:
                trips = through_share[g] * half * w / w.sum()
                # half of each pair's trips are counted from either end: in and out are symmetric
                matrix[g, others] += 0.5 * trips
                matrix[others, g] += 0.5 * trips
                through_total += trips.sum()
    placed = matrix[np.ix_(ii, ii)].sum() if len(ii) else 0.0
    unplaced = max(float(prod[ii].sum() - placed), 0.0) if len(ii) else 0.0
    within = np.diagonal(matrix).copy()
    intrazonal = float(within.sum())
    np.fill_diagonal(matrix, 0.0)
    ext = float(matrix[np.ix_(gi, ii)].sum() + matrix[np.ix_(ii, gi)].sum()) if len(gi) else 0.0
    return Demand(matrix=matrix, zone_ids=ids, internal=float(matrix[np.ix_(ii, ii)].sum()),
                  external_in_out=ext, through=float(matrix[np.ix_(gi, gi)].sum()) if len(gi) else 0.0,
                  intrazonal=intrazonal, gravity_gap=gap, unplaced=unplaced, within=within)
