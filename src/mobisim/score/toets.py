"""8-jarigen-toets (8-year-old test) pass rates by length, on all segments and on school routes,
and the share of safe crossings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mobisim.frames import edge_ends, flags, numbers
from mobisim.score.result import ScoreResult, rate, rounded, score_result

__all__ = ["TOETS_FORMULA", "toets_rates"]

TOETS_FORMULA = (
    "pass rate = Σ length(toets_pass) / Σ length(segments where toets_bike or toets_walk ≠ 'n/a'); "
    "on school routes the same over segments with school_route_children > 0; "
    "per mode over segments where that mode ≠ 'n/a'; "
    "safe crossings = #(is_crossing & toets_crossing = 'pass') / #(is_crossing & toets_crossing ≠ 'n/a')"
)


def _is(frame: pd.DataFrame, name: str, verdict: str) -> np.ndarray:
    """Rows whose verdict column ``name`` equals ``verdict`` (False where missing)."""
    return frame[name].eq(verdict).fillna(False).to_numpy(bool)


def _rated(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Rows whose verdict column ``name`` is not ``"n/a"`` (False where missing)."""
    return frame[name].ne("n/a").fillna(False).to_numpy(bool)


def _crossing_rates(edges: pd.DataFrame, nodes: pd.DataFrame, school: np.ndarray,
                    value: dict[str, float | None], inputs: dict[str, Any]) -> None:
    """Safe crossings, on all crossings and on those at the end of a school-route segment
    (fills ``value`` and ``inputs`` in place)."""
    crossing = flags(nodes, "is_crossing")
    rated = crossing & _rated(nodes, "toets_crossing")
    ok = rated & _is(nodes, "toets_crossing", "pass")
    on_school = np.isin(nodes.index.to_numpy(), edge_ends(edges, school)) if "u" in edges.columns \
        else np.zeros(len(nodes), dtype=bool)
    value["crossings"] = rate(ok.sum(), rated.sum())
    value["crossings_school_routes"] = rate((ok & on_school).sum(), (rated & on_school).sum())
    inputs.update(
        crossings_rated=int(rated.sum()),
        crossings_passed=int(ok.sum()),
        crossings_school_routes_rated=int((rated & on_school).sum()),
        crossings_school_routes_passed=int((ok & on_school).sum()),
    )


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
    bike_eval = _rated(edges, "toets_bike")
    walk_eval = _rated(edges, "toets_walk")
    evaluated = bike_eval | walk_eval
    passed = flags(edges, "toets_pass") & evaluated
    school = numbers(edges, "school_route_children") > 0
    L = edges["length"].astype(float).to_numpy(float)
    bike_pass = _is(edges, "toets_bike", "pass")
    walk_pass = _is(edges, "toets_walk", "pass")

    value: dict[str, float | None] = {
        "all": rate(L[passed].sum(), L[evaluated].sum()),
        "school_routes": rate(L[passed & school].sum(), L[evaluated & school].sum()),
        "bike": rate(L[bike_pass].sum(), L[bike_eval].sum()),
        "walk": rate(L[walk_pass].sum(), L[walk_eval].sum()),
        "crossings": None,
        "crossings_school_routes": None,
    }
    inputs: dict[str, Any] = {
        "evaluated_km": rounded(L[evaluated].sum() / 1000.0, 3),
        "passed_km": rounded(L[passed].sum() / 1000.0, 3),
        "school_route_km": rounded(L[evaluated & school].sum() / 1000.0, 3),
        "school_route_passed_km": rounded(L[passed & school].sum() / 1000.0, 3),
        "bike_evaluated_km": rounded(L[bike_eval].sum() / 1000.0, 3),
        "bike_passed_km": rounded(L[bike_pass].sum() / 1000.0, 3),
        "walk_evaluated_km": rounded(L[walk_eval].sum() / 1000.0, 3),
        "walk_passed_km": rounded(L[walk_pass].sum() / 1000.0, 3),
        "school_routes_available": "school_route_children" in edges.columns,
    }
    if nodes is not None and "toets_crossing" in nodes.columns:
        _crossing_rates(edges, nodes, school, value, inputs)
    return score_result(value, "share (0–1; by length for segments, by count for crossings)",
                        TOETS_FORMULA, inputs)
