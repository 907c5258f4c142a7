"""Safety scores: documented formulas on the evaluated frames, each number with its inputs.

This is the *score* step. Every function here is pure: it reads columns of the evaluated
``net.edges`` / ``net.nodes`` frames (see ``docs/data-model.md`` and the cross-module contract)
and returns a :data:`ScoreResult` — a JSON-ready ``dict`` with

- ``value``: the number (or a dict of numbers, e.g. one per severity),
- ``unit``: what the number measures,
- ``formula``: the formula in words and symbols, shown next to the number,
- ``inputs``: every input the number was computed from (lengths, counts, settings used).

A number is never shown without its inputs. :func:`explain_scores` prints every formula with
the settings in force (``mobisim explain-scores``).

Scores
------
- :func:`regime_lengths` / :func:`regime_change`: road length by speed regime (30/50/other).
- :func:`power_model`: expected relative change in fatal, fatal+serious and all-injury crashes
  from the speed-limit changes (Nilsson's Power Model), weighted by exposure.
- :func:`toets_rates`: 8-jarigen-toets (8-year-old test) pass rate by length on all evaluated
  segments and on school routes, and the share of safe crossings.
- :func:`school_children_safe`: share of children with a fully child-safe route to school.
- :func:`parking_space`: car spaces freed by the horizon and the street area re-used.
- :func:`composite`: one 0–100 score, a weighted mean of 0–1 parts, formula shown.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator

from mobisim.rules.driven_speed import ENFORCED_BASES, FractionRange, Range, basis_mask
from mobisim.rules.noise import DAILY_TRAFFIC_BY_CLASS, DAILY_TRAFFIC_OTHER, estimate_daily_traffic
from mobisim.settings_base import DailyTraffic, Settings

__all__ = [
    "DEFAULT_EXPOSURE",
    "CompositeWeights",
    "PowerExponents",
    "ScoreResult",
    "ScoreSettings",
    "composite",
    "composite_parts",
    "explain_scores",
    "parking_space",
    "power_model",
    "regime_change",
    "regime_lengths",
    "regime_tiers",
    "safety_gain",
    "school_children_safe",
    "toets_rates",
]

#: A score: ``{"value": ..., "unit": str, "formula": str, "inputs": dict}`` (JSON-ready).
ScoreResult = dict[str, Any]

#: Motor vehicles per day on a typical road of each OSM highway class, the exposure weight
#: (vehicle-km per km of road per day) of :func:`power_model`. The same assumption the rules, the
#: toets and the noise estimate use (:data:`mobisim.rules.noise.DAILY_TRAFFIC_BY_CLASS`: order-of-
#: magnitude figures for Dutch urban roads, not counts), so one table drives every estimate.
#: A segment's own ``daily_traffic`` (set e.g. by ``close_through_traffic``) takes precedence.
DEFAULT_EXPOSURE: dict[str, float] = dict(DAILY_TRAFFIC_BY_CLASS)

_SEVERITIES = ("fatal", "fatal_serious", "injury")

#: A share of the road victims or a weight (shares or percentages: both are normalised).
Weight = Annotated[float, Field(ge=0, le=100)]


class PowerExponents(Settings):
    """Exponents ``k`` of the Power Model ``N1/N0 = (v1/v0)^k`` per crash severity."""

    fatal: float = Field(
        4.0, gt=0, le=10,
        description="Fatal crashes. Source: Nilsson (2004), Power Model, k = 4.",
    )
    fatal_serious: float = Field(
        3.0, gt=0, le=10,
        description="Fatal + serious injury crashes. Source: Nilsson (2004), k = 3.",
    )
    injury: float = Field(
        2.0, gt=0, le=10,
        description=(
            "All injury crashes. Source: Nilsson (2004), k = 2. Cameron & Elvik (2010) found the "
            "model fits urban arterials less well (lower exponents); set them here to test that."
        ),
    )


class CompositeWeights(Settings):
    """Weights of the 0–1 parts of the composite score (any non-negative numbers; normalised).

    The defaults are this model's policy choice (children's safety first), not a published
    weighting: a scenario states its own in ``[scores.composite_weights]``.
    """

    toets_all: float = Field(
        0.2, ge=0, le=100, description="8-jarigen-toets pass rate by length, all evaluated segments.",
    )
    toets_school_routes: float = Field(
        0.2, ge=0, le=100, description="8-jarigen-toets pass rate by length on school routes.",
    )
    safe_crossings: float = Field(
        0.15, ge=0, le=100, description="Share of crossings that pass the toets.",
    )
    school_children_safe: float = Field(
        0.25, ge=0, le=100, description="Share of children with a fully child-safe route to school.",
    )
    fatal_serious: float = Field(
        0.2, ge=0, le=100,
        description="Safety gain from speed changes: see `safety_gain_target` (0 = none, 1 = target met).",
    )


class ScoreSettings(Settings):
    """Settings of the score step (``[scores]`` in a scenario file). Every field has a default."""

    exposure_vehicles_per_day: dict[str, DailyTraffic] = Field(
        default_factory=lambda: dict(DEFAULT_EXPOSURE),
        description=(
            "Motor vehicles per day by OSM highway class (= vehicle-km per km of road per day), "
            "the exposure weight of the Power Model. Entries given in a scenario replace the "
            "default of that class only. Source: the project's traffic assumption "
            "(mobisim.rules.noise.DAILY_TRAFFIC_BY_CLASS, as in [rules]/[toets]); replace with counts."
        ),
    )
    exposure_other_vehicles_per_day: float = Field(
        DAILY_TRAFFIC_OTHER, ge=0, le=1_000_000,
        description="Exposure of a road whose class is not in `exposure_vehicles_per_day`. Assumption.",
    )
    power_exponents: PowerExponents = Field(
        default_factory=PowerExponents,
        description="Power Model exponents. Source: Nilsson (2004): 4 fatal, 3 fatal+serious, 2 injury.",
    )
    speed_response_sign_only: FractionRange = Field(
        default_factory=lambda: FractionRange(low=0.0625, central=0.125, high=0.25),
        description=(
            "Where only the sign changes, mean speed moves by this fraction of the limit change. "
            "Central 0.125 = −5 % mean speed for 50→30: Amsterdam one year after 30 became the norm "
            "(Gemeente Amsterdam, Evaluatie 30 km/u, 2024); high 0.25 = −10 %, what Amsterdam saw on "
            "long straight roads (and the low end of SWOV's 'a quarter to a half'); low 0.0625 = half "
            "of Amsterdam's effect (assumption: a first-year effect that fades)."
        ),
    )
    speed_response_redesign: FractionRange = Field(
        default_factory=lambda: FractionRange(low=0.29, central=0.34, high=0.6),
        description=(
            "Where the street is redesigned (calming plan, `calm`, a design that enforces the limit), "
            "mean speed moves by this fraction of the limit change. Calibrated so that the Power "
            "Model gives SWOV's measured effect of turning a 50-area into a 30-zone with humps and "
            "narrowings: −22 % injury crashes (low; Vis & Kaal, 150 Dutch zones), −25 % (central; "
            "SWOV fact sheet Zones 30), −42 % (high; London 20 mph zones, Grundy et al. 2009)."
        ),
    )
    exposure_weighting: Literal["casualties", "vehicle_km"] = Field(
        "casualties",
        description=(
            "How roads are weighted in the city-wide change. `casualties`: each limit band (≤30, "
            "31–50, >50 km/h today) counts with its share of the road victims "
            "(`casualty_share_by_limit`), vehicle-km within a band; `vehicle_km`: vehicle-km only. "
            "Only roads in scope of the city's rule count either way (no motorways)."
        ),
    )
    casualty_share_by_limit: dict[Literal["30", "50", "other"], Weight] = Field(
        default_factory=lambda: {"30": 0.2, "50": 0.75, "other": 0.05},
        description=(
            "Share of the road victims by today's limit band (normalised over the bands present). "
            "50: 0.75 — Den Haag, Kiezen voor Verkeersveiligheid 2030 (2020): over 75 % of the "
            "victims fell on 50 km/h roads; 30 / other: the rest split by assumption."
        ),
    )
    mean_speed_ratio_before: float = Field(
        1.0, gt=0, le=2,
        description="Mean speed before, as a multiple of the limit before (1.0 = drivers keep to the limit). Assumption.",
    )
    safety_gain_target: float = Field(
        0.3, gt=0, le=1,
        description=(
            "Reduction of fatal+serious crashes that earns the full `fatal_serious` part of the "
            "composite (0.3 = −30 %). A policy choice, not a published figure."
        ),
    )
    composite_weights: CompositeWeights = Field(
        default_factory=CompositeWeights,
        description="Weights of the composite parts (normalised over the parts that are available).",
    )

    @field_validator("exposure_vehicles_per_day", mode="before")
    @classmethod
    def _merge_exposure_defaults(cls, value: Any) -> Any:
        """A scenario that names some classes keeps the defaults of the others."""
        if isinstance(value, dict):
            return {**DEFAULT_EXPOSURE, **value}
        return value


# --------------------------------------------------------------------------------------------
# helpers


def _result(value: Any, unit: str, formula: str, inputs: dict[str, Any]) -> ScoreResult:
    return {"value": value, "unit": unit, "formula": formula, "inputs": inputs}


def _num(x: float | np.floating | None, digits: int = 6) -> float | None:
    """A plain, rounded float for JSON (``None`` for NaN/NA)."""
    if x is None or pd.isna(x):
        return None
    return round(float(x), digits)


def _roads(edges: pd.DataFrame, limit_col: str = "maxspeed") -> pd.Series:
    """Boolean mask of motor-road segments (``is_road`` when present, else a known limit)."""
    if "is_road" in edges.columns:
        return edges["is_road"].fillna(False).astype(bool)
    return edges[limit_col].notna()


def _limit_class(limit: pd.Series) -> pd.Series:
    """``"30"`` (≤ 30 km/h, incl. 15), ``"50"`` (31–50), ``"other"`` (> 50), ``"unknown"`` (NA)."""
    lim = pd.to_numeric(limit, errors="coerce").astype("Float64")
    out = pd.Series("unknown", index=limit.index, dtype="object")
    out[(lim <= 30).fillna(False).to_numpy(bool)] = "30"
    out[((lim > 30) & (lim <= 50)).fillna(False).to_numpy(bool)] = "50"
    out[(lim > 50).fillna(False).to_numpy(bool)] = "other"
    return out


# --------------------------------------------------------------------------------------------
# road length by regime

REGIME_FORMULA = (
    "km(regime) = Σ length of motor-road segments (is_road) whose limit falls in the regime "
    "(30: ≤ 30 km/h incl. 15; 50: 31–50; other: > 50; unknown: no limit) / 1000"
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
    roads = _roads(edges, limit_col)
    cls = _limit_class(edges.loc[roads, limit_col])
    km = edges.loc[roads, "length"].astype(float).groupby(cls).sum() / 1000.0
    value = {k: _num(km.get(k, 0.0), 3) for k in ("30", "50", "other", "unknown")}
    inputs = {
        "limit_column": limit_col,
        "road_segments": int(roads.sum()),
        "road_km": _num(edges.loc[roads, "length"].astype(float).sum() / 1000.0, 3),
    }
    return _result(value, "km", REGIME_FORMULA, inputs)


def regime_change(
    edges_before: pd.DataFrame,
    edges_after: pd.DataFrame,
    *,
    before_col: str = "maxspeed",
    after_col: str = "maxspeed",
) -> ScoreResult:
    """Road length by regime before → after, and the difference (km)."""
    before = regime_lengths(edges_before, before_col)
    after = regime_lengths(edges_after, after_col)
    delta = {k: _num(after["value"][k] - before["value"][k], 3) for k in before["value"]}
    return _result(
        {"before": before["value"], "after": after["value"], "change": delta},
        "km",
        REGIME_FORMULA + "; change = after − before",
        {"before": before["inputs"], "after": after["inputs"]},
    )


TIERS_FORMULA = (
    "km(tier) = Σ length of today's roads above 30 km/h inside the area and in scope, by outcome: "
    "keep_50 (C1–C4 all pass), 50_if_shown (none fails, ≥ 1 unknown: 30 until shown), to_30 (any "
    "fails) / 1000; by_criteria: km per tier and deciding criteria; c3_sensitivity: the same km if "
    "C3's noise or air limit were another value (kept levels, no recomputation)"
)


def regime_tiers(edges: pd.DataFrame, rule_settings: Any = None) -> ScoreResult:
    """Km of the judged roads per outcome of the 30/50 rule, per deciding criteria, and how they
    move with C3's limits (:func:`mobisim.rules.c3_sensitivity`).

    Parameters
    ----------
    edges : DataFrame
        Segments with the regime columns of :func:`mobisim.rules.evaluate_regime`.
    rule_settings : RuleSettings, optional
        For the limits in force and the noise limits to try.
    """
    from mobisim import rules

    rs = rule_settings or rules.RuleSettings()
    value = rules.tier_lengths(edges)
    deciding = rules.deciding_lengths(edges)
    # the named limits and the run's own, so the table always holds the run itself
    noise = sorted({*rs.noise_sensitivity_db, rs.noise_threshold_lden_db})
    air = sorted({*(v for v, _ in rules.AIR_LIMITS.values()), rs.air_limit_ugm3})
    sens = rules.c3_sensitivity(edges, noise, air)
    return _result(
        {**value,
         "by_criteria": [{"tier": r.tier, "criteria": r.criteria, "km": _num(r.km, 3)}
                         for r in deciding.itertuples(index=False)],
         "c3_sensitivity": [{k: (_num(v, 3) if isinstance(v, float) else v) for k, v in row.items()}
                            for row in sens.to_dict("records")]},
        "km", TIERS_FORMULA,
        {"noise_limit_db": rs.noise_threshold_lden_db, "air_limit_ugm3": rs.air_limit_ugm3,
         "air_mode": rs.air_mode, "sensitive_distance_m": rs.sensitive_distance_m,
         "crossing_max_gap_m": rs.crossing_max_gap_m},
    )


# --------------------------------------------------------------------------------------------
# Power Model

POWER_FORMULA = (
    "v0 = r·L0, v1 = v0 + f·(L1 − L0) (mean speed before/after from the limits L0/L1, "
    "r = mean_speed_ratio_before; f = speed_response_redesign where the street is redesigned or its "
    "design enforces the limit (driven_speed_basis = redesign/design), else speed_response_sign_only); "
    "w0, w1 = length_km · vehicles/day before and after (the traffic model's volumes where it ran, "
    "else the class table); roads in scope of the city's rule only (no motorways, no national routes); "
    "per band b of today's limit (≤30, 31–50, >50): R_b = Σ w1·(v1/v0)^k / Σ w0 (R_b = 1 for a band "
    "without roads in scope: its victims see no change); N1/N0 = Σ_b c_b·R_b with c_b = "
    "casualty_share_by_limit normalised (exposure_weighting = casualties: the change in all road "
    "victims) or c_b = Σ_b w0 / Σ w0 (vehicle_km); change = N1/N0 − 1; k = 4 fatal, 3 fatal+serious, 2 all "
    "injury (Nilsson 2004); low/central/high: f at its low/central/high value"
)

#: Regimes of :func:`mobisim.rules.evaluate` / :func:`mobisim.pipeline.today_regime` outside the
#: city's rule: their exposure is left out of the Power Model.
OUT_OF_SCOPE_REGIMES = ("outside_area", "not_road", "out_of_scope")
_CASES = ("low", "central", "high")


def _in_scope(edges: pd.DataFrame) -> np.ndarray:
    """Roads in scope of the city's rule (``regime`` not out of scope; all when absent)."""
    if "regime" not in edges.columns:
        return np.ones(len(edges), dtype=bool)
    return ~edges["regime"].astype("string").isin(OUT_OF_SCOPE_REGIMES).fillna(False).to_numpy(bool)


