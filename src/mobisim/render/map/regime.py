"""The speed-regime layer: the proposed 30/50 regime per road segment, coloured by its tier."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.render.map.layer import MapLayer
from mobisim.render.map.selection import road_mask, rows
from mobisim.render.map.styles import REGIME_DRAW_ORDER, REGIME_STYLES
from mobisim.render.map.values import column_text, street
from mobisim.rules import CRITERION_LABELS, TIER_LABELS

__all__ = ["CRITERIA_SHORT", "regime_category", "regime_layer"]

#: Criterion code (``C1`` … ``C4``) → its short name in the tooltip.
CRITERIA_SHORT = CRITERION_LABELS
#: The criterion columns in the tooltip row "Criteria", with their codes.
_CRITERIA = [("c1_cycle_path", "C1"), ("c2_sensitive_sites", "C2"), ("c3_air_noise", "C3"), ("c4_crossable", "C4")]
_REGIME_TEXT = {"30": "30 km/h", "50": "50 km/h", "out_of_scope": "out of scope",
                "outside_area": "outside the municipality — not judged"}


def regime_category(frame: pd.DataFrame) -> pd.Series:
    """Map category (a key of :data:`REGIME_STYLES`) of each segment from ``regime`` and ``regime_tier``.

    Without a tier column (a run without the 30/50 programme: today's limits) a 50-road is
    ``50_today`` and a 30-road ``already_30``.
    """
    regime, tier = column_text(frame, "regime"), column_text(frame, "regime_tier")
    cat = np.select(
        [regime == "outside_area", regime == "out_of_scope", tier == "keep_50", tier == "50_if_shown",
         tier == "to_30", regime == "50", regime == "30"],
        ["outside_area", "out_of_scope", "keep_50", "50_if_shown", "to_30", "50_today", "already_30"],
        "out_of_scope")
    return pd.Series(cat, index=frame.index, dtype=object)


def _deciding_text(deciding: pd.Series, tier: pd.Series) -> pd.Series:
    """``"C2 sensitive sites, C4 crossable: fail"`` from ``regime_deciding`` ``"C2+C4"``."""
    names = deciding.str.replace("+", ", ", regex=False)
    for code, label in CRITERIA_SHORT.items():
        names = names.str.replace(code, label, regex=False)
    suffix = tier.map({"to_30": ": fail", "50_if_shown": ": unknown"}).astype("string").fillna("")
    return (names + suffix).where((deciding != "") & (suffix != ""), "")


def _criteria_text(frame: pd.DataFrame) -> pd.Series:
    """``"C1 pass · C2 fail · …"``: the verdict of each criterion that has one."""
    crit = pd.Series("", index=frame.index, dtype="string")
    for name, code in _CRITERIA:
        v = column_text(frame, name)
        crit = crit + v.where(v == "", code + " " + v + " · ")
    return crit.str.rstrip("· ").str.strip()


def _limit_text(frame: pd.DataFrame) -> pd.Series:
    """``"50 → 30 km/h"`` or ``"30 km/h, unchanged"``; ``""`` without a proposed limit."""
    today, proposed = column_text(frame, "maxspeed"), column_text(frame, "proposed_maxspeed")
    return (today.where(today != "", "?") + " → " + proposed + " km/h").where(
        today != proposed, today + " km/h, unchanged").where(proposed != "", "")


def _limit_source(frame: pd.DataFrame) -> pd.Series:
    """Where today's limit is a class default (``maxspeed_source`` ``default:<class>:<area>``), say
    so: ``"class default (residential, urban): no limit sign in the data"``; ``""`` elsewhere."""
    parts = column_text(frame, "maxspeed_source").str.split(":", expand=True).reindex(columns=[0, 1, 2]).astype("string")
    default = parts[0].eq("default").fillna(False)
    what = parts[1].fillna("") + (", " + parts[2]).where(parts[2].notna() & parts[2].ne(""), "")
    return ("class default (" + what + "): no limit sign in the data").where(default, "")


def regime_layer(e: gpd.GeoDataFrame) -> MapLayer:
    """The proposed regime of every motor road, drawn bottom to top in :data:`REGIME_DRAW_ORDER`.

    Parameters
    ----------
    e
        Evaluated edges with ``edge_id`` as a column.

    Returns
    -------
    MapLayer
        ``speed_regime``, on at start; only the styles of the categories drawn.
    """
    sub = rows(e, road_mask(e))
    cat = regime_category(sub)
    order = np.argsort(cat.map({k: i for i, k in enumerate(REGIME_DRAW_ORDER)}).to_numpy(), kind="stable")
    sub, cat = sub.iloc[order], cat.iloc[order]
    regime, tier = column_text(sub, "regime"), column_text(sub, "regime_tier")
    reason = column_text(sub, "regime_reason")
    outside = (cat == "outside_area").to_numpy()
    styles = {k: v for k, v in REGIME_STYLES.items() if (cat == k).any()}
    return MapLayer(
        key="speed_regime",
        title="Speed regime 30/50 and why",
        frame=sub,
        category=cat,
        styles=styles or {"out_of_scope": REGIME_STYLES["out_of_scope"]},
        fields=[
            ("Street", street(sub)),
            ("Regime", regime.map(_REGIME_TEXT).astype("string").fillna("")),
            ("Tier", tier.map(TIER_LABELS).astype("string").fillna("")),
            ("Limit", _limit_text(sub).where(~outside, "")),
            ("Limit today", _limit_source(sub).where(~outside, "")),
            ("Deciding", _deciding_text(column_text(sub, "regime_deciding"), tier)),
            ("To decide", column_text(sub, "regime_missing").where(tier == "50_if_shown", "")),
            # the reason only where the tier rows do not already say it
            ("Why", reason.where(~tier.isin(["to_30", "50_if_shown"]) & ~outside, "")),
            ("Criteria", _criteria_text(sub).where(tier != "", "")),  # judged roads only
            ("Rule", column_text(sub, "regime_rule")),
            ("Calming", column_text(sub, "calming")),
            ("Calming why", column_text(sub, "calming_reason")),
        ],
        show=True,
    )
