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

Modules: :mod:`~mobisim.rules.settings` (thresholds, named limits, labels),
:mod:`~mobisim.rules.scope` (which roads are judged), :mod:`~mobisim.rules.criteria` (C1, C2 and how
verdicts combine), :mod:`~mobisim.rules.c3` (noise and air), :mod:`~mobisim.rules.c4` (crossable),
:mod:`~mobisim.rules.calming`, :mod:`~mobisim.rules.junctions`, :mod:`~mobisim.rules.regime` (the
decision), :mod:`~mobisim.rules.summary` (km per tier, sensitivity), :mod:`~mobisim.rules.noise`
(the noise and air screening model), :mod:`~mobisim.rules.driven_speed`,
:mod:`~mobisim.rules.toets` (the 8-jarigen-toets) and :mod:`~mobisim.rules.textkit` (rule tables
and lazy texts). The rules read no files: the air-quality layer is read by
:func:`mobisim.load.air.read_air_layer` and passed in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobisim._lazy import lazy_exports
from mobisim.rules.settings import (
    AIR_LIMITS,
    CRITERION_LABELS,
    NOISE_LIMITS,
    TIER_LABELS,
    TIERS,
    WHO_LDEN_DB,
    RuleSettings,
    limit_label,
)

if TYPE_CHECKING:
    from mobisim.rules.c3 import air_quality, air_verdict, criterion_c3, facade_distance, noise_verdict
    from mobisim.rules.c4 import criterion_c4
    from mobisim.rules.calming import calming_proposals, straight_runs
    from mobisim.rules.criteria import combine, criterion_c1, criterion_c2, sensitive_sites, tiers
    from mobisim.rules.junctions import junction_fixes
    from mobisim.rules.regime import (
        JUNCTION_COLUMNS,
        REGIME_COLUMNS,
        evaluate,
        evaluate_regime,
        missing_evidence,
        which,
    )
    from mobisim.rules.scope import scope, street_key
    from mobisim.rules.summary import c3_sensitivity, deciding_lengths, tier_lengths

__all__ = [
    "AIR_LIMITS",
    "CRITERION_LABELS",
    "JUNCTION_COLUMNS",
    "NOISE_LIMITS",
    "REGIME_COLUMNS",
    "TIERS",
    "TIER_LABELS",
    "WHO_LDEN_DB",
    "RuleSettings",
    "air_quality",
    "air_verdict",
    "c3_sensitivity",
    "calming_proposals",
    "combine",
    "criterion_c1",
    "criterion_c2",
    "criterion_c3",
    "criterion_c4",
    "deciding_lengths",
    "evaluate",
    "evaluate_regime",
    "facade_distance",
    "junction_fixes",
    "limit_label",
    "missing_evidence",
    "noise_verdict",
    "scope",
    "sensitive_sites",
    "straight_runs",
    "street_key",
    "tier_lengths",
    "tiers",
    "which",
]


#: The algorithms' names, imported when first used (:mod:`mobisim._lazy`): importing the package
#: (its settings) does not import them.
__getattr__, __dir__ = lazy_exports(__name__, {
    "mobisim.rules.c3": ("air_quality", "air_verdict", "criterion_c3", "facade_distance", "noise_verdict"),
    "mobisim.rules.c4": ("criterion_c4",),
    "mobisim.rules.calming": ("calming_proposals", "straight_runs"),
    "mobisim.rules.criteria": ("combine", "criterion_c1", "criterion_c2", "sensitive_sites", "tiers"),
    "mobisim.rules.junctions": ("junction_fixes",),
    "mobisim.rules.regime": ("JUNCTION_COLUMNS", "REGIME_COLUMNS", "evaluate", "evaluate_regime", "missing_evidence",
                             "which"),
    "mobisim.rules.scope": ("scope", "street_key"),
    "mobisim.rules.summary": ("c3_sensitivity", "deciding_lengths", "tier_lengths"),
})
