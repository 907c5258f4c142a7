"""The report's section "Traffic: where the cars go" and the data box's caveat on traffic volumes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mobisim.render.format import MINUS, as_float, is_number, percent, signed, vehicles
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

_CLASS_TABLE = "a typical Dutch urban volume for its class"


def traffic_caveat(scores: Mapping[str, Any] | None) -> str:
    """The data box's line on traffic volumes.

    Which km the traffic model covers (``scores["traffic"]``), or, when the model did not run,
    that every road has one figure per class.
    """
    t = traffic_entry(scores)
    if scores is None or t is None:
        return (f"Traffic volumes are one estimate per road class ({_CLASS_TABLE}), not counts: "
                "noise, air and the toets's traffic stress rest on them.")
    km = {str(k): as_float(v) for k, v in (t["value"]["after"].get("km_by_source") or {}).items()}
    total = sum(v for v in km.values() if not np.isnan(v))
    model = km.get("model", 0.0)
    exposure = (((scores.get("power_model") or {}).get("inputs") or {}).get("exposure_source_vehicle_km") or {})
    weighed = (f"; {percent(100.0 * float(exposure['model']))} of the vehicle-km the Power Model weighs"
               if is_number(exposure.get("model")) else "")
    text = (f"Traffic volumes come from the traffic model (section *Traffic: where the cars go*) on {model:,.1f} km "
            f"of the {total:,.1f} km of car segments in the area judged "
            f"({percent(100.0 * model / total) if total else '0 %'} of the km{weighed})")
    rest = km.get("class table", 0.0)
    text += (f"; the other {rest:,.1f} km, car segments the model does not reach (one-way dead ends, islands), "
             f"keep one estimate per road class ({_CLASS_TABLE})" if rest else "")
    own = {k: v for k, v in km.items() if k not in ("model", "class table") and v}
    if own:
        text += "; " + ", ".join(f"{v:,.1f} km carry the figure of an intervention" if k == "intervention"
                                 else f"{v:,.1f} km carry a figure from {md_escape(k)}" for k, v in own.items())
    return (text + ". The model's inputs are estimates and it is not calibrated to counts: noise, air and the "
            "toets's traffic stress rest on these volumes.")


def _model_intro(model: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """How the model works, with this run's cell size, zones, gateways and peak-hour share."""
    share = as_float(model.get("peak_hour_share", settings.get("peak_hour_share")))
    cell = as_float(settings.get("zone_size_m"))
    zones, gateways = vehicles(model.get("zones"), step=1), vehicles(model.get("gateways"), step=1)
    peak = f"the evening peak hour ({100 * share:.0f} % of the day)" if np.isfinite(share) else "the evening peak hour"
    divide = f"÷ {share:g}" if np.isfinite(share) else "÷ the peak-hour share"
    return (
        f"The daily traffic on the car roads comes from a traffic model of the whole network (where the model does "
        "not reach a segment, the class table stands in: see the data box). The network is cut into "
        f"{f'{cell:,.0f} m ' if np.isfinite(cell) else ''}grid cells; the {zones} cells with homes or destinations are "
        "the zones. Each zone's residents make car trips (residents ÷ household size × cars per household × trips "
        "per car, plus vans, lorries and taxis), and a gravity model sends them to the destinations (shops, offices, "
        "services, hotels, commercial, retail and industrial land) in proportion to their attraction, fewer the "
        f"longer the drive; {gateways} gateways where main roads leave the network add the traffic entering, leaving "
        f"and passing through. {peak[0].upper() + peak[1:]} is assigned to the streets as a user equilibrium (each "
        "driver takes the quickest route given the congestion; AequilibraE, BPR delay curves), and a street's daily "
        f"volume is its peak-hour volume {divide}; an access road carries at least its share of its own zone's "
        "trips. **Every input is an estimate** (the scenario's `[traffic]` settings, each with its source in "
        "`scenarios/README.md`), and **the model is not calibrated to traffic counts**: read a volume as an "
        "order of magnitude and a change between today and the scenario as the direction traffic moves, not as a "
        "street-by-street forecast.")


def _rat_run_counts(label: str, runs: Mapping[str, Any]) -> str:
    """``Today: 3 streets, 1.2 km``."""
    n = as_float(runs.get("streets"))
    count = 0 if np.isnan(n) else int(n)
    return f"{label}: {count:,} street{'' if count == 1 else 's'}, {as_float(runs.get('km', 0.0)):,.1f} km"


