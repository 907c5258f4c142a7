"""The report's lists per street, in plain words.

A street is cut into many segments (and crossed at many nodes), so a list per segment repeats one
street four or five times; the council reads one row per street. :func:`per_street` groups any
list by street: the children of its busiest part (what one fix there would unblock at least), the
km summed, and the reason and fix of its busiest part. The reasons are said in words from the
catalogue by rule id (:func:`plain`), not the rule's technical account (LTS, citations), which stays
per segment in ``layers.gpkg``; the citations are listed once in the report's sources section.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from mobisim.frames import column, numbers
from mobisim.render.format import vehicles
from mobisim.render.i18n import has, t
from mobisim.render.report.view import rows, street_names

__all__ = ["plain", "per_street", "fifty_streets", "losing_fifty_streets", "toets_failure_streets",
           "crossing_failure_streets", "weakest_streets", "calming_per_street", "criteria_words"]

_CITATION = re.compile(r"\s*\((?:[^()]*\d{4}[^()]*)\)")


def plain(group: str, rule: pd.Series, fallback: pd.Series | None = None) -> pd.Series:
    """The catalogue's words for each rule id (``reason.X8-no-island``).

    A rule without words in the catalogue keeps its own text (``fallback``) without citations.
    """
    ids = rule.astype("string").fillna("").to_numpy(dtype=object)
    known = {r: t(f"{group}.{r}") for r in set(ids) if has(f"{group}.{r}")}
    rest = (fallback.astype("string").fillna("").str.replace(_CITATION, "", regex=True).to_numpy(dtype=object)
            if fallback is not None else np.full(len(ids), "", dtype=object))
    return pd.Series([known.get(r, x) for r, x in zip(ids, rest)], index=rule.index, dtype=object)


def per_street(frame: pd.DataFrame, *, weight: str, sums: tuple[str, ...] = (), counts: str | None = None,
               firsts: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per ``street`` of ``frame``: its heaviest row's ``firsts``, ``weight`` max, ``sums`` summed.

    Parameters
    ----------
    frame
        One row per segment or crossing, with a ``street`` column.
    weight
        The column that orders the rows (children, km): its maximum per street, and the row whose
        ``firsts`` (reason, fix) speak for the street.
    sums
        Columns added up per street (km).
    counts
        Name of a column holding the number of rows per street (segments, crossings).
    firsts
        Columns taken from the street's heaviest row.

    Returns
    -------
    pandas.DataFrame
        Heaviest street first.
    """
    ordered = frame.sort_values(weight, ascending=False, kind="stable")
    grouped = ordered.groupby("street", sort=False)
    out = grouped[list(firsts)].first() if firsts else pd.DataFrame(index=grouped.size().index)
    out[weight] = grouped[weight].max()
    for col in sums:
        out[col] = grouped[col].sum()
    if counts:
        out[counts] = grouped.size()
    return out.reset_index().sort_values([weight, "street"], ascending=[False, True], kind="stable")


def criteria_words(codes: pd.Series) -> pd.Series:
    """``C2+C3`` as words (``gevoelige plekken (C2) en geluid/lucht (C3)``)."""
    words = {c: t(f"criterion.{c}") for c in ("C1", "C2", "C3", "C4")}
    joiner = t("criterion.and")
    return codes.astype("string").fillna("").map(
        lambda s: joiner.join(words.get(c, c) for c in s.split("+") if c)).astype(object)


def fifty_streets(edges: pd.DataFrame) -> pd.DataFrame:
    """Every road that keeps 50 km/h, one row per street: km and why in words; longest first."""
    cols = [t("col.street"), t("col.km"), t("col.why")]
    if "regime" not in edges.columns:
        return pd.DataFrame(columns=cols)
    e = rows(edges, edges["regime"] == "50")
    frame = pd.DataFrame({"street": street_names(e).to_numpy(dtype=object), "km": e["length"].to_numpy(float) / 1000,
                          "why": plain("regime_rule", column(e, "regime_rule", ""), column(e, "regime_reason", ""))})
    out = per_street(frame, weight="km", firsts=("why",))
    grouped = frame.groupby("street")["km"].sum()
    out["km"] = out["street"].map(grouped)
    return out.sort_values("km", ascending=False)[["street", "km", "why"]].set_axis(cols, axis=1)