def power_model(
    edges_before: pd.DataFrame,
    edges_after: pd.DataFrame,
    settings: ScoreSettings | None = None,
    *,
    before_col: str = "maxspeed",
    after_col: str = "maxspeed",
    redesigned: np.ndarray | None = None,
) -> ScoreResult:
    """Expected relative change in crashes from the speed changes (Nilsson's Power Model).

    The two frames are the same segments (aligned on their index, ``edge_id``) before and after
    the scenario. Roads are ``is_road`` segments of the *before* frame in scope of the city's rule
    (``regime`` not ``out_of_scope``: motorways and national routes are the state's, not the
    city's) with a known limit in both frames. Mean speed follows a limit change by the
    sign-only or the redesign response (:class:`ScoreSettings`); roads are weighted by their limit
    band's share of the victims (or by vehicle-km).

    Parameters
    ----------
    edges_before, edges_after : DataFrame
        ``length`` (m), ``highway``, the limit columns, optionally ``regime`` (before) and
        ``driven_speed_basis`` (after: which roads are redesigned).
    settings : ScoreSettings, optional
        Exposure, weighting, exponents and speed responses (defaults when omitted).
    before_col, after_col : str
        Limit columns: typically ``maxspeed`` before and ``proposed_maxspeed`` after when the
        programme's 30/50 rule is on (``maxspeed`` when only interventions change limits).
    redesigned : numpy.ndarray of bool, optional
        Aligned with ``edges_after``: the roads redesigned (overrides ``driven_speed_basis``;
        all False = signs only).

    Returns
    -------
    ScoreResult
        ``value`` = ``{"fatal": Δ, "fatal_serious": Δ, "injury": Δ}`` as fractions
        (−0.12 = 12 % fewer crashes) at the central speed responses; ``range`` = the same at
        the low and high responses, ``{"fatal_serious": [lowest, highest], ...}``.
    """
    s = settings or ScoreSettings()
    roads = _roads(edges_before, before_col).to_numpy(bool) & _in_scope(edges_before)
    all_roads = _roads(edges_before, before_col).to_numpy(bool)
    idx = edges_before.index[roads]
    l0 = pd.to_numeric(edges_before.loc[idx, before_col], errors="coerce").astype("Float64")
    l1 = pd.to_numeric(edges_after[after_col].reindex(idx), errors="coerce").astype("Float64")
    known = (l0.notna() & l1.notna() & (l0 > 0)).fillna(False).to_numpy(bool)
    l0 = l0[known].to_numpy(float)
    l1 = l1[known].to_numpy(float)
    used = idx[known]
    length_km = edges_before.loc[used, "length"].to_numpy(float) / 1000.0
    # a segment's own ``daily_traffic`` (a count, or an intervention) wins over the class table
    intensity = estimate_daily_traffic(
        edges_before.loc[used].drop(columns="mode_drive", errors="ignore"),
        s.exposure_vehicles_per_day, s.exposure_other_vehicles_per_day,
    )
    intensity = _on_carriageway(edges_before.loc[used], intensity)
    w = length_km * intensity
    # the traffic after the scenario (moved by closures and new limits) where it was modelled:
    # crashes scale with exposure as well as with speed
    intensity_after = estimate_daily_traffic(
        edges_after.loc[used].drop(columns="mode_drive", errors="ignore"),
        s.exposure_vehicles_per_day, s.exposure_other_vehicles_per_day,
    ) if "daily_traffic" in edges_after.columns else intensity
    w1 = length_km * _on_carriageway(edges_after.loc[used], intensity_after)
    if redesigned is None:
        enforced = basis_mask(edges_after.loc[used], ENFORCED_BASES)
    else:
        enforced = pd.Series(np.asarray(redesigned, dtype=bool), index=edges_after.index).reindex(used) \
            .fillna(False).to_numpy(bool)
    band = _limit_class(pd.Series(l0, index=used)).to_numpy()
    v0 = s.mean_speed_ratio_before * l0
    changed = l0 != l1
    exps = s.power_exponents.model_dump()
    share = _band_shares(band, w, s)
    cases: dict[str, dict[str, float | None]] = {}
    ratios: dict[str, np.ndarray] = {}
    for case in _CASES:
        f = np.where(enforced, s.speed_response_redesign.value(case), s.speed_response_sign_only.value(case))
        ratios[case] = np.maximum(v0 + f * (l1 - l0), 1.0) / v0
        cases[case] = {sev: _weighted_change(w, w1, ratios[case] ** exps[sev], band, share)
                       for sev in _SEVERITIES}
    value = cases["central"]
    ratio = ratios["central"]
    transitions = (
        pd.DataFrame({"from": l0.astype(int), "to": l1.astype(int), "km": length_km})[changed]
        .groupby(["from", "to"])["km"].sum()
    )
    out_scope = all_roads & ~_in_scope(edges_before)
    inputs = {
        "limit_columns": [before_col, after_col],
        "speed_response_sign_only": s.speed_response_sign_only.model_dump(),
        "speed_response_redesign": s.speed_response_redesign.model_dump(),
        "mean_speed_ratio_before": s.mean_speed_ratio_before,
        "exponents": exps,
        "exposure_weighting": s.exposure_weighting,
        "band_weights": {k: _num(v) for k, v in share.items()},
        "road_km": _num(length_km.sum(), 3),
        "road_km_unknown_limit": _num(
            edges_before.loc[idx[~known], "length"].astype(float).sum() / 1000.0, 3
        ),
        "road_km_out_of_scope": _num(edges_before.loc[out_scope, "length"].astype(float).sum() / 1000.0, 3),
        "vehicle_km_per_day": _num(w.sum(), 1),
        "vehicle_km_per_day_after": _num(w1.sum(), 1),
        "vehicle_km_per_day_changed": _num(w[changed].sum(), 1),
        "limit_changes_km": {f"{a}->{b}": _num(v, 3) for (a, b), v in transitions.items()},
        "changed_km_redesigned": _num(length_km[changed & enforced].sum(), 3),
        "changed_km_sign_only": _num(length_km[changed & ~enforced].sum(), 3),
        "mean_speed_change_on_changed_roads": _num(
            (w[changed] * (ratio[changed] - 1.0)).sum() / w[changed].sum() if changed.any()
            and w[changed].sum() > 0 else 0.0
        ),
        "change_on_changed_roads": {
            sev: _num((w[changed] * ratio[changed] ** exps[sev]).sum() / w[changed].sum() - 1.0)
            if changed.any() and w[changed].sum() > 0 else 0.0 for sev in _SEVERITIES
        },
        "exposure_vehicles_per_day": dict(s.exposure_vehicles_per_day),
        "exposure_source_vehicle_km": _exposure_sources(edges_before.loc[used], w),
    }
    if changed.any() and w[changed].sum() > 0:  # the same low / high on the changed roads alone
        inputs["change_on_changed_roads_range"] = {
            sev: _span([_num((w[changed] * ratios[c][changed] ** exps[sev]).sum() / w[changed].sum() - 1.0)
                        for c in _CASES]) for sev in _SEVERITIES}
    res = _result(value, "relative change in crashes (fraction)", POWER_FORMULA, inputs)
    res["range"] = {sev: _span([cases[c][sev] for c in _CASES]) for sev in _SEVERITIES}
    return res


