"""The whole report: :func:`build_report` assembles the sections into Markdown,
:func:`render_report_html` turns it into a printable page through the ``report.html`` template."""

from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import Markup

from mobisim.frames import attribution as data_attribution
from mobisim.render.report.sections.calming import calming_section
from mobisim.render.report.sections.closing import caveats, data_and_method
from mobisim.render.report.sections.comply import comply_or_explain
from mobisim.render.report.sections.opening import data_box, headline_section, interventions_section, title_block
from mobisim.render.report.sections.parking import parking_section
from mobisim.render.report.sections.schools import school_sections
from mobisim.render.report.sections.streets import fifty_road_sections, speed_limit_section, toets_section
from mobisim.render.report.sections.traffic import traffic_section
from mobisim.render.report.traffic import traffic_entry
from mobisim.render.report.view import ReportNetwork
from mobisim.render.templating import render

if TYPE_CHECKING:
    from mobisim.pipeline import RunResult
    from mobisim.scenario import Scenario

__all__ = ["build_report", "render_report_html"]

_NO_PROGRAMME = "_This scenario keeps today's speed limits (no 30/50 programme): \"proposed\" equals today._"


def build_report(result: RunResult, scenario: Scenario | None = None, *, attribution: str | None = None,
                 max_rows: int | None = None) -> str:
    """The Markdown report of a run.

    Parameters
    ----------
    result : mobisim.pipeline.RunResult
        Needs ``name``, ``scores``, ``before``, ``after``, ``schools_*``, ``parking`` and ``notes``
        (the school routes and parking may be ``None``).
    scenario : Scenario, optional
        For the title, description, interventions, whether the programme applies and C3's limits.
    attribution : str, optional
        Data credit printed at the top and bottom; by default the one of the scenario network's
        sources (:func:`mobisim.frames.attribution`).
    max_rows : int, optional
        Cap per table (``None``: every row, as comply-or-explain requires).

    Returns
    -------
    str
        The report (``report.md``).
    """
    before, after = ReportNetwork.of(result.before), ReportNetwork.of(result.after)
    credit = attribution if attribution is not None else data_attribution(after.sources)
    scores = result.scores or {}
    traffic = traffic_entry(result.scores)
    programme = getattr(scenario, "programme", True) is not False
    tiers = (scores.get("regime_tiers") or {}).get("value")

    lines = title_block(result, scenario, credit)
    lines += data_box(before, result.scores) + headline_section(scores) + interventions_section(scenario)
    lines += [] if programme else [_NO_PROGRAMME, ""]
    lines += speed_limit_section(before, after)
    lines += fifty_road_sections(after, tiers, scenario, traffic=bool(traffic)) if programme and tiers else []
    lines += toets_section(before, after)
    lines += school_sections(result.schools_before, result.schools_after, max_rows=max_rows)
    lines += calming_section(result.scores)
    lines += traffic_section(result.scores, edges=after.edges, max_rows=max_rows)
    lines += comply_or_explain(after, result.schools_after, programme=programme, max_rows=max_rows)
    lines += parking_section(result.parking, result.scores)
    lines += caveats(result, traffic) + data_and_method(after, credit, traffic=traffic is not None)
    return "\n".join(lines)


def render_report_html(markdown: str, *, title: str = "mobisim report") -> str:
    """Render the Markdown report as a standalone, printable HTML page.

    The Markdown is rendered by markdown-it-py (CommonMark and tables) with raw HTML disabled, so
    no text of the report can inject markup; the page around it is the autoescaped template
    ``report.html`` (styles in ``report.css``).

    Parameters
    ----------
    markdown
        The report (:func:`build_report`).
    title
        The page title.

    Returns
    -------
    str
        The page (``report.html``).
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return render("report.html", title=title, body=Markup(md.render(markdown)))
