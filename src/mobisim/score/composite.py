"""One 0–100 score: the weighted mean of the 0–1 parts, and the safety-gain part."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.score.result import ScoreResult, rounded, score_result
from mobisim.score.settings import ScoreSettings

__all__ = ["COMPOSITE_FORMULA", "composite", "composite_parts", "safety_gain"]

COMPOSITE_FORMULA = (
    "composite = 100 · Σ wᵢ·pᵢ / Σ wᵢ over the parts pᵢ ∈ [0, 1] that are available; "
    "parts: toets_all, toets_school_routes, safe_crossings, school_children_safe (shares), "
    "fatal_serious = clip(−Δ fatal+serious / safety_gain_target, 0, 1) (0 for today: no speed change)"
)


def safety_gain(power: ScoreResult, settings: ScoreSettings | None = None) -> float | None:
    """The ``fatal_serious`` composite part: ``clip(−Δ_fatal_serious / target, 0, 1)``.

    Parameters
    ----------
    power : ScoreResult
        A :func:`mobisim.score.power_model` result (only ``value["fatal_serious"]`` is read).
    settings : ScoreSettings, optional
        For ``safety_gain_target``.

    Returns
    -------
    float or None
        In [0, 1]; ``None`` when the change is not known.
    """
    s = settings or ScoreSettings()
    change = power["value"].get("fatal_serious")
    if change is None:
        return None
    return float(np.clip(-change / s.safety_gain_target, 0.0, 1.0)) + 0.0  # no "-0.0"


def composite_parts(
    toets: ScoreResult | None = None,
    power: ScoreResult | None = None,
    school: ScoreResult | None = None,
    settings: ScoreSettings | None = None,
) -> dict[str, float | None]:
    """Collect the 0–1 composite parts from the results of the other score functions.

    ``power=None`` means *no speed change against today* (the before state): its
    ``fatal_serious`` part is 0, so today's composite and a scenario's are on the same scale
    and a scenario gains exactly what its speed changes are worth. A missing ``toets`` or
    ``school`` leaves those parts out (``None``; the weights are renormalised).

    Parameters
    ----------
    toets, power, school : ScoreResult, optional
        Results of :func:`~mobisim.score.toets_rates`, :func:`~mobisim.score.power_model` and
        :func:`~mobisim.score.school_children_safe`.
    settings : ScoreSettings, optional
        For the safety-gain target.

    Returns
    -------
    dict
        Part name (a field of :class:`~mobisim.score.CompositeWeights`) → value in [0, 1] or ``None``.
    """
    tv = toets["value"] if toets else {}
    return {
        "toets_all": tv.get("all"),
        "toets_school_routes": tv.get("school_routes"),
        "safe_crossings": tv.get("crossings"),
        "school_children_safe": school["value"] if school else None,
        "fatal_serious": safety_gain(power, settings) if power else 0.0,
    }


def composite(parts: dict[str, float | None], settings: ScoreSettings | None = None) -> ScoreResult:
    """One 0–100 score: the weighted mean of the available 0–1 parts.

    Parameters
    ----------
    parts : dict
        Part name (a field of :class:`CompositeWeights`) → value in [0, 1], or ``None`` when the
        part could not be computed (it is then left out and the weights renormalised; the
        inputs list it under ``missing``).
    settings : ScoreSettings, optional

    Returns
    -------
    ScoreResult
        ``value`` = the score (0–100, one decimal; ``None`` when no part is available).

    Raises
    ------
    ValueError
        On an unknown part name or a value outside [0, 1].
    """
    s = settings or ScoreSettings()
    weights = s.composite_weights.model_dump()
    unknown = sorted(set(parts) - set(weights))
    if unknown:
        raise ValueError(f"unknown composite part(s) {unknown}; expected {sorted(weights)}")
    used = {k: float(v) for k, v in parts.items() if v is not None and not pd.isna(v)}
    bad = {k: v for k, v in used.items() if not 0.0 <= v <= 1.0}
    if bad:
        raise ValueError(f"composite parts must lie in [0, 1], got {bad}")
    w_sum = sum(weights[k] for k in used)
    value = rounded(100.0 * sum(weights[k] * v for k, v in used.items()) / w_sum, 1) if w_sum > 0 else None
    inputs = {
        "parts": {k: rounded(p) if (p := parts.get(k)) is not None else None for k in weights},
        "weights": weights,
        "missing": sorted(k for k in weights if k not in used),
        "safety_gain_target": s.safety_gain_target,
    }
    return score_result(value, "score 0–100 (higher = safer)", COMPOSITE_FORMULA, inputs)
