"""What the page's side panel shows about one segment: the facts ``mobisim toets`` prints.

:func:`segment_facts` takes the segment from the session's judged frames through
:func:`mobisim.cli._toets_report.street_report` (the toets command's own report: verdict, rule,
reason and fix per mode, the 30/50 tier with its criteria and evidence, the crossings at its ends),
adds today's verdict of the segment (before the scenario) and its street's totals, and
:func:`edge_at` finds the segment nearest to a point.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from mobisim.errors import MobisimError, NotFoundError

if TYPE_CHECKING:
    from mobisim.network import Network

__all__ = ["TODAY_COLUMNS", "edge_at", "parse_edge_id", "segment_facts"]

#: Today's columns kept for the panel's "today → now" (the before of ``mobisim run``).
TODAY_COLUMNS = ["maxspeed", "toets_bike", "toets_bike_rule", "toets_bike_reason", "toets_walk",
                 "toets_walk_rule", "toets_walk_reason", "daily_traffic"]
#: The totals of a street given with each segment.
_STREET_TOTALS = ("segments_count", "length_m", "toets_bike_pass", "toets_bike_open", "toets_walk_pass",
                  "toets_walk_open", "crossings_count", "crossings_fail")


def parse_edge_id(text: str) -> int:
    """An ``edge_id`` from the request path (a clear error when it is not a whole number)."""
    try:
        return int(text)
    except ValueError:
        raise MobisimError(f"edge id {text!r}: expected a whole number (the edge_id of a segment)") from None


def parse_point(text: str) -> tuple[float, float]:
    """``LAT,LON`` of ``?at=`` (the message of ``mobisim toets --at``)."""
    from mobisim.cli.toets import parse_at

    return parse_at(text)


def edge_at(net: Network, text: str) -> int:
    """The ``edge_id`` of the segment nearest to ``?at=LAT,LON`` (motor roads first, 500 m at most)."""
    from mobisim.cli.toets import select_at

    lat, lon = parse_point(text)
    return int(select_at(net.edges, lat, lon).index[0])


def _today(today: pd.DataFrame | None, edge_id: int) -> dict[str, Any] | None:
    """Today's verdict of the segment (``None`` when today was not judged)."""
    if today is None or edge_id not in today.index:
        return None
    return json.loads(today.loc[[edge_id]].to_json(orient="records", force_ascii=False))[0]


def _street(net: Network, name: str | None) -> dict[str, Any] | None:
    """The totals of the whole named street (``None`` for an unnamed segment)."""
    from mobisim.cli._toets_report import street_report

    if not name:
        return None
    edges = net.edges
    sel = edges[edges["name"].astype("string").eq(name).fillna(False).to_numpy(bool)]
    report = street_report(net, sel)
    return {"name": name, **{k: report[k] for k in _STREET_TOTALS}}


def segment_facts(net: Network, edge_id: int, today: pd.DataFrame | None = None) -> dict[str, Any]:
    """The toets report of one segment of ``net`` (the session's current after).

    Returns
    -------
    dict
        ``segment`` (every field of ``mobisim toets --json``'s segment, with ``verdict`` and
        ``tier``), ``crossings`` (the crossings at its ends, with verdict, reason and fix),
        ``street`` (the whole street's totals), ``today`` (the segment before the scenario) and
        ``criteria`` (the 30/50 criteria with their evidence, in words).

    Raises
    ------
    NotFoundError
        No segment has ``edge_id``.
    """
    from mobisim.cli._toets_report import CRITERIA, deciding_names, street_report

    if edge_id not in net.edges.index:
        raise NotFoundError(f"edge {edge_id}: no street segment has this id")
    report = street_report(net, net.edges.loc[[edge_id]])
    seg = report["segments"][0]
    criteria = [{"name": label, "value": seg.get(col), "evidence": seg.get(ev)} for label, col, ev in CRITERIA
                if col in seg]
    return {"edge_id": edge_id, "segment": seg, "crossings": report["crossings"],
            "deciding": deciding_names(seg.get("regime_deciding")), "criteria": criteria,
            "street": _street(net, seg.get("name")), "today": _today(today, edge_id),
            "attribution": report["attribution"]}
