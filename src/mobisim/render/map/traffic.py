"""The traffic model's layers (:mod:`mobisim.traffic`, all off at start): vehicles a day per street
today and with the scenario, the streets gaining and losing traffic, and the rat runs."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import column, numbers
from mobisim.render.map.layer import MapLayer
from mobisim.render.map.selection import in_area, merge_runs, rows
from mobisim.render.map.styles import CHANGE_STYLES, RAT_RUN_STYLE, TRAFFIC_BINS, line
from mobisim.render.map.values import bin_labels, column_text, flag, street, text

__all__ = ["TRAFFIC_CHANGE_MIN", "traffic_layers"]

TRAFFIC_CHANGE_MIN = 300.0
"""Smallest change (vehicles a day) the change layer draws: ``TrafficSettings.displacement_min_daily``."""
#: Classes the assignment leaves out (driveways, parking aisles, tracks): only a floor of destination
#: traffic, so they are not drawn on the volume layers (their figures are in the GeoPackage).
_UNASSIGNED = ("service", "track")
_MINUS = "\u2212"


def _vehicles_text(values: pd.Series | np.ndarray, step: float | None = None) -> pd.Series:
    """Vehicles a day as text (``""`` when missing).

    To the nearest ``step``; by default 10 below 1,000 and 100 above. Halves round away from
    zero (1,250 → 1,300); a minus sign, not a hyphen.
    """
    v = pd.to_numeric(pd.Series(values), errors="coerce").astype(float)
    steps = np.where(v.abs() < 1000, 10.0, 100.0) if step is None else step
    r = np.sign(v) * np.floor(np.abs(v) / steps + 0.5) * steps
    out = pd.Series([f"{x:,.0f}" if np.isfinite(x) else "" for x in r], index=v.index, dtype="string")
    return out.str.replace("-", _MINUS, regex=False)


def _source_text(source: pd.Series) -> pd.Series:
    """``daily_traffic_source`` in words: ``traffic model``, ``class table``, ``set by intervention x``."""
    src = text(source)
    return (src.where(~src.str.startswith("intervention:"), "set by intervention " + src.str.slice(13))
            .replace({"model": "traffic model", "default:class": "class table", "default": "class table"}))


def _volume_frame(sub: gpd.GeoDataFrame, q: pd.Series, *, today: bool) -> gpd.GeoDataFrame:
    """One feature per street, volume class and source (an unnamed road: per way), busiest on top.

    The tooltip gives the range of its segments' volumes; every segment's own figure is in
    ``layers.gpkg``.
    """
    source = _source_text(column(sub, "daily_traffic_source"))
    if today:  # today's run has no interventions: what one sets today is the model's figure
        source = source.where(~source.str.startswith("set by intervention"), "traffic model")
    cat = bin_labels(q, TRAFFIC_BINS)
    name = street(sub)
    street_key = name.where(column_text(sub, "name") != "", "way " + column_text(sub, "way_id"))
    codes, first, geoms = merge_runs(sub, [street_key.to_numpy(), cat.to_numpy(), source.to_numpy()])
    lo = q.groupby(codes).min().to_numpy()
    hi = q.groupby(codes).max().to_numpy()
    lo_t, hi_t = _vehicles_text(lo), _vehicles_text(hi)
    frame = gpd.GeoDataFrame({"street": name.to_numpy()[first], "highway": column_text(sub, "highway").to_numpy()[first],
                              "source": source.to_numpy()[first], "q": hi, "category": cat.to_numpy()[first],
                              "vehicles": lo_t.where(lo_t == hi_t, lo_t + "–" + hi_t).to_numpy()},
                             geometry=geoms, crs=sub.crs)
    return frame.iloc[np.argsort(frame["q"].to_numpy(), kind="stable")].reset_index(drop=True)


def _volume_layer(e: gpd.GeoDataFrame, *, today: bool) -> MapLayer | None:
    """Vehicles a day per street (merged per street and volume class), today or with the scenario."""
    name = "daily_traffic_before" if today else "daily_traffic"
    if name not in e.columns:
        return None
    q = pd.Series(numbers(e, name), index=e.index)
    highway = column_text(e, "highway")
    mask = (q.notna() & flag(e, "mode_drive", True) & in_area(e) & ~highway.isin(_UNASSIGNED)).to_numpy()
    key = "traffic_before" if today else "traffic_after"
    title = ("Traffic today (vehicles/day, modelled)" if today
             else "Traffic with the scenario (vehicles/day, modelled)")
    styles = {b.label: line(b.colour, b.weight, 0.85, label=b.label) for b in TRAFFIC_BINS}
    sub = rows(e, mask)
    if sub.empty:
        return MapLayer(key=key, title=title, frame=sub, category=pd.Series(dtype=object), styles=styles, show=False)
    frame = _volume_frame(sub, q[mask], today=today)
    return MapLayer(
        key=key, title=title, frame=frame, category=frame["category"], styles=styles,
        fields=[("Street", frame["street"].astype("string")),
                ("Vehicles/day" + (" today" if today else ""), frame["vehicles"].astype("string")),
                ("Road class", frame["highway"].astype("string")), ("Source", frame["source"].astype("string"))],
        show=False,
    )


def _change_layer(e: gpd.GeoDataFrame, minimum: float = TRAFFIC_CHANGE_MIN) -> MapLayer | None:
    """Segments whose traffic changes by at least ``minimum`` vehicles a day and 10 % of their
    volume (:func:`mobisim.traffic.results.moved`: beyond the assignment's noise): gains, losses."""
    if "traffic_change" not in e.columns:
        return None
    from mobisim.traffic.results import moved
    from mobisim.traffic.settings import TrafficSettings

    d = pd.Series(numbers(e, "traffic_change"), index=e.index)
    share = TrafficSettings().displacement_min_share
    mask = moved(e, minimum, share) & in_area(e).fillna(False).to_numpy(dtype=bool)
    sub, ds = rows(e, mask), d[mask]
    cat = pd.Series(np.where(ds > 0, np.where(ds >= 1000, "gain_large", "gain"),
                             np.where(ds <= -1000, "loss_large", "loss")), index=sub.index, dtype=object)
    order = np.argsort(ds.abs().to_numpy(), kind="stable")  # the largest changes on top
    sub, ds, cat = sub.iloc[order], ds.iloc[order], cat.iloc[order]
    # the three figures to the same 10 vehicles, so that after − before = the change shown
    change = _vehicles_text(ds, 10.0)
    change = change.where(ds <= 0, "+" + change)
    before = _vehicles_text(column(sub, "daily_traffic_before"), 10.0)
    after = _vehicles_text(column(sub, "daily_traffic"), 10.0)
    return MapLayer(
        key="traffic_change", title="Traffic change (vehicles/day, scenario − today)", frame=sub, category=cat,
        styles=dict(CHANGE_STYLES),
        fields=[("Street", street(sub)),
                ("Change", change + " veh/day (before " + before.where(before != "", "?") + " → after "
                 + after.where(after != "", "?") + ")"),
                ("Source", _source_text(column(sub, "daily_traffic_source")))],
        show=False,
    )


def _rat_run_layer(e: gpd.GeoDataFrame) -> MapLayer | None:
    """Access roads the traffic model flags as rat runs (``rat_run``), with the fix."""
    if "rat_run" not in e.columns:
        return None
    sub = rows(e, flag(e, "rat_run") & in_area(e))
    through = numbers(sub, "traffic_through_min")
    share = pd.Series([f"at least {100 * t:.0f} %" if np.isfinite(t) else "" for t in through], index=sub.index,
                      dtype="string")
    return MapLayer(
        key="rat_runs", title="Rat runs (through traffic on access roads)", frame=sub,
        category=pd.Series("rat_run", index=sub.index), styles={"rat_run": RAT_RUN_STYLE},
        fields=[("Street", street(sub)), ("Vehicles/day", _vehicles_text(column(sub, "daily_traffic"))),
                ("Through traffic", share), ("Today", _vehicles_text(column(sub, "daily_traffic_before"))),
                ("Fix", column_text(sub, "rat_run_fix"))],
        show=False,
    )


def traffic_layers(edges: gpd.GeoDataFrame, *, change_min: float = TRAFFIC_CHANGE_MIN) -> list[MapLayer]:
    """The traffic model's map layers (off at start).

    Volumes today and with the scenario, the change (segments changing by at least ``change_min``
    vehicles a day) and the rat runs. Only segments inside the area judged.

    Parameters
    ----------
    edges
        Evaluated edges with the traffic columns (:data:`mobisim.render.map.TRAFFIC_COLUMNS`).
    change_min
        Smallest change drawn, vehicles a day.

    Returns
    -------
    list of MapLayer
        Those the edges have columns for; none when they carry no traffic columns.
    """
    layers = [_volume_layer(edges, today=True), _volume_layer(edges, today=False),
              _change_layer(edges, change_min), _rat_run_layer(edges)]
    return [layer for layer in layers if layer is not None]
