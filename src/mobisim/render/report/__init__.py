"""The council report (``report.md`` / ``report.html``) and the before/after comparison tables.

The report is written for a council member, in Dutch by default (``lang="en"`` for English; one
catalogue of strings, :mod:`mobisim.render.i18n`): page 1 with the programme's question, the
answer in five figures with their ranges and the data box; a chapter per part of the programme
(30/50, 8-jarigen-toets, school routes, parking) with a chart each; lists one row per street with
the reasons in words; the sources once and a glossary. Tables are built with whole-frame operations; every OSM text is
escaped for Markdown, and the HTML is rendered with markdown-it-py with raw HTML disabled into an
autoescaped jinja2 template, so a street name can never inject markup.

Modules
-------
- :mod:`~mobisim.render.report.document`: :func:`report_blocks` (the assembly),
  :func:`build_report`, :func:`render_report_html` and :func:`report_pages` (both files at once);
- :mod:`~mobisim.render.report.summary` (page 1), :mod:`~mobisim.render.report.chapters` (30/50,
  toets, school routes) and :mod:`~mobisim.render.report.lists` (one row per street, in words);
- the figures, as tables: :mod:`~mobisim.render.report.headline`,
  :mod:`~mobisim.render.report.streets`, :mod:`~mobisim.render.report.schools`,
  :mod:`~mobisim.render.report.calming`, :mod:`~mobisim.render.report.traffic`, and
  :mod:`~mobisim.render.report.compare` (two runs side by side);
- the prose around them: :mod:`mobisim.render.report.sections`;
- :mod:`~mobisim.render.report.markdown` (escaping, tables, sections) and
  :mod:`~mobisim.render.report.view` (the area judged, the columns the report reads).
"""

from mobisim.render.report.calming import calming_before, calming_table
from mobisim.render.report.compare import SEGMENT_KEY, changed_segments, compare_scores, traffic_between
from mobisim.render.report.document import (
    build_report,
    render_report_html,
    report_blocks,
    report_markdown,
    report_pages,
)
from mobisim.render.report.headline import (
    INPUT_KEYS,
    WHOLE_UNITS,
    flatten_scores,
    headline_display,
    headline_scores,
)
from mobisim.render.report.markdown import md_escape, md_table, section
from mobisim.render.report.schools import (
    SCHOOL_COUNT_PREFIXES,
    SHARE_FORMATS,
    school_route_crossing_failures,
    school_route_failures,
    school_safety,
    school_scores_table,
)
from mobisim.render.report.sections.calming import calming_section
from mobisim.render.report.sections.parking import PARKING_WHOLE, parking_chapter, parking_section
from mobisim.render.report.sections.traffic import traffic_caveat, traffic_section
from mobisim.render.report.streets import (
    CRITERIA,
    criteria_on_fifty_roads,
    deciding_table,
    fifty_roads,
    regime_summary,
    roads_losing_fifty,
    sensitivity_table,
    tier_table,
)
from mobisim.render.report.summary import data_box, five_figures
from mobisim.render.report.traffic import (
    TRAFFIC_CLASS_ORDER,
    busiest_streets,
    displacement_table,
    rat_run_table,
    traffic_class_table,
    traffic_model_table,
    traffic_source_table,
)
from mobisim.render.report.view import REPORT_EDGE_COLUMNS, REPORT_NODE_COLUMNS, ReportNetwork

__all__ = [
    "md_escape",
    "md_table",
    "section",
    "flatten_scores",
    "headline_display",
    "headline_scores",
    "regime_summary",
    "criteria_on_fifty_roads",
    "tier_table",
    "deciding_table",
    "sensitivity_table",
    "roads_losing_fifty",
    "fifty_roads",
    "school_scores_table",
    "school_safety",
    "school_route_failures",
    "school_route_crossing_failures",
    "data_box",
    "five_figures",
    "calming_table",
    "calming_before",
    "calming_section",
    "traffic_caveat",
    "traffic_section",
    "traffic_model_table",
    "traffic_source_table",
    "traffic_class_table",
    "busiest_streets",
    "rat_run_table",
    "displacement_table",
    "parking_section",
    "parking_chapter",
    "build_report",
    "render_report_html",
    "report_blocks",
    "report_markdown",
    "report_pages",
    "compare_scores",
    "changed_segments",
    "traffic_between",
    "ReportNetwork",
    "CRITERIA",
    "INPUT_KEYS",
    "WHOLE_UNITS",
    "SHARE_FORMATS",
    "SCHOOL_COUNT_PREFIXES",
    "PARKING_WHOLE",
    "TRAFFIC_CLASS_ORDER",
    "SEGMENT_KEY",
    "REPORT_EDGE_COLUMNS",
    "REPORT_NODE_COLUMNS",
]
