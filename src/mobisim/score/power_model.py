"""The expected change in crashes from the speed changes: Nilsson's Power Model, weighted by exposure.

:func:`power_model` runs four named steps on the before and after frames:

1. :func:`select_segments` — the roads in scope of the city's rule with a known limit before and
   after, their exposure before and after and which of them are redesigned;
2. :func:`speed_ratio` — mean speed after / before per road, at a low / central / high response;
3. :func:`band_shares` and :func:`weighted_change` — the change per crash severity, each limit band
   weighted by its share of the victims (or of the vehicle-km);
4. :func:`power_inputs` — every input the figure rests on, for ``scores.json``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobisim.frames import numbers
from mobisim.rules.driven_speed import ENFORCED_BASES, basis_mask
from mobisim.rules.noise import estimate_daily_traffic
from mobisim.score.result import ScoreResult, limit_band, road_mask, rounded, score_result, span
from mobisim.score.settings import ScoreSettings

__all__ = [
    "CASES",
    "OUT_OF_SCOPE_REGIMES",
    "POWER_FORMULA",
    "SEVERITIES",
    "PowerSegments",
    "band_shares",
    "in_scope",
    "power_inputs",
    "power_model",
    "select_segments",
    "speed_ratio",
    "weighted_change",
]

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
#: The crash severities, each with its exponent in :class:`~mobisim.score.settings.PowerExponents`.
SEVERITIES = ("fatal", "fatal_serious", "injury")
#: The speed-response cases of the range.
CASES = ("low", "central", "high")


@dataclass
class PowerSegments:
    """The roads the Power Model weighs (arrays aligned with ``used``).

    Attributes
    ----------
    used : pandas.Index
        Edge ids of the roads in scope with a known limit before and after.
    unknown : pandas.Index
        Edge ids of the roads in scope without a known limit (reported, not weighed).
    l0, l1 : numpy.ndarray
        Limit before and after (km/h).
    length_km : numpy.ndarray
        Length (km).
    w0, w1 : numpy.ndarray
        Exposure before and after (vehicle-km per day).
    enforced : numpy.ndarray of bool
        Redesigned, or the design enforces the limit: the redesign response applies.
    band : numpy.ndarray
        Today's limit band (``"30"``, ``"50"``, ``"other"``).
    """

    used: pd.Index
    unknown: pd.Index
    l0: np.ndarray
    l1: np.ndarray
    length_km: np.ndarray
    w0: np.ndarray
    w1: np.ndarray
    enforced: np.ndarray
    band: np.ndarray

    @property
    def changed(self) -> np.ndarray:
        """The roads whose limit changes."""
        return np.asarray(self.l0 != self.l1, dtype=bool)


def in_scope(edges: pd.DataFrame) -> np.ndarray:
    """Roads in scope of the city's rule (``regime`` not out of scope; all when absent)."""
    if "regime" not in edges.columns:
        return np.ones(len(edges), dtype=bool)
    return ~edges["regime"].astype("string").isin(OUT_OF_SCOPE_REGIMES).fillna(False).to_numpy(bool)


def _on_carriageway(edges: pd.DataFrame, intensity: np.ndarray) -> np.ndarray:
    """The vehicles on the segment itself where the traffic model gives them
    (``daily_traffic_carriageway``: one direction on a half of a dual carriageway), so that
    vehicle-km are not counted twice; ``intensity`` elsewhere."""
    if "daily_traffic_carriageway" not in edges.columns:
        return intensity
    own = numbers(edges, "daily_traffic_carriageway")
    src = edges["daily_traffic_source"].astype("string").eq("model").fillna(False).to_numpy(dtype=bool) \
        if "daily_traffic_source" in edges.columns else np.zeros(len(edges), dtype=bool)
    return np.where(src & ~np.isnan(own), own, intensity)


def _vehicles(edges: pd.DataFrame, s: ScoreSettings) -> np.ndarray:
    """Vehicles/day per segment: its own ``daily_traffic`` (a count, an intervention, the traffic
    model) where set, else the class table of the settings."""
    return estimate_daily_traffic(edges.drop(columns="mode_drive", errors="ignore"),
                                  s.exposure_vehicles_per_day, s.exposure_other_vehicles_per_day)


def _exposure(edges_before: pd.DataFrame, edges_after: pd.DataFrame, used: pd.Index,
              length_km: np.ndarray, s: ScoreSettings) -> tuple[np.ndarray, np.ndarray]:
    """Vehicle-km per day on the ``used`` roads before and after the scenario.

    After: the traffic moved by closures and new limits where it was modelled (crashes scale with
    exposure as well as with speed), else the volumes before.
    """
    intensity = _on_carriageway(edges_before.loc[used], _vehicles(edges_before.loc[used], s))
    intensity_after = _vehicles(edges_after.loc[used], s) if "daily_traffic" in edges_after.columns \
        else intensity
    return length_km * intensity, length_km * _on_carriageway(edges_after.loc[used], intensity_after)


