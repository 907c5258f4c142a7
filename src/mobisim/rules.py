"""The 30/50 rule: 30 km/h by default, 50 km/h only when all four criteria pass.

For every motor-road segment inside the built-up area the proposed regime is decided from four
criteria, each reported as ``pass`` / ``fail`` / ``unknown`` with its evidence:

- **C1 separate cycle path**: a physically separated cycle track on both sides, or a two-way
  track on one side (tags or parallel-geometry detection). A painted lane does not count at 50
  (CROW/SWOV: at 50 km/h cyclists are separated).
- **C2 no sensitive sites nearby**: no school, kindergarten, playground or care institution within
  :attr:`RuleSettings.sensitive_distance_m` (default 150 m).
- **C3 air and noise acceptable**: estimated Lden at the nearest façade at 50 km/h ≤ WHO 2018
  53 dB, and an NO2 increment proxy within the Dutch NIBM margin (see :mod:`mobisim.noise`).
- **C4 crossable by an 8-year-old**: every crossing on the segment passes the 8-jarigen-toets
  (:mod:`mobisim.toets`) and no point of the segment is farther than half the maximum gap
  (default 250 m) from a child-safe crossing of the same street.

``unknown`` counts as not demonstrated ("pas toe of leg uit": 50 must be justified).
Motorways, trunk roads and their links (e.g. the Utrechtsebaan) are ``out_of_scope``.

The module also proposes traffic calming for 30-roads that invite speeding, and fixes for busy
junctions on (would-be) 50-roads. Everything is computed on whole columns in one pass.

Public API: :class:`RuleSettings`, :func:`evaluate_regime`, :func:`evaluate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import shapely
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from mobisim import noise as nz
from mobisim.toets import (
    NODE_COLUMNS,
    T,
    ToetsSettings,
    _bool,
    _cat,
    _col,
    _fmt,
    _num,
    _str,
    classify_crossings,
    edge_lanes,
    evaluate_toets,
    select,
)

REGIME_COLUMNS = [
    "regime", "proposed_maxspeed", "regime_rule", "regime_reason",
    "c1_cycle_path", "c1_evidence", "c2_sensitive_sites", "c2_evidence",
    "c3_air_noise", "c3_evidence", "noise_lden_db", "c4_crossable", "c4_evidence",
    "calming", "calming_reason",
]
JUNCTION_COLUMNS = ["junction_fix", "junction_fix_reason"]


#: WHO Environmental Noise Guidelines for the European Region (2018), road traffic, Lden.
WHO_LDEN_DB = 53.0


class RuleSettings(BaseModel):
    """Thresholds of the 30/50 rule. ``RuleSettings()`` is the documented default."""

    model_config = ConfigDict(extra="forbid")

    out_of_scope_classes: list[str] = Field(
        default=["motorway", "motorway_link", "trunk", "trunk_link"],
        description="Classes outside the urban speed rule (autosnelweg/autoweg such as the "
        "Utrechtsebaan): category out_of_scope, limit unchanged.",
    )
    high_speed_kmh: int = Field(default=50, description="Speed of the exception regime (50).")
    default_speed_kmh: int = Field(default=30, description="Default urban limit proposed (30).")
    living_speed_kmh: int = Field(
        default=15, description="Woonerf (living street) limit; kept (RVV 1990 art. 45: walking pace, "
        "signposted 15 km/h in Dutch practice).")
    # C2
    sensitive_kinds: list[str] = Field(
        default=["school", "kindergarten", "playground", "care"],
        description="Feature kinds that make a road sensitive (children, frail people).",
    )
    sensitive_distance_m: float = Field(
        default=150.0, description="C2 fails when a sensitive site lies within this distance of the "
        "segment. Programme default (issue 3).")
    sensitive_search_m: float = Field(
        default=2000.0, description="Search radius for naming the nearest site in the evidence.")
    # C3 noise
    noise_threshold_lden_db: float = Field(
        default=WHO_LDEN_DB, description="Road-traffic noise limit at the façade. Source: WHO Environmental "
        "Noise Guidelines for the European Region (2018), road traffic 53 dB Lden.")
    noise_reference_distance_m: float = Field(
        default=25.0, description="Reference distance of the emission term. Source: RLS-90.")
    noise_min_distance_m: float = Field(
        default=5.0, description="Closest façade distance used (half a carriageway plus footway).")
    noise_den_correction_db: float = Field(
        default=3.3, description="Lden − LAeq,24h for a typical urban daily traffic pattern "
        "(about 3 dB; EU/WHO practice). Assumption.")
    facade_search_m: float = Field(
        default=200.0, description="No building within this distance → noise is no concern (pass).")
    landuse_search_m: float = Field(
        default=30.0, description="Without building data: a segment this close to residential "
        "landuse is taken to have façades at landuse_facade_distance_m.")
    landuse_facade_distance_m: float = Field(
        default=10.0, description="Façade distance assumed next to residential landuse (typical "
        "Dutch street profile: half carriageway + parking + footway). Assumption.")
    daily_traffic_by_class: dict[str, float] = Field(
        default_factory=lambda: dict(nz.DAILY_TRAFFIC_BY_CLASS),
        description="Daily motor traffic by highway class (noise, air, junction load). Assumption; "
        "keep equal to ToetsSettings.daily_traffic_by_class.")
    daily_traffic_other: float = Field(default=nz.DAILY_TRAFFIC_OTHER,
                                       description="Daily traffic of other motor classes.")
    heavy_share_by_class: dict[str, float] = Field(
        default_factory=lambda: dict(nz.HEAVY_SHARE_BY_CLASS),
        description="Heavy-vehicle share (%) by class. Assumption (urban Dutch roads 2–8 %).")
    heavy_share_other: float = Field(default=nz.HEAVY_SHARE_OTHER,
                                     description="Heavy share (%) of other classes.")
    # C3 air
    air_mode: Literal["proxy", "layer", "off"] = Field(
        default="proxy", description="'proxy': NO2 increment proxy of mobisim.noise; 'layer': "
        "annual-mean concentrations from air_layer_path compared with air_limit_ugm3; 'off': air "
        "is reported unknown and C3 can then at best be unknown.")
    air_layer_path: Path | None = Field(
        default=None, description="Concentration layer for air_mode='layer' (GeoJSON/GeoPackage; "
        "polygons such as grid cells, or points such as receptor points), e.g. a municipal or RIVM "
        "NO2 map. Relative to the scenario file.")
    air_layer_column: str = Field(
        default="no2", min_length=1, description="Numeric column of the layer (µg/m³, annual mean).")
    air_layer_max_distance_m: float = Field(
        default=50.0, ge=0, description="A segment whose midpoint lies in no polygon and farther than "
        "this from every feature of the layer has an unknown air quality.")
    air_limit_ugm3: float = Field(
        default=10.0, gt=0, description="Largest acceptable annual mean (µg/m³) in air_mode='layer'. "
        "Source: WHO Air Quality Guidelines 2021, NO2 10 µg/m³ (the EU limit from 2030 is 20 µg/m³, "
        "Directive (EU) 2024/2881).")
    air_no2_increment_max: float = Field(
        default=1.2, description="Largest acceptable NO2 increment (µg/m³): the NIBM margin, 3 % of "
        "the 40 µg/m³ EU annual limit (Besluit niet in betekenende mate bijdragen, 2007).")
    air_no2_per_10k_at_10m: float = Field(
        default=2.5, description="NO2 increment proxy coefficient: µg/m³ per 10 000 vehicles/day "
        "at 10 m (order of magnitude of RIVM CAR II street increments). Assumption.")
    # C4
    crossing_max_gap_m: float = Field(
        default=250.0, description="Largest distance between child-safe crossings along a 50-road. "
        "Programme default (issue 3).")
    gap_sample_spacing_m: float = Field(
        default=10.0, description="Spacing of the points sampled along a segment to measure the gap.")
    # calming proposals for 30-roads
    calming_max_width_m: float = Field(
        default=6.0, description="A 30-road with a wider carriageway invites speeding. Assumption "
        "(CROW keeps 30 km/h access roads narrow, about 4.5–5.5 m).")
    calming_straight_min_m: float = Field(
        default=200.0, description="A straight uncalmed stretch this long on a 30-road invites "
        "speeding (SWOV: speeds rise on long straight roads; Amsterdam saw the largest drops there).")
    calming_bend_tolerance_deg: float = Field(
        default=15.0, description="Segments of one street meeting at a smaller bend count as one "
        "straight stretch.")
    calming_hump_spacing_m: float = Field(
        default=75.0, description="Spacing of humps/plateaus proposed for 30 km/h (CROW practice "
        "50–100 m). Assumption.")
    # junctions on 50-roads
    junction_busy_daily_traffic: float = Field(
        default=15000.0, description="A junction with at least this many vehicles/day entering "
        "(half the sum over its road ends) is busy. Assumption; Den Haag: over half of the victims "
        "on 50-roads were at junctions (Kiezen voor Verkeersveiligheid 2030).")

    @model_validator(mode="after")
    def _layer_needs_a_file(self) -> RuleSettings:
        if self.air_mode == "layer" and self.air_layer_path is None:
            raise ValueError("air_mode = 'layer' needs air_layer_path (a GeoJSON/GeoPackage of concentrations)")
        return self


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _daily_traffic(edges: pd.DataFrame, s: RuleSettings) -> np.ndarray:
    return nz.estimate_daily_traffic(edges, s.daily_traffic_by_class, s.daily_traffic_other)


def street_key(edges: pd.DataFrame) -> np.ndarray:
    """Street identity: the normalised name, else ``way:<way_id>``."""
    name = _str(edges, "name").str.strip().str.casefold()
    way = "way:" + _col(edges, "way_id", -1).astype("Int64").astype(str)
    return np.where(name != "", name.to_numpy(dtype=object), way.to_numpy(dtype=object))


def _has_data(frame: Any) -> bool:
    return frame is not None and len(frame) > 0


# ---------------------------------------------------------------------------------------------
# the four criteria (each returns verdict + evidence arrays over the candidate edges)
# ---------------------------------------------------------------------------------------------


def criterion_c1(edges: pd.DataFrame, network_has_cycle_paths: bool) -> tuple[np.ndarray, np.ndarray]:
    """C1: separated cycle track on both sides, or a two-way track, or — on a one-way
    carriageway such as each half of a dual carriageway — a track on its right-hand side."""
    left = _bool(edges, "cycle_separated_left")
    right = _bool(edges, "cycle_separated_right")
    twoway = _bool(edges, "cycle_track_twoway")
    cwl, cwr = _str(edges, "cycleway_left", "none"), _str(edges, "cycleway_right", "none")
    lane = (cwl.isin(["lane", "opposite_lane"]) | cwr.isin(["lane", "opposite_lane"])).to_numpy()
    tagged = ((cwl != "none") | (cwr != "none")).to_numpy()
    src = _str(edges, "cycle_separated_source", "none").to_numpy(dtype=str)
    sides = _cat("cycleway left=", cwl.to_numpy(dtype=str), ", right=", cwr.to_numpy(dtype=str))
    oneway_right = _bool(edges, "oneway") & right
    n = len(edges)
    conds = [left & right, twoway, oneway_right, lane, left | right,
             ~tagged & ~network_has_cycle_paths]
    verdict = select(conds, ["pass", "pass", "pass", "fail", "fail", "unknown"], "fail", n)
    evidence = select(conds, [
        T("separated cycle track on both sides (", src, ")"),
        T("two-way separated cycle track on one side (", src, ")"),
        T("one-way carriageway (e.g. half of a dual carriageway) with a separated cycle track "
          "on its right-hand side, the side of its traffic (", src, ")"),
        T("painted cycle lane only (", sides, "): a painted lane does not count at 50 "
          "(CROW/SWOV: at 50 km/h cyclists are separated)"),
        T("separated cycle track on one side only (", src, "; ", sides, ")"),
        "no cycleway tag, and the data holds no cycle paths to detect a parallel one",
    ], _cat("no separated cycle path (", sides, "; no parallel cycle path detected)"), n)
    return verdict, evidence


def criterion_c2(edges: pd.DataFrame, features: Any, s: RuleSettings) -> tuple[np.ndarray, np.ndarray]:
    """C2: no sensitive site within ``sensitive_distance_m``; evidence names the nearest."""
    n = len(edges)
    if not _has_data(features) or "kind" not in features.columns:
        sites = None
    else:
        sites = features[features["kind"].isin(s.sensitive_kinds).fillna(False).to_numpy(dtype=bool)]
    if sites is None or len(sites) == 0:
        kinds = ", ".join(s.sensitive_kinds)
        return (np.full(n, "unknown", dtype=object),
                np.full(n, f"no sensitive sites ({kinds}) in the data: load a feature file",
                        dtype=object))
    dist, idx = nz.nearest_distance(edges.geometry.to_numpy(), sites.geometry.to_numpy(),
                                    s.sensitive_search_m)
    names = _str(sites, "name").to_numpy(dtype=object)
    kinds = _str(sites, "kind").to_numpy(dtype=object)
    found = idx >= 0
    site_name = np.where(found, names[np.maximum(idx, 0)], "")
    site_name = np.where(site_name == "", "unnamed site", site_name)
    site_kind = np.where(found, kinds[np.maximum(idx, 0)], "")
    near = found & (dist <= s.sensitive_distance_m)
    evidence = np.where(
        found,
        _cat("nearest: ", site_name.astype(str), " (", site_kind.astype(str), ") at ", _fmt(dist),
             " m (limit ", f"{s.sensitive_distance_m:.0f}", " m)"),
        f"no sensitive site within {s.sensitive_search_m:.0f} m",
    )
    return np.where(near, "fail", "pass").astype(object), evidence.astype(object)


def facade_distance(edges: pd.DataFrame, net: Any, s: RuleSettings) -> tuple[np.ndarray, np.ndarray, str]:
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
    buildings = getattr(net, "buildings", None)
    if _has_data(buildings):
        dist, _ = nz.nearest_distance(geoms, buildings.geometry.to_numpy(), s.facade_search_m)
        return dist, np.ones(n, dtype=bool), "buildings"
    landuse = getattr(net, "landuse", None)
    if _has_data(landuse):
        dist, _ = nz.nearest_distance(geoms, landuse.geometry.to_numpy(), s.landuse_search_m)
        near = ~np.isnan(dist)
        return np.where(near, s.landuse_facade_distance_m, np.nan), near, "landuse"
    return np.full(n, np.nan), np.zeros(n, dtype=bool), "none"


def air_quality(edges: pd.DataFrame, dist: np.ndarray, q: np.ndarray, s: RuleSettings,
                air_layer: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The air part of C3 per segment: (fails, unknown, evidence text).

    ``proxy``: the NO2 increment of :func:`mobisim.noise.no2_increment` at the façade distance
    ``dist`` against ``air_no2_increment_max``; ``layer``: the concentration of ``air_layer``
    (:func:`mobisim.io.read_value_layer`) at the segment against ``air_limit_ugm3``, unknown where
    the layer does not reach; ``off``: unknown everywhere.
    """
    n = len(edges)
    has_facade = ~np.isnan(dist)
    if s.air_mode == "proxy":
        no2 = nz.no2_increment(q, dist, per_10k_at_ref=s.air_no2_per_10k_at_10m,
                               min_distance_m=s.noise_min_distance_m)
        text = _cat("; NO2 increment ≈ ", _fmt(no2, "{:.1f}"), " µg/m³ (proxy; NIBM limit ",
                    f"{s.air_no2_increment_max:g}", ")")
        return has_facade & (no2 > s.air_no2_increment_max), np.zeros(n, dtype=bool), text
    if s.air_mode == "layer" and air_layer is not None:
        value = nz.sample_layer(edges.geometry.to_numpy(), air_layer.geometry.to_numpy(),
                                air_layer["value"].to_numpy(), s.air_layer_max_distance_m)
        covered = ~np.isnan(value)
        name = Path(s.air_layer_path).name  # set: the settings validator requires it in this mode
        text = select([covered], [
            _cat("; ", s.air_layer_column.upper(), " ≈ ", _fmt(value, "{:.1f}"), " µg/m³ (", name,
                 "); limit ", f"{s.air_limit_ugm3:g}", " µg/m³"),
        ], f"; air: unknown ({name} does not cover this segment within {s.air_layer_max_distance_m:g} m)", n)
        return covered & has_facade & (value > s.air_limit_ugm3), ~covered, text
    why = "air_mode=off" if s.air_mode == "off" else "no air layer loaded"
    return np.zeros(n, dtype=bool), np.ones(n, dtype=bool), np.full(n, f"; air: unknown ({why})", dtype=object)


