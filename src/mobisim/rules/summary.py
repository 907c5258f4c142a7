"""Summaries of the 30/50 outcome: km per tier, per deciding criteria, and C3's sensitivity to its limits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.rules.c3 import air_verdict, noise_verdict
from mobisim.rules.criteria import combine, tiers
from mobisim.rules.settings import AIR_LIMITS, TIERS, RuleSettings

__all__ = ["c3_sensitivity", "deciding_lengths", "tier_lengths"]


def _criteria(edges: pd.DataFrame) -> dict[str, np.ndarray]:
    return {k: edges[col].astype("string").fillna("").to_numpy(dtype=object)
            for k, col in (("c1", "c1_cycle_path"), ("c2", "c2_sensitive_sites"), ("c3", "c3_air_noise"),
                           ("c4", "c4_crossable"))}


def tier_lengths(edges: pd.DataFrame) -> dict[str, float]:
    """Km of the judged roads per tier (``keep_50``, ``50_if_shown``, ``to_30``)."""
    if "regime_tier" not in edges.columns:
        return {t: 0.0 for t in TIERS}
    km = edges["length"].astype(float) / 1000.0
    by = km.groupby(edges["regime_tier"].astype("string")).sum()
    return {t: round(float(by.get(t, 0.0)), 3) for t in TIERS}


def deciding_lengths(edges: pd.DataFrame) -> pd.DataFrame:
    """Km per tier and deciding criteria (the failing ones for ``to_30``, the unknown ones for
    ``50_if_shown``), most km first."""
    cols = ["tier", "criteria", "km"]
    if "regime_tier" not in edges.columns:
        return pd.DataFrame(columns=cols)
    judged = edges["regime_tier"].notna().to_numpy()
    e = edges[judged]
    frame = pd.DataFrame({"tier": e["regime_tier"].astype(str), "criteria": e["regime_deciding"].fillna("").astype(str),
                          "km": e["length"].astype(float) / 1000.0})
    out = frame.groupby(["tier", "criteria"]).agg(km=("km", "sum")).reset_index()
    return out.sort_values("km", ascending=False).reset_index(drop=True)[cols]


def c3_sensitivity(edges: pd.DataFrame, noise_limits_db: list[float] | None = None,
                   air_limits_ugm3: list[float] | None = None) -> pd.DataFrame:
    """Km per tier if C3's noise or air limit were another value, every other verdict as it is.

    Uses the kept ``noise_lden_db`` / ``c3_noise`` (whether the noise is known) and the NO2
    estimate range ``no2_low_ugm3`` / ``no2_high_ugm3``, so no level is recomputed: one row per
    noise limit (air at the run's verdicts), then one per air limit (noise at the run's verdicts).

    Returns
    -------
    pandas.DataFrame
        ``varied`` (``noise`` or ``air``), ``limit``, ``keep_50_km``, ``50_if_shown_km``,
        ``to_30_km`` and ``fail_km`` (km where that part fails).
    """
    cols = ["varied", "limit", "keep_50_km", "50_if_shown_km", "to_30_km", "fail_km"]
    if "regime_tier" not in edges.columns or "c3_noise" not in edges.columns:
        return pd.DataFrame(columns=cols)
    e = edges[edges["regime_tier"].notna().to_numpy()]
    c = _criteria(e)
    noise0 = e["c3_noise"].astype("string").fillna("unknown").to_numpy(dtype=object)
    air0 = e["c3_air"].astype("string").fillna("unknown").to_numpy(dtype=object)
    known = noise0 != "unknown"
    lden = e["noise_lden_db"].astype(float).to_numpy()
    low, high = (e[k].astype(float).to_numpy() for k in ("no2_low_ugm3", "no2_high_ugm3"))
    no_value = np.isnan(low)  # no façade within reach (air pass) or no estimate (air unknown)
    km = e["length"].astype(float).to_numpy() / 1000.0
    rows = []
    for varied, limits in (("noise", noise_limits_db or RuleSettings().noise_sensitivity_db),
                           ("air", air_limits_ugm3 or sorted({v for v, _ in AIR_LIMITS.values()}))):
        for limit in limits:
            if varied == "noise":
                part = noise_verdict(lden, known, float(limit))
                c3 = combine(part, air0)
            else:
                part = np.where(no_value, air0, air_verdict(low, high, np.ones(len(e), dtype=bool), float(limit)))
                part = np.where(known, part, "unknown").astype(object)
                c3 = combine(noise0, part)
            t = tiers({**c, "c3": c3}, np.ones(len(e), dtype=bool))
            rows.append({"varied": varied, "limit": float(limit),
                         **{f"{k}_km": float(km[t == k].sum()) for k in TIERS},
                         "fail_km": float(km[part == "fail"].sum())})
    return pd.DataFrame(rows, columns=cols)
