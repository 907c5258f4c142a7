"""Criterion C3: noise and air at the nearest façade acceptable for residents at 50 km/h.

Noise: the estimated Lden at 50 km/h (:func:`mobisim.rules.noise.lden_db`) at the nearest façade
against :attr:`~mobisim.rules.settings.RuleSettings.noise_threshold_lden_db`. Air: NO2 against
:attr:`~mobisim.rules.settings.RuleSettings.air_limit_ugm3`, from the screening proxy or a
concentration layer (read by :func:`mobisim.load.air.read_air_layer` and passed in). A screening
estimate whose range straddles a limit is *unknown*. The two parts are kept per segment so that
:func:`mobisim.rules.summary.c3_sensitivity` can re-decide other limits without recomputing.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.network import Network
from mobisim.rules import noise as nz
from mobisim.rules.criteria import combine, has_data
from mobisim.rules.settings import AIR_LIMITS, NOISE_LIMITS, RuleSettings, limit_label
from mobisim.rules.textkit import cat, fmt, select, strings

__all__ = ["air_quality", "air_verdict", "criterion_c3", "daily_traffic", "facade_distance", "noise_verdict"]


def _traffic_label(edges: pd.DataFrame) -> np.ndarray:
    """What C3's traffic figure rests on: the 30/50 verdict judges today's modelled traffic (the
    traffic is modelled again for the scenario only after the limits are decided)."""
    label = nz.traffic_source_label(edges)
    return np.where(label == "modelled", "modelled, today's traffic", label).astype(object)


def daily_traffic(edges: pd.DataFrame, s: RuleSettings) -> np.ndarray:
    """Daily motor traffic per segment: its own figure, else the class table of ``s``."""
    return nz.estimate_daily_traffic(edges, s.daily_traffic_by_class, s.daily_traffic_other)


def facade_distance(edges: pd.DataFrame, net: Network, s: RuleSettings) -> tuple[np.ndarray, np.ndarray, str]:
    """Distance to the nearest façade and how it was found.

    Returns
    -------
    distance : numpy.ndarray
        Metres; NaN where no façade is known within the search radius.
    known : numpy.ndarray of bool
        Whether the noise situation is known (a NaN distance with building data means "no
        building within ``facade_search_m``", which is known).
    basis : str
        ``"buildings"``, ``"landuse"`` or ``"none"``.
    """
    n = len(edges)
    geoms = edges.geometry.to_numpy()
    buildings = net.buildings
    if has_data(buildings):
        dist, _ = nz.nearest_distance(geoms, buildings.geometry.to_numpy(), s.facade_search_m)
        return dist, np.ones(n, dtype=bool), "buildings"
    landuse = net.landuse
    if has_data(landuse):
        dist, _ = nz.nearest_distance(geoms, landuse.geometry.to_numpy(), s.landuse_search_m)
        near = ~np.isnan(dist)
        return np.where(near, s.landuse_facade_distance_m, np.nan), near, "landuse"
    return np.full(n, np.nan), np.zeros(n, dtype=bool), "none"


def air_quality(edges: pd.DataFrame, dist: np.ndarray, q: np.ndarray, s: RuleSettings,
                air_layer: gpd.GeoDataFrame | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The air part of C3 per segment: (verdict ``pass``/``fail``/``unknown``, evidence text, low and
    high NO2 estimate in µg/m³, NaN where none).

    ``proxy``: background + the street increment of :func:`mobisim.rules.noise.no2_increment` at the
    façade distance ``dist``, each low / central / high, against ``air_limit_ugm3``: fail only when
    even the low estimate exceeds the limit, pass when even the high one stays within, unknown in
    between (the screening cannot tell). ``layer``: the concentration of ``air_layer``
    (:func:`mobisim.load.air.read_air_layer`) at the segment, unknown where the layer does not reach;
    ``off``: unknown everywhere. No façade within reach: pass (nobody lives there).
    """
    n = len(edges)
    has_facade = ~np.isnan(dist)
    limit = limit_label(s.air_limit_ugm3, AIR_LIMITS, "µg/m³")
    if s.air_mode == "proxy":
        est = [np.round(bg + nz.no2_increment(q, dist, per_10k_at_ref=k, min_distance_m=s.noise_min_distance_m), 1)
               for bg, k in zip(s.air_background_no2_ugm3, s.air_no2_per_10k_at_10m)]
        low, mid, high = est
        verdict = air_verdict(low, high, has_facade, s.air_limit_ugm3)
        text = cat("; NO2 ≈ ", fmt(mid, "{:.0f}"), " µg/m³ (estimate ", fmt(low, "{:.0f}"), "–",
                   fmt(high, "{:.0f}"), ": background + street increment, a screening proxy) vs ", limit)
        return verdict, text, low, high
    if s.air_mode == "layer" and air_layer is not None:
        value = np.round(nz.sample_layer(edges.geometry.to_numpy(), air_layer.geometry.to_numpy(),
                                         air_layer["value"].to_numpy(), s.air_layer_max_distance_m), 1)
        covered = ~np.isnan(value)
        name = Path(s.air_layer_path or "the air layer").name  # set: the settings validator requires it here
        text = select([covered], [
            cat("; ", s.air_layer_column.upper(), " ≈ ", fmt(value, "{:.1f}"), " µg/m³ (", name,
                ") vs ", limit),
        ], f"; air: unknown ({name} does not cover this segment within {s.air_layer_max_distance_m:g} m)", n)
        verdict = air_verdict(value, value, has_facade, s.air_limit_ugm3)
        return verdict, text, value, value
    why = "air_mode=off" if s.air_mode == "off" else "no air layer loaded"
    nan = np.full(n, np.nan)
    return np.full(n, "unknown", dtype=object), np.full(n, f"; air: unknown ({why})", dtype=object), nan, nan


def air_verdict(low: np.ndarray, high: np.ndarray, has_facade: np.ndarray, limit: float) -> np.ndarray:
    """Air part of C3 from an estimate's range: pass without a façade or when even ``high`` is within
    ``limit``, fail when even ``low`` exceeds it, unknown in between or without a value (NaN)."""
    return np.where(~has_facade | (high <= limit), "pass",
                    np.where(low > limit, "fail", "unknown")).astype(object)


def noise_verdict(lden50: np.ndarray, known: np.ndarray, limit_db: float) -> np.ndarray:
    """The noise part of C3 at ``limit_db``: unknown without façade data, pass without a façade
    within reach (NaN level), fail above the limit."""
    return np.where(~known, "unknown",
                    np.where(np.isnan(lden50), "pass",
                             np.where(lden50 > limit_db, "fail", "pass"))).astype(object)


def criterion_c3(edges: pd.DataFrame, net: Network, s: RuleSettings, air_layer: gpd.GeoDataFrame | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """C3: noise (Lden at 50 km/h at the nearest façade) and air quality are acceptable.

    Returns
    -------
    verdict, evidence : numpy.ndarray
        The combined criterion and its text.
    lden50 : numpy.ndarray
        Estimated Lden at the nearest façade at 50 km/h (NaN without a façade within reach).
    noise, air : numpy.ndarray
        The two parts' verdicts (kept so that other limits can be tried cheaply).
    no2 : numpy.ndarray
        Shape (2, n): low and high NO2 estimate (µg/m³); NaN without a façade within reach (air is
        then no concern, ``air`` says pass) or where no estimate exists (``air`` says unknown).
    """
    n = len(edges)
    dist, known, basis = facade_distance(edges, net, s)
    q = daily_traffic(edges, s)
    heavy = nz.class_lookup(strings(edges, "highway"), s.heavy_share_by_class, s.heavy_share_other)
    kw = dict(reference_distance_m=s.noise_reference_distance_m,
              min_distance_m=s.noise_min_distance_m, den_correction_db=s.noise_den_correction_db)
    lden50 = nz.lden_db(q, np.full(n, float(s.high_speed_kmh)), dist, heavy, **kw)
    lden30 = nz.lden_db(q, np.full(n, float(s.default_speed_kmh)), dist, heavy, **kw)
    # judged at the precision shown (0.1 dB, 0.1 µg/m³), so that c3_sensitivity on the kept
    # columns reproduces the run's own verdicts exactly
    lden50 = np.where(known, np.round(lden50, 1), np.nan)
    noise = noise_verdict(lden50, known, s.noise_threshold_lden_db)
    has_facade = ~np.isnan(dist)
    air, air_txt, no2_low, no2_high = air_quality(edges, dist, q, s, air_layer)
    air = np.where(known, air, "unknown").astype(object)
    verdict = combine(noise, air)
    no2 = np.vstack([np.where(has_facade, no2_low, np.nan), np.where(has_facade, no2_high, np.nan)])

    where = ("nearest building" if basis == "buildings" else "façade assumed next to residential landuse")
    noise_txt = cat(
        "Lden ≈ ", fmt(lden50), " dB at 50 km/h (≈ ", fmt(lden30), " dB at 30) at ", fmt(dist),
        " m (", where, "), ~", fmt(q), " vehicles/day (", _traffic_label(edges), "); limit ",
        limit_label(s.noise_threshold_lden_db, NOISE_LIMITS, "dB"))
    no_data = ("no building data and not next to residential landuse: façade distance unknown"
               if basis == "landuse" else
               "no building or landuse data: façade distance unknown (load the buildings file)")
    evidence = select([~known, ~has_facade], [
        no_data, f"no building within {s.facade_search_m:.0f} m of the road",
    ], cat(noise_txt, air_txt), n)
    return verdict, evidence, lden50, noise, air, no2
