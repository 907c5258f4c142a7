"""The traffic model's figures as tables (``scores["traffic"]``): the model, the sources of the
volumes, medians per road class, the busiest streets, rat runs and where the traffic goes.

Data only; the prose is in :mod:`mobisim.render.report.sections.traffic`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from mobisim.frames import numbers
from mobisim.render.format import as_float, is_number, signed, vehicles

__all__ = [
    "TRAFFIC_CLASS_ORDER",
    "TRAFFIC_SOURCES",
    "traffic_entry",
    "traffic_model_table",
    "traffic_source_table",
    "traffic_class_table",
    "busiest_streets",
    "rat_run_table",
    "displacement_table",
    "vehicle_km_today",
]

#: Road classes in the order the traffic tables list them (any other class follows, by name).
TRAFFIC_CLASS_ORDER = ["motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
                       "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "road",
                       "living_street", "service"]
#: The source of a segment's volume, as the tables name it.
TRAFFIC_SOURCES = {"model": "traffic model",
                   "class table": "class table (car segments the model does not reach)",
                   "intervention": "set by an intervention (destination traffic of a closed street)"}


def traffic_entry(scores: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """``scores["traffic"]`` when the traffic model ran (a ``value`` with ``after``), else ``None``."""
    t = scores.get("traffic") if isinstance(scores, Mapping) else None
    if isinstance(t, Mapping) and isinstance(t.get("value"), Mapping) and isinstance(t["value"].get("after"), Mapping):
        return t
    return None


def _model_figure(model: Mapping[str, Any], *path: str, step: int = 1) -> str:
    """The figure at ``path`` of a run's ``model`` summary, rounded to ``step`` (``""`` when absent)."""
    node: Any = model
    for p in path:
        node = node.get(p) if isinstance(node, Mapping) else None
    return vehicles(node, step=step)


def _gap(model: Mapping[str, Any]) -> str:
    g = as_float(model.get("relative_gap"))
    return "" if np.isnan(g) else f"{g:.2g}"


def _model_rows(target: object) -> list[tuple[str, Callable[[Mapping[str, Any]], str]]]:
    """The rows of :func:`traffic_model_table`: label and how to read it from a run's model summary."""
    def trips(kind: str) -> Callable[[Mapping[str, Any]], str]:
        return lambda m: _model_figure(m, "daily_trips", kind, step=100)

    return [
        ("zones (grid cells with homes or destinations)", lambda m: _model_figure(m, "zones")),
        ("gateways (main roads leaving the network)", lambda m: _model_figure(m, "gateways")),
        ("car links (one per direction a car may drive a segment)", lambda m: _model_figure(m, "links")),
        ("residents", lambda m: _model_figure(m, "residents", step=100)),
        ("car trips a day between zones", trips("internal")),
        ("car trips a day entering or leaving the network", trips("in_and_out")),
        ("car trips a day passing through (gateway to gateway)", trips("through")),
        ("car trips a day within one zone (not on the streets)", trips("within_a_zone_not_assigned")),
        ("car trips a day reaching no destination (not in the model)", trips("reaching_no_destination")),
        ("assignment iterations", lambda m: _model_figure(m, "iterations")),
        ("relative gap of the equilibrium" + (f" (target {as_float(target):.2g})" if is_number(target) else ""), _gap),
    ]


def traffic_model_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """The model's figures today and with the scenario.

    Zones, gateways, daily trips by kind, the equilibrium's iterations and relative gap
    (``scores["traffic"]``); a figure neither run has (an older run's scores) is left out.
    """
    v = traffic["value"]
    mb, ma = (v.get("before") or {}).get("model") or {}, (v.get("after") or {}).get("model") or {}
    target = ((traffic.get("inputs") or {}).get("settings") or {}).get("relative_gap")
    table = pd.DataFrame([{"measure": label, "today": f(mb), "with the scenario": f(ma)}
                          for label, f in _model_rows(target)],
                         columns=["measure", "today", "with the scenario"])
    return table[(table["today"] != "") | (table["with the scenario"] != "")].reset_index(drop=True)


def traffic_source_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """Km of car segments (in the area judged) by the source of their volume, today and with the scenario."""
    v = traffic["value"]
    kb = (v.get("before") or {}).get("km_by_source") or {}
    ka = (v.get("after") or {}).get("km_by_source") or {}
    keys = list(dict.fromkeys([*TRAFFIC_SOURCES, *kb, *ka]))
    keys = [k for k in keys if k in kb or k in ka]
    total = sum(as_float(x) for x in ka.values() if is_number(x)) or 1.0
    return pd.DataFrame([{"source": TRAFFIC_SOURCES.get(k, k), "km today": as_float(kb.get(k, 0.0)),
                          "km with the scenario": as_float(ka.get(k, 0.0)),
                          "share %": 100.0 * as_float(ka.get(k, 0.0)) / total} for k in keys],
                        columns=["source", "km today", "km with the scenario", "share %"])


