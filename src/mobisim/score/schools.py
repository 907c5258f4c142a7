"""The share of children with a fully child-safe route to school."""

from __future__ import annotations

from mobisim.score.result import ScoreResult, rate, rounded, score_result

__all__ = ["SCHOOL_FORMULA", "school_children_safe"]

SCHOOL_FORMULA = "share = children whose whole route to school is child-safe / children routed"


def school_children_safe(children_routed: float, children_safe: float) -> ScoreResult:
    """Share of children with a fully child-safe route to school.

    Parameters
    ----------
    children_routed : float
        Children the school step routed (from :mod:`mobisim.schools`).
    children_safe : float
        Of those, children whose route passes the toets end to end.

    Returns
    -------
    ScoreResult
        ``value`` = the share (0–1; ``None`` when no child was routed).

    Raises
    ------
    ValueError
        When ``children_safe`` lies outside ``[0, children_routed]``.
    """
    if children_safe > children_routed + 1e-9 or children_safe < 0:
        raise ValueError(
            f"children_safe ({children_safe}) must lie between 0 and children_routed ({children_routed})"
        )
    return score_result(
        rate(children_safe, children_routed),
        "share of children (0–1)",
        SCHOOL_FORMULA,
        {"children_routed": rounded(children_routed, 1), "children_safe": rounded(children_safe, 1)},
    )
