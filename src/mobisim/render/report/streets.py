"""The report's street tables: speed limits, the 50-roads and their criteria, junctions, calming.

Data only (whole-frame operations on :class:`~mobisim.render.report.view.ReportNetwork` frames);
the prose around them is in :mod:`mobisim.render.report.chapters` and
:mod:`~mobisim.render.report.lists`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from mobisim.frames import numbers
from mobisim.network import Network
from mobisim.render.report.view import rows, street_names
from mobisim.rules import AIR_LIMITS, CRITERION_LABELS, NOISE_LIMITS, TIER_LABELS, TIERS

__all__ = [
    "CRITERIA",
    "regime_summary",
    "criteria_on_fifty_roads",
    "tier_table",
    "deciding_table",
    "sensitivity_table",
    "roads_losing_fifty",
    "fifty_roads",
    "junction_fixes",
    "calming_streets",
    "toets_totals",
]

#: The four criteria of the 30/50 rule: label and verdict column.
CRITERIA = [("C1 separate cycle path", "c1_cycle_path"), ("C2 no sensitive sites nearby", "c2_sensitive_sites"),
            ("C3 air and noise acceptable", "c3_air_noise"), ("C4 crossable by an 8-year-old", "c4_crossable")]

#: Speed bands of :func:`regime_summary`: label and the test on a limit (km/h, NaN unknown).
_BANDS: list[tuple[str, Callable[[pd.Series], pd.Series]]] = [
    ("≤ 30 km/h (incl. 15)", lambda s: s <= 30), ("50 km/h", lambda s: (s > 30) & (s <= 50)),
    ("above 50 km/h", lambda s: s > 50), ("unknown", lambda s: s.isna())]


def regime_summary(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Road km by speed limit today and proposed (motor roads in scope of the 30/50 rule).

    ``before`` is accepted for symmetry; today's limits are read from ``after`` (``maxspeed``).
    """
    e = rows(after, after["regime"].isin(["30", "50"])) if "regime" in after.columns else after.iloc[:0]
    km = e["length"] / 1000.0
    today = pd.Series(numbers(e, "maxspeed"), index=e.index)
    proposed = pd.Series(numbers(e, "proposed_maxspeed"), index=e.index)
    table = [{"limit": label, "today_km": float(km[test(today)].sum()), "proposed_km": float(km[test(proposed)].sum())}
             for label, test in _BANDS]
    return pd.DataFrame(table)


def criteria_on_fifty_roads(edges: pd.DataFrame) -> pd.DataFrame:
    """Why today's roads above 30 km/h keep 50 or go to 30: km passing, failing and unknown per criterion.

    A road keeps 50 only when all four pass; unknown counts as not demonstrated.
    """
    if "regime" not in edges.columns or not all(c in edges.columns for _, c in CRITERIA):
        return pd.DataFrame(columns=["criterion", "pass_km", "fail_km", "unknown_km"])
    today = pd.to_numeric(edges["maxspeed"], errors="coerce")
    e = rows(edges, edges["regime"].isin(["30", "50"]) & (today > 30).fillna(False))
    km = e["length"] / 1000.0
    table = [{"criterion": label,
              **{f"{v}_km": float(km[e[col].astype("string").eq(v).fillna(False).to_numpy()].sum())
                 for v in ("pass", "fail", "unknown")}}
             for label, col in CRITERIA]
    return pd.DataFrame(table, columns=["criterion", "pass_km", "fail_km", "unknown_km"])


def criteria_text(codes: pd.Series) -> pd.Series:
    """Criterion codes (``C1+C3``) as words (``C1 cycle path + C3 noise/air``)."""
    out = codes.astype("string").fillna("")
    for code, text in CRITERION_LABELS.items():
        out = out.str.replace(code, text, regex=False)
    return out.str.replace("+", " + ", regex=False)


def tier_table(tiers: Mapping[str, Any]) -> pd.DataFrame:
    """Km of today's roads above 30 km/h per outcome (``scores["regime_tiers"]["value"]``)."""
    km = {t: float(tiers.get(t) or 0.0) for t in TIERS}
    total = sum(km.values()) or 1.0
    return pd.DataFrame([{"outcome": TIER_LABELS[t], "km": km[t], "share %": 100.0 * km[t] / total} for t in TIERS])


def deciding_table(tiers: Mapping[str, Any]) -> pd.DataFrame:
    """Km per outcome and deciding criteria (failing for *to 30*, unknown for *50 if shown*)."""
    d = pd.DataFrame(tiers.get("by_criteria") or [], columns=["tier", "criteria", "km"])
    decided = criteria_text(d["criteria"]).mask(d["tier"].eq("keep_50"), "all four criteria pass")
    return pd.DataFrame({"outcome": d["tier"].map(TIER_LABELS), "decided by": decided, "km": d["km"]})


def _limit_names() -> dict[tuple[str, float], list[str]]:
    """The named C3 limits (``WHO``, ``EU``…) by ``(varied, value)``."""
    names: dict[tuple[str, float], list[str]] = {}
    for varied, table in (("noise", NOISE_LIMITS), ("air", AIR_LIMITS)):
        for key, (value, _) in table.items():
            names.setdefault((varied, value), []).append(key)
    return names


