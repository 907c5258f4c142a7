"""Level of Traffic Stress on whole columns: speed, volume and lanes per segment, and the LTS tables.

The tables of :class:`~mobisim.rules.toets.settings.ToetsSettings` (Mekuria, Furth & Nixon 2012;
Furth, LTS criteria tables v2.2) are looked up for whole arrays with ``np.searchsorted``: mixed
traffic (:func:`mixed_lts`), a painted bike lane (:func:`lane_lts`), a bike lane alongside parking
(:func:`parking_lane_lts`) and an unsignalised crossing (:func:`crossing_lts`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mobisim.frames import flags, numbers
from mobisim.rules.noise import estimate_daily_traffic
from mobisim.rules.textkit import strings
from mobisim.rules.toets.settings import LtsRow, ToetsSettings

__all__ = ["crossing_lts", "daily_traffic", "edge_lanes", "edge_speed", "lane_lts", "mixed_lts",
           "parking_lane_lts", "speed_column_index", "table_lookup"]


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
    bus = flags(edges, "bus_only") & ~flags(edges, "mode_drive")
    own = numbers(edges, "daily_traffic")
    return np.where(bus, np.where(np.isnan(own), settings.bus_road_daily_traffic, own), q)


def edge_speed(edges: pd.DataFrame, speed_column: str, settings: ToetsSettings) -> np.ndarray:
    """Speed (km/h) per edge from ``speed_column``; unknown on motor or bus roads → default."""
    v = numbers(edges, speed_column)
    motor = flags(edges, "mode_drive") | flags(edges, "bus_only")
    return np.where(np.isnan(v) & motor, float(settings.default_speed_kmh), v)


def edge_lanes(edges: pd.DataFrame, settings: ToetsSettings) -> tuple[np.ndarray, np.ndarray]:
    """Total lanes and lanes per direction, filling gaps from the class defaults."""
    oneway = flags(edges, "oneway")
    lanes = numbers(edges, "lanes")
    codes, classes = pd.factorize(strings(edges, "highway"))
    by_class = np.array([settings.default_lanes_by_class.get(c, np.nan) for c in classes],
                        dtype="float64")
    default = np.append(by_class, np.nan)[codes]  # code -1 (missing) → NaN
    default = np.where(np.isnan(default), np.where(oneway, 1.0, 2.0), default)
    lanes = np.where(np.isnan(lanes), default, lanes)
    per_dir = numbers(edges, "lanes_per_direction")
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
