"""The report's section "Traffic: where the cars go" and the data box's caveat on traffic volumes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mobisim.render.format import MINUS, as_float, fixed, is_number, localise, percent, signed, vehicles
from mobisim.render.i18n import t
from mobisim.render.report.markdown import md_escape, md_table, section
from mobisim.render.report.traffic import (
    busiest_streets,
    displacement_table,
    rat_run_table,
    traffic_class_table,
    traffic_entry,
    traffic_model_table,
    traffic_source_table,
    vehicle_km_today,
)

__all__ = ["traffic_caveat", "traffic_section"]


def traffic_caveat(scores: Mapping[str, Any] | None) -> str:
    """The data box's line on traffic volumes.

    Which km the traffic model covers (``scores["traffic"]``), or, when the model did not run,
    that every road has one figure per class.
    """
    table = t("traffic_text.class_table")
    entry = traffic_entry(scores)
    if scores is None or entry is None:
        return t("traffic_text.caveat_no_model", table=table)
    km = {str(k): as_float(v) for k, v in (entry["value"]["after"].get("km_by_source") or {}).items()}
    total = sum(v for v in km.values() if not np.isnan(v))
    model = km.get("model", 0.0)
    exposure = (((scores.get("power_model") or {}).get("inputs") or {}).get("exposure_source_vehicle_km") or {})
    weighed = (t("traffic_text.caveat_weighed", share=percent(100.0 * float(exposure["model"])))
               if is_number(exposure.get("model")) else "")
    text = t("traffic_text.caveat_model", model=fixed(model, 1), total=fixed(total, 1),
             share=percent(100.0 * model / total) if total else percent(0.0, 0), weighed=weighed)
    rest = km.get("class table", 0.0)
    text += t("traffic_text.caveat_rest", km=fixed(rest, 1), table=table) if rest else ""
    own = {k: v for k, v in km.items() if k not in ("model", "class table") and v}
    if own:
        text += "; " + ", ".join(t("traffic_text.caveat_intervention", km=fixed(v, 1)) if k == "intervention"
                                 else t("traffic_text.caveat_other", km=fixed(v, 1), source=md_escape(k))
                                 for k, v in own.items())
    return text + t("traffic_text.caveat_end")


def _model_intro(model: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """How the model works, with this run's cell size, zones, gateways and peak-hour share."""
    share = as_float(model.get("peak_hour_share", settings.get("peak_hour_share")))
    cell = as_float(settings.get("zone_size_m"))
    peak = t("traffic_text.peak_share", share=fixed(100 * share)) if np.isfinite(share) else t("traffic_text.peak")
    divide = (t("traffic_text.divide_share", share=localise(f"{share:g}")) if np.isfinite(share)
              else t("traffic_text.divide"))
    return t("traffic_text.model_intro", cell=t("traffic_text.cell", size=fixed(cell)) if np.isfinite(cell) else "",
             zones=vehicles(model.get("zones"), step=1), gateways=vehicles(model.get("gateways"), step=1),
             peak=peak[0].upper() + peak[1:], divide=divide)


def _rat_run_counts(name: str, runs: Mapping[str, Any]) -> str:
    """``Today: 3 streets, 1.2 km``."""
    n = as_float(runs.get("streets"))
    count = 0 if np.isnan(n) else int(n)
    return t("traffic_text.rat_count", label=name, n=fixed(count),
             streets=t("traffic_text.street_one" if count == 1 else "traffic_text.street_many"),
             km=fixed(as_float(runs.get("km", 0.0)), 1))


def _rat_runs(entry: Mapping[str, Any], settings: Mapping[str, Any], max_rows: int | None) -> list[str]:
    """The rat runs with the scenario, today's where the street was one, and the fix."""
    v = entry["value"]
    rb, ra = (v.get("before") or {}).get("rat_runs") or {}, v["after"].get("rat_runs") or {}
    min_daily, through = as_float(settings.get("rat_run_min_daily")), as_float(settings.get("rat_run_through_share"))
    rule = (t("traffic_text.rat_rule", daily=vehicles(min_daily), share=fixed(100 * through))
            if np.isfinite(min_daily) and np.isfinite(through) else t("traffic_text.rat_rule_plain"))
    counts = "; ".join(_rat_run_counts(name, r) for name, r in ((t("traffic_text.rat_today"), rb),
                                                                 (t("traffic_text.rat_after"), ra)) if r)
    counts = f" {counts}." if counts else ""
    return section(t("traffic_text.rat_title"), t("traffic_text.rat_intro", rule=rule, counts=counts),
                   rat_run_table(entry), limit=max_rows, formats={t("traffic_col.km"): 2})