def sensitivity_table(tiers: Mapping[str, Any], noise_db: float | None = None,
                      air_ugm3: float | None = None) -> pd.DataFrame:
    """Km per outcome as C3's noise limit (Lden, dB) and air limit (NO2, µg/m³) move.

    The run's own limits (``noise_db``, ``air_ugm3``) are marked ``← this run``.
    """
    cols = ["varied", "limit", "keep_50_km", "50_if_shown_km", "to_30_km", "fail_km"]
    sens = pd.DataFrame(tiers.get("c3_sensitivity") or [], columns=cols)
    names = _limit_names()
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
    """Per street: today's 50-roads that go to 30 or are 50 only if shown (comply or explain).

    With the deciding criteria and the evidence of the first one; longest first.
    """
    cols = ["street", "outcome", "km", "decided by", "evidence", "to decide"]
    if "regime_tier" not in edges.columns:
        return pd.DataFrame(columns=cols)
    e = rows(edges, edges["regime_tier"].isin(["to_30", "50_if_shown"]).fillna(False))
    frame = pd.DataFrame({"street": street_names(e).to_numpy(dtype=object),
                          "outcome": e["regime_tier"].astype(str).map(TIER_LABELS).to_numpy(dtype=object),
                          "km": e["length"].astype(float).to_numpy() / 1000.0,
                          "decided by": criteria_text(e["regime_deciding"]).to_numpy(dtype=object),
                          "evidence": _first_evidence(e).to_numpy(dtype=object),
                          "to decide": e["regime_missing"].astype("string").fillna("").to_numpy(dtype=object)})
    out = (frame.groupby(["street", "outcome", "decided by"], dropna=False)
           .agg(km=("km", "sum"), evidence=("evidence", "first"), to_decide=("to decide", "first"))
           .reset_index().rename(columns={"to_decide": "to decide"}))
    return out.sort_values(["km", "street"], ascending=[False, True])[cols].reset_index(drop=True)


def fifty_roads(edges: pd.DataFrame) -> pd.DataFrame:
    """Every road that keeps 50 km/h, per street and reason (comply-or-explain)."""
    if "regime" not in edges.columns:
        return pd.DataFrame(columns=["street", "km", "segments", "why", "rule"])
    e = rows(edges, edges["regime"] == "50")
    frame = pd.DataFrame({"street": street_names(e), "km": e["length"] / 1000.0,
                          "why": e["regime_reason"].astype("string").fillna(""),
                          "rule": e["regime_rule"].astype("string").fillna("")})
    out = (frame.groupby(["street", "why", "rule"], dropna=False)
           .agg(km=("km", "sum"), segments=("km", "size")).reset_index())
    return out.sort_values(["km", "street"], ascending=[False, True])[["street", "km", "segments", "why", "rule"]]


def _streets_at_nodes(edges: pd.DataFrame) -> pd.DataFrame:
    """``node``, ``street`` for both ends of every segment."""
    names = street_names(edges).to_numpy()
    return pd.concat([pd.DataFrame({"node": edges["u"].to_numpy(), "street": names}),
                      pd.DataFrame({"node": edges["v"].to_numpy(), "street": names})])


def junction_fixes(edges: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Busy junctions on 50-roads with a proposed redesign: the named streets meeting there, fix, why."""
    if "junction_fix" not in nodes.columns:
        return pd.DataFrame(columns=["junction", "fix", "why"])
    n = rows(nodes, nodes["junction_fix"].notna() & (nodes["junction_fix"].astype("string") != ""))
    names = _streets_at_nodes(edges)
    names = names[names["node"].isin(n.index) & ~names["street"].str.startswith("(unnamed")].drop_duplicates()
    joined = names.groupby("node")["street"].agg(lambda s: " / ".join(sorted(s)[:3]))
    label = joined.reindex(n.index).fillna("junction").astype(str) + " (node " + n.index.astype(str) + ")"
    return pd.DataFrame({"junction": label.to_numpy(), "fix": n["junction_fix"].astype(str).to_numpy(),
                         "why": n["junction_fix_reason"].astype("string").fillna("").to_numpy()})


def calming_streets(edges: pd.DataFrame) -> pd.DataFrame:
    """30-roads that invite speeding, per street: km, the proposed calming and why; longest first."""
    if "calming" not in edges.columns:
        return pd.DataFrame(columns=["street", "km", "calming", "why"])
    e = rows(edges, edges["calming"].notna() & (edges["calming"].astype("string") != ""))
    frame = pd.DataFrame({"street": street_names(e), "km": e["length"] / 1000.0,
                          "calming": e["calming"].astype(str), "why": e["calming_reason"].astype("string").fillna("")})
    out = frame.groupby(["street", "calming", "why"]).agg(km=("km", "sum")).reset_index()
    return out.sort_values("km", ascending=False)[["street", "km", "calming", "why"]]


def toets_totals(net: Network) -> dict[str, float]:
    """Km judged and failing the 8-jarigen-toets per mode, and crossings judged and failing."""
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
