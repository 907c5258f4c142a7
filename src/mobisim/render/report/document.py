"""The whole report: :func:`report_blocks` assembles the chapters, :func:`build_report` writes them
as Markdown (``report.md``), :func:`render_report_html` as a printable page (``report.html``) with
the charts inline.

The order is the council's: page 1 (the question, the answer in five figures with their ranges,
the data box), then one chapter per part of the programme (30/50, the 8-jarigen-toets, the school
routes, the plan to 100 % when the run made one, parking), each with its chart; then calming, traffic, and the accountability (caveats,
sources once, glossary, data and method). Dutch by default, English with ``lang="en"``: one
catalogue of strings (:mod:`mobisim.render.i18n`), the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup

from mobisim.frames import attribution as data_attribution
from mobisim.render.charts import Chart
from mobisim.render.i18n import t, use_language
from mobisim.render.report.chapters import (
    Block,
    StreetList,
    appendix_chapter,
    regime_chapter,
    schools_chapter,
    street_lists,
    toets_chapter,
    top_rows,
)
from mobisim.render.report.markdown import md_escape, section
from mobisim.render.report.sections.calming import calming_section
from mobisim.render.report.sections.closing import caveats, data_and_method, glossary, sources
from mobisim.render.report.sections.parking import parking_chapter
from mobisim.render.report.sections.plan import plan_chapter
from mobisim.render.report.sections.traffic import traffic_section
from mobisim.render.report.summary import summary_page, title_block
from mobisim.render.report.traffic import traffic_entry
from mobisim.render.report.view import ReportNetwork
from mobisim.render.templating import render

if TYPE_CHECKING:

    from mobisim.pipeline import RunResult
    from mobisim.scenario import Scenario

__all__ = ["report_blocks", "report_markdown", "build_report", "render_report_html", "report_pages"]


def _interventions(scenario: Scenario | None) -> list[str]:
    """The scenario's street changes in file order (none without interventions)."""
    import pandas as pd

    ivs = list(getattr(scenario, "interventions", None) or [])
    if not ivs:
        return []
    table = pd.DataFrame([{"id": getattr(iv, "id", ""), "type": getattr(iv, "type", ""),
                           "change": iv.summary() if hasattr(iv, "summary") else str(iv),
                           "why": getattr(iv, "note", None) or ""} for iv in ivs])
    return section(t("interventions.title"), t("interventions.intro"), table)


def _calming_chapter(result: RunResult, streets: StreetList, max_rows: int | None) -> list[str]:
    """Signs or redesign: the driven speeds, the plan, the effects by year and the streets to calm."""
    body = calming_section(result.scores)
    if not body and streets[2].empty:
        return []
    return [f"# {t('chapter.calming')}", "", *body, *top_rows(streets, max_rows)]


def _traffic_chapter(result: RunResult, after: ReportNetwork, max_rows: int | None) -> list[str]:
    """The traffic model's chapter: how the model works, its figures and where the traffic goes."""
    chapter = traffic_section(result.scores, edges=after.edges, max_rows=max_rows)
    return [f"# {t('chapter.traffic')}", "", *chapter] if chapter else []


def report_blocks(result: RunResult, scenario: Scenario | None = None, *, attribution: str | None = None,
                  max_rows: int | None = None, lang: str | None = None) -> list[Block]:
    """The report as blocks (Markdown lines and charts), for :func:`report_markdown` and
    :func:`render_report_html`.

    Parameters are those of :func:`build_report`.
    """
    with use_language(lang):
        return _blocks(result, scenario, attribution=attribution, max_rows=max_rows)


