"""Settings of the rules step: the 30/50 rule, the driven speed and the calming plan.

:class:`RuleSettings` is the ``[rules]`` section of a scenario (with the named noise and air
limits and the labels of the rule's outcomes), :class:`DrivenSpeedSettings` the
``[driven_speed]`` section and :class:`CalmingPlan` the ``[calming_plan]`` section
(:mod:`mobisim.rules.driven_speed`); the 8-jarigen-toets has its own
:mod:`mobisim.rules.toets.settings`. Each default instance is the documented default; every
threshold carries its source or says it is an assumption.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from mobisim.rules.noise import DAILY_TRAFFIC_BY_CLASS, DAILY_TRAFFIC_OTHER, HEAVY_SHARE_BY_CLASS, HEAVY_SHARE_OTHER
from mobisim.settings_base import DailyTraffic, Percent, Settings

__all__ = ["AIR_LIMITS", "CRITERION_LABELS", "NOISE_LIMITS", "TIERS", "TIER_LABELS", "WHO_LDEN_DB", "CalmingPlan",
           "DrivenSpeedSettings", "FactorRange", "FractionRange", "Range", "RuleSettings", "SpeedRange", "limit_label"]

#: The outcomes of the 30/50 rule for a road that is 50 (or faster) today and in scope.
TIERS = ("keep_50", "50_if_shown", "to_30")
TIER_LABELS = {"keep_50": "keeps 50", "50_if_shown": "50 if shown (30 until shown)", "to_30": "to 30"}
#: Short names of the criteria as ``regime_deciding`` lists them (``"C2+C4"``).
CRITERION_LABELS = {"C1": "C1 cycle path", "C2": "C2 sensitive sites", "C3": "C3 noise/air", "C4": "C4 crossable"}

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
        default_factory=lambda: dict(DAILY_TRAFFIC_BY_CLASS),
        description="Daily motor traffic by highway class (noise, air, junction load). Assumption; "
        "keep equal to ToetsSettings.daily_traffic_by_class.")
    daily_traffic_other: float = Field(default=DAILY_TRAFFIC_OTHER, ge=0, le=1_000_000,
                                       description="Daily traffic of other motor classes.")
    heavy_share_by_class: dict[str, Percent] = Field(
        default_factory=lambda: dict(HEAVY_SHARE_BY_CLASS),
        description="Heavy-vehicle share (%) by class. Assumption (urban Dutch roads 2–8 %).")
    heavy_share_other: float = Field(default=HEAVY_SHARE_OTHER, ge=0, le=100,
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


class Range(Settings):
    """An uncertain input: ``low`` / ``central`` / ``high`` value (``low ≤ central ≤ high``)."""

    low: float = Field(ge=-1e6, le=1e6)
    central: float = Field(ge=-1e6, le=1e6)
    high: float = Field(ge=-1e6, le=1e6)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.central <= self.high:
            raise ValueError(f"needs low ≤ central ≤ high, got {self.low}, {self.central}, {self.high}")
        return self

    def value(self, case: str) -> float:
        """The value of ``case`` (``"low"``, ``"central"`` or ``"high"``)."""
        return float(getattr(self, case))


class SpeedRange(Range):
    """A :class:`Range` of speeds in km/h (0–50)."""

    low: float = Field(ge=0, le=50)
    central: float = Field(ge=0, le=50)
    high: float = Field(ge=0, le=50)


class FactorRange(Range):
    """A :class:`Range` of multiplying factors (0.1–10)."""

    low: float = Field(ge=0.1, le=10)
    central: float = Field(ge=0.1, le=10)
    high: float = Field(ge=0.1, le=10)


class FractionRange(Range):
    """A :class:`Range` of fractions (each value in 0–1)."""

    low: float = Field(ge=0, le=1)
    central: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)


class DrivenSpeedSettings(Settings):
    """How fast people drive where the limit changes (``[driven_speed]`` in a scenario)."""

    sign_only_residual_kmh: SpeedRange = Field(
        default_factory=lambda: SpeedRange(low=5.0, central=10.0, high=15.0),
        description=(
            "Where only the sign changed, the speed a child at the kerb meets is the new limit plus "
            "this (km/h). Central 10: one year after 30 km/h became the norm in Amsterdam about 20 % "
            "of drivers still drove 40 km/h or more on the changed roads (Gemeente Amsterdam, "
            "Evaluatie 30 km/u, 2024), i.e. the 80th-percentile speed ≈ 40 on a 30-road. "
            "Low 5 / high 15: assumption (±5 km/h)."
        ),
    )
    traffic_volume_factor: FactorRange = Field(
        default_factory=lambda: FactorRange(low=0.7, central=1.0, high=1.3),
        description=(
            "Uncertainty of the daily traffic the toets reads (the traffic model is not calibrated "
            "to counts, the class table is an order of magnitude): the low / high cases judge the "
            "toets, the crossings and the school routes with every volume times this factor, "
            "together with the low / high residual. Assumption: ±30 %."
        ),
    )
    narrow_max_width_m: float = Field(
        5.0, ge=0, le=20,
        description=(
            "A carriageway at most this wide (tagged `width`) is one lane for both directions and "
            "enforces a 30 limit by itself. Source: SWOV fact sheet 30 km/h zones (one lane for "
            "both directions makes the limit credible); CROW: ≤ 5 m two-way carriageway."
        ),
    )


class CalmingPlan(Settings):
    """The programme's redesign of 30-roads over the years (``[calming_plan]`` in a scenario)."""

    enabled: bool = Field(
        False,
        description="Redesign the roads whose limit was lowered (humps, plateaus, narrowings). "
        "Off: signs only (the driven speed keeps its residual).",
    )
    start_year: int = Field(
        2027, ge=1900, le=2200,
        description="First year of redesign. Assumption: the year after the limits change.",
    )
    km_per_year: float = Field(
        30.0, ge=0, le=5000,
        description=(
            "Road length redesigned per year (km, whole streets). A planning assumption, not a "
            "budget: state your own pace; mobisim reports the years it takes."
        ),
    )
    school_routes_first: bool = Field(
        True,
        description="Streets on school routes first (most children first), then by speed excess × "
        "traffic. Off: by speed excess × traffic only.",
    )