def _enforced(edges_after: pd.DataFrame, used: pd.Index, redesigned: np.ndarray | None) -> np.ndarray:
    """Which ``used`` roads take the redesign response: ``redesigned`` when given, else those whose
    ``driven_speed_basis`` is a redesign or an enforcing design."""
    if redesigned is None:
        return basis_mask(edges_after.loc[used], ENFORCED_BASES)
    return pd.Series(np.asarray(redesigned, dtype=bool), index=edges_after.index).reindex(used) \
        .fillna(False).to_numpy(bool)


def select_segments(edges_before: pd.DataFrame, edges_after: pd.DataFrame, s: ScoreSettings, *,
                    before_col: str, after_col: str, redesigned: np.ndarray | None) -> PowerSegments:
    """The roads in scope with a known limit in both frames, with their exposure and response.

    Parameters
    ----------
    edges_before, edges_after : DataFrame
        The same segments (aligned on ``edge_id``) before and after, see :func:`power_model`.
    s : ScoreSettings
        Exposure table and weighting.
    before_col, after_col : str
        The limit columns.
    redesigned : numpy.ndarray of bool, optional
        Aligned with ``edges_after``: the roads redesigned (overrides ``driven_speed_basis``).

    Returns
    -------
    PowerSegments
    """
    roads = road_mask(edges_before, before_col) & in_scope(edges_before)
    idx = edges_before.index[roads]
    lim0 = pd.to_numeric(edges_before.loc[idx, before_col], errors="coerce").astype("Float64")
    lim1 = pd.to_numeric(edges_after[after_col].reindex(idx), errors="coerce").astype("Float64")
    known = (lim0.notna() & lim1.notna() & (lim0 > 0)).fillna(False).to_numpy(bool)
    l0 = lim0[known].to_numpy(float)
    used = idx[known]
    length_km = edges_before.loc[used, "length"].to_numpy(float) / 1000.0
    w0, w1 = _exposure(edges_before, edges_after, used, length_km, s)
    return PowerSegments(
        used=used, unknown=idx[~known], l0=l0, l1=lim1[known].to_numpy(float), length_km=length_km,
        w0=w0, w1=w1, enforced=_enforced(edges_after, used, redesigned),
        band=limit_band(pd.Series(l0, index=used)).to_numpy(),
    )


def speed_ratio(seg: PowerSegments, s: ScoreSettings, case: str) -> np.ndarray:
    """Mean speed after / before per road: ``v1/v0`` with ``v0 = r·L0``, ``v1 = v0 + f·(L1 − L0)``
    (at least 1 km/h), ``f`` the redesign or sign-only response at ``case``."""
    v0 = s.mean_speed_ratio_before * seg.l0
    f = np.where(seg.enforced, s.speed_response_redesign.value(case), s.speed_response_sign_only.value(case))
    return np.asarray(np.maximum(v0 + f * (seg.l1 - seg.l0), 1.0) / v0, dtype=float)


def band_shares(band: np.ndarray, w: np.ndarray, s: ScoreSettings) -> dict[str, float]:
    """Weight of each limit band present: its share of the victims, or of the vehicle-km.

    By victims the shares are those of ``casualty_share_by_limit`` normalised over *all* its
    bands: a band with no road in scope (the motorways of ``other``) keeps its victims, who see
    no change (:func:`weighted_change`), so the result is the change in all road victims.
    """
    present = pd.Series(w).groupby(band).sum()
    present = present[present > 0]
    if present.empty:
        return {}
    c = pd.Series({b: float(v) for b, v in s.casualty_share_by_limit.items()})
    if s.exposure_weighting == "vehicle_km" or c.reindex(present.index).fillna(0).sum() <= 0:
        return {str(k): float(v) for k, v in (present / present.sum()).items()}
    return {str(k): float(v) for k, v in (c / c.sum()).items()}


def weighted_change(w0: np.ndarray, w1: np.ndarray, factor: np.ndarray, band: np.ndarray,
                    share: dict[str, float]) -> float | None:
    """``Σ_b share_b · R_b − 1`` with ``R_b = Σ_b w1·factor / Σ_b w0`` for the bands with roads and
    ``R_b = 1`` (no change) for a band without any (None without exposure)."""
    if not share:
        return None
    frame = pd.DataFrame({"band": band, "w0": w0, "n1": w1 * factor})
    per = frame.groupby("band")[["w0", "n1"]].sum()
    per = per[per["w0"] > 0]
    ratio = sum(c * (per.loc[b, "n1"] / per.loc[b, "w0"] if b in per.index else 1.0) for b, c in share.items())
    return rounded(ratio - 1.0)