def criterion_c3(edges: pd.DataFrame, net: Any, s: RuleSettings, air_layer: Any = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """C3: noise (Lden at 50 km/h at the nearest façade) and air quality are acceptable.

    Air by the NO2 proxy, or by a concentration layer (``air_layer``, see :func:`air_quality`).
    """
    n = len(edges)
    dist, known, basis = facade_distance(edges, net, s)
    q = _daily_traffic(edges, s)
    heavy = nz.class_lookup(_str(edges, "highway"), s.heavy_share_by_class, s.heavy_share_other)
    kw = dict(reference_distance_m=s.noise_reference_distance_m,
              min_distance_m=s.noise_min_distance_m, den_correction_db=s.noise_den_correction_db)
    lden50 = nz.lden_db(q, np.full(n, float(s.high_speed_kmh)), dist, heavy, **kw)
    lden30 = nz.lden_db(q, np.full(n, float(s.default_speed_kmh)), dist, heavy, **kw)
    has_facade = ~np.isnan(dist)
    noise_fail = has_facade & (lden50 > s.noise_threshold_lden_db)
    air_fail, air_unknown, air_txt = air_quality(edges, dist, q, s, air_layer)

    where = ("nearest building" if basis == "buildings" else "façade assumed next to residential landuse")
    noise_txt = _cat(
        "Lden ≈ ", _fmt(lden50), " dB at 50 km/h (≈ ", _fmt(lden30), " dB at 30) at ", _fmt(dist),
        " m (", where, "), ~", _fmt(q), " vehicles/day; limit ", f"{s.noise_threshold_lden_db:g}",
        " dB", " (WHO 2018)" if s.noise_threshold_lden_db == WHO_LDEN_DB else " (scenario)")
    conds = [~known, ~has_facade, noise_fail | air_fail, air_unknown]
    verdict = select(conds, ["unknown", "pass", "fail", "unknown"], "pass", n)
    no_data = ("no building data and not next to residential landuse: façade distance unknown"
               if basis == "landuse" else
               "no building or landuse data: façade distance unknown (load the buildings file)")
    evidence = select(conds, [
        no_data,
        f"no building within {s.facade_search_m:.0f} m of the road",
        T(noise_txt, air_txt),
        T(noise_txt, air_txt),
    ], _cat(noise_txt, air_txt), n)
    return verdict, evidence, lden50


def _sample_points(geoms: np.ndarray, lengths: np.ndarray, spacing: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``spacing`` m along each line (ends included); returns (points, owner)."""
    counts = np.maximum(np.ceil(lengths / spacing).astype("int64"), 1) + 1
    owner = np.repeat(np.arange(len(geoms)), counts)
    start = np.repeat(np.cumsum(counts) - counts, counts)
    k = np.arange(owner.size) - start
    frac = k / (counts[owner] - 1)
    pts = shapely.line_interpolate_point(geoms[owner], frac, normalized=True)
    return pts, owner


def criterion_c4(edges: pd.DataFrame, cand: np.ndarray, nodes: pd.DataFrame,
                 crossing: pd.DataFrame, s: RuleSettings) -> tuple[np.ndarray, np.ndarray]:
    """C4: all crossings on the segment child-safe, and safe crossings at most the gap apart."""
    n = len(edges)
    verdict = np.full(n, None, dtype=object)
    evidence = np.full(n, None, dtype=object)
    pos = np.flatnonzero(cand)
    if len(pos) == 0:
        return verdict, evidence
    e = edges.iloc[pos]
    keys = street_key(e)
    # 1. crossings at the segment's ends
    state = crossing["toets_crossing"].astype("object")
    reason = crossing["toets_crossing_reason"].astype("object").fillna("")
    u, v = e["u"].to_numpy(), e["v"].to_numpy()
    su, sv = state.reindex(u).to_numpy(), state.reindex(v).to_numpy()
    fail_u, fail_v = su == "fail", sv == "fail"
    bad_node = np.where(fail_u, u, v)
    bad_reason = np.where(fail_u, reason.reindex(u).to_numpy(), reason.reindex(v).to_numpy())
    end_fail = fail_u | fail_v
    n_safe = (su == "pass").astype(int) + (sv == "pass").astype(int)
    # 2. distance from every point of the segment to the nearest child-safe crossing of the same
    #    street: (node, street) pairs, separated per street by shifting x by street index × 1e7 m
    road = _bool(edges, "is_road")
    all_keys = street_key(edges)
    inc = pd.DataFrame({"node": np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]),
                        "key": np.concatenate([all_keys, all_keys]),
                        "road": np.concatenate([road, road])})
    inc = inc[inc["road"]]
    safe_nodes = crossing.index[(crossing["toets_crossing"] == "pass").to_numpy()]
    inc = inc[inc["node"].isin(safe_nodes)].drop_duplicates(["node", "key"])
    codes, uniques = pd.factorize(pd.Index(np.concatenate([inc["key"].to_numpy(), keys])))
    code_safe, code_seg = codes[: len(inc)], codes[len(inc):]
    shift = 1e7
    half_gap = s.crossing_max_gap_m / 2.0
    geoms = e.geometry.to_numpy()
    pts, owner = _sample_points(geoms, e["length"].to_numpy(dtype="float64"), s.gap_sample_spacing_m)
    worst = np.full(len(pos), np.inf)
    if len(inc):
        sx = shapely.get_x(nodes.geometry.reindex(inc["node"]).to_numpy()) + code_safe * shift
        sy = shapely.get_y(nodes.geometry.reindex(inc["node"]).to_numpy())
        tree = shapely.STRtree(shapely.points(sx, sy))
        px = shapely.get_x(pts) + code_seg[owner] * shift
        py = shapely.get_y(pts)
        (src, _), d = tree.query_nearest(shapely.points(px, py), return_distance=True,
                                         all_matches=False)
        dist = np.full(len(pts), np.inf)
        dist[src] = np.where(d < shift / 2, d, np.inf)
        worst = pd.Series(dist).groupby(owner).max().reindex(np.arange(len(pos))).to_numpy()
    gap_fail = worst > half_gap
    worst_txt = np.where(np.isinf(worst), "no child-safe crossing on this street",
                         _cat("a point of the segment lies ", _fmt(np.where(np.isinf(worst), np.nan, worst)),
                              " m from the nearest child-safe crossing of this street"))
    ok_txt = _cat(np.where(n_safe > 0, _cat(n_safe.astype(str), " child-safe crossing(s) at its ends; "),
                           "no crossing at its ends; "), worst_txt,
                  f" (≤ {half_gap:.0f} m = half the {s.crossing_max_gap_m:.0f} m gap)")
    v4 = np.where(end_fail | gap_fail, "fail", "pass").astype(object)
    ev = np.where(end_fail,
                  _cat("crossing at node ", bad_node.astype(str), " is not child-safe: ",
                       bad_reason.astype(str)),
                  np.where(gap_fail,
                           _cat(worst_txt, f" (more than {half_gap:.0f} m = half the "
                                           f"{s.crossing_max_gap_m:.0f} m gap)"),
                           ok_txt)).astype(object)
    # Without any crossing/signal tag in the data, protection may exist unmapped: not shown.
    tagged_any = (_bool(nodes, "signals").any() or _col(nodes, "crossing", None).notna().any()
                  or (_str(nodes, "highway") == "crossing").any())
    if not tagged_any:
        v4 = np.where(v4 == "fail", "unknown", v4).astype(object)
        ev = np.where(v4 == "unknown",
                      _cat(ev, " — the data has no crossing or signal tags, so protection may "
                               "exist unmapped"), ev).astype(object)
    verdict[pos] = v4
    evidence[pos] = ev
    return verdict, evidence


# ---------------------------------------------------------------------------------------------
# calming and junction fixes
# ---------------------------------------------------------------------------------------------


def straight_runs(edges: pd.DataFrame, mask: np.ndarray, tolerance_deg: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Length of the straight stretch each masked segment belongs to, and whether it is calmed.

    Segments of the same street that meet at a node with a bend below ``tolerance_deg`` (and are
    themselves nearly straight, sinuosity ≤ 1.1) are joined with a sparse connected-components
    pass.
    """
    n = len(edges)
    run_len = np.zeros(n)
    calmed = np.zeros(n, dtype=bool)
    pos = np.flatnonzero(mask)
    if len(pos) == 0:
        return run_len, calmed
    e = edges.iloc[pos]
    g = e.geometry.to_numpy()
    a, b = shapely.get_point(g, 0), shapely.get_point(g, -1)
    dx, dy = shapely.get_x(b) - shapely.get_x(a), shapely.get_y(b) - shapely.get_y(a)
    chord = np.hypot(dx, dy)
    length = e["length"].to_numpy(dtype="float64")
    straight = (chord > 0) & (length <= 1.1 * chord)
    bearing = np.degrees(np.arctan2(dy, dx)) % 180.0
    keys = street_key(e)
    k = np.arange(len(pos))
    inc = pd.DataFrame({"node": np.concatenate([e["u"].to_numpy(), e["v"].to_numpy()]),
                        "key": np.concatenate([keys, keys]), "i": np.concatenate([k, k]),
                        "bearing": np.concatenate([bearing, bearing])})
    inc = inc[np.concatenate([straight, straight])]
    pairs = inc.merge(inc, on=["node", "key"])
    pairs = pairs[pairs["i_x"] < pairs["i_y"]]
    diff = np.abs(pairs["bearing_x"].to_numpy() - pairs["bearing_y"].to_numpy()) % 180.0
    diff = np.minimum(diff, 180.0 - diff)
    pairs = pairs[diff <= tolerance_deg]
    m = len(pos)
    adj = sparse.coo_matrix((np.ones(len(pairs)), (pairs["i_x"], pairs["i_y"])), shape=(m, m))
    _, comp = connected_components(adj, directed=False)
    has_calming = _col(e, "traffic_calming", None).notna().to_numpy()
    lens = pd.Series(np.where(straight, length, 0.0)).groupby(comp).transform("sum").to_numpy()
    calm = pd.Series(has_calming).groupby(comp).transform("any").to_numpy()
    run_len[pos] = np.where(straight, lens, 0.0)
    calmed[pos] = calm
    return run_len, calmed


def calming_proposals(edges: pd.DataFrame, is30: np.ndarray, s: RuleSettings
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Calming for 30-roads that invite speeding: 2×2 lanes, wide carriageway, long straights."""
    n = len(edges)
    _, per_dir = edge_lanes(edges, ToetsSettings())
    lanes_tagged = _str(edges, "lanes_source", "").str.startswith("tag").to_numpy()
    width = _num(edges, "width")
    run_len, calmed = straight_runs(edges, is30, s.calming_bend_tolerance_deg)
    two = is30 & (per_dir >= 2) & (lanes_tagged | _str(edges, "highway").isin(
        ["primary", "trunk"]).to_numpy())
    wide = is30 & (width > s.calming_max_width_m)
    long_ = is30 & (run_len >= s.calming_straight_min_m) & ~calmed
    n_humps = np.maximum(np.floor(run_len / s.calming_hump_spacing_m), 1)
    conds = [two, wide, long_]
    calming = select(conds, [
        "road diet: one lane per direction, the freed lane for a cycle track or planters",
        "narrow the carriageway with planters or chicanes",
        T("speed humps or raised plateaus every ~", f"{s.calming_hump_spacing_m:.0f}",
          " m (~", _fmt(n_humps), " on this stretch)"),
    ], None, n)
    reason = select(conds, [
        T(_fmt(per_dir), " lanes per direction at 30 km/h invite speeding"),
        T("carriageway ", _fmt(width, "{:.1f}"), " m wide (> ", f"{s.calming_max_width_m:g}",
          " m) invites speeding"),
        T("straight stretch of ", _fmt(run_len), " m without traffic calming (≥ ",
          f"{s.calming_straight_min_m:.0f}", " m) invites speeding"),
    ], None, n)
    return calming, reason


def junction_fixes(edges: pd.DataFrame, nodes: pd.DataFrame, fifty: np.ndarray,
                   crossing: pd.DataFrame, s: RuleSettings) -> tuple[np.ndarray, np.ndarray]:
    """Busy junctions on 50-roads (or roads that would be 50 but for C4) that need a fix."""
    n = len(nodes)
    road = _bool(edges, "is_road")
    q = _daily_traffic(edges, s)
    _, per_dir = edge_lanes(edges, ToetsSettings())
    inc = pd.DataFrame({
        "node": np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]),
        "road": np.tile(road, 2), "fifty": np.tile(fifty, 2), "q": np.tile(q, 2),
        "per_dir": np.tile(per_dir, 2),
    })
    inc = inc[inc["road"]]
    agg = inc.groupby("node").agg(ends=("q", "size"), q=("q", "sum"), fifty=("fifty", "any"),
                                  per_dir=("per_dir", "max")).reindex(nodes.index)
    ends = agg["ends"].fillna(0).to_numpy()
    entering = agg["q"].fillna(0).to_numpy() / 2.0
    kind = crossing["crossing_kind"].fillna("").to_numpy(dtype=str)
    protected = (kind == "signals") | (kind == "roundabout") | _bool(nodes, "roundabout")
    busy = (agg["fifty"].fillna(False).astype(bool).to_numpy() & (ends >= 3) & ~protected
            & (entering >= s.junction_busy_daily_traffic))
    multi = agg["per_dir"].fillna(1).to_numpy() >= 2
    fix = np.where(busy, np.where(multi,
                                  "narrow the approaches to one lane per direction, then a "
                                  "single-lane roundabout (or signals with refuge islands)",
                                  "single-lane roundabout"), None).astype(object)
    reason = np.where(busy, _cat("to keep (or allow) 50: unsignalised junction with ~", _fmt(entering),
                                 " vehicles/day entering (≥ ", f"{s.junction_busy_daily_traffic:.0f}",
                                 "); over half of Den Haag's victims on 50-roads fall at junctions "
                                 "(Kiezen voor Verkeersveiligheid 2030)"), None).astype(object)
    return fix, reason


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


def evaluate_regime(net: Any, settings: RuleSettings | None = None, *,
                    toets_settings: ToetsSettings | None = None) -> Any:
    """Decide the 30/50 regime of every segment and add the regime columns to ``net.edges``.

    Parameters
    ----------
    net : mobisim.network.Network
        Loaded, tagged network.
    settings : RuleSettings, optional
        Thresholds; ``RuleSettings()`` when omitted.
    toets_settings : ToetsSettings, optional
        Used when the crossing verdicts must be (re)computed for C4: when the toets columns are
        missing (then :func:`mobisim.toets.evaluate_toets` runs first) or were computed on a speed
        column other than ``maxspeed`` (then the crossings are judged afresh at today's limits,
        without overwriting the stored toets).

    Returns
    -------
    Network
        The same object with :data:`REGIME_COLUMNS` on ``edges`` and :data:`JUNCTION_COLUMNS` on
        ``nodes``.
    """
    s = settings or RuleSettings()
    ts = toets_settings or ToetsSettings()
    if "toets_crossing" not in net.nodes.columns:
        evaluate_toets(net, ts)
    if net.edges.attrs.get("toets_speed_column", "maxspeed") != "maxspeed":
        crossing = classify_crossings(net, ts, speed_column="maxspeed")
    else:
        crossing = net.nodes[NODE_COLUMNS]
    edges = net.edges
    n = len(edges)
    hw = _str(edges, "highway")
    current = _num(edges, "maxspeed")
    is_road = _bool(edges, "is_road")
    builtup = _bool(edges, "builtup") if "builtup" in edges.columns else np.ones(n, dtype=bool)
    out_class = hw.isin(s.out_of_scope_classes).to_numpy()
    living = (hw == "living_street").to_numpy() | (current <= s.living_speed_kmh)
    already = current <= s.default_speed_kmh
    cand = is_road & ~out_class & builtup

    # the four criteria on in-scope roads (one pass over the candidate rows)
    pos = np.flatnonzero(cand)
    ec = edges.iloc[pos]
    c = {k: np.full(n, None, dtype=object) for k in
         ("c1", "c1e", "c2", "c2e", "c3", "c3e", "c4", "c4e")}
    noise = np.full(n, np.nan)
    if len(pos):
        has_paths = bool(_bool(edges, "is_cycleway").any())
        c["c1"][pos], c["c1e"][pos] = criterion_c1(ec, has_paths)
        c["c2"][pos], c["c2e"][pos] = criterion_c2(ec, getattr(net, "features", None), s)
        air_layer = None
        if s.air_mode == "layer":
            from mobisim.io import read_value_layer

            air_layer = read_value_layer(s.air_layer_path, s.air_layer_column)
        c["c3"][pos], c["c3e"][pos], noise[pos] = criterion_c3(ec, net, s, air_layer)
    c["c4"], c["c4e"] = criterion_c4(edges, cand, net.nodes, crossing, s)
    all_pass = (c["c1"] == "pass") & (c["c2"] == "pass") & (c["c3"] == "pass") & (c["c4"] == "pass")

    # which criteria were not demonstrated (for the reason text)
    missing = [np.where(c[k] == "pass", "", _cat(k.upper(), " ", c[k].astype(str), ", "))
               for k in ("c1", "c2", "c3", "c4")]
    not_shown = pd.Series(_cat(*missing)).str.rstrip(", ").to_numpy(dtype=object)
    cur_s = _fmt(current)
    conds = [~is_road, out_class, ~builtup, living, already, all_pass]
    regime = select(conds, ["not_road", "out_of_scope", "out_of_scope", "30", "30", "50"], "30", n)
    rule = select(conds, ["R0-not-road", "R1-out-of-scope-class", "R2-outside-builtup",
                          "R3-living-street", "R4-already-30", "R5-50-justified"],
                  "R6-30-default", n)
    reason = select(conds, [
        "not a motor road (footway, cycleway, path, service road or busway)",
        T(hw.to_numpy(dtype=str), " (motorway/trunk road such as the Utrechtsebaan): outside "
          "the urban 30/50 rule, limit unchanged"),
        "outside the built-up area: the urban 30/50 rule does not apply",
        T("woonerf / walking-pace street: stays at ", f"{s.living_speed_kmh}", " km/h"),
        T("already ", cur_s, " km/h: the rule only lowers limits"),
        T("50 km/h justified: all four criteria pass (now ", cur_s, " km/h)"),
    ], _cat("30 km/h: 50 not demonstrated (", not_shown, "); now ", cur_s, " km/h"), n)
    proposed = np.select(
        [~is_road | out_class | ~builtup, living, already, all_pass],
        [current, np.fmin(current, s.living_speed_kmh), current,
         np.fmin(current, s.high_speed_kmh)],
        default=float(s.default_speed_kmh),
    )
    is30 = (regime == "30") & ~living
    calming, calming_reason = calming_proposals(edges, is30 & is_road, s)

    new = {
        "regime": pd.array(regime, dtype="string"),
        "proposed_maxspeed": pd.array(proposed, dtype="Float64").round().astype("Int64"),
        "regime_rule": pd.array(rule, dtype="string"),
        "regime_reason": pd.array(reason, dtype="string"),
        "c1_cycle_path": pd.array(c["c1"], dtype="string"),
        "c1_evidence": pd.array(c["c1e"], dtype="string"),
        "c2_sensitive_sites": pd.array(c["c2"], dtype="string"),
        "c2_evidence": pd.array(c["c2e"], dtype="string"),
        "c3_air_noise": pd.array(c["c3"], dtype="string"),
        "c3_evidence": pd.array(c["c3e"], dtype="string"),
        "noise_lden_db": noise.round(1),
        "c4_crossable": pd.array(c["c4"], dtype="string"),
        "c4_evidence": pd.array(c["c4e"], dtype="string"),
        "calming": pd.array(calming, dtype="string"),
        "calming_reason": pd.array(calming_reason, dtype="string"),
    }
    edges = edges.drop(columns=[k for k in new if k in edges.columns])
    for k, val in new.items():
        edges[k] = val
    net.edges = edges

    # junction fixes: 50-roads, and roads that would be 50 but for C4
    near50 = ((c["c1"] == "pass") & (c["c2"] == "pass") & (c["c3"] == "pass")
              & (c["c4"] != "pass"))
    fix, fix_reason = junction_fixes(edges, net.nodes, (regime == "50") | near50, crossing, s)
    nodes = net.nodes.drop(columns=[k for k in JUNCTION_COLUMNS if k in net.nodes.columns])
    nodes["junction_fix"] = pd.array(fix, dtype="string")
    nodes["junction_fix_reason"] = pd.array(fix_reason, dtype="string")
    net.nodes = nodes
    return net


def evaluate(net: Any, rule_settings: RuleSettings | None = None,
             toets_settings: ToetsSettings | None = None) -> Any:
    """Run the 8-jarigen-toets (today's limits) and the 30/50 regime on ``net``.

    To judge the toets again on the proposed limits afterwards::

        evaluate(net, rules, toets)
        evaluate_toets(net, toets, speed_column="proposed_maxspeed")

    Returns
    -------
    Network
        ``net`` with the toets and regime columns.
    """
    evaluate_toets(net, toets_settings)
    return evaluate_regime(net, rule_settings, toets_settings=toets_settings)
