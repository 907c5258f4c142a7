"""Decide the 30/50 regime of every segment: the roads judged, the four criteria, the tier, the limit.

:func:`evaluate_regime` is a short sequence of named steps: the crossing verdicts at today's
limits (:func:`_crossing_verdicts`), which roads are judged (:func:`_road_status`), the four
criteria on those roads (:func:`_judge_criteria`), the tier and what decides it
(:func:`~mobisim.rules.criteria.tiers`, :func:`_deciding`, :func:`_missing`), the regime, rule,
reason and proposed limit (:func:`_decide`), calming for the 30-roads, and fixes for busy
junctions on the 50-roads. :func:`evaluate` runs the toets first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import flags, numbers
from mobisim.network import Network
from mobisim.rules.c3 import criterion_c3
from mobisim.rules.c4 import criterion_c4
from mobisim.rules.calming import calming_proposals
from mobisim.rules.criteria import criterion_c1, criterion_c2, tiers
from mobisim.rules.junctions import junction_fixes
from mobisim.rules.scope import scope, street_key
from mobisim.rules.settings import RuleSettings
from mobisim.rules.textkit import T, cat, fmt, or_none, select, strings
from mobisim.rules.toets import NODE_COLUMNS, ToetsSettings, classify_crossings, evaluate_toets

__all__ = ["JUNCTION_COLUMNS", "REGIME_COLUMNS", "evaluate", "evaluate_regime", "missing_evidence", "which"]

#: The columns :func:`evaluate_regime` adds to ``edges``.
REGIME_COLUMNS = [
    "regime", "proposed_maxspeed", "regime_rule", "regime_reason",
    "regime_tier", "regime_deciding", "regime_missing",
    "c1_cycle_path", "c1_evidence", "c2_sensitive_sites", "c2_evidence",
    "c3_air_noise", "c3_evidence", "noise_lden_db", "c3_noise", "c3_air",
    "no2_low_ugm3", "no2_high_ugm3", "c4_crossable", "c4_evidence",
    "calming", "calming_reason",
]
#: The columns :func:`evaluate_regime` adds to ``nodes``.
JUNCTION_COLUMNS = ["junction_fix", "junction_fix_reason"]

#: Keys of the criteria dict: verdict and evidence of C1–C4, and the two parts of C3.
_CRITERIA_KEYS = ("c1", "c1e", "c2", "c2e", "c3", "c3e", "c4", "c4e", "noise", "air")


def missing_evidence(edges: pd.DataFrame, c: dict[str, np.ndarray], noise: np.ndarray, air: np.ndarray,
                     s: RuleSettings) -> np.ndarray:
    """For each segment, what evidence would decide its unknown criteria ("tag the crossings of X")."""
    street = strings(edges, "name").str.strip()
    street = np.where(street != "", street.to_numpy(dtype=object), "this road").astype(str)
    air_fix = ("a NO2 map covering " if s.air_mode != "proxy"
               else "a NO2 map (air_mode = 'layer') or measurement along ")
    parts = [
        np.where(c["c1"] == "unknown", cat("tag the cycle tracks of ", street,
                                           " (cycleway:left/right=track, or draw the separate path); "), ""),
        np.where(c["c2"] == "unknown", "load the schools, childcare, playgrounds and care sites; ", ""),
        np.where(noise == "unknown", "load the buildings file (façade distances); ", ""),
        np.where((air == "unknown") & (noise != "unknown"), cat(air_fix, street, "; "), ""),
        np.where(c["c4"] == "unknown", cat("tag the crossings and signals of ", street, "; "), ""),
    ]
    return pd.Series(cat(*parts)).str.rstrip("; ").to_numpy(dtype=object)


def which(c: dict[str, np.ndarray], value: str) -> np.ndarray:
    """``"C1+C3"``: the criteria whose verdict is ``value``, per segment."""
    parts = [np.where(c[k] == value, f"{k.upper()}+", "") for k in ("c1", "c2", "c3", "c4")]
    return pd.Series(cat(*parts)).str.rstrip("+").to_numpy(dtype=object)


@dataclass(frozen=True)
class _RoadStatus:
    """Per segment: where it is, what it is today, and whether the 30/50 rule judges it."""

    current: np.ndarray  #: today's limit (``maxspeed``)
    is_road: np.ndarray
    inside: np.ndarray  #: in the area judged (``in_area``; all when absent)
    builtup: np.ndarray  #: inside the built-up area (``builtup``; all when absent)
    keys: np.ndarray  #: :func:`~mobisim.rules.scope.street_key`
    scope_rule: np.ndarray  #: ``R1-*`` where out of scope, else ``None``
    scope_reason: np.ndarray
    out_scope: np.ndarray
    living: np.ndarray  #: a woonerf, or at walking pace
    already: np.ndarray  #: at most the default (30) today: the rule only lowers limits
    judged: np.ndarray  #: in the area, a road, in scope, built-up, above 30 today


def _road_status(edges: pd.DataFrame, s: RuleSettings) -> _RoadStatus:
    n = len(edges)
    current = numbers(edges, "maxspeed")
    is_road = flags(edges, "is_road")
    inside = flags(edges, "in_area") if "in_area" in edges.columns else np.ones(n, dtype=bool)
    builtup = flags(edges, "builtup") if "builtup" in edges.columns else np.ones(n, dtype=bool)
    keys = street_key(edges)
    scope_rule, scope_reason = scope(edges, s, keys)
    out_scope = pd.notna(scope_rule)
    living = (strings(edges, "highway") == "living_street").to_numpy() | (current <= s.living_speed_kmh)
    already = current <= s.default_speed_kmh
    judged = inside & is_road & ~out_scope & builtup & ~living & ~already
    return _RoadStatus(current=current, is_road=is_road, inside=inside, builtup=builtup, keys=keys,
                       scope_rule=scope_rule, scope_reason=scope_reason, out_scope=out_scope, living=living,
                       already=already, judged=judged)


def _crossing_verdicts(net: Network, ts: ToetsSettings) -> pd.DataFrame:
    """The crossing verdicts C4 reads, at today's limits.

    The toets runs first when its columns are missing; when it was judged on another speed column
    (``proposed_maxspeed``, ``driven_speed``) the crossings are judged afresh at ``maxspeed``,
    without overwriting the stored toets.
    """
    if "toets_crossing" not in net.nodes.columns:
        evaluate_toets(net, ts)
    if net.edges.attrs.get("toets_speed_column", "maxspeed") != "maxspeed":
        return classify_crossings(net, ts, speed_column="maxspeed")
    return net.nodes[NODE_COLUMNS]


def _judge_criteria(net: Network, road: _RoadStatus, crossing: pd.DataFrame, coverage: dict[str, dict[str, Any]],
                    s: RuleSettings, air_layer: gpd.GeoDataFrame | None
                    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """C1–C4 on the roads judged (one pass over those rows); ``None`` / NaN elsewhere.

    Returns
    -------
    criteria : dict
        Verdict and evidence per criterion (``c1``, ``c1e`` … ``c4e``) and the two parts of C3
        (``noise``, ``air``), object arrays over all segments.
    noise_db : numpy.ndarray
        Lden at 50 km/h at the nearest façade.
    no2 : numpy.ndarray
        Shape (2, n): low and high NO2 estimate.
    """
    from mobisim.load.coverage import carries

    edges = net.edges
    n = len(edges)
    pos = np.flatnonzero(road.judged)
    c = {k: np.full(n, None, dtype=object) for k in _CRITERIA_KEYS}
    noise = np.full(n, np.nan)
    no2 = np.full((2, n), np.nan)
    if len(pos):
        ec = edges.iloc[pos]
        c["c1"][pos], c["c1e"][pos] = criterion_c1(ec, carries(coverage, "cycle_paths"),
                                                   carries(coverage, "cycleway"))
        c["c2"][pos], c["c2e"][pos] = criterion_c2(ec, net.features, s)
        (c["c3"][pos], c["c3e"][pos], noise[pos], c["noise"][pos],
         c["air"][pos], no2[:, pos]) = criterion_c3(ec, net, s, air_layer)
    c["c4"], c["c4e"] = criterion_c4(edges, road.judged, net.nodes, crossing, s, carries(coverage, "crossings"),
                                     keys=road.keys)
    return c, noise, no2


def _deciding(c: dict[str, np.ndarray], tier: np.ndarray, judged: np.ndarray) -> np.ndarray:
    """The failing criteria of a ``to_30`` road, the unknown ones of a ``50 if shown`` road."""
    deciding = np.full(len(tier), None, dtype=object)
    pos = np.flatnonzero(judged)  # texts only where a road is judged (a few thousand of ~70,000 segments)
    if len(pos):
        cj = {k: v[pos] for k, v in c.items()}
        deciding[pos] = np.where(tier[pos] == "to_30", which(cj, "fail"),
                                 or_none(tier[pos] == "50_if_shown", which(cj, "unknown")))
    return deciding


def _missing(edges: pd.DataFrame, c: dict[str, np.ndarray], tier: np.ndarray, s: RuleSettings) -> np.ndarray:
    """For a ``50 if shown`` road, the evidence that would decide it (:func:`missing_evidence`)."""
    missing = np.full(len(tier), None, dtype=object)
    sp = np.flatnonzero(tier == "50_if_shown")
    if len(sp):
        missing[sp] = missing_evidence(edges.iloc[sp], {k: v[sp] for k, v in c.items()},
                                       c["noise"][sp], c["air"][sp], s)
    return missing


def _decide(road: _RoadStatus, tier: np.ndarray, deciding: np.ndarray, missing: np.ndarray,
            s: RuleSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The regime, the rule that decides it, its reason and the limit proposed, per segment."""
    n = len(tier)
    keep, shown = tier == "keep_50", tier == "50_if_shown"
    cur_s = fmt(road.current)
    conds = [~road.inside, ~road.is_road, road.out_scope, ~road.builtup, road.living, road.already, keep, shown]
    regime = select(conds, ["outside_area", "not_road", "out_of_scope", "out_of_scope", "30", "30", "50",
                            "30"], "30", n)
    rule = select(conds, ["R0-outside-area", "R0-not-road", road.scope_rule, "R2-outside-builtup",
                          "R3-living-street", "R4-already-30", "R5-50-justified", "R5-50-if-shown"],
                  "R6-30-default", n)
    reason = select(conds, [
        "outside the area judged (the municipality): not judged",
        "not a motor road (footway, cycleway, path, service road or busway)",
        road.scope_reason,
        "outside the built-up area: the urban 30/50 rule does not apply",
        T("woonerf / walking-pace street: stays at ", f"{s.living_speed_kmh}", " km/h"),
        T("already ", cur_s, " km/h: the rule only lowers limits"),
        T("50 km/h justified: all four criteria pass (now ", cur_s, " km/h)"),
        T("50 if shown: no criterion fails, but ", deciding.astype(str), " unknown — 30 until shown "
          "(pas toe of leg uit); to decide: ", missing.astype(str), "; now ", cur_s, " km/h"),
    ], T("30 km/h: ", deciding.astype(str), " fail(s); now ", cur_s, " km/h"), n)
    current = road.current
    proposed = np.select(
        [~road.inside | ~road.is_road | road.out_scope | ~road.builtup, road.living, road.already, keep],
        [current, np.fmin(current, s.living_speed_kmh), current, np.fmin(current, s.high_speed_kmh)],
        default=float(s.default_speed_kmh),
    )
    return regime, rule, reason, proposed


