"""Settings of the score step: ``[scores]`` in a scenario file (Power Model, composite weights).

Only the settings: :mod:`mobisim.scenario` imports this module to validate a scenario, and the
score functions (:mod:`mobisim.score.power_model`, :mod:`mobisim.score.composite`) read it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from mobisim.rules.driven_speed import FractionRange
from mobisim.rules.noise import DAILY_TRAFFIC_BY_CLASS, DAILY_TRAFFIC_OTHER
from mobisim.settings_base import DailyTraffic, Settings

__all__ = ["DEFAULT_EXPOSURE", "CompositeWeights", "LimitBand", "PowerExponents", "ScoreSettings", "Weight"]

#: Motor vehicles per day on a typical road of each OSM highway class, the exposure weight
#: (vehicle-km per km of road per day) of :func:`mobisim.score.power_model`. The same assumption the rules, the
#: toets and the noise estimate use (:data:`mobisim.rules.noise.DAILY_TRAFFIC_BY_CLASS`: order-of-
#: magnitude figures for Dutch urban roads, not counts), so one table drives every estimate.
#: A segment's own ``daily_traffic`` (set e.g. by ``close_through_traffic``) takes precedence.
DEFAULT_EXPOSURE: dict[str, float] = dict(DAILY_TRAFFIC_BY_CLASS)

#: A share of the road victims or a weight (shares or percentages: both are normalised).
Weight = Annotated[float, Field(ge=0, le=100)]

#: A band of today's limit: ≤ 30 km/h, 31–50, > 50.
LimitBand = Literal["30", "50", "other"]


def _default_casualty_shares() -> dict[LimitBand, float]:
    """Den Haag's victims by limit band (see ``ScoreSettings.casualty_share_by_limit``)."""
    return {"30": 0.2, "50": 0.75, "other": 0.05}


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
    casualty_share_by_limit: dict[LimitBand, Weight] = Field(
        default_factory=_default_casualty_shares,
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