def _exposure_sources(edges: pd.DataFrame, w: np.ndarray) -> dict[str, float | None]:
    """Share of the exposure (vehicle-km) by what its traffic figure rests on: ``model`` (the
    traffic model), ``class table``, or an intervention/count."""
    if "daily_traffic_source" not in edges.columns or w.sum() <= 0:
        return {"class table": 1.0}
    src = edges["daily_traffic_source"].astype("string").fillna("default")
    fam = src.str.replace(r":.*$", "", regex=True).replace({"default": "class table"}).to_numpy()
    return {str(k): rounded(v / w.sum()) for k, v in pd.Series(w).groupby(fam).sum().items()}


def _change_on_changed(seg: PowerSegments, ratio: np.ndarray, k: float) -> float | None:
    """``Σ w0·ratio^k / Σ w0 − 1`` over the roads whose limit changes."""
    changed = seg.changed
    return rounded((seg.w0[changed] * ratio[changed] ** k).sum() / seg.w0[changed].sum() - 1.0)


def power_inputs(edges_before: pd.DataFrame, seg: PowerSegments, s: ScoreSettings,
                 share: dict[str, float], ratios: dict[str, np.ndarray], *,
                 before_col: str, after_col: str) -> dict[str, object]:
    """Every input of :func:`power_model` (``scores.json`` → ``power_model.inputs``)."""
    w, changed, exps = seg.w0, seg.changed, s.power_exponents.model_dump()
    on_changed = bool(changed.any() and w[changed].sum() > 0)
    ratio = ratios["central"]
    transitions = (
        pd.DataFrame({"from": seg.l0.astype(int), "to": seg.l1.astype(int), "km": seg.length_km})[changed]
        .groupby(["from", "to"])["km"].sum()
    )
    out_scope = road_mask(edges_before, before_col) & ~in_scope(edges_before)
    inputs: dict[str, object] = {
        "limit_columns": [before_col, after_col],
        "speed_response_sign_only": s.speed_response_sign_only.model_dump(),
        "speed_response_redesign": s.speed_response_redesign.model_dump(),
        "mean_speed_ratio_before": s.mean_speed_ratio_before,
        "exponents": exps,
        "exposure_weighting": s.exposure_weighting,
        "band_weights": {k: rounded(v) for k, v in share.items()},
        "road_km": rounded(seg.length_km.sum(), 3),
        "road_km_unknown_limit": rounded(edges_before.loc[seg.unknown, "length"].astype(float).sum() / 1000.0, 3),
        "road_km_out_of_scope": rounded(edges_before.loc[out_scope, "length"].astype(float).sum() / 1000.0, 3),
        "vehicle_km_per_day": rounded(w.sum(), 1),
        "vehicle_km_per_day_after": rounded(seg.w1.sum(), 1),
        "vehicle_km_per_day_changed": rounded(w[changed].sum(), 1),
        "limit_changes_km": {f"{a}->{b}": rounded(v, 3) for (a, b), v in transitions.items()},
        "changed_km_redesigned": rounded(seg.length_km[changed & seg.enforced].sum(), 3),
        "changed_km_sign_only": rounded(seg.length_km[changed & ~seg.enforced].sum(), 3),
        "mean_speed_change_on_changed_roads": rounded(
            (w[changed] * (ratio[changed] - 1.0)).sum() / w[changed].sum() if on_changed else 0.0
        ),
        "change_on_changed_roads": {
            sev: _change_on_changed(seg, ratio, exps[sev]) if on_changed else 0.0 for sev in SEVERITIES
        },
        "exposure_vehicles_per_day": dict(s.exposure_vehicles_per_day),
        "exposure_source_vehicle_km": _exposure_sources(edges_before.loc[seg.used], w),
    }
    if on_changed:  # the same low / high on the changed roads alone
        inputs["change_on_changed_roads_range"] = {
            sev: span([_change_on_changed(seg, ratios[c], exps[sev]) for c in CASES]) for sev in SEVERITIES}
    return inputs


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
    seg = select_segments(edges_before, edges_after, s, before_col=before_col, after_col=after_col,
                          redesigned=redesigned)
    exps = s.power_exponents.model_dump()
    share = band_shares(seg.band, seg.w0, s)
    ratios = {case: speed_ratio(seg, s, case) for case in CASES}
    cases = {case: {sev: weighted_change(seg.w0, seg.w1, ratios[case] ** exps[sev], seg.band, share)
                    for sev in SEVERITIES} for case in CASES}
    inputs = power_inputs(edges_before, seg, s, share, ratios, before_col=before_col, after_col=after_col)
    res = score_result(cases["central"], "relative change in crashes (fraction)", POWER_FORMULA, inputs)
    res["range"] = {sev: span([cases[c][sev] for c in CASES]) for sev in SEVERITIES}
    return res