def _strings(values: np.ndarray) -> pd.arrays.StringArray:
    return pd.array(values, dtype="string")


def _regime_columns(regime: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], tier: np.ndarray,
                    deciding: np.ndarray, missing: np.ndarray, c: dict[str, np.ndarray], noise: np.ndarray,
                    no2: np.ndarray, calming: tuple[np.ndarray, np.ndarray]) -> dict[str, object]:
    """The :data:`REGIME_COLUMNS` with their dtypes, in order."""
    label, proposed = regime[0], regime[3]
    return {
        "regime": _strings(label),
        "proposed_maxspeed": pd.array(proposed, dtype="Float64").round().astype("Int64"),
        "regime_rule": _strings(regime[1]),
        "regime_reason": _strings(regime[2]),
        "regime_tier": _strings(tier),
        "regime_deciding": _strings(deciding),
        "regime_missing": _strings(missing),
        "c1_cycle_path": _strings(c["c1"]),
        "c1_evidence": _strings(c["c1e"]),
        "c2_sensitive_sites": _strings(c["c2"]),
        "c2_evidence": _strings(c["c2e"]),
        "c3_air_noise": _strings(c["c3"]),
        "c3_evidence": _strings(c["c3e"]),
        "noise_lden_db": noise.round(1),
        "c3_noise": _strings(c["noise"]),
        "c3_air": _strings(c["air"]),
        "no2_low_ugm3": no2[0].round(1),
        "no2_high_ugm3": no2[1].round(1),
        "c4_crossable": _strings(c["c4"]),
        "c4_evidence": _strings(c["c4e"]),
        "calming": _strings(calming[0]),
        "calming_reason": _strings(calming[1]),
    }


