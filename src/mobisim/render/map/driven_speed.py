"""The driven-speed layer ("Signs or redesign"): the roads whose limit the scenario lowers, by what
keeps drivers at the new limit at the horizon (:mod:`mobisim.rules.driven_speed`; off at start)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import column
from mobisim.render.map.layer import MapLayer
from mobisim.render.map.selection import lowered_mask, merge_runs, rows
from mobisim.render.map.styles import DRIVEN_SPEED_STYLES
from mobisim.render.map.values import column_text, street, text

__all__ = ["driven_speed_layer"]

_TITLE = "Signs or redesign (driven speed)"
_BASIS_TEXT = {"redesign": "redesign (calming plan)", "design": "design (already enforces the limit)",
               "sign only": "sign only"}
#: Drawing order by basis (sign only on top).
_DRAW_ORDER = {k: i for i, k in enumerate(["design", "redesign", "sign only"])}


def _kmh_text(values: pd.Series) -> pd.Series:
    """Speeds as ``"40"`` (whole km/h) or ``"42.5"``; ``""`` when missing."""
    v = pd.to_numeric(values, errors="coerce").astype("Float64").round(1)
    whole = (v == v.round(0)).fillna(False)
    out = v.astype("string").where(~whole, v.round(0).astype("Int64").astype("string"))
    return out.fillna("")


def _redesign_text(basis: pd.Series, year: pd.Series) -> pd.Series:
    """When the calming plan redesigns the street: by the horizon, after it, or not at all."""
    return pd.Series(np.select(
        [(year != "") & (basis == "redesign"), (year != "") & (basis == "sign only"), basis == "sign only"],
        ["redesigned in " + year + " (by the horizon)", "redesign planned in " + year + " (after the horizon)",
         "not in the calming plan"], ""), index=basis.index, dtype="string")


def _tooltip_texts(sub: pd.DataFrame) -> dict[str, pd.Series]:
    """The tooltip texts of each lowered segment: street, limit, driven speed, basis, reason, redesign."""
    basis = text(sub["driven_speed_basis"])
    before = _kmh_text(column(sub, "limit_before"))
    # the limit drivers see after: the programme's (``proposed_maxspeed``; with the programme on,
    # ``maxspeed`` stays today's), else ``maxspeed`` (a run with interventions only)
    after = _kmh_text(column(sub, "proposed_maxspeed"))
    after = after.where(after != "", _kmh_text(column(sub, "maxspeed")))
    speed = _kmh_text(column(sub, "driven_speed"))
    return {"street": street(sub),
            "limit": before.where(before != "", "?") + " → " + after.where(after != "", "?") + " km/h",
            "speed": speed.where(speed == "", speed + " km/h"),
            "basis": basis.map(_BASIS_TEXT).astype("string").fillna(basis),
            "reason": column_text(sub, "driven_speed_reason"),
            "redesign": _redesign_text(basis, column_text(sub, "redesign_year", decimals=0))}


def driven_speed_layer(edges: gpd.GeoDataFrame) -> MapLayer | None:
    """The roads whose limit the scenario lowers, coloured by what keeps drivers at it at the horizon.

    ``driven_speed_basis``: ``redesign`` (redesigned by the calming plan by the horizon),
    ``design`` (the street's design already enforces the new limit) or ``sign only`` (only the
    sign changed; the calming plan's later redesign year, if any, in the tooltip). Only segments
    inside the area judged; segments of one street with the same texts are drawn as one line
    (:func:`mobisim.render.map.selection.merge_runs`). Off at start.

    Parameters
    ----------
    edges : GeoDataFrame
        Evaluated scenario edges with the columns of :func:`mobisim.pipeline.driven_speed_step`.

    Returns
    -------
    MapLayer or None
        ``None`` when the edges carry no ``driven_speed_basis``.
    """
    if "driven_speed_basis" not in edges.columns:
        return None
    sub = rows(edges, lowered_mask(edges))
    if sub.empty:
        return MapLayer(key="driven_speed", title=_TITLE, frame=sub, category=pd.Series(dtype=object),
                        styles=dict(DRIVEN_SPEED_STYLES), show=False)
    texts = _tooltip_texts(sub)
    basis = text(sub["driven_speed_basis"])
    street_key = texts["street"].where(column_text(sub, "name") != "", "way " + column_text(sub, "way_id"))
    # one line per street and tooltip: the segments of a street mostly share every text
    _, first, geoms = merge_runs(sub, [street_key.to_numpy()] + [t.to_numpy() for t in texts.values()])
    columns = {k: t.to_numpy()[first] for k, t in texts.items()}
    frame = gpd.GeoDataFrame(columns | {"category": basis.to_numpy()[first]}, geometry=geoms, crs=sub.crs)
    frame = frame.iloc[np.argsort(frame["category"].map(_DRAW_ORDER).to_numpy(), kind="stable")].reset_index(drop=True)
    return MapLayer(
        key="driven_speed", title=_TITLE, frame=frame, category=frame["category"],
        styles=dict(DRIVEN_SPEED_STYLES),
        fields=[("Street", frame["street"].astype("string")), ("Limit today → after", frame["limit"].astype("string")),
                ("Driven speed", frame["speed"].astype("string")), ("Basis", frame["basis"].astype("string")),
                ("Why", frame["reason"].astype("string")), ("Redesign", frame["redesign"].astype("string"))],
        show=False,
    )