def _span(values: list[float | None]) -> list[float] | None:
    known = [v for v in values if v is not None]
    return [min(known), max(known)] if known else None


def _band_shares(band: np.ndarray, w: np.ndarray, s: ScoreSettings) -> dict[str, float]:
    """Weight of each limit band present: its share of the victims, or of the vehicle-km.

    By victims the shares are those of ``casualty_share_by_limit`` normalised over *all* its
    bands: a band with no road in scope (the motorways of ``other``) keeps its victims, who see
    no change (:func:`_weighted_change`), so the result is the change in all road victims.
    """
    present = pd.Series(w).groupby(band).sum()
    present = present[present > 0]
    if present.empty:
        return {}
    c = pd.Series({b: float(v) for b, v in s.casualty_share_by_limit.items()})
    if s.exposure_weighting == "vehicle_km" or c.reindex(present.index).fillna(0).sum() <= 0:
        return (present / present.sum()).to_dict()
    return (c / c.sum()).to_dict()


def _weighted_change(w0: np.ndarray, w1: np.ndarray, factor: np.ndarray, band: np.ndarray,
                     share: dict[str, float]) -> float | None:
    """``Σ_b share_b · R_b − 1`` with ``R_b = Σ_b w1·factor / Σ_b w0`` for the bands with roads and
    ``R_b = 1`` (no change) for a band without any (None without exposure)."""
    if not share:
        return None
    frame = pd.DataFrame({"band": band, "w0": w0, "n1": w1 * factor})
    per = frame.groupby("band")[["w0", "n1"]].sum()
    per = per[per["w0"] > 0]
    ratio = sum(c * (per.loc[b, "n1"] / per.loc[b, "w0"] if b in per.index else 1.0) for b, c in share.items())
    return _num(ratio - 1.0)