def losing_fifty_streets(edges: pd.DataFrame) -> pd.DataFrame:
    """Today's 50-roads that go to 30 or are 50 only if shown, one row per street and outcome."""
    cols = [t("col.street"), t("col.outcome"), t("col.km"), t("col.decided by"), t("col.noise_db"),
            t("col.to decide")]
    if "regime_tier" not in edges.columns:
        return pd.DataFrame(columns=cols)
    e = rows(edges, edges["regime_tier"].isin(["to_30", "50_if_shown"]).fillna(False))
    deciding = column(e, "regime_deciding", "").astype("string").fillna("")
    tier = e["regime_tier"].astype(str)
    missing = deciding.where(tier.eq("50_if_shown").to_numpy(), "")
    frame = pd.DataFrame({
        "street": street_names(e).to_numpy(dtype=object), "tier": tier.to_numpy(dtype=object),
        "km": e["length"].to_numpy(float) / 1000, "decided": criteria_words(deciding).to_numpy(dtype=object),
        "noise": numbers(e, "noise_lden_db"),
        "missing": missing.map(lambda s: "; ".join(t(f"missing.{c}") for c in s.split("+") if c)).to_numpy(dtype=object),
    })
    frame["street"] = frame["street"] + "\x00" + frame["tier"]  # one row per street and outcome
    out = per_street(frame, weight="km", firsts=("tier", "decided", "missing"))
    out["km"] = out["street"].map(frame.groupby("street")["km"].sum())
    out["noise"] = out["street"].map(frame.groupby("street")["noise"].max()).round(0)
    out["street"] = out["street"].str.split("\x00").str[0]
    out["tier"] = out["tier"].map(lambda v: t(f"tier.{v}"))
    out = out.sort_values(["km", "street"], ascending=[False, True])
    return out[["street", "tier", "km", "decided", "noise", "missing"]].set_axis(cols, axis=1)


def _toets_rows(edges: pd.DataFrame, mode: str, kids: pd.Series) -> pd.DataFrame:
    """The failing segments of ``mode`` on school routes: street, children, km, reason, fix."""
    e = rows(edges, (edges[f"toets_{mode}"] == "fail").to_numpy() & (kids > 0).to_numpy())
    rule = column(e, f"toets_{mode}_rule", "")
    return pd.DataFrame({"street": street_names(e).to_numpy(dtype=object), "mode": t(f"mode.{mode}"),
                         "children": kids.loc[e.index].to_numpy(float), "km": e["length"].to_numpy(float) / 1000,
                         "traffic": numbers(e, "daily_traffic"),
                         "why": plain("reason", rule, column(e, f"toets_{mode}_reason", "")),
                         "fix": plain("fix", rule, column(e, f"toets_{mode}_fix", ""))})


def toets_failure_streets(edges: pd.DataFrame) -> pd.DataFrame:
    """Every 8-jarigen-toets failure on a school route, one row per street; most children first."""
    cols = [t("col.street"), t("col.modes"), t("col.children"), t("col.km"), t("col.traffic_model"), t("col.why"),
            t("col.fix")]
    if "school_route_children" not in edges.columns or "toets_bike" not in edges.columns:
        return pd.DataFrame(columns=cols)
    kids = pd.Series(numbers(edges, "school_route_children"), index=edges.index).fillna(0.0)
    parts = [_toets_rows(edges, m, kids) for m in ("bike", "walk") if f"toets_{m}" in edges.columns]
    frame = pd.concat(parts, ignore_index=True)
    if frame.empty:
        return pd.DataFrame(columns=cols)
    modes = frame.groupby("street")["mode"].agg(lambda s: ", ".join(dict.fromkeys(s)))
    out = per_street(frame, weight="children", sums=("km",), firsts=("why", "fix", "traffic"))
    out["mode"] = out["street"].map(modes)
    out["children"] = out["children"].round().astype(int)
    out["traffic"] = [vehicles(v, step=100) for v in out["traffic"]]
    return out[["street", "mode", "children", "km", "traffic", "why", "fix"]].set_axis(cols, axis=1)


