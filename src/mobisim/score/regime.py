"""Road length by speed regime (30 / 50 / other), before and after, and the outcomes of the 30/50 rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mobisim.score.result import ScoreResult, limit_band, road_mask, rounded, score_result

if TYPE_CHECKING:
    from mobisim.rules import RuleSettings

__all__ = ["REGIME_FORMULA", "TIERS_FORMULA", "regime_change", "regime_lengths", "regime_tiers"]

REGIME_FORMULA = (
    "km(regime) = Σ length of motor-road segments (is_road) whose limit falls in the regime "
    "(30: ≤ 30 km/h incl. 15; 50: 31–50; other: > 50; unknown: no limit) / 1000"
)

TIERS_FORMULA = (
    "km(tier) = Σ length of today's roads above 30 km/h inside the area and in scope, by outcome: "
    "keep_50 (C1–C4 all pass), 50_if_shown (none fails, ≥ 1 unknown: 30 until shown), to_30 (any "
    "fails) / 1000; by_criteria: km per tier and deciding criteria; c3_sensitivity: the same km if "
    "C3's noise or air limit were another value (kept levels, no recomputation)"
)


def regime_lengths(edges: pd.DataFrame, limit_col: str = "maxspeed") -> ScoreResult:
    """Road length (km) by speed regime.

    Parameters
    ----------
    edges : DataFrame
        Segments with ``length`` (m), the limit column and ``is_road`` (when present).
    limit_col : str
        Limit to classify: ``"maxspeed"`` for today's limits (or after interventions),
        ``"proposed_maxspeed"`` for the programme's 30/50 rule.

    Returns
    -------
    ScoreResult
        ``value`` = ``{"30": km, "50": km, "other": km, "unknown": km}``.
    """
    roads = road_mask(edges, limit_col)
    band = limit_band(edges.loc[roads, limit_col])
    km = edges.loc[roads, "length"].astype(float).groupby(band).sum() / 1000.0
    value = {k: rounded(km.get(k, 0.0), 3) for k in ("30", "50", "other", "unknown")}
    inputs = {
        "limit_column": limit_col,
        "road_segments": int(roads.sum()),
        "road_km": rounded(edges.loc[roads, "length"].astype(float).sum() / 1000.0, 3),
    }
    return score_result(value, "km", REGIME_FORMULA, inputs)


def regime_change(
    edges_before: pd.DataFrame,
    edges_after: pd.DataFrame,
    *,
    before_col: str = "maxspeed",
    after_col: str = "maxspeed",
) -> ScoreResult:
    """Road length by regime before → after, and the difference (km).

    Parameters
    ----------
    edges_before, edges_after : DataFrame
        The segments before and after the scenario (see :func:`regime_lengths`).
    before_col, after_col : str
        The limit column of each frame.

    Returns
    -------
    ScoreResult
        ``value`` = ``{"before": {...}, "after": {...}, "change": {...}}``, km per regime.
    """
    before = regime_lengths(edges_before, before_col)
    after = regime_lengths(edges_after, after_col)
    delta = {k: rounded(after["value"][k] - before["value"][k], 3) for k in before["value"]}
    return score_result(
        {"before": before["value"], "after": after["value"], "change": delta},
        "km",
        REGIME_FORMULA + "; change = after − before",
        {"before": before["inputs"], "after": after["inputs"]},
    )


def regime_tiers(edges: pd.DataFrame, rule_settings: RuleSettings | None = None) -> ScoreResult:
    """Km of the judged roads per outcome of the 30/50 rule, per deciding criteria, and how they
    move with C3's limits (:func:`mobisim.rules.c3_sensitivity`).

    Parameters
    ----------
    edges : DataFrame
        Segments with the regime columns of :func:`mobisim.rules.evaluate_regime`.
    rule_settings : RuleSettings, optional
        For the limits in force and the noise limits to try.

    Returns
    -------
    ScoreResult
        ``value`` = the km per tier, ``by_criteria`` and ``c3_sensitivity`` rows.
    """
    from mobisim import rules  # the rule step's tables, only when its tiers are scored

    rs = rule_settings or rules.RuleSettings()
    value = rules.tier_lengths(edges)
    deciding = rules.deciding_lengths(edges)
    # the named limits and the run's own, so the table always holds the run itself
    noise = sorted({*rs.noise_sensitivity_db, rs.noise_threshold_lden_db})
    air = sorted({*(v for v, _ in rules.AIR_LIMITS.values()), rs.air_limit_ugm3})
    sens = rules.c3_sensitivity(edges, noise, air)
    return score_result(
        {**value,
         "by_criteria": [{"tier": r.tier, "criteria": r.criteria, "km": rounded(r.km, 3)}
                         for r in deciding.itertuples(index=False)],
         "c3_sensitivity": [{k: (rounded(v, 3) if isinstance(v, float) else v) for k, v in row.items()}
                            for row in sens.to_dict("records")]},
        "km", TIERS_FORMULA,
        {"noise_limit_db": rs.noise_threshold_lden_db, "air_limit_ugm3": rs.air_limit_ugm3,
         "air_mode": rs.air_mode, "sensitive_distance_m": rs.sensitive_distance_m,
         "crossing_max_gap_m": rs.crossing_max_gap_m},
    )
