"""The close of the report: the caveats of the run and the data and method."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mobisim.render.report.markdown import md_escape

if TYPE_CHECKING:
    from mobisim.network import Network
    from mobisim.pipeline import RunResult

__all__ = ["caveats", "data_and_method"]


def caveats(result: RunResult, traffic: Mapping[str, Any] | None) -> list[str]:
    """The run's notes and the traffic model's (each once), as a bulleted section; none without notes."""
    notes = list(result.notes or [])
    if traffic is not None:  # the model's notes (a run's own notes already hold them with this prefix)
        for run in ("before", "after"):
            notes += [f"traffic model: {n}" for n in ((traffic["value"].get(run) or {}).get("notes") or [])]
    notes = list(dict.fromkeys(notes))
    if not notes:
        return []
    return ["## Caveats", ""] + [f"- {md_escape(n)}" for n in notes] + [""]


def data_and_method(after: Network, attribution: str, *, traffic: bool) -> list[str]:
    """The inputs, the data credit and where the thresholds are documented."""
    return ["## Data and method", "",
            f"- Network: {md_escape(', '.join(map(str, after.sources)))}",
            f"- {md_escape(attribution)}",
            "- Thresholds and their sources: the settings models of mobisim.rules, mobisim.rules.toets, "
            "mobisim.schools, mobisim.parking, mobisim.score"
            + (" and mobisim.traffic.settings" if traffic else "")
            + " (every field documents its source).", ""]
