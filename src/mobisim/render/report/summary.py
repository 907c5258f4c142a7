"""Page 1 of the report: the programme's question, the answer in five figures with their ranges,
and the data box (what the data can and cannot say)."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mobisim.frames import flags, numbers
from mobisim.load.speed_defaults import SCHEVENINGEN_2025
from mobisim.render.format import MINUS, as_float, fixed, is_number, percent
from mobisim.render.i18n import has, label, t
from mobisim.render.report.markdown import md_escape, md_table
from mobisim.render.report.traffic import traffic_entry

if TYPE_CHECKING:
    from mobisim.network import Network
    from mobisim.pipeline import RunResult
    from mobisim.scenario import Scenario

__all__ = ["title_block", "five_figures", "data_box", "summary_page"]


def title_block(result: RunResult, scenario: Scenario | None, attribution: str) -> list[str]:
    """The title, the scenario's name, today's date, the data credit and the description."""
    title = getattr(scenario, "title", None) or getattr(scenario, "name", None) or result.name
    meta = t("report.meta", name=md_escape(result.name), date=_dt.date.today().isoformat(),
             credit=md_escape(attribution))
    lines = [f"# {t('report.title', name=md_escape(title))}", "", meta, ""]
    desc = getattr(scenario, "description", None)
    return lines + ([md_escape(desc), ""] if desc else [])


def _share(value: object, *, signed: bool = False) -> str:
    """A fraction in per cent (``−16,2 %``); ``–`` when missing."""
    v = as_float(value)
    if np.isnan(v):
        return "–"
    return ("+" if signed and v > 0 else "") + percent(100.0 * v)


def _span(rng: object, digits: int, scale: float = 1.0, unit: str = "") -> str:
    """``low – high`` of a ``[low, high]`` range (``""`` without one), with a true minus."""
    if not isinstance(rng, (list, tuple)) or len(rng) != 2 or not all(is_number(x) for x in rng):
        return ""
    if round(scale * float(rng[0]), digits) == round(scale * float(rng[1]), digits):
        return ""
    low, high = (fixed(scale * float(x), digits).replace("-", MINUS) for x in rng)
    return f"{low} – {high}{unit}"


def _crash_row(f: Mapping[str, Any]) -> dict[str, str]:
    signs = _share(f.get("signs_only"), signed=True)
    return {"figure": t("summary.crashes"), "today": _share(f.get("before")), "after": _share(f.get("value")),
            "range": _span(f.get("range"), 1, 100.0, " %"), "basis": t("summary.crashes_basis", signs=signs)}


def _share_row(f: Mapping[str, Any], key: str) -> dict[str, str]:
    return {"figure": t(f"summary.{key}"), "today": _share(f.get("before")), "after": _share(f.get("value")),
            "range": _span(f.get("range"), 1, 100.0, " %"), "basis": t(f"summary.{key}_basis")}


def _km_row(head: Mapping[str, Any], tiers: Mapping[str, Any]) -> dict[str, str]:
    k30, k50 = head.get("km_30") or {}, head.get("km_50") or {}
    rng = k50.get("range")
    shown = fixed(as_float(tiers.get("50_if_shown")), 0) if tiers else "–"
    return {"figure": t("summary.km"),
            "today": t("summary.km_value", km30=fixed(k30.get("before"), 0, missing="–"),
                       km50=fixed(k50.get("before"), 0, missing="–")),
            "after": t("summary.km_value", km30=fixed(k30.get("value"), 0, missing="–"),
                       km50=fixed(k50.get("value"), 0, missing="–")),
            "range": t("summary.km_range", low=fixed(rng[0], 0), high=fixed(rng[1], 0))
            if isinstance(rng, list) and _span(rng, 0) else "",
            "basis": t("summary.km_basis", shown=shown)}


def _parking_row(f: Mapping[str, Any]) -> dict[str, str]:
    return {"figure": t("summary.parking"), "today": fixed(f.get("before"), 0, missing="–"),
            "after": fixed(f.get("value"), 0, missing="–"), "range": _span(f.get("range"), 0),
            "basis": t("summary.parking_basis")}


def five_figures(scores: Mapping[str, Any]) -> pd.DataFrame:
    """The answer in five figures: crash change, child-safe school routes, km at 30/50, crossings
    passing, car spaces freed; today, with the programme, the range and what each rests on.

    A figure the run did not compute says so in its row (never a made-up zero).
    """
    head = scores.get("headline") or {}
    tiers = (scores.get("regime_tiers") or {}).get("value") or {}
    rows: list[dict[str, str]] = []
    for key, build in (("fatal_serious_change", _crash_row),
                       ("children_safe", lambda f: _share_row(f, "children")),
                       ("km_30", lambda f: _km_row(head, tiers)),
                       ("safe_crossings", lambda f: _share_row(f, "crossings")),
                       ("parking_freed", _parking_row)):
        fig = head.get(key)
        name = {"fatal_serious_change": "crashes", "children_safe": "children", "km_30": "km",
                "safe_crossings": "crossings", "parking_freed": "parking"}[key]
        rows.append(build(fig) if isinstance(fig, Mapping) else
                    {"figure": t(f"summary.{name}"), "today": "–", "after": "–", "range": "",
                     "basis": t("summary.missing")})
    cols = {c: t(f"summary.{c}") for c in ("figure", "today", "after", "range", "basis")}
    return pd.DataFrame(rows, columns=list(cols)).rename(columns=cols)


_COVERAGE_FIELDS = {"name": "label", "used": "used_for", "missing": "when_missing"}


def _coverage_word(key: str, part: str, family: Mapping[str, Any]) -> str:
    """A data-box cell in words: the catalogue's (``coverage.<key>.<part>``), else the family's own."""
    return t(f"coverage.{key}.{part}") if has(f"coverage.{key}.{part}") else str(family.get(_COVERAGE_FIELDS[part], ""))


def _coverage_table(coverage: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The data box as a table: kind of data, how much the input has, what reads it, the stand-in."""
    rows = []
    for key, c in coverage.items():
        if c.get("share") is not None:
            have = t("databox.share_km", share=percent(100.0 * float(c["share"]), 0))
        elif c.get("count"):
            have = fixed(c["count"], 0) + (" km" if key == "cycle_paths" else "")
        else:
            have = t("databox.none")
        rows.append({t("databox.data"): _coverage_word(key, "name", c), t("databox.have"): have,
                     t("databox.used"): _coverage_word(key, "used", c),
                     t("databox.when_missing"): _coverage_word(key, "missing", c) if c.get("status") != "full" else ""})
    return pd.DataFrame(rows)


