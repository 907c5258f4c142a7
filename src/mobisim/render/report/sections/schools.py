"""The report's school-route sections: the city-wide figures, and the child-safe share per wijk
and per primary school."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobisim.render.report.markdown import section
from mobisim.render.report.schools import SHARE_FORMATS, school_safety, school_scores_table

if TYPE_CHECKING:
    from mobisim.schools import SchoolRoutes

__all__ = ["school_sections"]


def school_sections(before: SchoolRoutes | None, after: SchoolRoutes | None, *,
                    max_rows: int | None = None) -> list[str]:
    """School routes before and after (none without the scenario's school routes).

    Parameters
    ----------
    before, after
        The school routes today and with the scenario.
    max_rows
        Cap per table (the schools table shows 25 without a cap).
    """
    if after is None:
        return []
    lines = section("School routes", "Children's shortest routes to the nearest primary school, and the share "
                    "that is child-safe all the way.",
                    school_scores_table(getattr(before, "scores", {}) or {}, getattr(after, "scores", {}) or {}))
    lines += section("Child-safe school routes per wijk",
                     "Share of the wijk's primary-school children whose route to their nearest school is child-safe "
                     "all the way; lowest first (map layer and `layers.gpkg` layer `school_wijken`).",
                     school_safety(before, after), limit=max_rows, formats=SHARE_FORMATS)
    lines += section("Primary schools whose pupils are least often safe",
                     "Per school: the children for whom it is the nearest primary school, and the share of them "
                     "with a child-safe route; lowest first (every school in `layers.gpkg` layer `school_scores`).",
                     school_safety(before, after, per="school"), limit=max_rows or 25, formats=SHARE_FORMATS)
    return lines
