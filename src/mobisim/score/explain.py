"""Every score formula with the settings in force, as plain text (``mobisim explain-scores``)."""

from __future__ import annotations

from mobisim.rules.driven_speed import Range
from mobisim.score.composite import COMPOSITE_FORMULA
from mobisim.score.parking import PARKING_FORMULA
from mobisim.score.power_model import POWER_FORMULA
from mobisim.score.regime import REGIME_FORMULA, TIERS_FORMULA
from mobisim.score.schools import SCHOOL_FORMULA
from mobisim.score.settings import ScoreSettings
from mobisim.score.toets import TOETS_FORMULA

__all__ = ["explain_scores"]


def _fmt_range(r: Range) -> str:
    """``low / central / high``."""
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