def _defaults_line(net: Network) -> list[str]:
    """How many road km carry a class-default limit (none when every limit is from the map)."""
    e = net.edges
    if "maxspeed_source" not in e.columns or "is_road" not in e.columns:
        return []
    roads = flags(e, "is_road")
    default = e["maxspeed_source"].astype("string").fillna("").str.startswith("default:").to_numpy(bool) & roads
    km = numbers(e, "length") / 1000.0
    if not default.any():
        return []
    total, sample = float(km[roads].sum()), SCHEVENINGEN_2025
    return [t("databox.defaults", km=fixed(float(km[default].sum()), 0), total=fixed(total, 0),
              share=percent(100.0 * float(km[default].sum()) / total, 0), sample=md_escape(sample.file),
              date=sample.osm_date, km50_defaults=fixed(sample.km_50_defaults, 1),
              km50_tags=fixed(sample.km_50_tags, 1), agree=percent(100.0 * sample.share_agree, 0))]


def data_box(net: Network, scores: Mapping[str, Any] | None = None) -> list[str]:
    """The data box: the inputs, how much of each kind of data they hold, what is a default.

    Parameters
    ----------
    net
        Today's network as the report sees it (the area judged; ``outside_km``).
    scores
        The run's scores: whether traffic volumes come from the model or the class table.

    Returns
    -------
    list of str
        Markdown lines (a ``##`` section).
    """
    dates = {str(k): re.match(r"\d{4}-\d{2}-\d{2}", str(v)) for k, v in (net.source_dates or {}).items()}
    inputs = "; ".join(f"{Path(s).name} ({t('databox.dated', date=d.group(0))})" if (d := dates.get(str(s)))
                       else f"{Path(s).name} ({t('databox.undated')})" for s in net.sources)
    lines = [f"## {t('databox.title')}", "", t("databox.intro", inputs=md_escape(inputs)), ""]
    if net.coverage:
        lines.append(md_table(_coverage_table(net.coverage)))
    bullets = _defaults_line(net) + [t("databox.area", area=md_escape(label("area", net.area_label or "–")))]
    outside = float(getattr(net, "outside_km", 0.0) or 0.0)
    if outside:
        bullets.append(t("databox.outside", km=fixed(outside, 0)))
    bullets.append(t("databox.traffic_model") if traffic_entry(scores) else t("databox.traffic_table"))
    return lines + [f"- {b}" for b in bullets] + [""]


def summary_page(net: Network, scores: Mapping[str, Any]) -> list[str]:
    """Page 1 after the title: the question, the five figures (and the plan's line when the run made
    a plan) and the data box."""
    from mobisim.render.report.sections.plan import plan_summary_line

    lines = [f"## {t('summary.title')}", "", t("summary.question"), "", t("summary.answer"), "",
             md_table(five_figures(scores)), *plan_summary_line(scores)]
    return lines + data_box(net, scores)
