"""The 30/50 rule: 30 km/h by default, 50 km/h only when all four criteria pass.

For every motor-road segment the municipality decides (inside the area judged, see
:func:`mobisim.load.areas.mark_area`) the proposed regime is decided from four criteria, each reported
as ``pass`` / ``fail`` / ``unknown`` with its evidence:

- **C1 separate cycle path**: a physically separated cycle track on both sides, or a two-way
  track on one side (tags or parallel-geometry detection). A painted lane does not count at 50
  (CROW/SWOV: at 50 km/h cyclists are separated). On an input that carries no ``cycleway*`` tag
  at all, a path found by geometry still passes, but its absence is *unknown*: a track drawn on the
  road itself would be invisible.
- **C2 no sensitive sites nearby**: no primary school, childcare, playground or care institution
  (nursing/care home, hospital, social facility other than services such as food banks — not GPs,
  physiotherapists, pharmacies or dentists) within :attr:`RuleSettings.sensitive_distance_m`.
- **C3 air and noise acceptable for residents**: estimated Lden at the nearest façade at 50 km/h
  within the noise limit (default 63 dB, the Wet geluidhinder's maximum exemption value for homes
  along urban roads; WHO 53 dB and the Omgevingswet values are named alternatives,
  :data:`NOISE_LIMITS`) and NO2 within the air limit (default the EU 2030 limit, 20 µg/m³;
  :data:`AIR_LIMITS`). A screening estimate whose range straddles a limit is *unknown*.
- **C4 crossable by an 8-year-old**: every crossing on the segment passes the 8-jarigen-toets
  (:mod:`mobisim.rules.toets`) and no point of the segment is farther than half the maximum gap
  (default 250 m) from a child-safe crossing of the same street.

Three outcomes (``regime_tier``), not two: **keep 50** when all four pass; **50 if shown** when
none fails but at least one is unknown — the limit proposed stays 30 ("pas toe of leg uit"), and
``regime_missing`` names the evidence that would decide it; **to 30** when any criterion fails
(``regime_deciding`` names the failing criteria).

Out of scope, with the rule that says so: segments outside the area judged; motorways, trunk roads
and their links; ``motorroad=yes``; national A/N routes (``ref``) the city does not manage;
tunnels of primary roads without a cycle facility and bridges bicycles may not use (car-only), and
the rest of a street that is mostly such road (e.g. the Rotterdamsebaan).

The module also proposes traffic calming for 30-roads that invite speeding, and fixes for busy
junctions on (would-be) 50-roads. Everything is computed on whole columns in one pass; the noise
and air figures are kept per segment (``noise_lden_db``, ``c3_noise``, ``c3_air``, ``no2_*_ugm3``) so that
:func:`c3_sensitivity` re-decides the tiers for other noise limits without recomputing them.

Public API: :class:`RuleSettings`, :func:`evaluate_regime`, :func:`evaluate`,
:func:`c3_sensitivity`, :func:`tier_lengths`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import shapely
from pydantic import Field, model_validator
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from mobisim.rules import noise as nz
from mobisim.rules.toets import (
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
from mobisim.settings_base import DailyTraffic, Percent, Settings

REGIME_COLUMNS = [
    "regime", "proposed_maxspeed", "regime_rule", "regime_reason",
    "regime_tier", "regime_deciding", "regime_missing",
    "c1_cycle_path", "c1_evidence", "c2_sensitive_sites", "c2_evidence",
    "c3_air_noise", "c3_evidence", "noise_lden_db", "c3_noise", "c3_air",
    "no2_low_ugm3", "no2_high_ugm3", "c4_crossable", "c4_evidence",
    "calming", "calming_reason",
]
#: The outcomes of the 30/50 rule for a road that is 50 (or faster) today and in scope.
TIERS = ("keep_50", "50_if_shown", "to_30")
TIER_LABELS = {"keep_50": "keeps 50", "50_if_shown": "50 if shown (30 until shown)", "to_30": "to 30"}
#: Short names of the criteria as ``regime_deciding`` lists them (``"C2+C4"``).
CRITERION_LABELS = {"C1": "C1 cycle path", "C2": "C2 sensitive sites", "C3": "C3 noise/air", "C4": "C4 crossable"}
JUNCTION_COLUMNS = ["junction_fix", "junction_fix_reason"]


#: WHO Environmental Noise Guidelines for the European Region (2018), road traffic, Lden.
WHO_LDEN_DB = 53.0

#: Named noise limits (Lden at the façade, dB) a scenario may pick with ``noise_limit``.
NOISE_LIMITS: dict[str, tuple[float, str]] = {
    "who-2018": (53.0, "WHO Environmental Noise Guidelines 2018, road traffic: a health target"),
    "wgh-preferred": (48.0, "Wet geluidhinder (until 2024) preferred value for homes along roads"),
    "wgh-max-urban": (63.0, "Wet geluidhinder (until 2024) maximum exemption value for homes along an "
                            "existing urban road, applied by municipalities for two decades"),
    "omgevingswet-standard": (53.0, "Omgevingswet / Bkl (2024) standard value for homes along municipal "
                                    "roads (verify against the current Bkl tables)"),
    "omgevingswet-limit": (70.0, "Omgevingswet / Bkl (2024) limit value for homes along municipal roads "
                                 "(verify against the current Bkl tables)"),
}
#: Named NO2 limits (annual mean, µg/m³) a scenario may pick with ``air_limit``.
AIR_LIMITS: dict[str, tuple[float, str]] = {
    "eu-2030": (20.0, "EU limit from 2030, Directive (EU) 2024/2881"),
    "eu-current": (40.0, "EU/Dutch limit in force until 2030 (Wet milieubeheer)"),
    "who-2021": (10.0, "WHO Air Quality Guidelines 2021: a health target"),
}


def limit_label(value: float, table: dict[str, tuple[float, str]], unit: str) -> str:
    """``"63 dB (wgh-max-urban)"``: the value and the named limits it equals, else ``(scenario)``."""
    names = [k for k, (v, _) in table.items() if v == value]
    return f"{value:g} {unit} ({' = '.join(names) if names else 'scenario value'})"


class RuleSettings(Settings):
    """Thresholds of the 30/50 rule. ``RuleSettings()`` is the documented default."""

    out_of_scope_classes: list[str] = Field(
        default=["motorway", "motorway_link", "trunk", "trunk_link"],
        description="Classes outside the urban speed rule (autosnelweg/autoweg such as the "
        "Utrechtsebaan): category out_of_scope, limit unchanged (rule R1-out-of-scope-class).",
    )
    out_of_scope_motorroad: bool = Field(
        default=True, description="Roads tagged motorroad=yes (autoweg: no cyclists, pedestrians or "
        "slow traffic, RVV 1990 art. 1) are out of scope (rule R1-motorroad).")
    out_of_scope_ref_pattern: str = Field(
        default=r"(?:^|;)\s*[AN]\d+\b",
        description="Regular expression (case-insensitive) on the road's `ref`: national A/N routes "
        "(A12, N14, N211 …) are managed by Rijkswaterstaat or the province, not the city, and are out "
        "of scope (rule R1-national-route). The city's own S-routes (S100 …) stay in. Empty: off.")
    car_only_tunnel_classes: list[str] = Field(
        default=["primary", "primary_link"],
        description="Tunnels of these classes without a cycle facility (a tagged lane or track, or a "
        "separate path found beside them) are car-only (tunnel entry roads such as the "
        "Rotterdamsebaan): out of scope (rule R1-car-only-tunnel); bridges only when bicycles are "
        "tagged as not allowed and no mandatory side path exists.")
    out_of_scope_street_share: float = Field(
        default=0.5, ge=0.0, le=1.0,
        description="A street (by name) whose motor-road length is at least this share out of scope "
        "(national route, motorway, car-only tunnel) is out of scope also on its remaining segments "
        "of out_of_scope_street_classes (its ramps and approaches; rule R1-out-of-scope-street). "
        "1 switches this off.")
    out_of_scope_street_classes: list[str] = Field(
        default=["primary", "primary_link", "secondary_link", "tertiary", "tertiary_link"],
        description="Classes to which out_of_scope_street_share extends (not secondary: the city's own "
        "S-routes that share a name with a national route, such as the Lozerlaan's S200 part, stay in).")
    high_speed_kmh: int = Field(default=50, ge=5, le=130, description="Speed of the exception regime (50).")
    default_speed_kmh: int = Field(default=30, ge=5, le=130, description="Default urban limit proposed (30).")
    living_speed_kmh: int = Field(
        default=15, ge=5, le=130, description="Woonerf (living street) limit; kept (RVV 1990 art. 45: walking pace, "
        "signposted 15 km/h in Dutch practice).")
    # C2
    sensitive_kinds: list[Literal["primary_school", "school", "kindergarten", "playground", "care",
                                  "health"]] = Field(
        default=["primary_school", "kindergarten", "playground", "care"],
        description="Site kinds that make a road sensitive: primary schools (`school` = every "
        "school), childcare (`kindergarten`), playgrounds and care institutions (`care`: nursing and "
        "care homes, hospitals, social facilities for elderly or disabled people). `health` (GPs, "
        "physiotherapists, clinics, pharmacies, dentists) is not a care institution in the "
        "programme's sense and is off by default.",
    )
    sensitive_distance_m: float = Field(
        default=150.0, ge=0, le=5000, description="C2 fails when a sensitive site lies within this "
        "distance of the segment. Programme default (issue 3).")
    sensitive_search_m: float = Field(
        default=2000.0, ge=0, le=10_000, description="Search radius for naming the nearest site in the evidence.")
    # C3 noise
    noise_limit: Literal["who-2018", "wgh-preferred", "wgh-max-urban", "omgevingswet-standard",
                         "omgevingswet-limit"] | None = Field(
        default=None, description="A named noise limit (NOISE_LIMITS) instead of a number: "
        "'wgh-max-urban' 63 dB (default), 'who-2018' 53 dB, 'wgh-preferred' 48 dB, "
        "'omgevingswet-standard' 53 dB, 'omgevingswet-limit' 70 dB.")
    noise_threshold_lden_db: float = Field(
        default=63.0, ge=30, le=90, description="Road-traffic noise limit at the façade (Lden, dB). "
        "Default 63 dB: the Wet geluidhinder's maximum exemption value (hogere waarde) for homes along "
        "an existing urban road — the most Dutch practice accepted for homes for two decades. The WHO "
        "2018 guideline (53 dB) is a health target no Dutch main road meets, even at 30 km/h.")
    noise_sensitivity_db: list[Annotated[float, Field(ge=30, le=90)]] = Field(
        default=[53.0, 58.0, 63.0, 68.0, 70.0], min_length=1, max_length=20,
        description="Noise limits at which every run also reports the km that keep 50 (sensitivity).")
    noise_reference_distance_m: float = Field(
        default=25.0, gt=0, le=1000, description="Reference distance of the emission term. Source: RLS-90.")
    noise_min_distance_m: float = Field(
        default=5.0, gt=0, le=200, description="Closest façade distance used (half a carriageway plus footway).")
    noise_den_correction_db: float = Field(
        default=3.3, ge=-10, le=10, description="Lden − LAeq,24h for a typical urban daily traffic pattern "
        "(about 3 dB; EU/WHO practice). Assumption.")
    facade_search_m: float = Field(
        default=200.0, ge=0, le=5000, description="No building within this distance → noise is no concern (pass).")
    landuse_search_m: float = Field(
        default=30.0, ge=0, le=1000, description="Without building data: a segment this close to residential "
        "landuse is taken to have façades at landuse_facade_distance_m.")
    landuse_facade_distance_m: float = Field(
        default=10.0, gt=0, le=200, description="Façade distance assumed next to residential landuse (typical "
        "Dutch street profile: half carriageway + parking + footway). Assumption.")
    daily_traffic_by_class: dict[str, DailyTraffic] = Field(
        default_factory=lambda: dict(nz.DAILY_TRAFFIC_BY_CLASS),
        description="Daily motor traffic by highway class (noise, air, junction load). Assumption; "
        "keep equal to ToetsSettings.daily_traffic_by_class.")
    daily_traffic_other: float = Field(default=nz.DAILY_TRAFFIC_OTHER, ge=0, le=1_000_000,
                                       description="Daily traffic of other motor classes.")
    heavy_share_by_class: dict[str, Percent] = Field(
        default_factory=lambda: dict(nz.HEAVY_SHARE_BY_CLASS),
        description="Heavy-vehicle share (%) by class. Assumption (urban Dutch roads 2–8 %).")
    heavy_share_other: float = Field(default=nz.HEAVY_SHARE_OTHER, ge=0, le=100,
                                     description="Heavy share (%) of other classes.")
    # C3 air
    air_mode: Literal["proxy", "layer", "off"] = Field(
        default="proxy", description="'proxy': NO2 increment proxy of mobisim.rules.noise; 'layer': "
        "annual-mean concentrations from air_layer_path compared with air_limit_ugm3; 'off': air "
        "is reported unknown and C3 can then at best be unknown.")
    air_layer_path: Path | None = Field(
        default=None, description="Concentration layer for air_mode='layer' (GeoJSON/GeoPackage; "
        "polygons such as grid cells, or points such as receptor points), e.g. a municipal or RIVM "
        "NO2 map. Relative to the scenario file.")
    air_layer_column: str = Field(
        default="no2", min_length=1, description="Numeric column of the layer (µg/m³, annual mean).")
    air_layer_max_distance_m: float = Field(
        default=50.0, ge=0, le=5000, description="A segment whose midpoint lies in no polygon and farther than "
        "this from every feature of the layer has an unknown air quality.")
    air_limit: Literal["eu-2030", "eu-current", "who-2021"] | None = Field(
        default=None, description="A named NO2 limit (AIR_LIMITS) instead of a number: 'eu-2030' "
        "20 µg/m³ (default), 'eu-current' 40, 'who-2021' 10.")
    air_limit_ugm3: float = Field(
        default=20.0, gt=0, le=200, description="Largest acceptable annual mean NO2 (µg/m³) at the "
        "façade. Default: the EU limit from 2030, 20 µg/m³ (Directive (EU) 2024/2881); the WHO 2021 "
        "guideline (10 µg/m³) is a health target.")
    air_background_no2_ugm3: list[Annotated[float, Field(ge=0, le=200)]] = Field(
        default=[11.0, 13.0, 15.0], min_length=3, max_length=3,
        description="Urban background NO2 (µg/m³, annual mean) low / central / high for the proxy, at "
        "the 2030 horizon of the EU limit it is compared with. Assumption: Den Haag's urban-background "
        "stations measured about 16–18 µg/m³ in 2022–2023 (Luchtmeetnet) and background NO2 falls "
        "some 3–4 % a year with fleet renewal (RIVM GCN prognoses); give a NO2 map (air_mode = "
        "'layer') for measured values.")
    air_no2_per_10k_at_10m: list[Annotated[float, Field(ge=0, le=100)]] = Field(
        default=[1.5, 2.5, 4.0], min_length=3, max_length=3,
        description="NO2 street increment proxy: µg/m³ per 10 000 vehicles/day at 10 m, low / central "
        "/ high (order of magnitude of RIVM CAR II street increments). Assumption. The proxy fails a "
        "road only when even the low estimate exceeds the limit, passes it when even the high one "
        "stays within, and leaves it unknown in between.")
    # C4
    crossing_max_gap_m: float = Field(
        default=250.0, gt=0, le=5000, description="Largest distance between child-safe crossings along a 50-road. "
        "Programme default (issue 3).")
    gap_sample_spacing_m: float = Field(
        default=10.0, ge=1, le=100, description="Spacing of the points sampled along a segment to measure the "
        "gap (at least 1 m: the number of points is the road length over this).")
    # calming proposals for 30-roads
    calming_max_width_m: float = Field(
        default=6.0, gt=0, le=50, description="A 30-road with a wider carriageway invites speeding. Assumption "
        "(CROW keeps 30 km/h access roads narrow, about 4.5–5.5 m).")
    calming_straight_min_m: float = Field(
        default=200.0, gt=0, le=5000, description="A straight uncalmed stretch this long on a 30-road invites "
        "speeding (SWOV: speeds rise on long straight roads; Amsterdam saw the largest drops there).")
    calming_bend_tolerance_deg: float = Field(
        default=15.0, ge=0, le=180, description="Segments of one street meeting at a smaller bend count as one "
        "straight stretch.")
    calming_hump_spacing_m: float = Field(
        default=75.0, ge=10, le=1000, description="Spacing of humps/plateaus proposed for 30 km/h (CROW practice "
        "50–100 m). Assumption.")
    # junctions on 50-roads
    junction_busy_daily_traffic: float = Field(
        default=15000.0, ge=0, le=1_000_000, description="A junction with at least this many vehicles/day entering "
        "(half the sum over its road ends) is busy. Assumption; Den Haag: over half of the victims "
        "on 50-roads were at junctions (Kiezen voor Verkeersveiligheid 2030).")

    @model_validator(mode="after")
    def _named_limits(self) -> RuleSettings:
        for name_key, value_key, table in (("noise_limit", "noise_threshold_lden_db", NOISE_LIMITS),
                                           ("air_limit", "air_limit_ugm3", AIR_LIMITS)):
            name = getattr(self, name_key)
            if name is None:
                continue
            value = table[name][0]
            if value_key in self.model_fields_set and getattr(self, value_key) != value:
                raise ValueError(f"{name_key} = '{name}' is {value:g}, but {value_key} = "
                                 f"{getattr(self, value_key):g}: give one of the two")
            object.__setattr__(self, value_key, value)
        return self

    @model_validator(mode="after")
    def _valid_pattern(self) -> RuleSettings:
        import re

        try:
            re.compile(self.out_of_scope_ref_pattern)
        except re.error as exc:
            raise ValueError(f"out_of_scope_ref_pattern is not a regular expression ({exc})") from None
        return self

    @model_validator(mode="after")
    def _ordered_ranges(self) -> RuleSettings:
        for key in ("air_background_no2_ugm3", "air_no2_per_10k_at_10m"):
            lo, mid, hi = getattr(self, key)
            if not (0 <= lo <= mid <= hi):
                raise ValueError(f"{key} must be low ≤ central ≤ high and ≥ 0, got {[lo, mid, hi]}")
        return self

    @model_validator(mode="after")
    def _layer_needs_a_file(self) -> RuleSettings:
        if self.air_mode == "layer" and self.air_layer_path is None:
            raise ValueError("air_mode = 'layer' needs air_layer_path (a GeoJSON/GeoPackage of concentrations)")
        return self


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _traffic_label(edges: pd.DataFrame) -> np.ndarray:
    """What C3's traffic figure rests on: the 30/50 verdict judges today's modelled traffic (the
    traffic is modelled again for the scenario only after the limits are decided)."""
    label = nz.traffic_source_label(edges)
    return np.where(label == "modelled", "modelled, today's traffic", label).astype(object)


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


def criterion_c1(edges: pd.DataFrame, network_has_cycle_paths: bool, data_has_cycleway_tags: bool = True
                 ) -> tuple[np.ndarray, np.ndarray]:
    """C1: separated cycle track on both sides, or a two-way track, or — on a one-way
    carriageway such as each half of a dual carriageway — a track on its right-hand side.

    Parameters
    ----------
    edges : DataFrame
        Candidate segments with the cycleway and parallel-path columns.
    network_has_cycle_paths : bool
        Whether the input holds separate cycle paths at all (else nothing can be detected).
    data_has_cycleway_tags : bool
        Whether any way of the input carries a ``cycleway*`` tag. Without any, a track drawn on the
        road itself is invisible: a parallel path found by geometry still passes, but its absence
        is ``unknown``, never ``fail``.
    """
    left = _bool(edges, "cycle_separated_left")
    right = _bool(edges, "cycle_separated_right")
    twoway = _bool(edges, "cycle_track_twoway")
    cwl, cwr = _str(edges, "cycleway_left", "none"), _str(edges, "cycleway_right", "none")
    lane = (cwl.isin(["lane", "opposite_lane"]) | cwr.isin(["lane", "opposite_lane"])).to_numpy()
    tagged = ((cwl != "none") | (cwr != "none")).to_numpy()
    src = _str(edges, "cycle_separated_source", "none").to_numpy(dtype=str)
    sides = _cat("cycleway left=", cwl.to_numpy(dtype=str), ", right=", cwr.to_numpy(dtype=str))
    # a one-way carriageway (each half of a dual carriageway): the track on its right-hand side, the
    # side of its traffic (a path on the left of a half is usually the median or the other half's)
    oneway_right = _bool(edges, "oneway") & right
    n = len(edges)
    blind = np.full(n, not data_has_cycleway_tags) & ~tagged
    conds = [left & right, twoway, oneway_right, lane, blind & (left | right), blind,
             ~tagged & ~network_has_cycle_paths, left | right]
    verdict = select(conds, ["pass", "pass", "pass", "fail", "unknown", "unknown", "unknown", "fail"],
                     "fail", n)
    evidence = select(conds, [
        T("separated cycle track on both sides (", src, ")"),
        T("two-way separated cycle track on one side (", src, ")"),
        T("one-way carriageway (e.g. half of a dual carriageway) with a separated cycle track "
          "on its right-hand side, the side of its traffic (", src, ")"),
        T("painted cycle lane only (", sides, "): a painted lane does not count at 50 "
          "(CROW/SWOV: at 50 km/h cyclists are separated)"),
        T("a separated cycle path found on one side only (", src, "); the input carries no cycleway "
          "tags at all, so a track on the other side drawn on the road itself would be invisible"),
        "no separated cycle path found by geometry; the input carries no cycleway tags at all, so a "
        "track drawn on the road itself would be invisible",
        "no cycleway tag, and the data holds no cycle paths to detect a parallel one",
        T("separated cycle track on one side only (", src, "; ", sides, ")"),
    ], _cat("no separated cycle path (", sides, "; no parallel cycle path detected)"), n)
    return verdict, evidence


def sensitive_sites(features: Any, kinds: list[str]) -> Any:
    """The features of ``kinds`` (``primary_school`` = schools told primary by
    :func:`mobisim.load.features.is_primary_school`), with a readable ``site_kind``; ``None`` without
    features."""
    if not _has_data(features) or "kind" not in features.columns:
        return None
    kind = _str(features, "kind")
    primary = _bool(features, "primary_school") & (kind == "school").to_numpy()
    chosen = kind.isin(kinds).to_numpy() | (primary & ("primary_school" in kinds))
    sites = features[chosen]
    sub = _str(sites, "subkind")
    label = np.where(primary[chosen], "primary school", np.where(sub != "", sub, _str(sites, "kind")))
    return sites.assign(site_kind=pd.Series(label, index=sites.index).str.replace("_", " "))


def criterion_c2(edges: pd.DataFrame, features: Any, s: RuleSettings) -> tuple[np.ndarray, np.ndarray]:
    """C2: no sensitive site within ``sensitive_distance_m``; evidence names the nearest and its kind."""
    n = len(edges)
    sites = sensitive_sites(features, list(s.sensitive_kinds))
    if sites is None or len(sites) == 0:
        kinds = ", ".join(s.sensitive_kinds).replace("_", " ")
        return (np.full(n, "unknown", dtype=object),
                np.full(n, f"no sensitive sites ({kinds}) in the data: load a feature file",
                        dtype=object))
    dist, idx = nz.nearest_distance(edges.geometry.to_numpy(), sites.geometry.to_numpy(),
                                    s.sensitive_search_m)
    names = _str(sites, "name").to_numpy(dtype=object)
    kinds = sites["site_kind"].to_numpy(dtype=object)
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
                air_layer: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The air part of C3 per segment: (verdict ``pass``/``fail``/``unknown``, evidence text, low and
    high NO2 estimate in µg/m³, NaN where none).

    ``proxy``: background + the street increment of :func:`mobisim.rules.noise.no2_increment` at the
    façade distance ``dist``, each low / central / high, against ``air_limit_ugm3``: fail only when
    even the low estimate exceeds the limit, pass when even the high one stays within, unknown in
    between (the screening cannot tell). ``layer``: the concentration of ``air_layer``
    (:func:`mobisim.load.read_value_layer`) at the segment, unknown where the layer does not reach;
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
        text = _cat("; NO2 ≈ ", _fmt(mid, "{:.0f}"), " µg/m³ (estimate ", _fmt(low, "{:.0f}"), "–",
                    _fmt(high, "{:.0f}"), ": background + street increment, a screening proxy) vs ", limit)
        return verdict, text, low, high
    if s.air_mode == "layer" and air_layer is not None:
        value = np.round(nz.sample_layer(edges.geometry.to_numpy(), air_layer.geometry.to_numpy(),
                                         air_layer["value"].to_numpy(), s.air_layer_max_distance_m), 1)
        covered = ~np.isnan(value)
        name = Path(s.air_layer_path).name  # set: the settings validator requires it in this mode
        text = select([covered], [
            _cat("; ", s.air_layer_column.upper(), " ≈ ", _fmt(value, "{:.1f}"), " µg/m³ (", name,
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


def combine(*verdicts: np.ndarray) -> np.ndarray:
    """All must pass: ``fail`` if any fails, else ``unknown`` if any is unknown, else ``pass``."""
    stack = np.vstack(verdicts)
    return np.where((stack == "fail").any(axis=0), "fail",
                    np.where((stack == "unknown").any(axis=0), "unknown", "pass")).astype(object)


def criterion_c3(edges: pd.DataFrame, net: Any, s: RuleSettings, air_layer: Any = None
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
    q = _daily_traffic(edges, s)
    heavy = nz.class_lookup(_str(edges, "highway"), s.heavy_share_by_class, s.heavy_share_other)
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
    noise_txt = _cat(
        "Lden ≈ ", _fmt(lden50), " dB at 50 km/h (≈ ", _fmt(lden30), " dB at 30) at ", _fmt(dist),
        " m (", where, "), ~", _fmt(q), " vehicles/day (", _traffic_label(edges), "); limit ",
        limit_label(s.noise_threshold_lden_db, NOISE_LIMITS, "dB"))
    no_data = ("no building data and not next to residential landuse: façade distance unknown"
               if basis == "landuse" else
               "no building or landuse data: façade distance unknown (load the buildings file)")
    evidence = select([~known, ~has_facade], [
        no_data, f"no building within {s.facade_search_m:.0f} m of the road",
    ], _cat(noise_txt, air_txt), n)
    return verdict, evidence, lden50, noise, air, no2


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
                 crossing: pd.DataFrame, s: RuleSettings, data_has_crossing_tags: bool | None = None,
                 *, keys: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """C4: all crossings on the segment child-safe, and safe crossings at most the gap apart.

    Without any crossing or signal node in the input (``data_has_crossing_tags`` false; measured
    on ``nodes`` when ``None``) protection may exist unmapped: a failure becomes ``unknown``.
    """
    n = len(edges)
    verdict = np.full(n, None, dtype=object)
    evidence = np.full(n, None, dtype=object)
    pos = np.flatnonzero(cand)
    if len(pos) == 0:
        return verdict, evidence
    e = edges.iloc[pos]
    all_keys = street_key(edges) if keys is None else keys
    keys = all_keys[pos]
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
    tagged_any = data_has_crossing_tags
    if tagged_any is None:
        tagged_any = bool(_bool(nodes, "signals").any() or _col(nodes, "crossing", None).notna().any()
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


def calming_proposals(edges: pd.DataFrame, is30: np.ndarray, s: RuleSettings,
                      toets_settings: ToetsSettings | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Calming for 30-roads that invite speeding: 2×2 lanes, wide carriageway, long straights.

    Lane counts that are not tagged come from the scenario's ``[toets]`` lane defaults
    (``toets_settings``; the documented defaults when omitted)."""
    n = len(edges)
    _, per_dir = edge_lanes(edges, toets_settings or ToetsSettings())
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
                   crossing: pd.DataFrame, s: RuleSettings,
                   toets_settings: ToetsSettings | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Busy junctions on 50-roads (or roads that would be 50 but for C4) that need a fix (lane
    defaults from the scenario's ``[toets]``, as :func:`calming_proposals`)."""
    road = _bool(edges, "is_road")
    q = _daily_traffic(edges, s)
    _, per_dir = edge_lanes(edges, toets_settings or ToetsSettings())
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


def scope(edges: pd.DataFrame, s: RuleSettings, keys: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray]:
    """Which in-area motor roads the city does not decide, and by which rule.

    ``keys`` is :func:`street_key` of ``edges`` when the caller has it already.

    Returns
    -------
    rule : numpy.ndarray of object
        ``R1-*`` rule id per segment, ``None`` where the road is in scope.
    reason : numpy.ndarray of object
        The reason shown for it.
    """
    n = len(edges)
    hw = _str(edges, "highway")
    road = _bool(edges, "is_road")
    ref = _str(edges, "ref")
    by_class = hw.isin(s.out_of_scope_classes).to_numpy()
    motorroad = _bool(edges, "motorroad") & s.out_of_scope_motorroad
    national = np.zeros(n, dtype=bool)
    has_ref = road & (ref != "").to_numpy()
    if s.out_of_scope_ref_pattern and has_ref.any():
        national[has_ref] = ref[has_ref].str.contains(s.out_of_scope_ref_pattern, case=False, regex=True).to_numpy()
    # a cycle facility on or beside the road: tagged lane/track/separate, or a path found by geometry
    facility = ["lane", "track", "separate"]
    cycle = ((_str(edges, "cycleway_left").isin(facility) | _str(edges, "cycleway_right").isin(facility)).to_numpy()
             | _bool(edges, "cycle_separated_left") | _bool(edges, "cycle_separated_right"))
    no_bikes = ~_bool(edges, "mode_bike") & ~_bool(edges, "bike_use_sidepath")
    tunnel = (hw.isin(s.car_only_tunnel_classes).to_numpy()
              & ((_bool(edges, "tunnel") & ~cycle) | (_bool(edges, "bridge") & no_bikes)))
    direct = road & (by_class | motorroad | national | tunnel)
    # the rest of a street that is mostly out of scope (ramps and approaches of such a route)
    keys = pd.Series(street_key(edges) if keys is None else keys, index=edges.index)
    length = edges["length"].to_numpy(dtype="float64")
    named = _str(edges, "name").str.strip().ne("").to_numpy()
    frame = pd.DataFrame({"key": keys.to_numpy(), "len": np.where(road, length, 0.0),
                          "out": np.where(direct, length, 0.0)})
    sums = frame.groupby("key")[["len", "out"]].transform("sum")
    share = np.divide(sums["out"].to_numpy(), sums["len"].to_numpy(),
                      out=np.zeros(n), where=sums["len"].to_numpy() > 0)
    street = (road & ~direct & named & hw.isin(s.out_of_scope_street_classes).to_numpy()
              & (share >= s.out_of_scope_street_share) & (share > 0))
    hw_s, ref_s = hw.to_numpy(dtype=str), ref.str.upper().to_numpy(dtype=str)
    conds = [by_class & road, motorroad & road, national & road, tunnel & road, street]
    rule = select(conds, ["R1-out-of-scope-class", "R1-motorroad", "R1-national-route",
                          "R1-car-only-tunnel", "R1-out-of-scope-street"], None, n)
    reason = select(conds, [
        T(hw_s, " (motorway/trunk road): outside the urban 30/50 rule, limit unchanged"),
        "motorroad=yes (autoweg: no cycling or walking): outside the urban 30/50 rule, limit unchanged",
        T("national route ", ref_s, " (Rijkswaterstaat or the province, not the city): outside the "
          "city's 30/50 rule, limit unchanged"),
        T("tunnel or bridge of a ", hw_s, " road without a cycle facility (car-only, e.g. a tunnel entry "
          "road): outside the urban 30/50 rule, limit unchanged"),
        T("part of a street that is mostly out of scope (", _fmt(100 * share), " % of its length is a "
          "national route, motorway or car-only tunnel): outside the urban 30/50 rule"),
    ], None, n)
    return rule, reason


def missing_evidence(edges: pd.DataFrame, c: dict[str, np.ndarray], noise: np.ndarray, air: np.ndarray,
                     s: RuleSettings) -> np.ndarray:
    """For each segment, what evidence would decide its unknown criteria ("tag the crossings of X")."""
    street = _str(edges, "name").str.strip()
    street = np.where(street != "", street.to_numpy(dtype=object), "this road").astype(str)
    air_fix = ("a NO2 map covering " if s.air_mode != "proxy"
               else "a NO2 map (air_mode = 'layer') or measurement along ")
    parts = [
        np.where(c["c1"] == "unknown", _cat("tag the cycle tracks of ", street,
                                             " (cycleway:left/right=track, or draw the separate path); "), ""),
        np.where(c["c2"] == "unknown", "load the schools, childcare, playgrounds and care sites; ", ""),
        np.where(noise == "unknown", "load the buildings file (façade distances); ", ""),
        np.where((air == "unknown") & (noise != "unknown"), _cat(air_fix, street, "; "), ""),
        np.where(c["c4"] == "unknown", _cat("tag the crossings and signals of ", street, "; "), ""),
    ]
    return pd.Series(_cat(*parts)).str.rstrip("; ").to_numpy(dtype=object)


def which(c: dict[str, np.ndarray], value: str) -> np.ndarray:
    """``"C1+C3"``: the criteria whose verdict is ``value``, per segment."""
    parts = [np.where(c[k] == value, f"{k.upper()}+", "") for k in ("c1", "c2", "c3", "c4")]
    return pd.Series(_cat(*parts)).str.rstrip("+").to_numpy(dtype=object)


def tiers(c: dict[str, np.ndarray], judged: np.ndarray) -> np.ndarray:
    """``keep_50`` / ``50_if_shown`` / ``to_30`` for the judged segments (``None`` elsewhere)."""
    verdict = combine(c["c1"], c["c2"], c["c3"], c["c4"])
    tier = np.select([verdict == "pass", verdict == "unknown"], ["keep_50", "50_if_shown"], "to_30")
    return np.where(judged, tier, None).astype(object)


def evaluate_regime(net: Any, settings: RuleSettings | None = None, *,
                    toets_settings: ToetsSettings | None = None) -> Any:
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
        Used when the crossing verdicts must be (re)computed for C4: when the toets columns are
        missing (then :func:`mobisim.rules.toets.evaluate_toets` runs first) or were computed on a speed
        column other than ``maxspeed`` (then the crossings are judged afresh at today's limits,
        without overwriting the stored toets).

    Returns
    -------
    Network
        The same object with :data:`REGIME_COLUMNS` on ``edges`` and :data:`JUNCTION_COLUMNS` on
        ``nodes``.
    """
    from mobisim.load.coverage import carries, data_coverage

    s = settings or RuleSettings()
    ts = toets_settings or ToetsSettings()
    coverage = getattr(net, "coverage", None) or data_coverage(net)
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
    inside = _bool(edges, "in_area") if "in_area" in edges.columns else np.ones(n, dtype=bool)
    builtup = _bool(edges, "builtup") if "builtup" in edges.columns else np.ones(n, dtype=bool)
    keys = street_key(edges)
    scope_rule, scope_reason = scope(edges, s, keys)
    out_scope = pd.notna(scope_rule)
    living = (hw == "living_street").to_numpy() | (current <= s.living_speed_kmh)
    already = current <= s.default_speed_kmh
    cand = inside & is_road & ~out_scope & builtup
    judged = cand & ~living & ~already

    # the four criteria on the roads judged (today above 30, in scope): one pass over those rows
    pos = np.flatnonzero(judged)
    ec = edges.iloc[pos]
    c = {k: np.full(n, None, dtype=object) for k in
         ("c1", "c1e", "c2", "c2e", "c3", "c3e", "c4", "c4e", "noise", "air")}
    noise = np.full(n, np.nan)
    no2 = np.full((2, n), np.nan)
    if len(pos):
        c["c1"][pos], c["c1e"][pos] = criterion_c1(ec, carries(coverage, "cycle_paths"),
                                                   carries(coverage, "cycleway"))
        c["c2"][pos], c["c2e"][pos] = criterion_c2(ec, getattr(net, "features", None), s)
        air_layer = None
        if s.air_mode == "layer":
            from mobisim.load import read_value_layer

            air_layer = read_value_layer(s.air_layer_path, s.air_layer_column)
        (c["c3"][pos], c["c3e"][pos], noise[pos], c["noise"][pos],
         c["air"][pos], no2[:, pos]) = criterion_c3(ec, net, s, air_layer)
    c["c4"], c["c4e"] = criterion_c4(edges, judged, net.nodes, crossing, s, carries(coverage, "crossings"),
                                     keys=keys)
    tier = tiers(c, judged)
    keep = tier == "keep_50"
    shown = tier == "50_if_shown"
    # texts only where a road is judged (a few thousand of ~70,000 segments)
    deciding = np.full(n, None, dtype=object)
    missing = np.full(n, None, dtype=object)
    if len(pos):
        cj = {k: v[pos] for k, v in c.items()}
        deciding[pos] = np.where(tier[pos] == "to_30", which(cj, "fail"),
                                 np.where(shown[pos], which(cj, "unknown"), None))
        sp = np.flatnonzero(shown)
        if len(sp):
            missing[sp] = missing_evidence(edges.iloc[sp], {k: v[sp] for k, v in c.items()},
                                           c["noise"][sp], c["air"][sp], s)

    cur_s = _fmt(current)
    conds = [~inside, ~is_road, out_scope, ~builtup, living, already, keep, shown]
    regime = select(conds, ["outside_area", "not_road", "out_of_scope", "out_of_scope", "30", "30", "50",
                            "30"], "30", n)
    rule = select(conds, ["R0-outside-area", "R0-not-road", scope_rule, "R2-outside-builtup",
                          "R3-living-street", "R4-already-30", "R5-50-justified", "R5-50-if-shown"],
                  "R6-30-default", n)
    reason = select(conds, [
        "outside the area judged (the municipality): not judged",
        "not a motor road (footway, cycleway, path, service road or busway)",
        scope_reason,
        "outside the built-up area: the urban 30/50 rule does not apply",
        T("woonerf / walking-pace street: stays at ", f"{s.living_speed_kmh}", " km/h"),
        T("already ", cur_s, " km/h: the rule only lowers limits"),
        T("50 km/h justified: all four criteria pass (now ", cur_s, " km/h)"),
        T("50 if shown: no criterion fails, but ", deciding.astype(str), " unknown — 30 until shown "
          "(pas toe of leg uit); to decide: ", missing.astype(str), "; now ", cur_s, " km/h"),
    ], T("30 km/h: ", deciding.astype(str), " fail(s); now ", cur_s, " km/h"), n)
    proposed = np.select(
        [~inside | ~is_road | out_scope | ~builtup, living, already, keep],
        [current, np.fmin(current, s.living_speed_kmh), current, np.fmin(current, s.high_speed_kmh)],
        default=float(s.default_speed_kmh),
    )
    # a "50 if shown" road waits for its evidence: no redesign for 30 proposed yet
    is30 = (regime == "30") & ~living & ~shown
    calming, calming_reason = calming_proposals(edges, is30 & is_road & inside, s, ts)

    new = {
        "regime": pd.array(regime, dtype="string"),
        "proposed_maxspeed": pd.array(proposed, dtype="Float64").round().astype("Int64"),
        "regime_rule": pd.array(rule, dtype="string"),
        "regime_reason": pd.array(reason, dtype="string"),
        "regime_tier": pd.array(tier, dtype="string"),
        "regime_deciding": pd.array(deciding, dtype="string"),
        "regime_missing": pd.array(missing, dtype="string"),
        "c1_cycle_path": pd.array(c["c1"], dtype="string"),
        "c1_evidence": pd.array(c["c1e"], dtype="string"),
        "c2_sensitive_sites": pd.array(c["c2"], dtype="string"),
        "c2_evidence": pd.array(c["c2e"], dtype="string"),
        "c3_air_noise": pd.array(c["c3"], dtype="string"),
        "c3_evidence": pd.array(c["c3e"], dtype="string"),
        "noise_lden_db": noise.round(1),
        "c3_noise": pd.array(c["noise"], dtype="string"),
        "c3_air": pd.array(c["air"], dtype="string"),
        "no2_low_ugm3": no2[0].round(1),
        "no2_high_ugm3": no2[1].round(1),
        "c4_crossable": pd.array(c["c4"], dtype="string"),
        "c4_evidence": pd.array(c["c4e"], dtype="string"),
        "calming": pd.array(calming, dtype="string"),
        "calming_reason": pd.array(calming_reason, dtype="string"),
    }
    edges = edges.drop(columns=[k for k in new if k in edges.columns])
    for k, val in new.items():
        edges[k] = val
    edges.attrs["noise_threshold_lden_db"] = s.noise_threshold_lden_db
    net.edges = edges

    # junction fixes: 50-roads, and roads that would be 50 but for C4
    near50 = ((c["c1"] == "pass") & (c["c2"] == "pass") & (c["c3"] == "pass")
              & (c["c4"] != "pass"))
    fix, fix_reason = junction_fixes(edges, net.nodes, (regime == "50") | near50, crossing, s, ts)
    nodes = net.nodes.drop(columns=[k for k in JUNCTION_COLUMNS if k in net.nodes.columns])
    nodes["junction_fix"] = pd.array(fix, dtype="string")
    nodes["junction_fix_reason"] = pd.array(fix_reason, dtype="string")
    net.nodes = nodes
    return net


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
