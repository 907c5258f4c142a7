"""Road-traffic noise and air-quality screening for criterion C3 of the 30/50 rule.

This is a *screening* model, not a noise map: it answers "would this road at 50 km/h plausibly
exceed the noise limit at the nearest façade?" from the road class, the speed and the distance
to the nearest building. Every coefficient is a documented default that a scenario may change.

Noise (simplified RLS-90 / CNOSSOS-style log-linear model)
----------------------------------------------------------
Emission at the reference distance :math:`d_0` (25 m, the RLS-90 reference)::

    L_ref = 37.3 + 10·log10(Q_h · (1 + 0.082·p)) + D_v(v) + C_den

with ``Q_h`` the mean hourly motor traffic (daily intensity / 24), ``p`` the heavy-vehicle share
in %, ``D_v(v) = 27.7 + 10·log10(1 + (0.02·v)^3) − 37.3`` the RLS-90 passenger-car speed
correction and ``C_den`` the Lden − LAeq,24h difference of a typical urban daily pattern.
Propagation is that of a line source::

    Lden(d) = L_ref − 10·log10(max(d, d_min) / d_0)

Source: RLS-90 (*Richtlinien für den Lärmschutz an Straßen*, 1990) eqs. 6–8 for the emission
and speed terms; 10·log10 line-source spreading as in CNOSSOS-EU (Directive (EU) 2015/996).
At the same traffic the model gives 30 km/h about 2 dB below 50 km/h, consistent with the
−1.5 dB measured after Amsterdam's switch to 30 (see ``shared/reference/safety-criteria.md``).

Air (NO2 screening proxy)
-------------------------
``NO2(d) = background + k · (Q / 10 000) · (d_ref / max(d, d_min))^0.5`` µg/m³ at the façade,
with a low / central / high value for the urban background and for ``k`` (µg/m³ per 10 000
vehicles/day at 10 m, an order-of-magnitude assumption in line with street increments of a few
µg/m³ on busy Dutch urban roads, RIVM CAR II screening). :mod:`mobisim.rules` compares the range
with the air limit (default the EU limit from 2030, 20 µg/m³): fail only when even the low value
exceeds it, pass when even the high value stays within, unknown in between. It is a proxy,
reported as such.

Air (a concentration layer)
---------------------------
Instead of the proxy a scenario may give a layer of annual-mean concentrations (a municipal or
RIVM NO2 map as grid cells, zones or receptor points): :func:`sample_layer` reads the value at
each segment's midpoint (the polygon it lies in, else the nearest feature within a set
distance) and C3 compares it with the air limit (default the EU 2030 limit, 20 µg/m³ NO2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from mobisim.frames import numbers

#: Typical daily motor traffic (vehicles/day, both directions) by OSM highway class.
#: Assumption for Dutch urban roads where counts are absent (order of magnitude of Den Haag
#: counts: distributor roads 5 000–25 000, access roads a few hundred to ~1 500).
DAILY_TRAFFIC_BY_CLASS: dict[str, float] = {
    "motorway": 80000.0,
    "motorway_link": 15000.0,
    "trunk": 40000.0,
    "trunk_link": 10000.0,
    "primary": 20000.0,
    "primary_link": 8000.0,
    "secondary": 10000.0,
    "secondary_link": 5000.0,
    "tertiary": 5000.0,
    "tertiary_link": 3000.0,
    "unclassified": 2000.0,
    "residential": 1000.0,
    "road": 1000.0,
    "living_street": 200.0,
    "service": 300.0,
    "busway": 300.0,
    "track": 50.0,
}
#: Fallback for any other class that carries motor traffic.
DAILY_TRAFFIC_OTHER = 300.0

#: Heavy-vehicle share (%) by class. Assumption (urban Dutch roads: 2–8 %).
HEAVY_SHARE_BY_CLASS: dict[str, float] = {
    "motorway": 12.0,
    "trunk": 10.0,
    "primary": 8.0,
    "secondary": 6.0,
    "tertiary": 4.0,
    "busway": 100.0,
}
HEAVY_SHARE_OTHER = 2.0


def class_lookup(highway: pd.Series, table: dict[str, float], other: float) -> np.ndarray:
    """Map a ``highway`` column to a float array through ``table`` (``other`` elsewhere)."""
    return highway.map(table).astype("float64").fillna(other).to_numpy()


def estimate_daily_traffic(edges: pd.DataFrame, table: dict[str, float], other: float) -> np.ndarray:
    """Daily motor traffic per edge: the edge's own ``daily_traffic`` where set (a count, or an
    intervention such as ``close_through_traffic``), else the class table; 0 where no motor traffic
    is allowed (``mode_drive`` false).

    Parameters
    ----------
    edges
        Segments with ``highway``, ``mode_drive`` and optionally ``daily_traffic``.
    table, other
        Vehicles per day by ``highway`` class, and for any other motor class.

    Returns
    -------
    numpy.ndarray of float
    """
    highway = edges["highway"].astype("string") if "highway" in edges else pd.Series("", index=edges.index)
    q = class_lookup(highway, table, other)
    own = numbers(edges, "daily_traffic")  # NaN where not set (or no such column)
    q = np.where(np.isnan(own), q, own)
    drive = edges["mode_drive"].to_numpy(dtype=bool) if "mode_drive" in edges else np.ones(len(edges), bool)
    return np.where(drive, q, 0.0)


def traffic_source_label(edges: pd.DataFrame) -> np.ndarray:
    """Per edge, what its daily traffic figure rests on, for evidence texts: ``modelled`` (the
    traffic model), ``class estimate`` (the class table), or the source itself (a count, an
    intervention)."""
    if "daily_traffic_source" not in edges.columns:
        return np.full(len(edges), "class estimate", dtype=object)
    src = edges["daily_traffic_source"].astype("string").fillna("default")
    label = np.where(src.eq("model").to_numpy(), "modelled",
                     np.where(src.str.startswith("default").to_numpy(), "class estimate",
                              ("set by " + src).to_numpy(dtype=object)))
    if "daily_traffic" in edges.columns:
        missing = pd.to_numeric(edges["daily_traffic"], errors="coerce").isna().to_numpy()
        label = np.where(missing, "class estimate", label)
    return label.astype(object)


def speed_correction_db(speed_kmh: np.ndarray) -> np.ndarray:
    """RLS-90 passenger-car speed correction relative to 100 km/h (dB)."""
    v = np.clip(np.asarray(speed_kmh, dtype="float64"), 30.0, 130.0)  # RLS-90 valid from 30 km/h
    return 27.7 + 10.0 * np.log10(1.0 + (0.02 * v) ** 3) - 37.3


def lden_db(
    daily_traffic: np.ndarray,
    speed_kmh: np.ndarray,
    distance_m: np.ndarray,
    heavy_share_pct: np.ndarray | float = 2.0,
    *,
    reference_distance_m: float = 25.0,
    min_distance_m: float = 5.0,
    den_correction_db: float = 3.3,
) -> np.ndarray:
    """Estimated road-traffic Lden (dB) at ``distance_m`` from the road axis.

    Parameters
    ----------
    daily_traffic : array of float
        Motor vehicles per day, both directions.
    speed_kmh : array of float
        Speed the road is driven at (the limit).
    distance_m : array of float
        Distance from the road axis to the receiver (façade); NaN gives NaN.
    heavy_share_pct : array of float or float
        Share of heavy vehicles in %.
    reference_distance_m, min_distance_m, den_correction_db : float
        See the module docstring.

    Returns
    -------
    numpy.ndarray
        Lden in dB(A); NaN where the distance is unknown.
    """
    q_hour = np.maximum(np.asarray(daily_traffic, dtype="float64"), 1.0) / 24.0
    p = np.asarray(heavy_share_pct, dtype="float64")
    emission = 37.3 + 10.0 * np.log10(q_hour * (1.0 + 0.082 * p)) + speed_correction_db(speed_kmh)
    d = np.maximum(np.asarray(distance_m, dtype="float64"), min_distance_m)
    return emission + den_correction_db - 10.0 * np.log10(d / reference_distance_m)


def no2_increment(
    daily_traffic: np.ndarray,
    distance_m: np.ndarray,
    *,
    per_10k_at_ref: float = 2.5,
    reference_distance_m: float = 10.0,
    min_distance_m: float = 5.0,
) -> np.ndarray:
    """NO2 annual-mean increment proxy (µg/m³) at ``distance_m`` from the road axis."""
    d = np.maximum(np.asarray(distance_m, dtype="float64"), min_distance_m)
    q = np.asarray(daily_traffic, dtype="float64")
    return per_10k_at_ref * (q / 10000.0) * np.sqrt(reference_distance_m / d)


def nearest_distance(
    geoms: np.ndarray, targets: np.ndarray, max_distance: float
) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each geometry to the nearest target within ``max_distance``.

    One vectorised :meth:`shapely.STRtree.query_nearest` call on whole arrays.

    Returns
    -------
    distance : numpy.ndarray
        NaN where no target lies within ``max_distance``.
    index : numpy.ndarray of int
        Position of the nearest target in ``targets`` (−1 where none).
    """
    n = len(geoms)
    dist = np.full(n, np.nan)
    idx = np.full(n, -1, dtype="int64")
    if n == 0 or len(targets) == 0:
        return dist, idx
    tree = shapely.STRtree(targets)
    # without max_distance the GEOS search is faster on dense data; filter afterwards
    (src, tgt), d = tree.query_nearest(geoms, return_distance=True, all_matches=False)
    keep = d <= max_distance
    dist[src[keep]] = d[keep]
    idx[src[keep]] = tgt[keep]
    return dist, idx


def sample_layer(geoms: np.ndarray, layer_geoms: np.ndarray, values: np.ndarray, max_distance: float) -> np.ndarray:
    """Value of a layer at the midpoint of each line (NaN where none lies within ``max_distance``).

    The feature containing the midpoint (distance 0) or else the nearest one within
    ``max_distance``; one :func:`nearest_distance` call on whole arrays.
    """
    mid = shapely.line_interpolate_point(np.asarray(geoms), 0.5, normalized=True)
    _, idx = nearest_distance(mid, np.asarray(layer_geoms), max_distance)
    return np.where(idx >= 0, np.asarray(values, dtype="float64")[np.maximum(idx, 0)], np.nan)
