"""The report's school tables: city-wide school-route figures, child-safe shares per wijk and per
school, and the 8-jarigen-toets failures on school routes (segments and crossings).

Data only; the prose is in :mod:`mobisim.render.report.chapters` and
:mod:`~mobisim.render.report.lists`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from mobisim.frames import column
from mobisim.render.format import as_float, fixed, is_number
from mobisim.render.report.view import rows, street_names

if TYPE_CHECKING:
    from mobisim.schools import SchoolRoutes

__all__ = [
    "SHARE_FORMATS",
    "SCHOOL_COUNT_PREFIXES",
    "school_figure",
    "school_scores_table",
    "school_safety",
    "school_route_failures",
    "school_route_crossing_failures",
]

#: Decimals of the child-safe share tables (:func:`school_safety`).
SHARE_FORMATS = {"children": 0, "safe before %": 1, "safe after %": 1, "change (points)": 1}

#: School-route figures that count children, homes or schools: printed as whole numbers.
SCHOOL_COUNT_PREFIXES = ("children", "n_")


def school_figure(key: str, value: object) -> str:
    """One school-route figure as printed.

    Counts whole, shares in % with one decimal, factors with two decimals, metres whole;
    ``""`` when it is no finite number.
    """
    v = as_float(value)
    if not np.isfinite(v):
        return ""
    if key.startswith(SCHOOL_COUNT_PREFIXES):
        return f"{round(v):,.0f}"
    if key.startswith("share_"):
        return f"{100.0 * v:.1f}"
    if key.endswith("_m"):
        return fixed(v, 0)
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
    keys = [k for k, v in after.items() if is_number(v)]
    label = [k.replace("_", " ") + (" %" if k.startswith("share_") else "") for k in keys]
    return pd.DataFrame({
        "measure": label,
        "before": [school_figure(k, before.get(k)) for k in keys],
        "after": [school_figure(k, after[k]) for k in keys],
    }, columns=["measure", "before", "after"])


def school_safety(before: SchoolRoutes | None, after: SchoolRoutes | None, *,
                  per: Literal["wijk", "school"] = "wijk") -> pd.DataFrame:
    """Per wijk or per primary school: children and the child-safe share before and after.

    Parameters
    ----------
    before, after
        The school routes of the two runs (or ``None``).
    per
        ``"wijk"`` (:attr:`~mobisim.schools.SchoolRoutes.per_wijk`) or ``"school"``
        (:attr:`~mobisim.schools.SchoolRoutes.schools`, the children for whom it is the nearest
        school).

    Returns
    -------
    pandas.DataFrame
        Lowest share after first; empty without the figures.
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
        e = rows(edges, (edges[f"toets_{mode}"] == "fail") & (kids > 0))
        parts.append(pd.DataFrame({
            "street": street_names(e), "mode": mode, "children": kids[e.index], "km": e["length"] / 1000.0,
            "why": e[f"toets_{mode}_reason"].astype("string").fillna(""),
            "fix": e[f"toets_{mode}_fix"].astype("string").fillna(""),
        }))
    frame = pd.concat(parts, ignore_index=True)
    out = (frame.groupby(["street", "mode", "why", "fix"], dropna=False)
           .agg(children=("children", "max"), km=("km", "sum")).reset_index())
    return out.sort_values(["children", "km"], ascending=[False, False])[cols]


def _busiest_route_at_nodes(edges: pd.DataFrame) -> pd.DataFrame:
    """Per node: the children and street of the busiest school-route segment ending there."""
    kids = pd.to_numeric(edges["school_route_children"], errors="coerce").fillna(0.0).to_numpy()
    names = street_names(edges).to_numpy()
    ends = pd.concat([pd.DataFrame({"node": edges["u"].to_numpy(), "kids": kids, "street": names}),
                      pd.DataFrame({"node": edges["v"].to_numpy(), "kids": kids, "street": names})])
    return ends.sort_values("kids", ascending=False).drop_duplicates("node").set_index("node")


def school_route_crossing_failures(edges: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """Failing crossings on school routes (children of the busiest school-route segment there)."""
    cols = ["crossing", "children", "why", "fix"]
    if "toets_crossing" not in nodes.columns or "school_route_children" not in edges.columns:
        return pd.DataFrame(columns=cols)
    n = rows(nodes, nodes["toets_crossing"] == "fail")
    at = _busiest_route_at_nodes(edges).reindex(n.index)
    frame = pd.DataFrame({
        "crossing": column(n, "crossing_kind", "crossing").astype("string").fillna("crossing")
        + " on " + at["street"].astype("string").fillna("?") + " (node " + n.index.astype(str) + ")",
        "children": at["kids"].fillna(0.0).to_numpy(),
        "why": column(n, "toets_crossing_reason", "").astype("string").fillna(""),
        "fix": column(n, "toets_crossing_fix", "").astype("string").fillna(""),
    }, index=n.index)
    frame = frame[frame["children"] > 0]
    return frame.sort_values("children", ascending=False)[cols].reset_index(drop=True)