def _blocks(result: RunResult, scenario: Scenario | None, *, attribution: str | None,
            max_rows: int | None) -> list[Block]:
    """:func:`report_blocks` in the language in use."""
    before, after = ReportNetwork.of(result.before), ReportNetwork.of(result.after)
    credit = attribution if attribution is not None else data_attribution(after.sources)
    scores = result.scores or {}
    traffic = traffic_entry(result.scores)
    programme = getattr(scenario, "programme", True) is not False
    tiers = (scores.get("regime_tiers") or {}).get("value")

    blocks: list[Block] = [*title_block(result, scenario, credit), *summary_page(before, scores)]
    blocks += _interventions(scenario)
    found = street_lists(after, result.schools_after)
    blocks += regime_chapter(after, tiers, scenario, programme=programme, found=found, max_rows=max_rows)
    blocks += toets_chapter(before, after, found=found, max_rows=max_rows)
    blocks += schools_chapter(result.schools_before, result.schools_after, found=found, max_rows=max_rows)
    blocks += plan_chapter(getattr(result, "plan", None), scores, max_rows=max_rows)
    blocks += parking_chapter(result.parking, result.scores)
    blocks += _calming_chapter(result, found["calming"], max_rows)
    blocks += [f"# {t('chapter.closing')}", "", *caveats(result, traffic), *sources(), *glossary(),
               *data_and_method(after, credit)]
    blocks += appendix_chapter(found, programme=programme)
    blocks += _traffic_chapter(result, after, max_rows)
    return _numbered(blocks)


def _numbered(blocks: list[Block]) -> list[Block]:
    """The charts with their figure number in the caption (Figuur 1, 2, …)."""
    out: list[Block] = []
    n = 0
    for block in blocks:
        if isinstance(block, Chart):
            n += 1
            block = Chart(block.key, t("report.chart_caption", n=n, caption=block.caption), block.svg)
        out.append(block)
    return out


def report_markdown(blocks: Sequence[Block], *, lang: str | None = None) -> str:
    """The blocks as Markdown (``report.md``): a chart is its caption and a pointer to ``report.html``."""
    with use_language(lang):
        note = t("report.chart_in_html")
    return "\n".join(f"_{md_escape(b.caption)}_ — {note}\n" if isinstance(b, Chart) else b for b in blocks)


def build_report(result: RunResult, scenario: Scenario | None = None, *, attribution: str | None = None,
                 max_rows: int | None = None, lang: str | None = None) -> str:
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
    lang : {"nl", "en"}, optional
        The report's language (Dutch when omitted); numbers follow it (``1.234,5`` in Dutch).

    Returns
    -------
    str
        The report (``report.md``); a chart is named by its caption (it is drawn in the HTML).
    """
    return report_markdown(report_blocks(result, scenario, attribution=attribution, max_rows=max_rows, lang=lang),
                           lang=lang)


def render_report_html(report: str | Sequence[Block], *, title: str = "mobisim report", lang: str | None = None) -> str:
    """Render the report as a standalone, printable HTML page (A4 print styles), charts inline.

    The Markdown is rendered by markdown-it-py (CommonMark and tables) with raw HTML disabled, so
    no text of the report can inject markup; a chart's SVG is drawn by matplotlib from numbers
    (street names never reach it unescaped: matplotlib escapes its text); the page around them is
    the autoescaped template ``report.html`` (styles in ``report.css``).

    Parameters
    ----------
    report
        The Markdown report (:func:`build_report`) or its blocks (:func:`report_blocks`).
    title
        The page title.
    lang
        The page's language (``<html lang>``; Dutch when omitted).

    Returns
    -------
    str
        The page (``report.html``).
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    blocks = [report] if isinstance(report, str) else list(report)
    parts: list[str] = []
    text: list[str] = []
    for block in [*blocks, None]:
        if isinstance(block, str):
            text.append(block)
            continue
        parts.append(md.render("\n".join(text)))
        text = []
        if isinstance(block, Chart):
            parts.append(render("report_figure.html", svg=Markup(block.svg), caption=block.caption, key=block.key))
    return render("report.html", title=title, lang=lang or "nl", body=Markup("".join(parts)))


def report_pages(result: RunResult, scenario: Scenario | None = None, *, attribution: str | None = None,
                 lang: str | None = None) -> tuple[str, str]:
    """``report.md`` and ``report.html`` of a run, from one assembly (the charts drawn once).

    Parameters are those of :func:`build_report`.

    Returns
    -------
    tuple of str
        The Markdown and the HTML page.
    """
    blocks = report_blocks(result, scenario, attribution=attribution, lang=lang)
    with use_language(lang) as chosen:
        title = t("report.html_title", name=result.name)
    return report_markdown(blocks, lang=lang), render_report_html(blocks, title=title, lang=chosen)
