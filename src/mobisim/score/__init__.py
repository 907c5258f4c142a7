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

Modules
-------
- :mod:`~mobisim.score.settings`: :class:`ScoreSettings` (``[scores]``), the only module a scenario needs;
- :mod:`~mobisim.score.result`: :data:`ScoreResult` and the helpers every figure shares;
- :mod:`~mobisim.score.regime`, :mod:`~mobisim.score.power_model`, :mod:`~mobisim.score.toets`,
  :mod:`~mobisim.score.schools`, :mod:`~mobisim.score.parking`, :mod:`~mobisim.score.composite`:
  one family of figures each;
- :mod:`~mobisim.score.explain`: the formulas as text;
- :mod:`~mobisim.score.effects`: signs only and the calming plan, year by year;
- :mod:`~mobisim.score.plan`: the plan to 100 % (what the budget reaches, the cost to 95/99/100 %).

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
- :func:`plan_score`: the plan to 100 %: the share the budget reaches (with its cost range), the
  cost to 95 / 99 / 100 % and the programme year by year.
"""

from __future__ import annotations

from mobisim.score.composite import COMPOSITE_FORMULA, composite, composite_parts, safety_gain
from mobisim.score.explain import explain_scores
from mobisim.score.parking import PARKING_FORMULA, parking_space
from mobisim.score.plan import PLAN_FORMULA, plan_score
from mobisim.score.power_model import OUT_OF_SCOPE_REGIMES, POWER_FORMULA, power_model
from mobisim.score.regime import REGIME_FORMULA, TIERS_FORMULA, regime_change, regime_lengths, regime_tiers
from mobisim.score.result import ScoreResult
from mobisim.score.schools import SCHOOL_FORMULA, school_children_safe
from mobisim.score.settings import DEFAULT_EXPOSURE, CompositeWeights, PowerExponents, ScoreSettings
from mobisim.score.toets import TOETS_FORMULA, toets_rates

__all__ = [
    "COMPOSITE_FORMULA",
    "DEFAULT_EXPOSURE",
    "OUT_OF_SCOPE_REGIMES",
    "PARKING_FORMULA",
    "PLAN_FORMULA",
    "POWER_FORMULA",
    "REGIME_FORMULA",
    "SCHOOL_FORMULA",
    "TIERS_FORMULA",
    "TOETS_FORMULA",
    "CompositeWeights",
    "PowerExponents",
    "ScoreResult",
    "ScoreSettings",
    "composite",
    "composite_parts",
    "explain_scores",
    "parking_space",
    "plan_score",
    "power_model",
    "regime_change",
    "regime_lengths",
    "regime_tiers",
    "safety_gain",
    "school_children_safe",
    "toets_rates",
]