def _largest_moves(moved: pd.DataFrame) -> str:
    """`` Largest: +2,370 veh/day on A, −2,710 on B.`` (the biggest gain and loss), or ``""``."""
    change, street = t("traffic_col.change_daily"), t("traffic_col.street")
    gains = moved[moved[change].str.startswith("+")]
    losses = moved[moved[change].str.startswith(MINUS)]
    parts = [t("traffic_text.largest_gain", change=r[change], street=r[street]) for _, r in gains.head(1).iterrows()]
    parts += [t("traffic_text.largest_loss", change=r[change], street=r[street]) for _, r in losses.head(1).iterrows()]
    return t("traffic_text.largest", parts=md_escape(", ".join(parts))) if parts else ""


def _vehicle_km_change(v: Mapping[str, Any], edges: pd.DataFrame | None) -> str:
    """`` In all, the vehicle-km … change by −1,200 a day (−0.4 % of today's 300,000).`` or ``""``."""
    vkm = as_float(v.get("vehicle_km_change_per_day"))
    if not np.isfinite(vkm):
        return ""
    total = as_float((v.get("vehicle_km_per_day") or {}).get("before"))
    if not np.isfinite(total):
        total = vehicle_km_today(edges)
    rel = (t("traffic_text.vkm_of_today", share=percent(100.0 * vkm / total), total=vehicles(total, step=1000))
           if total > 0 else "")
    return t("traffic_text.vkm_change", change=signed(vkm, step=100), rel=rel)


def _displacement(entry: Mapping[str, Any], settings: Mapping[str, Any], edges: pd.DataFrame | None,
                  max_rows: int | None) -> list[str]:
    """Where the traffic goes: the streets gaining and losing, and the change in vehicle-km."""
    moved = displacement_table(entry)
    min_change = as_float(settings.get("displacement_min_daily"))
    min_share = as_float(settings.get("displacement_min_share"))
    noise = (t("traffic_text.moves_noise", share=fixed(100 * min_share))
             if np.isfinite(min_share) and min_share > 0 else "")
    least = t("traffic_text.moves_min", daily=vehicles(min_change), noise=noise) if np.isfinite(min_change) else ""
    text = t("traffic_text.moves_intro", min=least)
    if len(moved):
        text += _largest_moves(moved)
    text += _vehicle_km_change(entry["value"], edges)
    return section(t("traffic_text.moves_title"), text, moved, limit=max_rows, formats={t("traffic_col.km"): 2})


def traffic_section(scores: Mapping[str, Any] | None, *, edges: pd.DataFrame | None = None,
                    max_rows: int | None = None) -> list[str]:
    """The report's section "Traffic: where the cars go" (empty when the model did not run).

    Parameters
    ----------
    scores : mapping
        The run's scores; the section reads ``scores["traffic"]``.
    edges : DataFrame, optional
        The scenario's segments in the area judged (``daily_traffic_before``, ``length``): gives the
        change in vehicle-km as a share of today's.
    max_rows : int, optional
        Cap per table.
    """
    entry = traffic_entry(scores)
    if entry is None:
        return []
    v = entry["value"]
    model = v["after"].get("model") or (v.get("before") or {}).get("model") or {}
    settings = (entry.get("inputs") or {}).get("settings") or {}
    lines = [f"## {t('traffic_text.model_title')}", "", _model_intro(model, settings), ""]
    lines += [t("traffic_text.model_table_intro"), "", md_table(traffic_model_table(entry))]
    km = {t("traffic_col.km_today"): 1, t("traffic_col.km_after"): 1, t("traffic_col.share"): 1}
    lines += section(t("traffic_text.sources_title"), t("traffic_text.sources_intro"), traffic_source_table(entry),
                     formats=km)
    lines += section(t("traffic_text.class_title"), t("traffic_text.class_intro"), traffic_class_table(entry))
    lines += section(t("traffic_text.busiest_title"), t("traffic_text.busiest_intro"), busiest_streets(entry),
                     limit=max_rows)
    return lines + _rat_runs(entry, settings, max_rows) + _displacement(entry, settings, edges, max_rows)