def traffic_class_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """Median modelled vehicles a day per road class, today and with the scenario, against the
    plausible range of the class (``— outside`` when today's median lies outside it)."""
    v = traffic["value"]
    mb = (v.get("before") or {}).get("median_daily_by_class") or {}
    ma = (v.get("after") or {}).get("median_daily_by_class") or {}
    present = set(mb) | set(ma)
    keys = [k for k in TRAFFIC_CLASS_ORDER if k in present] + sorted(present - set(TRAFFIC_CLASS_ORDER))
    ranges = ((traffic.get("inputs") or {}).get("settings") or {}).get("plausible_median_daily_by_class") or {}

    def plausible(k: str) -> str:
        if k not in ranges:
            return ""
        lo, hi = (float(x) for x in ranges[k])
        today = as_float(mb.get(k))
        flag = "" if not np.isfinite(today) or lo <= today <= hi else " — outside"
        return f"{vehicles(lo)}–{vehicles(hi)}{flag}"

    return pd.DataFrame([{"road class": k, "today": vehicles(mb.get(k)), "with the scenario": vehicles(ma.get(k)),
                          "change": signed(as_float(ma.get(k)) - as_float(mb.get(k))), "plausible median": plausible(k)}
                         for k in keys],
                        columns=["road class", "today", "with the scenario", "change", "plausible median"])


def by_street(before: Iterable[Mapping[str, Any]] | None, after: Iterable[Mapping[str, Any]] | None,
              value: str) -> pd.DataFrame:
    """Two lists of ``{street, value, …}`` rows joined on the street (after's order first).

    ``value`` of ``before`` becomes ``<value>_before``; sorted by after's value, then before's,
    highest first.
    """
    a = pd.DataFrame(list(after or []))
    b = pd.DataFrame(list(before or []))
    if "street" not in a.columns:
        a = pd.DataFrame(columns=["street", value])
    if "street" not in b.columns:
        b = pd.DataFrame(columns=["street", value])
    m = a.merge(b[["street", value]].rename(columns={value: f"{value}_before"}), on="street", how="outer", sort=False)
    after_v = pd.to_numeric(m[value], errors="coerce") if value in m.columns else pd.Series(np.nan, index=m.index)
    before_v = pd.to_numeric(m[f"{value}_before"], errors="coerce")
    order = np.lexsort((-before_v.fillna(-np.inf).to_numpy(), -after_v.fillna(-np.inf).to_numpy()))
    return m.iloc[order].reset_index(drop=True)


def busiest_streets(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """The busiest streets (highest modelled volume on any of their segments), today and with the
    scenario; blank where a street is not among the busiest of that run."""
    v = traffic["value"]
    m = by_street((v.get("before") or {}).get("busiest"), (v.get("after") or {}).get("busiest"), "daily")
    return pd.DataFrame({"street": m["street"], "today (veh/day)": [vehicles(x, step=100) for x in m["daily_before"]],
                         "with the scenario (veh/day)": [vehicles(x, step=100) for x in m.get("daily", [])]},
                        columns=["street", "today (veh/day)", "with the scenario (veh/day)"])


def rat_run_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """The rat runs with the scenario (access roads carrying mostly through traffic), busiest first,
    with today's volume where the street was a rat run today, and the fix."""
    v = traffic["value"]
    rb = ((v.get("before") or {}).get("rat_runs") or {}).get("top")
    ra = ((v.get("after") or {}).get("rat_runs") or {}).get("top")
    cols = ["street", "vehicles/day", "through traffic", "km", "today (veh/day)", "proposed fix"]
    if not ra:
        return pd.DataFrame(columns=cols)
    m = by_street(rb, ra, "daily")
    m = m[m["daily"].notna().to_numpy()]
    through = pd.to_numeric(m["through_at_least"], errors="coerce")
    return pd.DataFrame({
        "street": m["street"], "vehicles/day": [vehicles(x) for x in m["daily"]],
        "through traffic": [f"at least {100 * t:.0f} %" if np.isfinite(t) else "" for t in through],
        "km": pd.to_numeric(m["km"], errors="coerce"),
        "today (veh/day)": [vehicles(x) for x in m["daily_before"]],
        "proposed fix": "modal filter (close_through_traffic)",
    }, columns=cols)


def displacement_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """Where the traffic goes: the streets gaining and losing the most traffic.

    Vehicles a day (``+2,370`` / ``−2,710``), with today's and the scenario's volume and the km
    that change; the biggest gains first, then the biggest losses.
    """
    cols = ["change (veh/day)", "street", "today (veh/day)", "with the scenario (veh/day)", "km"]
    d = pd.DataFrame(list(traffic["value"].get("displacement") or []))
    if d.empty or "street" not in d.columns:
        return pd.DataFrame(columns=cols)
    change = pd.to_numeric(d["change"], errors="coerce")
    d = d.assign(change=change).iloc[np.lexsort((-change.abs().to_numpy(), ~(change > 0).to_numpy()))]
    return pd.DataFrame({"change (veh/day)": [signed(x) for x in d["change"]], "street": d["street"],
                         "today (veh/day)": [vehicles(x) for x in d.get("before", [])],
                         "with the scenario (veh/day)": [vehicles(x) for x in d.get("after", [])],
                         "km": pd.to_numeric(d.get("km"), errors="coerce")}, columns=cols).reset_index(drop=True)


def vehicle_km_today(edges: pd.DataFrame | None) -> float:
    """Vehicle-km a day the model puts on ``edges`` today (``daily_traffic_before`` × length)."""
    if edges is None or "daily_traffic_before" not in edges.columns or "length" not in edges.columns:
        return float("nan")
    q = numbers(edges, "daily_traffic_before")
    return float(np.nansum(q * edges["length"].to_numpy(dtype=float)) / 1000.0)