def _on_carriageway(edges: pd.DataFrame, intensity: np.ndarray) -> np.ndarray:
    """The vehicles on the segment itself where the traffic model gives them
    (``daily_traffic_carriageway``: one direction on a half of a dual carriageway), so that
    vehicle-km are not counted twice; ``intensity`` elsewhere."""
    if "daily_traffic_carriageway" not in edges.columns:
        return intensity
    own = pd.to_numeric(edges["daily_traffic_carriageway"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    src = edges["daily_traffic_source"].astype("string").eq("model").fillna(False).to_numpy(dtype=bool) \
        if "daily_traffic_source" in edges.columns else np.zeros(len(edges), dtype=bool)
    return np.where(src & ~np.isnan(own), own, intensity)


def _exposure_sources(edges: pd.DataFrame, w: np.ndarray) -> dict[str, float]:
    """Share of the exposure (vehicle-km) by what its traffic figure rests on: ``model`` (the
    traffic model), ``class table``, or an intervention/count."""
    if "daily_traffic_source" not in edges.columns or w.sum() <= 0:
        return {"class table": 1.0}
    src = edges["daily_traffic_source"].astype("string").fillna("default")
    fam = src.str.replace(r":.*$", "", regex=True).replace({"default": "class table"}).to_numpy()
    return {k: _num(v / w.sum()) for k, v in pd.Series(w).groupby(fam).sum().items()}


def safety_gain(power: ScoreResult, settings: ScoreSettings | None = None) -> float | None:
    """The ``fatal_serious`` composite part: ``clip(−Δ_fatal_serious / target, 0, 1)``."""
    s = settings or ScoreSettings()
    change = power["value"].get("fatal_serious")
    if change is None:
        return None
    return float(np.clip(-change / s.safety_gain_target, 0.0, 1.0)) + 0.0  # no "-0.0"


# --------------------------------------------------------------------------------------------
# 8-jarigen-toets

TOETS_FORMULA = (
    "pass rate = Σ length(toets_pass) / Σ length(segments where toets_bike or toets_walk ≠ 'n/a'); "
    "on school routes the same over segments with school_route_children > 0; "
    "per mode over segments where that mode ≠ 'n/a'; "
    "safe crossings = #(is_crossing & toets_crossing = 'pass') / #(is_crossing & toets_crossing ≠ 'n/a')"
)


def _rate(num: float, den: float) -> float | None:
    return _num(num / den) if den > 0 else None


def toets_rates(edges: pd.DataFrame, nodes: pd.DataFrame | None = None) -> ScoreResult:
    """8-jarigen-toets pass rates by length, on all segments and on school routes; safe crossings.

    Parameters
    ----------
    edges : DataFrame
        ``length``, ``toets_bike``, ``toets_walk``, ``toets_pass`` and, when the school step has
        run, ``school_route_children``.
    nodes : DataFrame, optional
        ``is_crossing`` and ``toets_crossing``.

    Returns
    -------
    ScoreResult
        ``value`` = ``{"all": rate, "school_routes": rate, "bike": rate, "walk": rate,
        "crossings": share, "crossings_school_routes": share}`` (0–1; ``None`` where there is
        nothing to rate).
    """
    length = edges["length"].astype(float)
    bike_eval = edges["toets_bike"].ne("n/a").fillna(False).to_numpy(bool)
    walk_eval = edges["toets_walk"].ne("n/a").fillna(False).to_numpy(bool)
    evaluated = bike_eval | walk_eval
    passed = edges["toets_pass"].fillna(False).astype(bool).to_numpy() & evaluated
    if "school_route_children" in edges.columns:
        school = (edges["school_route_children"].astype(float) > 0).fillna(False).to_numpy(bool)
    else:
        school = np.zeros(len(edges), dtype=bool)
    L = length.to_numpy(float)
    bike_pass = edges["toets_bike"].eq("pass").fillna(False).to_numpy(bool)
    walk_pass = edges["toets_walk"].eq("pass").fillna(False).to_numpy(bool)

    value = {
        "all": _rate(L[passed].sum(), L[evaluated].sum()),
        "school_routes": _rate(L[passed & school].sum(), L[evaluated & school].sum()),
        "bike": _rate(L[bike_pass].sum(), L[bike_eval].sum()),
        "walk": _rate(L[walk_pass].sum(), L[walk_eval].sum()),
        "crossings": None,
        "crossings_school_routes": None,
    }
    inputs: dict[str, Any] = {
        "evaluated_km": _num(L[evaluated].sum() / 1000.0, 3),
        "passed_km": _num(L[passed].sum() / 1000.0, 3),
        "school_route_km": _num(L[evaluated & school].sum() / 1000.0, 3),
        "school_route_passed_km": _num(L[passed & school].sum() / 1000.0, 3),
        "bike_evaluated_km": _num(L[bike_eval].sum() / 1000.0, 3),
        "bike_passed_km": _num(L[bike_pass].sum() / 1000.0, 3),
        "walk_evaluated_km": _num(L[walk_eval].sum() / 1000.0, 3),
        "walk_passed_km": _num(L[walk_pass].sum() / 1000.0, 3),
        "school_routes_available": "school_route_children" in edges.columns,
    }
    if nodes is not None and "toets_crossing" in nodes.columns:
        crossing = nodes["is_crossing"].fillna(False).astype(bool).to_numpy()
        rated = crossing & nodes["toets_crossing"].ne("n/a").fillna(False).to_numpy(bool)
        ok = rated & nodes["toets_crossing"].eq("pass").fillna(False).to_numpy(bool)
        on_school = np.isin(
            nodes.index.to_numpy(), edges.loc[school, ["u", "v"]].to_numpy().ravel()
        ) if "u" in edges.columns else np.zeros(len(nodes), dtype=bool)
        value["crossings"] = _rate(ok.sum(), rated.sum())
        value["crossings_school_routes"] = _rate((ok & on_school).sum(), (rated & on_school).sum())
        inputs.update(
            crossings_rated=int(rated.sum()),
            crossings_passed=int(ok.sum()),
            crossings_school_routes_rated=int((rated & on_school).sum()),
            crossings_school_routes_passed=int((ok & on_school).sum()),
        )
    return _result(value, "share (0–1; by length for segments, by count for crossings)",
                   TOETS_FORMULA, inputs)


# --------------------------------------------------------------------------------------------
# school routes

SCHOOL_FORMULA = "share = children whose whole route to school is child-safe / children routed"


def school_children_safe(children_routed: float, children_safe: float) -> ScoreResult:
    """Share of children with a fully child-safe route to school.

    Parameters
    ----------
    children_routed : float
        Children the school step routed (from :mod:`mobisim.schools`).
    children_safe : float
        Of those, children whose route passes the toets end to end.
    """
    if children_safe > children_routed + 1e-9 or children_safe < 0:
        raise ValueError(
            f"children_safe ({children_safe}) must lie between 0 and children_routed ({children_routed})"
        )
    return _result(
        _rate(children_safe, children_routed),
        "share of children (0–1)",
        SCHOOL_FORMULA,
        {"children_routed": _num(children_routed, 1), "children_safe": _num(children_safe, 1)},
    )


# --------------------------------------------------------------------------------------------
# parking

PARKING_FORMULA = (
    "spaces freed = permit-cap reduction by the horizon + spaces converted by interventions; "
    "re-used area m² = spaces freed × parking.space_area_m2; "
    "bikes = round(spaces freed by the cap × parking.reuse_mix.bike_parking) × parking.bikes_per_space "
    "(whole car spaces for bike parking, the re-use mix's share, as in the report; spaces converted by "
    "interventions carry their own use); whole numbers"
)


def parking_space(
    spaces_freed_by_cap: float,
    settings: ScoreSettings | None = None,
    *,
    spaces_converted: float = 0.0,
    horizon: int | None = None,
    parking: Any = None,
) -> ScoreResult:
    """Car spaces freed by the horizon, the street area they give back and the bikes parked on them.

    The bikes are computed by :func:`mobisim.parking.reuse` — the function behind the report's
    and ``mobisim parking``'s re-use tables — so every output shows one figure.

    Parameters
    ----------
    spaces_freed_by_cap : float
        Spaces freed by the permit cap by the horizon (from :mod:`mobisim.parking`).
    settings : ScoreSettings, optional
        Unused (kept for a uniform signature); the space figures are parking settings.
    spaces_converted : float
        Spaces converted by ``convert_parking`` interventions (column
        ``parking_converted_spaces`` summed over ``net.edges``).
    horizon : int, optional
        The scenario horizon year, recorded in the inputs.
    parking : mobisim.parking.ParkingResult or mobisim.parking.ParkingSettings, optional
        The parking model's result (its settings, and its low / central / high figures, which
        then go into ``value["range"]``) or just its settings; defaults when omitted, so the
        score uses the same figures as the parking model.

    Returns
    -------
    dict
        ``value``: ``spaces_freed``, ``spaces_freed_by_cap``, ``area_m2``,
        ``bike_parking_equivalent`` (bikes on the bike-parking share), all whole numbers, and
        with a parking result ``range`` — ``{figure: {"low", "central", "high"}}`` for
        ``spaces_freed``, ``area_m2``, ``bikes``, ``cap_base``, ``permits_city`` and
        ``large_car_revenue_eur`` — plus ``basis`` (what the figures rest on).
    """
    from mobisim.parking import ParkingSettings, reuse

    result = parking if hasattr(parking, "headline") else None
    ps = getattr(result, "settings", None) if result is not None else parking
    if ps is None:
        ps = ParkingSettings()
    area = float(ps.space_area_m2)
    cap_freed = float(spaces_freed_by_cap)
    converted = float(spaces_converted)
    use = reuse(pd.Series([cap_freed]), ps).iloc[0]
    value: dict[str, Any] = {
        "spaces_freed": int(round(cap_freed + converted)),
        "spaces_freed_by_cap": int(round(cap_freed)),
        "area_m2": int(round((cap_freed + converted) * area)),
        "bike_parking_equivalent": int(round(float(use["bikes"]))),
    }
    head = getattr(result, "headline", None) or {}
    if head:
        keys = ("spaces_freed", "area_m2", "bikes", "cap_base", "permits_city", "large_car_revenue_eur")
        value["range"] = {k: dict(head[k]) for k in keys if head.get(k)}
        if converted:  # the range is the cap's: add the converted spaces to the space figures
            for k, extra in (("spaces_freed", converted), ("area_m2", converted * area)):
                value["range"][k] = {b: int(round(v + extra)) for b, v in value["range"][k].items()}
        value["range"]["year"] = head.get("year")
        value["basis"] = head.get("basis")
    inputs = {
        "spaces_freed_by_cap": _num(cap_freed, 1),
        "spaces_converted": _num(converted, 1),
        "space_area_m2": area,
        "bikes_per_space": float(ps.bikes_per_space),
        "bike_parking_share": float(ps.reuse_mix.bike_parking),
        "horizon": horizon,
    }
    return _result(value, "spaces / m² / bicycles", PARKING_FORMULA, inputs)


# --------------------------------------------------------------------------------------------
# composite

COMPOSITE_FORMULA = (
    "composite = 100 · Σ wᵢ·pᵢ / Σ wᵢ over the parts pᵢ ∈ [0, 1] that are available; "
    "parts: toets_all, toets_school_routes, safe_crossings, school_children_safe (shares), "
    "fatal_serious = clip(−Δ fatal+serious / safety_gain_target, 0, 1) (0 for today: no speed change)"
)


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
    value = _num(100.0 * sum(weights[k] * v for k, v in used.items()) / w_sum, 1) if w_sum > 0 else None
    inputs = {
        "parts": {k: _num(parts.get(k)) if parts.get(k) is not None else None for k in weights},
        "weights": weights,
        "missing": sorted(k for k in weights if k not in used),
        "safety_gain_target": s.safety_gain_target,
    }
    return _result(value, "score 0–100 (higher = safer)", COMPOSITE_FORMULA, inputs)


# --------------------------------------------------------------------------------------------
# explanation


def _fmt_range(r: Range) -> str:
    return f"{r.low:g} / {r.central:g} / {r.high:g}"


def explain_scores(settings: ScoreSettings | None = None) -> str:
    """Every score formula with the settings in force, as plain text (``mobisim explain-scores``)."""
    s = settings or ScoreSettings()
    e = s.power_exponents
    w = s.composite_weights
    exposure = ", ".join(f"{k} {v:g}" for k, v in sorted(s.exposure_vehicles_per_day.items()))
    lines = [
        "mobisim safety scores — every number is reported with its inputs.",
        "",
        "1. Road length by regime (before → after), and the outcomes of the 30/50 rule",
        f"   {REGIME_FORMULA}.",
        f"   {TIERS_FORMULA}.",
        "   Only the area judged (the municipality) counts: segments outside it are not scored.",
        "",
        "2. Expected change in crashes from speed changes (Power Model, Nilsson 2004)",
        f"   {POWER_FORMULA}.",
        f"   Settings: f sign only = {_fmt_range(s.speed_response_sign_only)}, "
        f"f redesign = {_fmt_range(s.speed_response_redesign)} (low / central / high), "
        f"r = {s.mean_speed_ratio_before:g}, "
        f"k = {e.fatal:g} (fatal), {e.fatal_serious:g} (fatal+serious), {e.injury:g} (injury).",
        f"   Weighting: {s.exposure_weighting}"
        + (f" (victims by today's limit band: {', '.join(f'{k} {v:g}' for k, v in s.casualty_share_by_limit.items())})"
           if s.exposure_weighting == "casualties" else "") + ".",
        "   Exponents are Nilsson's; Cameron & Elvik (2010) found the model fits urban arterials",
        "   less well (set lower exponents in [scores.power_exponents] to test that).",
        f"   Exposure, vehicles/day by highway class (assumptions): {exposure}; "
        f"other classes {s.exposure_other_vehicles_per_day:g}.",
        "   Example: 50→30 with signs only, f = 0.125, r = 1: v1/v0 = 47.5/50 = 0.95, fatal+serious "
        "× 0.95³ = 0.857 (−14 %), all injury × 0.95² = 0.90 (−10 %: Amsterdam's first year saw −11 to "
        "−15 %); redesigned, f = 0.34: v1/v0 = 0.864, all injury −25 % (SWOV, 30-zones).",
        "",
        "3. 8-jarigen-toets (8-year-old test) pass rates and safe crossings",
        f"   {TOETS_FORMULA}.",
        "",
        "4. Children with a fully child-safe route to school",
        f"   {SCHOOL_FORMULA}.",
        "",
        "5. Parking",
        f"   {PARKING_FORMULA}.",
        "   Settings: [parking] space_area_m2 (default 12.5 m², CROW ASVV) and bikes_per_space",
        "   (default 12, Den Haag debate estimate) — the parking model's own figures.",
        "",
        "6. Composite score (0–100)",
        f"   {COMPOSITE_FORMULA}.",
        f"   Weights: toets_all {w.toets_all:g}, toets_school_routes {w.toets_school_routes:g}, "
        f"safe_crossings {w.safe_crossings:g}, school_children_safe {w.school_children_safe:g}, "
        f"fatal_serious {w.fatal_serious:g}; safety_gain_target {s.safety_gain_target:g}.",
    ]
    return "\n".join(lines)
