"""The opening of the report: title, the data box, the headline scores and the interventions."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mobisim.render.report.headline import headline_display, headline_scores
from mobisim.render.report.markdown import md_escape, md_table, section
from mobisim.render.report.sections.traffic import traffic_caveat

if TYPE_CHECKING:
    from mobisim.network import Network
    from mobisim.pipeline import RunResult
    from mobisim.scenario import Scenario

__all__ = ["title_block", "data_box", "headline_section", "interventions_section"]

_HEADLINE_INTRO = (
    "Each figure is computed from the OpenStreetMap network; `scores.json` lists the inputs next to "
    "every number (`mobisim explain-scores` prints them). A range (low – high) shows what rests on missing "
    "evidence or on uncertain inputs; *signs only* is the same figure with the new limits on signs alone, "
    "without the calming plan.")


def title_block(result: RunResult, scenario: Scenario | None, attribution: str) -> list[str]:
    """The title, the scenario's name, today's date, the data credit and the description."""
    title = getattr(scenario, "title", None) or getattr(scenario, "name", None) or result.name
    today = _dt.date.today().isoformat()
    lines = [f"# {md_escape(title)}: mobility scenario report", "",
             f"Scenario `{md_escape(result.name)}` · generated {today} by mobisim · data {md_escape(attribution)}", ""]
    desc = getattr(scenario, "description", None)
    if desc:
        lines += [md_escape(desc), ""]
    return lines


def _dated(date: str | None) -> str:
    """``"data of 2021-08-06 (…)"``, or ``"date not stated in the file"``."""
    return f"data of {date}" if date and not date.startswith("not stated") else "date not stated in the file"


def data_box(net: Network, scores: Mapping[str, Any] | None = None) -> list[str]:
    """The "Data used and its limits" section: inputs, coverage per tag family, what is a default.

    Parameters
    ----------
    net
        Today's network, usually as the report sees it (:class:`~mobisim.render.report.view.ReportNetwork`:
        the area judged and the km of motor roads outside it).
    scores
        The run's scores: the caveat on traffic volumes (:func:`traffic_caveat`), the km the
        traffic model covers or the class table when the model did not run.

    Returns
    -------
    list of str
        Markdown lines.
    """
    from mobisim.load.coverage import coverage_rows

    inputs = "; ".join(f"{Path(s).name} ({_dated(net.source_dates.get(str(s)))})" for s in net.sources)
    lines = ["## Data used and its limits", "",
             f"Input: {md_escape(inputs)}. Where a tag family is missing, mobisim uses the stand-in named below "
             "and says so where the figure is shown; a criterion that rests on a family the input does not carry "
             "at all is *unknown*, never *fail*.", ""]
    if net.coverage:
        lines.append(md_table(coverage_rows(net.coverage)))
    if "maxspeed_source" in net.edges.columns and "is_road" in net.edges.columns:
        from mobisim.load.speedlimits import defaults_note

        note = defaults_note(net)
        if note:
            lines.append(f"- {md_escape(note)}")
    lines.append(f"- Area judged: {md_escape(net.area_label or 'the whole input')}.")
    outside = getattr(net, "outside_km", 0.0)
    if outside:
        lines.append(f"- {outside:,.1f} km of motor roads in the input lie outside it: drawn greyed on the "
                     "map, not judged, not scored, not listed.")
    lines.append(f"- {traffic_caveat(scores)}")
    lines.append("")
    return lines


def headline_section(scores: Mapping[str, Any]) -> list[str]:
    """The headline scores table and the notes of its figures."""
    lines = ["## Headline scores", "", _HEADLINE_INTRO, "", md_table(headline_display(headline_scores(scores)))]
    notes = [v.get("note") for v in (scores.get("headline") or {}).values()
             if isinstance(v, Mapping) and v.get("note")]
    return lines + [f"- {md_escape(n)}" for n in notes] + ([""] if notes else [])


def interventions_section(scenario: Scenario | None) -> list[str]:
    """The scenario's street changes in file order (none without interventions)."""
    ivs = list(getattr(scenario, "interventions", None) or [])
    if not ivs:
        return []
    table = pd.DataFrame([{"id": getattr(iv, "id", ""), "type": getattr(iv, "type", ""),
                           "change": iv.summary() if hasattr(iv, "summary") else str(iv),
                           "why": getattr(iv, "note", None) or ""} for iv in ivs])
    return section("Interventions", "Street changes the scenario makes before the evaluation (in file order); "
                   "every changed attribute records `intervention:<id>` as its source.", table)
