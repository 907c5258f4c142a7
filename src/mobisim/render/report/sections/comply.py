"""The report's chapter "Comply or explain": every road that keeps 50 km/h and why, every
8-jarigen-toets failure on a school route and its fix, the weakest links, junctions and calming."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mobisim.render.report.markdown import section
from mobisim.render.report.schools import school_route_crossing_failures, school_route_failures
from mobisim.render.report.streets import calming_streets, fifty_roads, junction_fixes, roads_losing_fifty
from mobisim.render.report.view import ReportNetwork

if TYPE_CHECKING:
    from mobisim.schools import SchoolRoutes

__all__ = ["comply_or_explain", "fifty_road_explanations", "school_route_fixes", "weakest_links_section"]

_WEAKEST_COLUMNS = ("rank", "element", "street", "name", "children", "reason", "fix")


def fifty_road_explanations(after: ReportNetwork, *, programme: bool, max_rows: int | None = None) -> list[str]:
    """Every road that keeps 50 km/h and why; with the programme, today's 50-roads that lose 50."""
    lines = section("Every road that keeps 50 km/h, and why",
                    "Per street and reason; a road keeps 50 only when all four criteria pass "
                    "(C1 separate cycle path, C2 no sensitive sites, C3 air/noise acceptable, C4 crossable).",
                    fifty_roads(after.edges), limit=max_rows, formats={"km": 2})
    if programme:
        lines += section("Today's 50-roads that lose 50, and what decides it",
                         "Per street: *to 30* with the failing criteria and the evidence of the first; *50 if shown* "
                         "with the evidence that would decide it. Longest first.",
                         roads_losing_fifty(after.edges), limit=max_rows, formats={"km": 2})
    return lines


def school_route_fixes(after: ReportNetwork, *, max_rows: int | None = None) -> list[str]:
    """The toets failures on school routes: segments, then crossings, most children first."""
    lines = section("Every 8-jarigen-toets failure on a school route, and its fix",
                    "Segments on children's school routes that an 8-year-old cannot use alone, most children first.",
                    school_route_failures(after.edges), limit=max_rows, formats={"km": 2, "children": 0})
    return lines + section("Failing crossings on school routes, and their fix",
                           "Crossings of motor roads that fail the toets, most children first.",
                           school_route_crossing_failures(after.edges, after.nodes), limit=max_rows,
                           formats={"children": 0})


def weakest_links_section(schools: SchoolRoutes | None, *, max_rows: int | None = None) -> list[str]:
    """The failing elements that break the most children's safe routes (none without them)."""
    weakest = getattr(schools, "weakest_links", None)
    if not isinstance(weakest, pd.DataFrame) or weakest.empty:
        return []
    keep = [c for c in _WEAKEST_COLUMNS if c in weakest.columns]
    return section("Weakest links", "The failing elements that break the most children's safe routes: fix "
                   "these first.", weakest[keep] if keep else weakest, limit=max_rows or 50,
                   formats={"children": 0})


def comply_or_explain(after: ReportNetwork, schools: SchoolRoutes | None, *, programme: bool,
                      max_rows: int | None = None) -> list[str]:
    """The chapter "Comply or explain".

    Parameters
    ----------
    after
        The scenario's network as the report sees it.
    schools
        The scenario's school routes (the weakest links), or ``None``.
    programme
        Whether the scenario applies the 30/50 programme (the roads losing 50 are listed).
    max_rows
        Cap per table (``None``: every row, as comply-or-explain requires).
    """
    lines = ["# Comply or explain", "",
             "The programme makes 30 km/h the rule. Every road that keeps 50 km/h must be explained, and every "
             "8-jarigen-toets failure on a school route needs a fix.", ""]
    lines += fifty_road_explanations(after, programme=programme, max_rows=max_rows)
    lines += school_route_fixes(after, max_rows=max_rows)
    lines += weakest_links_section(schools, max_rows=max_rows)
    lines += section("Busy junctions on 50-roads to redesign", "Roundabout, narrowing or chicane proposals.",
                     junction_fixes(after.edges, after.nodes), limit=max_rows)
    return lines + section("30-roads that invite speeding: calming proposals", "Per street.",
                           calming_streets(after.edges), limit=max_rows or 100, formats={"km": 2})