def _rat_runs(t: Mapping[str, Any], settings: Mapping[str, Any], max_rows: int | None) -> list[str]:
    """The rat runs with the scenario, today's where the street was one, and the fix."""
    v = t["value"]
    rb, ra = (v.get("before") or {}).get("rat_runs") or {}, v["after"].get("rat_runs") or {}
    min_daily, through = as_float(settings.get("rat_run_min_daily")), as_float(settings.get("rat_run_through_share"))
    rule = (f"more than {vehicles(min_daily)} vehicles a day of which at least "
            f"{100 * through:.0f} % is through traffic" if np.isfinite(min_daily) and np.isfinite(through)
            else "mostly through traffic")
    counts = "; ".join(_rat_run_counts(label, r) for label, r in (("Today", rb), ("with the scenario", ra)) if r)
    counts = f" {counts}." if counts else ""
    return section("Rat runs",
                   f"Access roads (residential streets, living streets, unclassified roads) carrying {rule}: "
                   "traffic beyond everything the street's own zone can generate, so the share shown is a lower "
                   f"bound.{counts} The busiest with the scenario are listed, with today's volume where the "
                   "street is among today's busiest rat runs (every flagged segment: map layer *Rat runs*, "
                   "`layers.gpkg` layer `segments`, column `rat_run`). The fix is a modal filter "
                   "(bollards or a bus gate; the scenario intervention `close_through_traffic`), after which the "
                   "model shows where that traffic goes. The class is OpenStreetMap's: a street mapped as "
                   "residential that the city runs as a distributor road (a wijkontsluitingsweg) shows up here "
                   "too — check the class before the filter.",
                   rat_run_table(t), limit=max_rows, formats={"km": 2})


def _largest_moves(moved: pd.DataFrame) -> str:
    """`` Largest: +2,370 veh/day on A, −2,710 on B.`` (the biggest gain and loss), or ``""``."""
    gains = moved[moved["change (veh/day)"].str.startswith("+")]
    losses = moved[moved["change (veh/day)"].str.startswith(MINUS)]
    parts = [f"{r['change (veh/day)']} veh/day on {r['street']}" for _, r in gains.head(1).iterrows()]
    parts += [f"{r['change (veh/day)']} on {r['street']}" for _, r in losses.head(1).iterrows()]
    return " Largest: " + md_escape(", ".join(parts)) + "." if parts else ""


def _vehicle_km_change(v: Mapping[str, Any], edges: pd.DataFrame | None) -> str:
    """`` In all, the vehicle-km … change by −1,200 a day (−0.4 % of today's 300,000).`` or ``""``."""
    vkm = as_float(v.get("vehicle_km_change_per_day"))
    if not np.isfinite(vkm):
        return ""
    total = as_float((v.get("vehicle_km_per_day") or {}).get("before"))
    if not np.isfinite(total):
        total = vehicle_km_today(edges)
    rel = f" ({percent(100.0 * vkm / total)} of today's {vehicles(total, step=1000)})" if total > 0 else ""
    return f" In all, the vehicle-km driven in the area change by {signed(vkm, step=100)} a day{rel}."


def _displacement(t: Mapping[str, Any], settings: Mapping[str, Any], edges: pd.DataFrame | None,
                  max_rows: int | None) -> list[str]:
    """Where the traffic goes: the streets gaining and losing, and the change in vehicle-km."""
    moved = displacement_table(t)
    min_change = as_float(settings.get("displacement_min_daily"))
    min_share = as_float(settings.get("displacement_min_share"))
    noise = (f" and by at least {100 * min_share:.0f} % of its volume (smaller changes lie within the "
             "assignment's convergence noise)" if np.isfinite(min_share) and min_share > 0 else "")
    text = ("Streets whose modelled traffic changes between today and the scenario"
            + (f" by at least {vehicles(min_change)} vehicles a day{noise}" if np.isfinite(min_change) else "")
            + " (the length-weighted mean over the street's changing segments; km: their length), the biggest "
            "gains first, then the biggest losses. Lower limits and closed streets change the quickest routes, so "
            "traffic moves between streets.")
    if len(moved):
        text += _largest_moves(moved)
    text += _vehicle_km_change(t["value"], edges)
    return section("Where the traffic goes", text, moved, limit=max_rows, formats={"km": 2})


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
    t = traffic_entry(scores)
    if t is None:
        return []
    v = t["value"]
    model = v["after"].get("model") or (v.get("before") or {}).get("model") or {}
    settings = (t.get("inputs") or {}).get("settings") or {}
    lines = ["## Traffic: where the cars go", "", _model_intro(model, settings), ""]
    lines += ["The model's figures (today: today's limits and streets; with the scenario: the proposed limits and "
              "the interventions).", "", md_table(traffic_model_table(t))]
    lines += section("Traffic volumes by source",
                     "Km of car segments in the area judged by where their volume comes from (the map shows the "
                     "modelled volumes in the layers *Traffic today* and *Traffic with the scenario*).",
                     traffic_source_table(t), formats={"km today": 1, "km with the scenario": 1, "share %": 1})
    lines += section("Modelled traffic by road class",
                     "Median vehicles a day (both directions) on the modelled segments of each class, against "
                     "the range plausible for that class of Dutch urban road (the order of magnitude of the CROW "
                     "road categories, not counts: `[traffic] plausible_median_daily_by_class`).",
                     traffic_class_table(t))
    lines += section("The busiest streets",
                     "The highest modelled volume on any segment of the street, vehicles a day (both directions), "
                     "rounded to 100; blank where the street is not among the busiest of that run.",
                     busiest_streets(t), limit=max_rows)
    return lines + _rat_runs(t, settings, max_rows) + _displacement(t, settings, edges, max_rows)
