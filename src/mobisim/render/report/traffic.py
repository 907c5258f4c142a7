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
from mobisim.render.format import as_float, is_number, localise, signed, vehicles
from mobisim.render.i18n import label, t

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
#: The sources of a segment's volume, in the order the tables list them (named by ``traffic_source.*``).
TRAFFIC_SOURCES = ("model", "class table", "intervention")


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
    return "" if np.isnan(g) else localise(f"{g:.2g}")


def _model_rows(target: object) -> list[tuple[str, Callable[[Mapping[str, Any]], str]]]:
    """The rows of :func:`traffic_model_table`: label and how to read it from a run's model summary."""
    def trips(kind: str) -> Callable[[Mapping[str, Any]], str]:
        return lambda m: _model_figure(m, "daily_trips", kind, step=100)

    kinds = ("internal", "in_and_out", "through", "within_a_zone_not_assigned", "reaching_no_destination")
    gap = t("traffic_row.gap_target", target=localise(f"{as_float(target):.2g}")) if is_number(target) else t("traffic_row.gap")
    return [
        (t("traffic_row.zones"), lambda m: _model_figure(m, "zones")),
        (t("traffic_row.gateways"), lambda m: _model_figure(m, "gateways")),
        (t("traffic_row.links"), lambda m: _model_figure(m, "links")),
        (t("traffic_row.residents"), lambda m: _model_figure(m, "residents", step=100)),
        *((t(f"traffic_row.{kind}"), trips(kind)) for kind in kinds),
        (t("traffic_row.iterations"), lambda m: _model_figure(m, "iterations")),
        (gap, _gap),
    ]


def traffic_model_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """The model's figures today and with the scenario.

    Zones, gateways, daily trips by kind, the equilibrium's iterations and relative gap
    (``scores["traffic"]``); a figure neither run has (an older run's scores) is left out.
    """
    v = traffic["value"]
    mb, ma = (v.get("before") or {}).get("model") or {}, (v.get("after") or {}).get("model") or {}
    target = ((traffic.get("inputs") or {}).get("settings") or {}).get("relative_gap")
    cols = [t("traffic_col.measure"), t("traffic_col.today"), t("traffic_col.after")]
    table = pd.DataFrame([dict(zip(cols, (name, f(mb), f(ma)))) for name, f in _model_rows(target)], columns=cols)
    return table[(table[cols[1]] != "") | (table[cols[2]] != "")].reset_index(drop=True)


def traffic_source_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """Km of car segments (in the area judged) by the source of their volume, today and with the scenario."""
    v = traffic["value"]
    kb = (v.get("before") or {}).get("km_by_source") or {}
    ka = (v.get("after") or {}).get("km_by_source") or {}
    keys = list(dict.fromkeys([*TRAFFIC_SOURCES, *kb, *ka]))
    keys = [k for k in keys if k in kb or k in ka]
    total = sum(as_float(x) for x in ka.values() if is_number(x)) or 1.0
    cols = [t("traffic_col.source"), t("traffic_col.km_today"), t("traffic_col.km_after"), t("traffic_col.share")]
    return pd.DataFrame([dict(zip(cols, (label("traffic_source", k), as_float(kb.get(k, 0.0)),
                                         as_float(ka.get(k, 0.0)), 100.0 * as_float(ka.get(k, 0.0)) / total)))
                         for k in keys], columns=cols)


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
        flag = "" if not np.isfinite(today) or lo <= today <= hi else t("traffic_text.outside")
        return f"{vehicles(lo)}–{vehicles(hi)}{flag}"

    cols = [t(f"traffic_col.{c}") for c in ("road_class", "today", "after", "change", "plausible")]
    return pd.DataFrame([dict(zip(cols, (k, vehicles(mb.get(k)), vehicles(ma.get(k)),
                                         signed(as_float(ma.get(k)) - as_float(mb.get(k))), plausible(k))))
                         for k in keys], columns=cols)


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
    cols = [t("traffic_col.street"), t("traffic_col.today_daily"), t("traffic_col.after_daily")]
    return pd.DataFrame(dict(zip(cols, (m["street"], [vehicles(x, step=100) for x in m["daily_before"]],
                                        [vehicles(x, step=100) for x in m.get("daily", [])]))), columns=cols)


def rat_run_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """The rat runs with the scenario (access roads carrying mostly through traffic), busiest first,
    with today's volume where the street was a rat run today, and the fix."""
    v = traffic["value"]
    rb = ((v.get("before") or {}).get("rat_runs") or {}).get("top")
    ra = ((v.get("after") or {}).get("rat_runs") or {}).get("top")
    cols = [t(f"traffic_col.{c}") for c in ("street", "daily", "through", "km", "today_daily", "fix")]
    if not ra:
        return pd.DataFrame(columns=cols)
    m = by_street(rb, ra, "daily")
    m = m[m["daily"].notna().to_numpy()]
    through = pd.to_numeric(m["through_at_least"], errors="coerce")
    return pd.DataFrame(dict(zip(cols, (
        m["street"], [vehicles(x) for x in m["daily"]],
        [t("traffic_text.through_at_least", share=f"{100 * s:.0f}") if np.isfinite(s) else "" for s in through],
        pd.to_numeric(m["km"], errors="coerce"), [vehicles(x) for x in m["daily_before"]],
        t("traffic_text.modal_filter")))), columns=cols)


def displacement_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """Where the traffic goes: the streets gaining and losing the most traffic.

    Vehicles a day (``+2,370`` / ``−2,710``), with today's and the scenario's volume and the km
    that change; the biggest gains first, then the biggest losses.
    """
    cols = [t(f"traffic_col.{c}") for c in ("change_daily", "street", "today_daily", "after_daily", "km")]
    d = pd.DataFrame(list(traffic["value"].get("displacement") or []))
    if d.empty or "street" not in d.columns:
        return pd.DataFrame(columns=cols)
    change = pd.to_numeric(d["change"], errors="coerce")
    d = d.assign(change=change).iloc[np.lexsort((-change.abs().to_numpy(), ~(change > 0).to_numpy()))]
    return pd.DataFrame(dict(zip(cols, ([signed(x) for x in d["change"]], d["street"],
                                        [vehicles(x) for x in d.get("before", [])],
                                        [vehicles(x) for x in d.get("after", [])],
                                        pd.to_numeric(d.get("km"), errors="coerce")))),
                        columns=cols).reset_index(drop=True)


def vehicle_km_today(edges: pd.DataFrame | None) -> float:
    """Vehicle-km a day the model puts on ``edges`` today (``daily_traffic_before`` × length)."""
    if edges is None or "daily_traffic_before" not in edges.columns or "length" not in edges.columns:
        return float("nan")
    q = numbers(edges, "daily_traffic_before")
    return float(np.nansum(q * edges["length"].to_numpy(dtype=float)) / 1000.0)