def _replace_columns(frame: gpd.GeoDataFrame, new: dict[str, object]) -> gpd.GeoDataFrame:
    """``frame`` with the columns ``new`` (older ones of the same name dropped first)."""
    frame = frame.drop(columns=[k for k in new if k in frame.columns])
    for k, val in new.items():
        frame[k] = val
    return frame


def evaluate_regime(net: Network, settings: RuleSettings | None = None, *,
                    toets_settings: ToetsSettings | None = None,
                    air_layer: gpd.GeoDataFrame | None = None, junctions: bool = True) -> Network:
    """Decide the 30/50 regime of every segment and add the regime columns to ``net.edges``.

    Parameters
    ----------
    net : mobisim.network.Network
        Loaded, tagged network. An ``in_area`` column (:func:`mobisim.load.areas.mark_area`) limits the
        judgement to the area; ``net.coverage`` (:func:`mobisim.load.coverage.data_coverage`) says which
        tag families the input carries (measured here when empty).
    settings : RuleSettings, optional
        Thresholds; ``RuleSettings()`` when omitted.
    toets_settings : ToetsSettings, optional
        The scenario's ``[toets]``: its lane defaults fill untagged lane counts for calming and
        junction fixes, and it judges the crossings for C4 when they must be (re)computed: when
        the toets columns are missing (then :func:`mobisim.rules.toets.evaluate_toets` runs first)
        or were computed on a speed column other than ``maxspeed`` (then the crossings are judged
        afresh at today's limits, without overwriting the stored toets). ``ToetsSettings()`` when
        omitted.
    air_layer : geopandas.GeoDataFrame, optional
        The NO2 concentration layer for ``air_mode = 'layer'`` (columns ``value`` and
        ``geometry``), read by :func:`mobisim.load.air.read_air_layer`; required in that mode.
    junctions : bool, default True
        Also decide the junction fixes (:data:`JUNCTION_COLUMNS` on ``nodes``). A what-if session
        passes ``False``: it decides them with the regime of the segments beyond its sub-network.

    Returns
    -------
    Network
        The same object with :data:`REGIME_COLUMNS` on ``edges`` and (``junctions``)
        :data:`JUNCTION_COLUMNS` on ``nodes``.

    Raises
    ------
    ValueError
        ``air_mode = 'layer'`` without ``air_layer``.
    """
    from mobisim.load.coverage import data_coverage

    s = settings or RuleSettings()
    ts = toets_settings or ToetsSettings()
    if s.air_mode == "layer" and air_layer is None:
        raise ValueError("air_mode = 'layer' needs the concentration layer: pass "
                         "air_layer=mobisim.load.air.read_air_layer(settings.air_layer_path, settings.air_layer_column)")
    coverage = net.coverage or data_coverage(net)
    crossing = _crossing_verdicts(net, ts)
    edges = net.edges
    road = _road_status(edges, s)
    c, noise, no2 = _judge_criteria(net, road, crossing, coverage, s, air_layer)
    tier = tiers(c, road.judged)
    deciding, missing = _deciding(c, tier, road.judged), _missing(edges, c, tier, s)
    regime = _decide(road, tier, deciding, missing, s)
    # a "50 if shown" road waits for its evidence: no redesign for 30 proposed yet
    is30 = (regime[0] == "30") & ~road.living & (tier != "50_if_shown")
    calming = calming_proposals(edges, is30 & road.is_road & road.inside, s, ts)
    edges = _replace_columns(edges, _regime_columns(regime, tier, deciding, missing, c, noise, no2, calming))
    edges.attrs["noise_threshold_lden_db"] = s.noise_threshold_lden_db
    net.edges = edges
    if not junctions:
        return net
    # junction fixes: 50-roads, and roads that would be 50 but for C4
    near50 = (c["c1"] == "pass") & (c["c2"] == "pass") & (c["c3"] == "pass") & (c["c4"] != "pass")
    fix, fix_reason = junction_fixes(edges, net.nodes, (regime[0] == "50") | near50, crossing, s, ts)
    net.nodes = _replace_columns(net.nodes, {"junction_fix": _strings(fix), "junction_fix_reason": _strings(fix_reason)})
    return net


def evaluate(net: Network, rule_settings: RuleSettings | None = None,
             toets_settings: ToetsSettings | None = None, *,
             air_layer: gpd.GeoDataFrame | None = None) -> Network:
    """Run the 8-jarigen-toets (today's limits) and the 30/50 regime on ``net``.

    To judge the toets again on the proposed limits afterwards::

        evaluate(net, rules, toets)
        evaluate_toets(net, toets, speed_column="proposed_maxspeed")

    ``air_layer`` as for :func:`evaluate_regime`.

    Returns
    -------
    Network
        ``net`` with the toets and regime columns.
    """
    evaluate_toets(net, toets_settings)
    return evaluate_regime(net, rule_settings, toets_settings=toets_settings, air_layer=air_layer)