def crossing_failure_streets(edges: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Failing crossings on school routes, one row per street crossed; most children first.

    The children of a crossing are those of the busiest school-route segment ending there.
    """
    cols = [t("col.street"), t("col.crossings"), t("col.children"), t("col.why"), t("col.fix")]
    if "toets_crossing" not in nodes.columns or "school_route_children" not in edges.columns:
        return pd.DataFrame(columns=cols)
    n = rows(nodes, nodes["toets_crossing"] == "fail")
    kids = numbers(edges, "school_route_children")
    names = street_names(edges).to_numpy(dtype=object)
    ends = pd.concat([pd.DataFrame({"node": edges["u"].to_numpy(), "kids": kids, "street": names}),
                      pd.DataFrame({"node": edges["v"].to_numpy(), "kids": kids, "street": names})])
    at = ends.sort_values("kids", ascending=False).drop_duplicates("node").set_index("node").reindex(n.index)
    crossed = column(n, "crossed_name", pd.NA).astype("string")
    rule = column(n, "toets_crossing_rule", "")
    frame = pd.DataFrame({
        "street": crossed.fillna(at["street"].astype("string")).fillna("?").to_numpy(dtype=object),
        "children": at["kids"].fillna(0.0).to_numpy(float),
        "why": plain("reason", rule, column(n, "toets_crossing_reason", "")).to_numpy(dtype=object),
        "fix": plain("fix", rule, column(n, "toets_crossing_fix", "")).to_numpy(dtype=object)})
    frame = frame[frame["children"] > 0]
    out = per_street(frame, weight="children", counts="n", firsts=("why", "fix"))
    out["children"] = out["children"].round().astype(int)
    return out[["street", "n", "children", "why", "fix"]].set_axis(cols, axis=1)


def weakest_streets(weakest: pd.DataFrame) -> pd.DataFrame:
    """The weakest links, one row per street: segments and crossings, children, reason and fix."""
    cols = [t("col.street"), t("col.children"), t("col.segments"), t("col.crossings"), t("col.why"), t("col.fix")]
    if weakest.empty:
        return pd.DataFrame(columns=cols)
    rule = column(weakest, "rule", "")
    frame = pd.DataFrame({
        "street": column(weakest, "name", pd.NA).astype("string").fillna("?").to_numpy(dtype=object),
        "children": numbers(weakest, "children"),
        "segment": column(weakest, "element", "").astype(str).eq("segment").to_numpy(int),
        "why": plain("reason", rule, column(weakest, "reason", "")).to_numpy(dtype=object),
        "fix": plain("fix", rule, column(weakest, "fix", "")).to_numpy(dtype=object)})
    frame["crossing"] = 1 - frame["segment"]
    out = per_street(frame, weight="children", sums=("segment", "crossing"), firsts=("why", "fix"))
    out["children"] = out["children"].round().astype(int)
    return out[["street", "children", "segment", "crossing", "why", "fix"]].set_axis(cols, axis=1)


def _calming_words(calming: pd.Series) -> pd.Series:
    """A calming proposal in words: the catalogue's text for its kind, else the proposal as it is."""
    kinds = ("road diet", "speed humps", "single-lane roundabout")
    text = calming.astype("string").fillna("")
    out = text.astype(object)
    for kind in kinds:
        hit = text.str.startswith(kind).fillna(False).to_numpy(bool)
        out[hit] = t(f"calming_kind.{kind}")
    return out


def calming_per_street(edges: pd.DataFrame) -> pd.DataFrame:
    """30-roads that invite speeding, one row per street: km and the proposal; longest first."""
    cols = [t("col.street"), t("col.km"), t("col.calming")]
    if "calming" not in edges.columns:
        return pd.DataFrame(columns=cols)
    e = rows(edges, edges["calming"].notna() & (edges["calming"].astype("string") != ""))
    frame = pd.DataFrame({"street": street_names(e).to_numpy(dtype=object), "km": e["length"].to_numpy(float) / 1000,
                          "calming": _calming_words(e["calming"]).to_numpy(dtype=object)})
    out = per_street(frame, weight="km", firsts=("calming",))
    out["km"] = out["street"].map(frame.groupby("street")["km"].sum())
    return out.sort_values("km", ascending=False)[["street", "km", "calming"]].set_axis(cols, axis=1)
