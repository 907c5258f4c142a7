"""The close of the report: the caveats of the run, the sources (each cited once), the glossary,
and the data and method."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mobisim.render.i18n import t
from mobisim.render.report.markdown import md_escape

if TYPE_CHECKING:
    from mobisim.network import Network
    from mobisim.pipeline import RunResult

__all__ = ["SOURCES", "GLOSSARY", "caveats", "sources", "glossary", "data_and_method"]

#: The works the report rests on, cited once here (catalogue ids ``sources.*``).
SOURCES = ("lts", "connelly", "crow", "power", "swov", "noise", "kvv", "osm")
#: The terms a council member may not know (catalogue ids ``glossary.*``), in the order printed.
GLOSSARY = ("toets", "fifty_if_shown", "school_route", "weakest", "wijk", "fietsstraat", "permit", "lts", "lden",
            "no2", "power", "brin", "osm", "range")


def caveats(result: RunResult, traffic: Mapping[str, Any] | None) -> list[str]:
    """The run's notes and the traffic model's (each once), as a bulleted section; none without notes.

    The notes are the steps' own words (in English: they name files and records as the run met them).
    """
    notes = list(result.notes or [])
    if traffic is not None:  # the model's notes (a run's own notes already hold them with this prefix)
        for run in ("before", "after"):
            notes += [f"traffic model: {n}" for n in ((traffic["value"].get(run) or {}).get("notes") or [])]
    notes = list(dict.fromkeys(notes))
    if not notes:
        return []
    return [f"## {t('closing.caveats')}", "", t("closing.caveats_intro"), ""] + [f"- {md_escape(n)}" for n in notes] + [""]


def sources() -> list[str]:
    """The sources section: every work the rules and figures cite, once."""
    return [f"## {t('closing.sources')}", ""] + [f"- {t(f'sources.{key}')}" for key in SOURCES] + [""]


def glossary() -> list[str]:
    """The glossary: the terms that remain in the report, in words."""
    return [f"## {t('closing.glossary')}", ""] + [f"- {t(f'glossary.{key}')}" for key in GLOSSARY] + [""]


def data_and_method(after: Network, attribution: str) -> list[str]:
    """The inputs, the data credit, where the thresholds and the per-segment lists are."""
    files = ", ".join(str(s).rsplit("/", 1)[-1] for s in after.sources)
    return [f"## {t('closing.method')}", "",
            f"- {t('closing.network', files=md_escape(files))}",
            f"- {md_escape(attribution)}",
            f"- {t('closing.thresholds')}",
            f"- {t('closing.layers')}", ""]
