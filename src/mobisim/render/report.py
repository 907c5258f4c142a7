"""The council report (``report.md`` / ``report.html``) and the before/after comparison tables.

The report is written for a council member: headline scores, what changes on the streets, and
the comply-or-explain list — every road that keeps 50 km/h and why, every 8-jarigen-toets failure
on a school route and its fix. Tables are built with whole-frame operations; every OSM text is
escaped for Markdown, and the HTML is rendered with markdown-it-py with raw HTML disabled, so a
street name can never inject markup.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mobisim import ATTRIBUTION
from mobisim.load.areas import inside
from mobisim.rules import CRITERION_LABELS, TIER_LABELS

__all__ = [
    "md_escape",
    "md_table",
    "flatten_scores",
    "headline_display",
    "headline_scores",
    "regime_summary",
    "fifty_roads",
    "school_route_failures",
    "school_route_crossing_failures",
    "build_report",
    "render_report_html",
    "compare_scores",
    "changed_segments",
    "traffic_caveat",
    "traffic_section",
    "displacement_table",
]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!{}])")
INPUT_KEYS = {"inputs", "input", "sources", "source", "settings", "notes", "method", "assumptions"}


# --------------------------------------------------------------------------------------------
# markdown helpers


def md_escape(value: Any) -> str:
    """Text safe inside a Markdown table cell: punctuation backslash-escaped, no newlines."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    text = re.sub(r"\s+", " ", str(value)).strip()
    return _MD_SPECIAL.sub(r"\\\1", text)


def _fmt(value: Any, decimals: int | None = None) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))  # counts, years, ids: no thousands separator
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        if decimals is None and float(value).is_integer() and abs(value) >= 10:
            return f"{value:,.0f}"
        if decimals is None and abs(value) < 1 and value != 0:
            return f"{value:.3f}"
        return f"{value:,.{1 if decimals is None else decimals}f}"
    return md_escape(value)


def md_table(frame: pd.DataFrame, *, formats: Mapping[str, int] | None = None) -> str:
    """A GitHub-style Markdown table of ``frame`` (cells escaped; numbers formatted)."""
    if frame.empty:
        return "_(none)_\n"
    formats = formats or {}
    cols = list(frame.columns)
    body = pd.DataFrame({c: [_fmt(v, formats.get(c)) for v in frame[c].tolist()] for c in cols}, dtype=object)
    lines = ["| " + " | ".join(md_escape(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ("| " + body.agg(" | ".join, axis=1) + " |").tolist()
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# scores


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def flatten_scores(scores: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a scores dict as ``{"a.b.c": value}``, skipping input/source sub-trees.

    A ``{"value": x, "inputs": {...}}`` node counts as the number ``x`` under its own path.
    """
    out: dict[str, float] = {}
    for key, val in scores.items():
        if str(key) in INPUT_KEYS:
            continue
        path = f"{prefix}{key}"
        if _is_number(val):
            out[path] = float(val)
        elif isinstance(val, Mapping):
            if "value" in val and (_is_number(val["value"]) or val["value"] is None):
                if val["value"] is not None:
                    out[path] = float(val["value"])
            else:
                out.update(flatten_scores(val, prefix=path + "."))
    return out


#: Units of counted things, shown as whole numbers.
WHOLE_UNITS = ("spaces", "children", "schools", "bikes", "permits", "people")


def headline_display(head: pd.DataFrame) -> pd.DataFrame:
    """The headline table as text: whole numbers for counts (with thousands separators), one
    decimal for the rest, so that ``−17.0`` does not print as ``−17`` next to a one-decimal range."""
    out = head.copy()
    whole = out["unit"].isin(WHOLE_UNITS).to_numpy()
    for col in ("before", "after"):
        out[col] = [("" if not _is_number(v) or pd.isna(v) else f"{v:,.0f}" if w else f"{v:,.1f}")
                    for v, w in zip(out[col], whole)]
    return out


def headline_scores(scores: Mapping[str, Any], *, percent: bool = True) -> pd.DataFrame:
    """The headline figures (``scores["headline"]`` when present, else every top-level number).

    With ``percent``, figures whose unit is ``share`` or ``fraction`` are shown in per cent.
    ``range`` is the low–high span of the scenario's figure; ``signs only`` the same figure when
    no street is redesigned (:mod:`mobisim.score.effects`), where the run has it.
    """
    head = scores.get("headline") if isinstance(scores, Mapping) else None
    rows = []
    source = head if isinstance(head, Mapping) else scores
    for key, val in source.items():
        if str(key) in INPUT_KEYS:
            continue
        rng: Any = None
        signs: Any = None
        if isinstance(val, Mapping):
            value = val.get("value", val.get("after"))
            label = val.get("label") or val.get("description") or key
            before = val.get("before")
            unit = val.get("unit", "")
            rng = val.get("range")
            signs = val.get("signs_only")
        else:
            value, label, before, unit = val, key, None, ""
        if _is_number(value) or _is_number(before):
            rows.append({"score": str(label), "before": before, "after": value, "unit": unit or "",
                         "range": rng, "signs only": signs})
    frame = pd.DataFrame(rows, columns=["score", "before", "after", "unit", "range", "signs only"])
    if percent and len(frame):
        pct = frame["unit"].isin(["share", "fraction"])
        for col in ("before", "after", "signs only"):
            num = pd.to_numeric(frame[col], errors="coerce").astype(float)
            frame[col] = frame[col].astype(object).where(~pct, (num * 100).round(1))
        frame["range"] = [[100 * x for x in r] if p and isinstance(r, list) else r
                          for r, p in zip(frame["range"], pct)]
        frame["unit"] = frame["unit"].where(~pct, "%")
    whole = frame["unit"].isin(WHOLE_UNITS).to_numpy()
    frame["range"] = [(f"{r[0]:,.0f} – {r[1]:,.0f}" if w else f"{r[0]:,.1f} – {r[1]:,.1f}")
                      if isinstance(r, list) and len(r) == 2 else "" for r, w in zip(frame["range"], whole)]
    for col in ("before", "after"):  # counts of spaces, people, schools: whole numbers
        frame[col] = [int(round(float(v))) if w and _is_number(v) and pd.notna(v) else v
                      for v, w in zip(frame[col], whole)]
    if frame["signs only"].isna().all():
        frame = frame.drop(columns="signs only")
    else:
        frame["signs only"] = [f"{v:,.1f}" if _is_number(v) and pd.notna(v) else "" for v in frame["signs only"]]
    return frame


# --------------------------------------------------------------------------------------------
# street tables


def _rows(frame: pd.DataFrame, mask: Any) -> pd.DataFrame:
    """Rows where ``mask`` is true, by position (faster than boolean indexing on Arrow strings)."""
    return frame.iloc[np.flatnonzero(np.asarray(mask, dtype=bool))]


def _street_names(edges: pd.DataFrame) -> pd.Series:
    name = edges["name"].astype("string") if "name" in edges.columns else pd.Series(pd.NA, index=edges.index, dtype="string")
    way = edges["way_id"].astype("string") if "way_id" in edges.columns else pd.Series("?", index=edges.index, dtype="string")
    hw = edges["highway"].astype("string").fillna("way") if "highway" in edges.columns else "way"
    return name.fillna("(unnamed " + hw + " " + way + ")")


def regime_summary(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Road km by speed limit today and proposed (motor roads in scope of the 30/50 rule)."""
    e = _rows(after, after["regime"].isin(["30", "50"])) if "regime" in after.columns else after.iloc[:0]
    km = e["length"] / 1000.0
    today = pd.to_numeric(e["maxspeed"], errors="coerce").astype(float)
    prop = pd.to_numeric(e["proposed_maxspeed"], errors="coerce").astype(float)
    bands = [("≤ 30 km/h (incl. 15)", lambda s: s <= 30), ("50 km/h", lambda s: (s > 30) & (s <= 50)),
             ("above 50 km/h", lambda s: s > 50), ("unknown", lambda s: s.isna())]
    rows = [{"limit": label, "today_km": float(km[f(today)].sum()), "proposed_km": float(km[f(prop)].sum())}
            for label, f in bands]
    return pd.DataFrame(rows)


CRITERIA = [("C1 separate cycle path", "c1_cycle_path"), ("C2 no sensitive sites nearby", "c2_sensitive_sites"),
            ("C3 air and noise acceptable", "c3_air_noise"), ("C4 crossable by an 8-year-old", "c4_crossable")]


def criteria_on_fifty_roads(edges: pd.DataFrame) -> pd.DataFrame:
    """Why today's roads above 30 km/h keep 50 or go to 30: km passing, failing and unknown per
    criterion (a road keeps 50 only when all four pass; unknown counts as not demonstrated)."""
    if "regime" not in edges.columns or not all(c in edges.columns for _, c in CRITERIA):
        return pd.DataFrame(columns=["criterion", "pass_km", "fail_km", "unknown_km"])
    today = pd.to_numeric(edges["maxspeed"], errors="coerce")
    e = _rows(edges, edges["regime"].isin(["30", "50"]) & (today > 30).fillna(False))
    km = e["length"] / 1000.0
    rows = [{"criterion": label,
             **{f"{v}_km": float(km[e[col].astype("string").eq(v).fillna(False).to_numpy()].sum())
                for v in ("pass", "fail", "unknown")}}
            for label, col in CRITERIA]
    return pd.DataFrame(rows, columns=["criterion", "pass_km", "fail_km", "unknown_km"])




def _criteria_text(codes: pd.Series) -> pd.Series:
    out = codes.astype("string").fillna("")
    for code, text in CRITERION_LABELS.items():
        out = out.str.replace(code, text, regex=False)
    return out.str.replace("+", " + ", regex=False)


def tier_table(tiers: Mapping[str, Any]) -> pd.DataFrame:
    """Km of today's roads above 30 km/h per outcome (``scores["regime_tiers"]["value"]``)."""
    from mobisim.rules import TIERS

    total = sum(float(tiers.get(t) or 0.0) for t in TIERS) or 1.0
    return pd.DataFrame([{"outcome": TIER_LABELS[t], "km": float(tiers.get(t) or 0.0),
                          "share %": 100.0 * float(tiers.get(t) or 0.0) / total} for t in TIERS])


def deciding_table(tiers: Mapping[str, Any]) -> pd.DataFrame:
    """Km per outcome and deciding criteria (failing for *to 30*, unknown for *50 if shown*)."""
    d = pd.DataFrame(tiers.get("by_criteria") or [], columns=["tier", "criteria", "km"])
    decided = _criteria_text(d["criteria"]).mask(d["tier"].eq("keep_50"), "all four criteria pass")
    return pd.DataFrame({"outcome": d["tier"].map(TIER_LABELS), "decided by": decided, "km": d["km"]})


def sensitivity_table(tiers: Mapping[str, Any], noise_db: float | None = None,
                      air_ugm3: float | None = None) -> pd.DataFrame:
    """Km per outcome as C3's noise limit (Lden, dB) and air limit (NO2, µg/m³) move; the run's own
    limits (``noise_db``, ``air_ugm3``) are marked."""
    from mobisim.rules import AIR_LIMITS, NOISE_LIMITS

    cols = ["varied", "limit", "keep_50_km", "50_if_shown_km", "to_30_km", "fail_km"]
    sens = pd.DataFrame(tiers.get("c3_sensitivity") or [], columns=cols)
    names: dict[tuple[str, float], list[str]] = {}
    for varied, table in (("noise", NOISE_LIMITS), ("air", AIR_LIMITS)):
        for key, (value, _) in table.items():
            names.setdefault((varied, value), []).append(key)
    own = {("noise", noise_db), ("air", air_ugm3)}
    label = [f"{'noise' if v == 'noise' else 'NO2'} ≤ {lim:g} {'dB' if v == 'noise' else 'µg/m³'}"
             + (f" ({', '.join(names[(v, lim)])})" if (v, lim) in names else "")
             + (" ← this run" if (v, lim) in own else "")
             for v, lim in zip(sens["varied"], sens["limit"])]
    return pd.DataFrame({"C3 limit": label, "keeps 50 km": sens["keep_50_km"],
                         "50 if shown km": sens["50_if_shown_km"], "to 30 km": sens["to_30_km"],
                         "fails on this part km": sens["fail_km"]})


def _first_evidence(e: pd.DataFrame) -> pd.Series:
    """The evidence of the first deciding criterion of each segment."""
    first = e["regime_deciding"].astype("string").fillna("").str.split("+").str[0]
    out = pd.Series("", index=e.index, dtype="object")
    for code, col in (("C1", "c1_evidence"), ("C2", "c2_evidence"), ("C3", "c3_evidence"), ("C4", "c4_evidence")):
        if col in e.columns:
            hit = (first == code).fillna(False).to_numpy(dtype=bool)
            out[hit] = e.loc[hit, col].astype("string").fillna("").to_numpy(dtype=object)
    return out


def roads_losing_fifty(edges: pd.DataFrame) -> pd.DataFrame:
    """Per street: today's 50-roads that go to 30 or are 50 only if shown, with the deciding criteria
    and the evidence of the first one; longest first (comply or explain)."""
    cols = ["street", "outcome", "km", "decided by", "evidence", "to decide"]
    if "regime_tier" not in edges.columns:
        return pd.DataFrame(columns=cols)
    e = _rows(edges, edges["regime_tier"].isin(["to_30", "50_if_shown"]).fillna(False))
    frame = pd.DataFrame({"street": _street_names(e).to_numpy(dtype=object),
                          "outcome": e["regime_tier"].astype(str).map(TIER_LABELS).to_numpy(dtype=object),
                          "km": e["length"].astype(float).to_numpy() / 1000.0,
                          "decided by": _criteria_text(e["regime_deciding"]).to_numpy(dtype=object),
                          "evidence": _first_evidence(e).to_numpy(dtype=object),
                          "to decide": e["regime_missing"].astype("string").fillna("").to_numpy(dtype=object)})
    out = (frame.groupby(["street", "outcome", "decided by"], dropna=False)
           .agg(km=("km", "sum"), evidence=("evidence", "first"), to_decide=("to decide", "first"))
           .reset_index().rename(columns={"to_decide": "to decide"}))
    return out.sort_values(["km", "street"], ascending=[False, True])[cols].reset_index(drop=True)


def _dated(date: str | None) -> str:
    """``"data of 2021-08-06 (…)"``, or ``"date not stated in the file"``."""
    return f"data of {date}" if date and not date.startswith("not stated") else "date not stated in the file"


def data_box(net: Any, scores: Mapping[str, Any] | None = None) -> list[str]:
    """The "Data used and its limits" section: inputs, coverage per tag family, what is a default.

    ``scores`` (the run's) give the caveat on traffic volumes (:func:`traffic_caveat`): the km the
    traffic model covers, or the class table when the model did not run.
    """
    from mobisim.load.coverage import coverage_rows

    coverage = getattr(net, "coverage", {}) or {}
    dates = getattr(net, "source_dates", {}) or {}
    inputs = "; ".join(f"{Path(s).name} ({_dated(dates.get(str(s)))})" for s in getattr(net, "sources", []))
    lines = ["## Data used and its limits", "",
             f"Input: {md_escape(inputs)}. Where a tag family is missing, mobisim uses the stand-in named below "
             "and says so where the figure is shown; a criterion that rests on a family the input does not carry "
             "at all is *unknown*, never *fail*.", ""]
    if coverage:
        lines.append(md_table(coverage_rows(coverage)))
    if "maxspeed_source" in net.edges.columns and "is_road" in net.edges.columns:
        from mobisim.load.speedlimits import defaults_note

        note = defaults_note(net)
        if note:
            lines.append(f"- {md_escape(note)}")
    lines.append(f"- Area judged: {md_escape(getattr(net, 'area_label', '') or 'the whole input')}.")
    outside = getattr(net, "outside_km", 0.0)
    if outside:
        lines.append(f"- {outside:,.1f} km of motor roads in the input lie outside it: drawn greyed on the map, "
                     "not judged, not scored, not listed.")
    lines.append(f"- {traffic_caveat(scores)}")
    lines.append("")
    return lines


def fifty_roads(edges: pd.DataFrame) -> pd.DataFrame:
    """Every road that keeps 50 km/h, per street and reason (comply-or-explain)."""
    if "regime" not in edges.columns:
        return pd.DataFrame(columns=["street", "km", "segments", "why", "rule"])
    e = _rows(edges, edges["regime"] == "50")
    frame = pd.DataFrame({"street": _street_names(e), "km": e["length"] / 1000.0,
                          "why": e["regime_reason"].astype("string").fillna(""),
                          "rule": e["regime_rule"].astype("string").fillna("")})
    out = (frame.groupby(["street", "why", "rule"], dropna=False)
           .agg(km=("km", "sum"), segments=("km", "size")).reset_index())
    return out.sort_values(["km", "street"], ascending=[False, True])[["street", "km", "segments", "why", "rule"]]


SHARE_FORMATS = {"children": 0, "safe before %": 1, "safe after %": 1, "change (points)": 1}


#: School-route figures that count children, homes or schools: printed as whole numbers.
SCHOOL_COUNT_PREFIXES = ("children", "n_")


def _school_figure(key: str, value: Any) -> str:
    """One school-route figure as printed: counts whole, shares in % with one decimal, factors
    with two decimals, metres whole."""
    if not _is_number(value) or not np.isfinite(float(value)):
        return ""
    v = float(value)
    if key.startswith(SCHOOL_COUNT_PREFIXES):
        return f"{round(v):,.0f}"
    if key.startswith("share_"):
        return f"{100.0 * v:.1f}"
    if key.endswith("_m"):
        return f"{v:,.0f}"
    return f"{v:.2f}"


def school_scores_table(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> pd.DataFrame:
    """The city-wide school-route figures before and after, as printed in the report.

    Parameters
    ----------
    before, after : mapping
        :attr:`mobisim.schools.SchoolRoutes.scores` (``before`` may be empty or ``None``).

    Returns
    -------
    pandas.DataFrame
        ``measure``, ``before``, ``after`` (text): children, homes and schools as whole numbers
        (as ``mobisim schools`` prints them), shares in % with one decimal (``share … %``).
    """
    before = before or {}
    keys = [k for k, v in after.items() if _is_number(v)]
    label = [k.replace("_", " ") + (" %" if k.startswith("share_") else "") for k in keys]
    return pd.DataFrame({
        "measure": label,
        "before": [_school_figure(k, before.get(k)) for k in keys],
        "after": [_school_figure(k, after[k]) for k in keys],
    }, columns=["measure", "before", "after"])


def school_safety(before: Any, after: Any, *, per: str = "wijk") -> pd.DataFrame:
    """Per wijk or per primary school: children and the child-safe share before and after.

    ``before`` / ``after`` are :class:`mobisim.schools.SchoolRoutes` (or ``None``); ``per`` is
    ``"wijk"`` (:attr:`~mobisim.schools.SchoolRoutes.per_wijk`) or ``"school"``
    (:attr:`~mobisim.schools.SchoolRoutes.schools`, the children for whom it is the nearest
    school). Lowest share after first; an empty table without the figures.
    """
    from mobisim.schools import share_change

    attr = "per_wijk" if per == "wijk" else "schools"
    cols = [per, "children", "safe before %", "safe after %", "change (points)"]
    table = share_change(getattr(before, attr, None), getattr(after, attr, None))
    if table is None:
        return pd.DataFrame(columns=cols)
    names = table["name"].astype("string")
    label = (names + " (" + table.index.astype(str) + ")" if per == "wijk"
             else names.fillna("(unnamed school " + pd.Series(table.index.astype(str), index=table.index) + ")"))
    return pd.DataFrame({
        per: label, "children": table["children"], "safe before %": 100.0 * table["share_safe_before"],
        "safe after %": 100.0 * table["share_safe"], "change (points)": table["change_points"],
    }).reset_index(drop=True)[cols]


def school_route_failures(edges: pd.DataFrame) -> pd.DataFrame:
    """Every 8-jarigen-toets failure on a school route, per street, mode, reason and fix.

    Sorted by the children whose route uses it (most first), as agreed for every failure list.
    """
    cols = ["street", "mode", "children", "km", "why", "fix"]
    if "school_route_children" not in edges.columns or "toets_bike" not in edges.columns:
        return pd.DataFrame(columns=cols)
    kids = pd.to_numeric(edges["school_route_children"], errors="coerce").fillna(0.0)
    parts = []
    for mode in ("bike", "walk"):
        if f"toets_{mode}" not in edges.columns:
            continue
        e = _rows(edges, (edges[f"toets_{mode}"] == "fail") & (kids > 0))
        parts.append(pd.DataFrame({
            "street": _street_names(e), "mode": mode, "children": kids[e.index], "km": e["length"] / 1000.0,
            "why": e[f"toets_{mode}_reason"].astype("string").fillna(""),
            "fix": e[f"toets_{mode}_fix"].astype("string").fillna(""),
        }))
    if not parts:
        return pd.DataFrame(columns=cols)
    frame = pd.concat(parts, ignore_index=True)
    out = (frame.groupby(["street", "mode", "why", "fix"], dropna=False)
           .agg(children=("children", "max"), km=("km", "sum")).reset_index())
    return out.sort_values(["children", "km"], ascending=[False, False])[cols]


def school_route_crossing_failures(edges: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Failing crossings on school routes (children of the busiest school-route segment there)."""
    cols = ["crossing", "children", "why", "fix"]
    if "toets_crossing" not in nodes.columns or "school_route_children" not in edges.columns:
        return pd.DataFrame(columns=cols)
    kids = pd.to_numeric(edges["school_route_children"], errors="coerce").fillna(0.0)
    ends = pd.concat([pd.DataFrame({"node": edges["u"].to_numpy(), "kids": kids.to_numpy(), "street": _street_names(edges).to_numpy()}),
                      pd.DataFrame({"node": edges["v"].to_numpy(), "kids": kids.to_numpy(), "street": _street_names(edges).to_numpy()})])
    ends = ends.sort_values("kids", ascending=False).drop_duplicates("node").set_index("node")
    n = _rows(nodes, nodes["toets_crossing"] == "fail")
    at = ends.reindex(n.index)
    frame = pd.DataFrame({
        "crossing": (n["crossing_kind"].astype("string").fillna("crossing") if "crossing_kind" in n.columns else "crossing")
        + " on " + at["street"].astype("string").fillna("?") + " (node " + n.index.astype(str) + ")",
        "children": at["kids"].fillna(0.0).to_numpy(),
        "why": n["toets_crossing_reason"].astype("string").fillna("") if "toets_crossing_reason" in n.columns else "",
        "fix": n["toets_crossing_fix"].astype("string").fillna("") if "toets_crossing_fix" in n.columns else "",
    }, index=n.index)
    frame = frame[frame["children"] > 0]
    return frame.sort_values("children", ascending=False)[cols].reset_index(drop=True)


def _junction_fixes(edges: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    if "junction_fix" not in nodes.columns:
        return pd.DataFrame(columns=["junction", "fix", "why"])
    n = _rows(nodes, nodes["junction_fix"].notna() & (nodes["junction_fix"].astype("string") != ""))
    names = pd.concat([pd.DataFrame({"node": edges["u"].to_numpy(), "street": _street_names(edges).to_numpy()}),
                       pd.DataFrame({"node": edges["v"].to_numpy(), "street": _street_names(edges).to_numpy()})])
    names = names[names["node"].isin(n.index) & ~names["street"].str.startswith("(unnamed")].drop_duplicates()
    joined = names.groupby("node")["street"].agg(lambda s: " / ".join(sorted(s)[:3]))
    label = joined.reindex(n.index).fillna("junction").astype(str) + " (node " + n.index.astype(str) + ")"
    return pd.DataFrame({"junction": label.to_numpy(), "fix": n["junction_fix"].astype(str).to_numpy(),
                         "why": n["junction_fix_reason"].astype("string").fillna("").to_numpy()})


def _calming(edges: pd.DataFrame) -> pd.DataFrame:
    if "calming" not in edges.columns:
        return pd.DataFrame(columns=["street", "km", "calming", "why"])
    e = _rows(edges, edges["calming"].notna() & (edges["calming"].astype("string") != ""))
    frame = pd.DataFrame({"street": _street_names(e), "km": e["length"] / 1000.0,
                          "calming": e["calming"].astype(str), "why": e["calming_reason"].astype("string").fillna("")})
    out = frame.groupby(["street", "calming", "why"]).agg(km=("km", "sum")).reset_index()
    return out.sort_values("km", ascending=False)[["street", "km", "calming", "why"]]


def _toets_totals(net: Any) -> dict[str, float]:
    e = net.edges
    out = {}
    for mode in ("bike", "walk"):
        col = f"toets_{mode}"
        if col in e.columns:
            judged = e[col].isin(["pass", "fail"])
            out[f"{mode}_km_judged"] = float(e.loc[judged, "length"].sum() / 1000)
            out[f"{mode}_km_fail"] = float(e.loc[e[col] == "fail", "length"].sum() / 1000)
    if "toets_crossing" in net.nodes.columns:
        out["crossings_fail"] = float((net.nodes["toets_crossing"] == "fail").sum())
        out["crossings_judged"] = float(net.nodes["toets_crossing"].isin(["pass", "fail"]).sum())
    return out


# --------------------------------------------------------------------------------------------
# traffic (the traffic model's figures, scores["traffic"])

#: Road classes in the order the traffic tables list them (any other class follows, by name).
TRAFFIC_CLASS_ORDER = ["motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
                       "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "road",
                       "living_street", "service"]
_TRAFFIC_SOURCES = {"model": "traffic model",
                    "class table": "class table (car segments the model does not reach)",
                    "intervention": "set by an intervention (destination traffic of a closed street)"}
_MINUS = "\u2212"


def _traffic_entry(scores: Any) -> Mapping[str, Any] | None:
    """``scores["traffic"]`` when the traffic model ran (a ``value`` with ``after``), else ``None``."""
    t = scores.get("traffic") if isinstance(scores, Mapping) else None
    if isinstance(t, Mapping) and isinstance(t.get("value"), Mapping) and isinstance(t["value"].get("after"), Mapping):
        return t
    return None


def _num(value: Any) -> float:
    """``value`` as a float (NaN when it is no number)."""
    return float(value) if _is_number(value) else float("nan")


def _round_to(v: float, step: int) -> float:
    """``v`` to the nearest ``step``, halves away from zero (1,250 → 1,300 with 100)."""
    return float(np.sign(v) * np.floor(abs(v) / step + 0.5) * step)


def _vehicles(value: Any, *, step: int = 10) -> str:
    """Vehicles (a day) as text, rounded to ``step``: ``"2,370"``; ``""`` when missing."""
    v = _num(value)
    return "" if np.isnan(v) else f"{_round_to(v, step):,.0f}".replace("-", _MINUS)


def _signed(value: Any, *, step: int = 10) -> str:
    """A change with its sign and a true minus: ``"+2,370"``, ``"−2,710"``."""
    v = _num(value)
    if np.isnan(v):
        return ""
    r = _round_to(v, step)
    return ("+" if r > 0 else _MINUS if r < 0 else "") + f"{abs(r):,.0f}"


def _pct(value: float) -> str:
    return f"{value:.1f} %".replace("-", _MINUS)


def _fig(fig: Mapping[str, Any] | None, *, signed: bool = False, compact: bool = False) -> str:
    """``78.4 % (73.2 to 84.3)`` (compact: ``78.4 (73.2–84.3)``) from ``{"value": fraction,
    "range": [low, high]}``."""
    if not fig or fig.get("value") is None:
        return "n/a"
    fmt = "{:+.1f}" if signed else "{:.1f}"
    text = fmt.format(100 * fig["value"]) + ("" if compact else " %")
    rng = fig.get("range")
    if rng and abs(rng[1] - rng[0]) >= 0.0005:
        sep = "…" if compact else " to "
        text += f" ({fmt.format(100 * rng[0])}{sep}{fmt.format(100 * rng[1])})"
    return text


def calming_table(calming: Mapping[str, Any], before: Mapping[str, Any] | None = None, *,
                  compact: bool = False) -> pd.DataFrame:
    """Signs only and the calming plan year by year: one row per state, figures with ranges.

    ``compact`` (the CLI): crash change, children and crossings only, in per cent without the sign.
    """
    cols = {"fatal_serious_change": ("fatal + serious crashes", True),
            "injury_change": ("all injury crashes", True),
            "children_safe": ("children with a child-safe route", False),
            "crossings": ("crossings passing", False),
            "toets_school_routes": ("toets on school routes", False)}
    if compact:
        cols = {"fatal_serious_change": ("F+S crashes %", True), "children_safe": ("children safe %", False),
                "crossings": ("crossings ok %", False)}
    rows = []
    if before:
        rows.append({"state": "today", "redesigned km": "–",
                     **{label: _fig(before.get(k), signed=sg, compact=compact) if before.get(k)
                        else (("0" if compact else "0 %") if sg else "n/a")
                        for k, (label, sg) in cols.items()}})
    rows.append({"state": "signs only", "redesigned km": "0",
                 **{label: _fig(calming["signs_only"].get(k), signed=sg, compact=compact)
                    for k, (label, sg) in cols.items()}})
    for y in calming.get("years", []):
        rows.append({"state": str(y["year"]), "redesigned km": f"{y['redesigned_km']:,.0f}",
                     **{label: _fig(y.get(k), signed=sg, compact=compact) for k, (label, sg) in cols.items()}})
    return pd.DataFrame(rows)


def calming_before(scores: Any) -> dict[str, Any]:
    """Today's figures of the calming table (the headline's ``before``), as ``{figure: {"value"}}``."""
    head = (scores or {}).get("headline") or {}
    return {name: {"value": (head.get(key) or {}).get("before")}
            for name, key in (("children_safe", "children_safe"), ("crossings", "safe_crossings"),
                              ("toets_school_routes", "toets_school_routes"))}


def calming_section(scores: Any) -> list[str]:
    """The report's section on signs vs redesign: driven speeds, the calming plan, effects by year."""
    entry = ((scores or {}).get("calming") or {})
    calming = entry.get("value")
    if not calming:
        return []
    plan = calming["plan"]
    inputs = entry.get("inputs") or {}
    res = (inputs.get("driven_speed") or {}).get("sign_only_residual_kmh") or {}
    sign_f = inputs.get("speed_response_sign_only") or {}
    red_f = inputs.get("speed_response_redesign") or {}
    km = calming.get("driven_speed_km") or {}
    before = calming_before(scores)
    if plan["enabled"] and plan["km_per_year"] > 0:
        pace = (f"The calming plan redesigns {plan['km_per_year']:,.0f} km a year from {plan['start_year']} "
                f"({'school routes first, then' if plan['school_routes_first'] else 'by'} speed excess × traffic; "
                f"whole streets): **{plan['redesigned_by_horizon_km']:,.0f} of the {plan['to_redesign_km']:,.0f} km** "
                f"that need it are done by the horizon"
                + (f"; at this pace the plan is complete in {plan['complete_in']}." if plan.get("complete_in") else "."))
    else:
        pace = (f"This scenario has **no calming plan**: the {plan['to_redesign_km']:,.0f} km whose limit is lowered "
                "keep only a new sign.")
    intro = [
        "A lower limit on a sign lowers the speed people drive only a little. One year after 30 km/h became the "
        "norm in Amsterdam, mean speed on the changed roads fell about 5 % and about 20 % of drivers still drove "
        "40 km/h or more; crashes fell 11–15 %. The programme pairs the limit with a redesign of every 30-road "
        "(humps, plateaus, planters, narrowings) so that speeding becomes impossible.",
        "",
        f"mobisim therefore judges the *driven* speed: the new limit + {res.get('central', 10):g} km/h "
        f"(range {res.get('low', 5):g}–{res.get('high', 15):g}; an estimate after Amsterdam) where only the sign "
        "changes, the limit where the design enforces it (living street, fietsstraat, calming present, narrow "
        "carriageway) or the street is redesigned. The Power Model moves mean speed by "
        f"{100 * sign_f.get('central', 0.125):g} % of the limit change with signs only (range "
        f"{100 * sign_f.get('low', 0):g}–{100 * sign_f.get('high', 0):g} %, Amsterdam) and by "
        f"{100 * red_f.get('central', 0.34):g} % when redesigned (range {100 * red_f.get('low', 0):g}–"
        f"{100 * red_f.get('high', 0):g} %, SWOV: −22 to −42 % injury crashes in 30-zones).",
        "",
        pace,
        "",
        "Road length at the horizon by what its driven speed rests on: "
        + ", ".join(f"{k} {v:,.0f} km" for k, v in km.items()) + ".",
        "",
        "Ranges (in brackets): low / high speed response, residual speed ± 5 km/h and traffic volumes ± 30 % "
        "(assumptions, see `scores.json` → `calming`). No input of the range moves the crossings: a crossing of a "
        "road driven above 30 km/h fails at any residual, and volumes do not enter the crossing table — their "
        "figure rests on the plan's pace. Traffic: the rows without redesign use an assignment with signs only, "
        "the plan's years the horizon's assignment (for the years in between an approximation); a redesigned "
        "street is slower to drive, so some traffic moves to streets around it, which can lower the toets "
        "there.",
        "",
        "Two speeds, two purposes: the toets judges the speed a child at the kerb meets (the limit on a "
        "redesigned street, the new limit + the residual with signs only); the crash change uses the *mean* "
        "speed response, calibrated on the crash effects measured after such changes (Amsterdam, SWOV). "
        "The crash change is the change in all road victims of the city: the victims of the roads outside "
        "the city's rule (motorways, national routes) see no change.",
    ]
    return _section("Signs or redesign: what each delivers, year by year", "\n".join(intro),
                    calming_table(calming, before))


def traffic_caveat(scores: Any) -> str:
    """The data box's line on traffic volumes: which km the traffic model covers (``scores["traffic"]``),
    or, when the model did not run, that every road has one figure per class."""
    t = _traffic_entry(scores)
    if t is None:
        return ("Traffic volumes are one estimate per road class (mobisim.rules.noise.DAILY_TRAFFIC_BY_CLASS), not counts: "
                "noise, air and the toets's traffic stress rest on them.")
    km = {str(k): _num(v) for k, v in (t["value"]["after"].get("km_by_source") or {}).items()}
    total = sum(v for v in km.values() if not np.isnan(v))
    model = km.get("model", 0.0)
    exposure = (((scores.get("power_model") or {}).get("inputs") or {}).get("exposure_source_vehicle_km") or {})
    weighed = (f"; {_pct(100.0 * float(exposure['model']))} of the vehicle-km the Power Model weighs"
               if _is_number(exposure.get("model")) else "")
    text = (f"Traffic volumes come from the traffic model (section *Traffic: where the cars go*) on {model:,.1f} km "
            f"of the {total:,.1f} km of car segments in the area judged "
            f"({_pct(100.0 * model / total) if total else '0 %'} of the km{weighed})")
    rest = km.get("class table", 0.0)
    text += (f"; the other {rest:,.1f} km, car segments the model does not reach (one-way dead ends, islands), "
             "keep one estimate per road class (mobisim.rules.noise.DAILY_TRAFFIC_BY_CLASS)" if rest else "")
    own = {k: v for k, v in km.items() if k not in ("model", "class table") and v}
    if own:
        text += "; " + ", ".join(f"{v:,.1f} km carry the figure of an intervention" if k == "intervention"
                                 else f"{v:,.1f} km carry a figure from {md_escape(k)}" for k, v in own.items())
    return (text + ". The model's inputs are estimates and it is not calibrated to counts: noise, air and the "
            "toets's traffic stress rest on these volumes.")


def traffic_model_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """The model's figures today and with the scenario: zones, gateways, daily trips by kind, the
    equilibrium's iterations and relative gap (``scores["traffic"]``)."""
    v = traffic["value"]
    mb, ma = (v.get("before") or {}).get("model") or {}, (v.get("after") or {}).get("model") or {}
    target = ((traffic.get("inputs") or {}).get("settings") or {}).get("relative_gap")

    def count(m: Mapping[str, Any], *path: str, step: int = 1) -> str:
        node: Any = m
        for p in path:
            node = node.get(p) if isinstance(node, Mapping) else None
        return _vehicles(node, step=step)

    def gap(m: Mapping[str, Any]) -> str:
        g = _num(m.get("relative_gap"))
        return "" if np.isnan(g) else f"{g:.2g}"

    rows = [
        ("zones (grid cells with homes or destinations)", lambda m: count(m, "zones")),
        ("gateways (main roads leaving the network)", lambda m: count(m, "gateways")),
        ("car links (one per direction a car may drive a segment)", lambda m: count(m, "links")),
        ("residents", lambda m: count(m, "residents", step=100)),
        ("car trips a day between zones", lambda m: count(m, "daily_trips", "internal", step=100)),
        ("car trips a day entering or leaving the network", lambda m: count(m, "daily_trips", "in_and_out", step=100)),
        ("car trips a day passing through (gateway to gateway)",
         lambda m: count(m, "daily_trips", "through", step=100)),
        ("car trips a day within one zone (not on the streets)",
         lambda m: count(m, "daily_trips", "within_a_zone_not_assigned", step=100)),
        ("car trips a day reaching no destination (not in the model)",
         lambda m: count(m, "daily_trips", "reaching_no_destination", step=100)),
        ("assignment iterations", lambda m: count(m, "iterations")),
        ("relative gap of the equilibrium" + (f" (target {_num(target):.2g})" if _is_number(target) else ""), gap),
    ]
    table = pd.DataFrame([{"measure": label, "today": f(mb), "with the scenario": f(ma)} for label, f in rows],
                         columns=["measure", "today", "with the scenario"])
    # a figure neither run has (an older run's scores) is left out, not shown blank
    return table[(table["today"] != "") | (table["with the scenario"] != "")].reset_index(drop=True)


def traffic_source_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """Km of car segments (in the area judged) by the source of their volume, today and with the scenario."""
    v = traffic["value"]
    kb = (v.get("before") or {}).get("km_by_source") or {}
    ka = (v.get("after") or {}).get("km_by_source") or {}
    keys = list(dict.fromkeys([*_TRAFFIC_SOURCES, *kb, *ka]))
    keys = [k for k in keys if k in kb or k in ka]
    total = sum(_num(x) for x in ka.values() if _is_number(x)) or 1.0
    return pd.DataFrame([{"source": _TRAFFIC_SOURCES.get(k, k), "km today": _num(kb.get(k, 0.0)),
                          "km with the scenario": _num(ka.get(k, 0.0)),
                          "share %": 100.0 * _num(ka.get(k, 0.0)) / total} for k in keys],
                        columns=["source", "km today", "km with the scenario", "share %"])


def traffic_class_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """Median modelled vehicles a day per road class, today and with the scenario."""
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
        today = _num(mb.get(k))
        flag = "" if not np.isfinite(today) or lo <= today <= hi else " — outside"
        return f"{_vehicles(lo)}–{_vehicles(hi)}{flag}"

    return pd.DataFrame([{"road class": k, "today": _vehicles(mb.get(k)), "with the scenario": _vehicles(ma.get(k)),
                          "change": _signed(_num(ma.get(k)) - _num(mb.get(k))), "plausible median": plausible(k)}
                         for k in keys],
                        columns=["road class", "today", "with the scenario", "change", "plausible median"])


def _by_street(before: Any, after: Any, value: str) -> pd.DataFrame:
    """Two lists of ``{street, value, …}`` rows joined on the street (after's order first)."""
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
    m = _by_street((v.get("before") or {}).get("busiest"), (v.get("after") or {}).get("busiest"), "daily")
    return pd.DataFrame({"street": m["street"], "today (veh/day)": [_vehicles(x, step=100) for x in m["daily_before"]],
                         "with the scenario (veh/day)": [_vehicles(x, step=100) for x in m.get("daily", [])]},
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
    m = _by_street(rb, ra, "daily")
    m = m[m["daily"].notna().to_numpy()]
    through = pd.to_numeric(m["through_at_least"], errors="coerce")
    return pd.DataFrame({
        "street": m["street"], "vehicles/day": [_vehicles(x) for x in m["daily"]],
        "through traffic": [f"at least {100 * t:.0f} %" if np.isfinite(t) else "" for t in through],
        "km": pd.to_numeric(m["km"], errors="coerce"),
        "today (veh/day)": [_vehicles(x) for x in m["daily_before"]],
        "proposed fix": "modal filter (close_through_traffic)",
    }, columns=cols)


def displacement_table(traffic: Mapping[str, Any]) -> pd.DataFrame:
    """Where the traffic goes: the streets gaining and losing the most traffic (vehicles a day,
    ``+2,370`` / ``−2,710``), with today's and the scenario's volume and the km that change."""
    cols = ["change (veh/day)", "street", "today (veh/day)", "with the scenario (veh/day)", "km"]
    d = pd.DataFrame(list(traffic["value"].get("displacement") or []))
    if d.empty or "street" not in d.columns:
        return pd.DataFrame(columns=cols)
    change = pd.to_numeric(d["change"], errors="coerce")
    d = d.assign(change=change).iloc[np.lexsort((-change.abs().to_numpy(), ~(change > 0).to_numpy()))]
    return pd.DataFrame({"change (veh/day)": [_signed(x) for x in d["change"]], "street": d["street"],
                         "today (veh/day)": [_vehicles(x) for x in d.get("before", [])],
                         "with the scenario (veh/day)": [_vehicles(x) for x in d.get("after", [])],
                         "km": pd.to_numeric(d.get("km"), errors="coerce")}, columns=cols).reset_index(drop=True)


def _vehicle_km_today(edges: pd.DataFrame | None) -> float:
    """Vehicle-km a day the model puts on ``edges`` today (``daily_traffic_before`` × length)."""
    if edges is None or "daily_traffic_before" not in edges.columns or "length" not in edges.columns:
        return float("nan")
    q = pd.to_numeric(edges["daily_traffic_before"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return float(np.nansum(q * edges["length"].to_numpy(dtype=float)) / 1000.0)


def traffic_section(scores: Any, *, edges: pd.DataFrame | None = None,
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
    t = _traffic_entry(scores)
    if t is None:
        return []
    v = t["value"]
    before, after = v.get("before") or {}, v["after"]
    m = after.get("model") or before.get("model") or {}
    st = (t.get("inputs") or {}).get("settings") or {}
    share = _num(m.get("peak_hour_share", st.get("peak_hour_share")))
    cell = _num(st.get("zone_size_m"))
    zones, gateways = _vehicles(m.get("zones"), step=1), _vehicles(m.get("gateways"), step=1)
    peak = f"the evening peak hour ({100 * share:.0f} % of the day)" if np.isfinite(share) else "the evening peak hour"
    divide = f"÷ {share:g}" if np.isfinite(share) else "÷ the peak-hour share"
    intro = (
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
        "trips. **Every input is an estimate** (the `[traffic]` settings, each with its source in "
        "`mobisim.traffic.settings`), and **the model is not calibrated to traffic counts**: read a volume as an "
        "order of magnitude and a change between today and the scenario as the direction traffic moves, not as a "
        "street-by-street forecast.")
    lines = ["## Traffic: where the cars go", "", intro, ""]
    lines += ["The model's figures (today: today's limits and streets; with the scenario: the proposed limits and "
              "the interventions).", "", md_table(traffic_model_table(t))]
    lines += _section("Traffic volumes by source",
                      "Km of car segments in the area judged by where their volume comes from (the map shows the "
                      "modelled volumes in the layers *Traffic today* and *Traffic with the scenario*).",
                      traffic_source_table(t), formats={"km today": 1, "km with the scenario": 1, "share %": 1})
    lines += _section("Modelled traffic by road class",
                      "Median vehicles a day (both directions) on the modelled segments of each class, against "
                      "the range plausible for that class of Dutch urban road (the order of magnitude of the CROW "
                      "road categories, not counts: `[traffic] plausible_median_daily_by_class`).",
                      traffic_class_table(t))
    lines += _section("The busiest streets",
                      "The highest modelled volume on any segment of the street, vehicles a day (both directions), "
                      "rounded to 100; blank where the street is not among the busiest of that run.",
                      busiest_streets(t), limit=max_rows)
    rb, ra = before.get("rat_runs") or {}, after.get("rat_runs") or {}
    min_daily, through = _num(st.get("rat_run_min_daily")), _num(st.get("rat_run_through_share"))
    rule = (f"more than {_vehicles(min_daily)} vehicles a day of which at least "
            f"{100 * through:.0f} % is through traffic" if np.isfinite(min_daily) and np.isfinite(through)
            else "mostly through traffic")
    def streets(r: Mapping[str, Any]) -> str:
        n = _num(r.get("streets"))
        n = 0 if np.isnan(n) else int(n)
        return f"{n:,} street{'' if n == 1 else 's'}, {_num(r.get('km', 0.0)):,.1f} km"

    counts = "; ".join(f"{label}: {streets(r)}" for label, r in (("Today", rb), ("with the scenario", ra)) if r)
    counts = f" {counts}." if counts else ""
    lines += _section("Rat runs",
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
    vkm = _num(v.get("vehicle_km_change_per_day"))
    moved = displacement_table(t)
    min_change = _num(st.get("displacement_min_daily"))
    min_share = _num(st.get("displacement_min_share"))
    noise = (f" and by at least {100 * min_share:.0f} % of its volume (smaller changes lie within the "
             "assignment's convergence noise)" if np.isfinite(min_share) and min_share > 0 else "")
    text = ("Streets whose modelled traffic changes between today and the scenario"
            + (f" by at least {_vehicles(min_change)} vehicles a day{noise}" if np.isfinite(min_change) else "")
            + " (the length-weighted mean over the street's changing segments; km: their length), the biggest "
            "gains first, then the biggest losses. Lower limits and closed streets change the quickest routes, so "
            "traffic moves between streets.")
    if len(moved):
        gains = moved[moved["change (veh/day)"].str.startswith("+")]
        losses = moved[moved["change (veh/day)"].str.startswith(_MINUS)]
        parts = [f"{r['change (veh/day)']} veh/day on {r['street']}" for _, r in gains.head(1).iterrows()]
        parts += [f"{r['change (veh/day)']} on {r['street']}" for _, r in losses.head(1).iterrows()]
        if parts:
            text += " Largest: " + md_escape(", ".join(parts)) + "."
    if np.isfinite(vkm):
        total = _num((v.get("vehicle_km_per_day") or {}).get("before"))
        if not np.isfinite(total):
            total = _vehicle_km_today(edges)
        rel = f" ({_pct(100.0 * vkm / total)} of today's {_vehicles(total, step=1000)})" if total > 0 else ""
        text += f" In all, the vehicle-km driven in the area change by {_signed(vkm, step=100)} a day{rel}."
    lines += _section("Where the traffic goes", text, moved, limit=max_rows, formats={"km": 2})
    return lines


# --------------------------------------------------------------------------------------------
# the report


def _section(title: str, intro: str, table: pd.DataFrame, *, limit: int | None = None,
             formats: Mapping[str, int] | None = None) -> list[str]:
    lines = [f"## {title}", "", intro, ""]
    shown = table if limit is None else table.head(limit)
    lines.append(md_table(shown, formats=formats))
    if limit is not None and len(table) > limit:
        lines.append(f"_… and {len(table) - limit} more rows in `layers.gpkg`._\n")
    return lines


REPORT_EDGE_COLUMNS = ["u", "v", "way_id", "name", "highway", "length", "is_road", "maxspeed", "maxspeed_source",
                       "proposed_maxspeed", "regime", "regime_tier", "regime_deciding", "regime_missing",
                       "c1_cycle_path", "c2_sensitive_sites", "c3_air_noise", "c4_crossable",
                       "c1_evidence", "c2_evidence", "c3_evidence", "c4_evidence", "c3_noise", "c3_air",
                       "noise_lden_db", "no2_low_ugm3", "no2_high_ugm3",
                       "regime_rule", "regime_reason", "calming", "calming_reason", "school_route_children",
                       "toets_bike", "toets_bike_reason", "toets_bike_fix", "toets_walk", "toets_walk_reason",
                       "toets_walk_fix", "daily_traffic", "daily_traffic_before", "traffic_change"]
REPORT_NODE_COLUMNS = ["is_crossing", "crossing_kind", "toets_crossing", "toets_crossing_reason", "toets_crossing_fix",
                       "junction_fix", "junction_fix_reason"]


class _Slim:
    """The report's view of a network: only the columns it reads (row masks on ~100 Arrow-backed
    columns are slow)."""

    def __init__(self, net: Any):
        edges, nodes = net.edges, net.nodes
        # only what the area judges is listed (segments outside it are drawn greyed on the map)
        edges, nodes = _rows(edges, inside(edges)), _rows(nodes, inside(nodes))
        self.edges = edges[[c for c in REPORT_EDGE_COLUMNS if c in edges.columns]]
        self.nodes = nodes[[c for c in REPORT_NODE_COLUMNS if c in nodes.columns]]
        self.coverage = dict(getattr(net, "coverage", {}) or {})
        self.source_dates = dict(getattr(net, "source_dates", {}) or {})
        self.area_label = getattr(net, "area_label", "") or "the area judged"
        self.outside_km = (float(net.edges.loc[~inside(net.edges) & net.edges["is_road"].to_numpy(dtype=bool),
                                               "length"].sum()) / 1000.0
                           if "is_road" in net.edges.columns else 0.0)
        self.sources = getattr(net, "sources", [])


PARKING_WHOLE = ("cap", "permits", "freed", "freed_cumulative", "freed_m2", "bike_parking_spaces", "bikes",
                 "green_m2", "play_m2", "meeting_m2", "terraces_m2", "allocated_spaces", "freed_spaces",
                 "on_street_spaces", "revenue_low_eur", "revenue_central_eur", "revenue_high_eur", "programme_eur",
                 "difference_eur", "difference_low_eur", "difference_high_eur")
"""Parking columns shown as whole numbers (spaces, permits, bikes, m², euros)."""


def _span(fig: Mapping[str, Any] | None, unit: str = "") -> str:
    """``central (range low–high)`` of a headline figure, whole numbers."""
    if not fig:
        return "n/a"
    return f"{unit}{fig['central']:,} (range {unit}{fig['low']:,}–{unit}{fig['high']:,})"


def parking_section(pk: Any, scores: Mapping[str, Any] | None = None) -> list[str]:
    """The report's parking section: permit base, freed space, re-use and the tariff vs €2.0 M/yr.

    The headline figures come from ``pk.headline`` (:func:`mobisim.parking.headline_figures`,
    computed once); the bikes figure is the one of ``scores["parking"]`` when the run has it
    (the same :func:`mobisim.parking.reuse` calculation), so the report and ``scores.json`` agree.

    Parameters
    ----------
    pk : mobisim.parking.ParkingResult or None
    scores : mapping, optional
        The run's scores (``scores["parking"]["value"]``).

    Returns
    -------
    list of str
        Markdown lines (none without a parking result).
    """
    if pk is None:
        return []
    lines: list[str] = []
    whole = {c: 0 for c in PARKING_WHOLE}
    head = getattr(pk, "headline", None) or {}
    score = ((scores or {}).get("parking") or {}).get("value") or {}
    if head:
        basis = {k: md_escape(v) for k, v in (head.get("basis") or {}).items()}
        bikes = dict(head["bikes"])
        if "bike_parking_equivalent" in score:
            bikes["central"] = int(score["bike_parking_equivalent"])
        rev = head.get("large_car_revenue_eur")
        text = [f"By {head['year']}: **{_span(head['spaces_freed'])} car spaces freed**, {_span(head['area_m2'])} m² "
                f"of street, **{_span(bikes)} bikes** parked on the freed space.",
                "",
                f"- Cap base: {_span(head['cap_base'])} resident permits in the capped wijken in the base year, "
                f"of the city's {head['permits_city']['central']:,}.",
                f"- {basis.get('permits', '')}.", f"- {basis.get('bikes', '')}.", f"- {basis.get('range', '')}."]
        if rev:
            text.append(f"- Large-car tariff in {head['year']}: {_span(rev, '€')} a year against the programme's "
                        f"€{head['programme_eur']:,}; {basis.get('price', '')}.")
        lines += ["## Parking: permits, freed street space and the large-car tariff", ""] + text + [""]
    permits = getattr(pk, "permits", None)
    if isinstance(permits, pd.DataFrame) and not permits.empty and "capped" in permits:
        capped = permits[permits["capped"]]
        table = capped.reset_index()[["name", "on_street_spaces", "permits", "permits_source", "permits_per_space",
                                      "price_eur"]]
        lines += _section("Resident permits in the capped wijken (base year)",
                          "The cap base: a known count per wijk (`count`), else a share of the city's permits by "
                          "on-street supply × occupancy (`distributed`, an estimate). Supply: mapped or estimated "
                          "on-street spaces.", table, formats={**whole, "permits_per_space": 2, "price_eur": 0})
    totals = getattr(pk, "totals", None)
    if isinstance(totals, pd.DataFrame) and not totals.empty:
        lines += _section("Parking permits and freed street space", "Per year, in the capped areas (cumulative "
                          "re-use; whole spaces, bikes and m²).", totals.reset_index(), formats=whole)
    reuse = getattr(pk, "reuse", None)
    if isinstance(reuse, pd.DataFrame) and not reuse.empty:
        lines += _section("Re-use of the freed space", "Per area at the horizon.", reuse.reset_index(), formats=whole)
    finance = getattr(pk, "finance", None)
    if isinstance(finance, pd.DataFrame) and not finance.empty:
        lines += _section("Large-car tariff against the programme's finance table",
                          "Revenue of the large-car surcharge per year (low / central / high), the programme's "
                          "€2.0 M/yr line from 2028 and the difference (central − line), in €. At the 2019 "
                          "permit prices; visitors' hours are not modelled.", finance.reset_index(), formats=whole)
    return lines


def build_report(result: Any, scenario: Any = None, *, attribution: str = ATTRIBUTION,
                 max_rows: int | None = None) -> str:
    """The Markdown report of a run.

    Parameters
    ----------
    result : mobisim.pipeline.RunResult
        Needs ``name``, ``scores``, ``before``, ``after``; ``schools_*``, ``parking``, ``notes``
        are used when present.
    scenario : Scenario, optional
        For the title and description.
    attribution : str
        Data credit printed at the top and bottom.
    max_rows : int, optional
        Cap per table (``None``: every row, as comply-or-explain requires).
    """
    before, after = _Slim(result.before), _Slim(result.after)
    title = getattr(scenario, "title", None) or getattr(scenario, "name", None) or result.name
    today = _dt.date.today().isoformat()
    lines = [f"# {md_escape(title)}: mobility scenario report", "",
             f"Scenario `{md_escape(result.name)}` · generated {today} by mobisim · data {md_escape(attribution)}", ""]
    desc = getattr(scenario, "description", None)
    if desc:
        lines += [md_escape(desc), ""]

    traffic = _traffic_entry(result.scores)
    lines += data_box(before, result.scores)
    head = headline_scores(result.scores or {})
    lines += ["## Headline scores", "",
              "Each figure is computed from the OpenStreetMap network; `scores.json` lists the inputs next to "
              "every number (`mobisim explain-scores` prints them). A range (low – high) shows what rests on missing "
              "evidence or on uncertain inputs; *signs only* is the same figure with the new limits on signs alone, "
              "without the calming plan.", "", md_table(headline_display(head))]
    notes_head = [v.get("note") for v in ((result.scores or {}).get("headline") or {}).values()
                  if isinstance(v, Mapping) and v.get("note")]
    lines += [f"- {md_escape(n)}" for n in notes_head] + ([""] if notes_head else [])

    ivs = list(getattr(scenario, "interventions", None) or [])
    if ivs:
        rows = [{"id": getattr(iv, "id", ""), "type": getattr(iv, "type", ""),
                 "change": iv.summary() if hasattr(iv, "summary") else str(iv),
                 "why": getattr(iv, "note", None) or ""} for iv in ivs]
        lines += _section("Interventions", "Street changes the scenario makes before the evaluation (in file order); "
                          "every changed attribute records `intervention:<id>` as its source.", pd.DataFrame(rows))
    programme = getattr(scenario, "programme", True)
    if programme is False:
        lines += ["_This scenario keeps today's speed limits (no 30/50 programme): \"proposed\" equals today._", ""]

    # streets
    lines += _section("Speed limits: today and proposed",
                      "Road length (km) of the motor roads in scope of the 30/50 rule (out of scope: roads "
                      "outside the area judged, motorways, trunk roads and their links, national A/N routes, "
                      "car-only tunnels; see the data box and `regime_rule`).",
                      regime_summary(before.edges, after.edges), formats={"today_km": 1, "proposed_km": 1})

    tiers = ((result.scores or {}).get("regime_tiers") or {}).get("value")
    if programme is not False and tiers:
        rs = getattr(scenario, "rules", None)
        lines += _section("Today's 50-roads: keep 50, 50 if shown, or 30",
                          "Road length (km) of today's roads above 30 km/h that the city decides, by outcome. A road "
                          "keeps 50 only when all four criteria are shown to pass; when none fails but the data cannot "
                          "show one (\"unknown\"), it is *50 if shown*: 30 until the evidence is there (pas toe of "
                          "leg uit).", tier_table(tiers), formats={"km": 1, "share %": 1})
        lines += _section("Why today's 50-roads keep 50 or go to 30",
                          "Road length (km) of those roads by the outcome of each criterion.",
                          criteria_on_fifty_roads(after.edges),
                          formats={"pass_km": 1, "fail_km": 1, "unknown_km": 1})
        lines += _section("Which criteria decide",
                          "Km per outcome and the criteria that decide it: the failing ones for *to 30*, the unknown "
                          "ones for *50 if shown*.", deciding_table(tiers), formats={"km": 1})
        lines += _section("How the answer moves with C3's limits",
                          "The same roads if C3's noise limit (Lden at the façade at 50 km/h) or air limit (annual NO2 "
                          "at the façade) were another value; the levels are computed once. This run: noise "
                          f"{getattr(rs, 'noise_threshold_lden_db', 63):g} dB, NO2 "
                          f"{getattr(rs, 'air_limit_ugm3', 20):g} µg/m³. Noise and NO2 are screening estimates from "
                          + ("the modelled traffic volumes (see *Traffic: where the cars go*)." if traffic
                             else "one traffic figure per road class."),
                          sensitivity_table(tiers, getattr(rs, "noise_threshold_lden_db", None),
                                            getattr(rs, "air_limit_ugm3", None)),
                          formats={"keeps 50 km": 1, "50 if shown km": 1, "to 30 km": 1, "fails on this part km": 1})

    tb, ta = _toets_totals(before), _toets_totals(after)
    rows = [{"measure": k.replace("_", " "), "before": tb.get(k), "after": ta.get(k)} for k in ta]
    lines += _section("8-jarigen-toets (can an 8-year-old go alone?)",
                      "Before: today's limits; after: the proposed limits and the scenario's interventions.",
                      pd.DataFrame(rows, columns=["measure", "before", "after"]))

    sb, sa = getattr(result, "schools_before", None), getattr(result, "schools_after", None)
    if sa is not None:
        sc_b, sc_a = getattr(sb, "scores", {}) or {}, getattr(sa, "scores", {}) or {}
        lines += _section("School routes", "Children's shortest routes to the nearest primary school, and the share "
                          "that is child-safe all the way.", school_scores_table(sc_b, sc_a))
        lines += _section("Child-safe school routes per wijk",
                          "Share of the wijk's primary-school children whose route to their nearest school is child-safe "
                          "all the way; lowest first (map layer and `layers.gpkg` layer `school_wijken`).",
                          school_safety(sb, sa), limit=max_rows, formats=SHARE_FORMATS)
        lines += _section("Primary schools whose pupils are least often safe",
                          "Per school: the children for whom it is the nearest primary school, and the share of them "
                          "with a child-safe route; lowest first (every school in `layers.gpkg` layer `school_scores`).",
                          school_safety(sb, sa, per="school"), limit=max_rows or 25, formats=SHARE_FORMATS)

    lines += calming_section(result.scores)
    lines += traffic_section(result.scores, edges=after.edges, max_rows=max_rows)

    # comply or explain
    lines += ["# Comply or explain", "",
              "The programme makes 30 km/h the rule. Every road that keeps 50 km/h must be explained, and every "
              "8-jarigen-toets failure on a school route needs a fix.", ""]
    lines += _section("Every road that keeps 50 km/h, and why",
                      "Per street and reason; a road keeps 50 only when all four criteria pass "
                      "(C1 separate cycle path, C2 no sensitive sites, C3 air/noise acceptable, C4 crossable).",
                      fifty_roads(after.edges), limit=max_rows, formats={"km": 2})
    if programme is not False:
        lines += _section("Today's 50-roads that lose 50, and what decides it",
                          "Per street: *to 30* with the failing criteria and the evidence of the first; *50 if shown* "
                          "with the evidence that would decide it. Longest first.",
                          roads_losing_fifty(after.edges), limit=max_rows, formats={"km": 2})
    lines += _section("Every 8-jarigen-toets failure on a school route, and its fix",
                      "Segments on children's school routes that an 8-year-old cannot use alone, most children first.",
                      school_route_failures(after.edges), limit=max_rows, formats={"km": 2, "children": 0})
    lines += _section("Failing crossings on school routes, and their fix",
                      "Crossings of motor roads that fail the toets, most children first.",
                      school_route_crossing_failures(after.edges, after.nodes), limit=max_rows,
                      formats={"children": 0})
    weakest = getattr(sa, "weakest_links", None)
    if isinstance(weakest, pd.DataFrame) and not weakest.empty:
        keep = [c for c in ("rank", "element", "street", "name", "children", "reason", "fix") if c in weakest.columns]
        lines += _section("Weakest links", "The failing elements that break the most children's safe routes: fix "
                          "these first.", weakest[keep] if keep else weakest, limit=max_rows or 50,
                          formats={"children": 0})
    lines += _section("Busy junctions on 50-roads to redesign", "Roundabout, narrowing or chicane proposals.",
                      _junction_fixes(after.edges, after.nodes), limit=max_rows)
    lines += _section("30-roads that invite speeding: calming proposals", "Per street.", _calming(after.edges),
                      limit=max_rows or 100, formats={"km": 2})

    lines += parking_section(getattr(result, "parking", None), result.scores)

    notes = list(getattr(result, "notes", []) or [])
    if traffic is not None:  # the model's notes (a run's own notes already hold them with this prefix)
        for run in ("before", "after"):
            notes += [f"traffic model: {n}" for n in ((traffic["value"].get(run) or {}).get("notes") or [])]
    notes = list(dict.fromkeys(notes))
    if notes:
        lines += ["## Caveats", ""] + [f"- {md_escape(n)}" for n in notes] + [""]
    lines += ["## Data and method", "",
              f"- Network: {md_escape(', '.join(map(str, getattr(after, 'sources', []))))}",
              f"- {md_escape(attribution)}",
              "- Thresholds and their sources: the settings models of mobisim.rules, mobisim.rules.toets, "
              "mobisim.schools, mobisim.parking, mobisim.score"
              + (" and mobisim.traffic.settings" if traffic is not None else "")
              + " (every field documents its source).", ""]
    return "\n".join(lines)


_CSS = """
body { font: 15px/1.5 Georgia, 'Times New Roman', serif; color: #222; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; }
h1, h2 { font-family: Helvetica, Arial, sans-serif; line-height: 1.2; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #333; padding-bottom: .3rem; margin-top: 2.2rem; }
h2 { font-size: 1.25rem; margin-top: 1.8rem; }
table { border-collapse: collapse; width: 100%; font: 13px/1.35 Helvetica, Arial, sans-serif; margin: .5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: 3px 6px; vertical-align: top; text-align: left; }
th { background: #eee; }
tr:nth-child(even) td { background: #fafafa; }
code { font-size: 90%; background: #f3f3f3; padding: 0 3px; }
@media print { body { max-width: none; margin: 0; font-size: 11pt; } h1, h2 { page-break-after: avoid; }
  tr { page-break-inside: avoid; } thead { display: table-header-group; } }
"""


def render_report_html(markdown: str, *, title: str = "mobisim report") -> str:
    """Render the Markdown report as a standalone, printable HTML page (raw HTML disabled)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    body = md.render(markdown)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")


# --------------------------------------------------------------------------------------------
# compare


def compare_scores(a: Mapping[str, Any], b: Mapping[str, Any], *, every: bool = False) -> pd.DataFrame:
    """Two runs' scores side by side: ``score``, ``a``, ``b``, ``change``, ``unit``.

    By default the headline figures (the scenario outcome, ``value`` of each ``headline`` entry)
    when both runs have them; with ``every`` (or without headlines) every numeric score, named by
    its path in ``scores.json``.
    """
    ha, hb = a.get("headline"), b.get("headline")
    if not every and isinstance(ha, Mapping) and isinstance(hb, Mapping):
        keys = list(dict.fromkeys([*ha, *hb]))

        def pick(h: Mapping[str, Any], k: str) -> float:
            v = h.get(k, {}).get("value") if isinstance(h.get(k), Mapping) else None
            return float(v) if _is_number(v) else np.nan

        frame = pd.DataFrame({
            "score": [(ha.get(k) or hb.get(k) or {}).get("label", k) for k in keys],
            "a": [pick(ha, k) for k in keys], "b": [pick(hb, k) for k in keys],
            "unit": [(ha.get(k) or hb.get(k) or {}).get("unit", "") for k in keys],
        })
    else:
        fa, fb = flatten_scores(a), flatten_scores(b)
        keys = list(dict.fromkeys([*fa, *fb]))
        frame = pd.DataFrame({"score": keys, "a": [fa.get(k, np.nan) for k in keys],
                              "b": [fb.get(k, np.nan) for k in keys], "unit": ""})
    frame["change"] = frame["b"] - frame["a"]
    return frame[["score", "a", "b", "change", "unit"]]


SEGMENT_KEY = ["way_id", "u", "v"]


def traffic_between(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Per segment (matched on way, u, v), run B's modelled traffic against run A's.

    Returns
    -------
    GeoDataFrame
        Run B's geometry with ``name``, ``ref``, ``highway``, ``length``, ``in_area``,
        ``daily_traffic`` (B), ``daily_traffic_before`` (A), ``traffic_change`` (B − A) and
        ``daily_traffic_source`` (B); empty when either run carries no volumes.
    """
    import geopandas as gpd

    def has(frame: pd.DataFrame) -> bool:  # volumes from the traffic model (not only interventions')
        return ("daily_traffic_source" in frame.columns and "daily_traffic" in frame.columns
                and bool(frame["daily_traffic_source"].astype("string").eq("model").any()))

    if not has(a) or not has(b):
        return gpd.GeoDataFrame({c: [] for c in SEGMENT_KEY}, geometry=[], crs=getattr(b, "crs", None))
    keep = [c for c in SEGMENT_KEY + ["name", "ref", "highway", "length", "in_area", "daily_traffic",
                                      "daily_traffic_source", "geometry"] if c in b.columns]
    m = b[keep].merge(a[SEGMENT_KEY + ["daily_traffic"]].rename(columns={"daily_traffic": "daily_traffic_before"}),
                      on=SEGMENT_KEY, how="inner")
    after = pd.to_numeric(m["daily_traffic"], errors="coerce").astype("Float64")
    before = pd.to_numeric(m["daily_traffic_before"], errors="coerce").astype("Float64")
    m = m.assign(daily_traffic=after, daily_traffic_before=before, traffic_change=after - before)
    return gpd.GeoDataFrame(m, geometry="geometry", crs=getattr(b, "crs", None))


def changed_segments(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Segments (matched on way, u, v) whose regime, proposed limit or toets verdict differ.

    Returns
    -------
    GeoDataFrame
        Run B's geometry with ``name``, ``regime_a/b``, ``proposed_maxspeed_a/b``,
        ``toets_pass_a/b`` and ``change`` (``regime``, ``toets`` or ``regime+toets``).
    """
    cols = ["regime", "proposed_maxspeed", "toets_pass"]
    left = a[[c for c in SEGMENT_KEY + cols if c in a.columns]]
    right = b[[c for c in SEGMENT_KEY + cols + ["name", "geometry"] if c in b.columns]]
    m = right.merge(left, on=SEGMENT_KEY, how="inner", suffixes=("_b", "_a"))

    def differs(col: str) -> pd.Series:
        if f"{col}_a" not in m.columns or f"{col}_b" not in m.columns:
            return pd.Series(False, index=m.index)
        x, y = m[f"{col}_a"].astype("string"), m[f"{col}_b"].astype("string")
        return (x != y).fillna(x.isna() != y.isna()).astype(bool)

    regime = differs("regime") | differs("proposed_maxspeed")
    toets = differs("toets_pass")
    m["change"] = np.select([regime & toets, regime, toets], ["regime+toets", "regime", "toets"], "")
    out = m[m["change"] != ""]
    import geopandas as gpd

    crs = getattr(b, "crs", None)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=crs)
