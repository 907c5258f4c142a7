"""From link flows to what every step reads: daily volumes per segment, rat runs, displacement.

Per segment (:func:`model_traffic`):

* ``daily`` — the modelled vehicles a day, both directions: the peak-hour flow of its links ÷
  ``peak_hour_share``, at least its **local-traffic floor** (its length × the zone's trip ends
  per metre of access road: the destination traffic of streets without a connector) when
  ``local_traffic_floor`` is on. On a dual carriageway each half carries its own direction:
  :func:`write_traffic` gives the road's two-way figure. NaN where the model does not reach (not a car segment, or not
  connected both ways to the main car network): those keep the class table.
* ``zone_trip_ends`` — the daily trip ends of the segment's zone.
* ``through_min`` — a lower bound on the share of through traffic: ``1 − Z / daily`` with ``Z`` the
  trip ends of every zone that has a connector in the street's cell (within-zone trips counted
  twice): what the street carries beyond everything the zones that load it can generate.
* ``rat_run`` — an access road (:data:`~mobisim.traffic.settings.ACCESS_CLASSES`) with
  ``daily ≥ rat_run_min_daily`` and ``through_min ≥ rat_run_through_share``; its fix is a modal
  filter (the scenario intervention ``close_through_traffic``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mobisim.traffic.assign import assign
from mobisim.traffic.settings import ACCESS_CLASSES, TrafficSettings
from mobisim.traffic.zones import Zones

__all__ = ["TRAFFIC_COLUMNS", "TrafficModel", "model_key", "model_traffic", "write_traffic", "moved",
           "displacement", "traffic_summary"]

#: Per-segment columns of a model run (:attr:`TrafficModel.edges`).
TRAFFIC_COLUMNS = ["daily", "zone_trip_ends", "through_min", "rat_run"]

_CODE = ("settings.py", "supply.py", "zones.py", "demand.py", "assign.py", "results.py")


def _code_digest() -> bytes:
    here = Path(__file__).parent
    return hashlib.sha256(b"".join((here / name).read_bytes() for name in _CODE)).digest()


#: The model's code as imported: a file edited while a run is under way must not key its result.
_CODE_DIGEST = _code_digest()


@dataclass
class TrafficModel:
    """One run of the traffic model.

    Attributes
    ----------
    key : str
        Cache key: the links, zones, settings and code that made it.
    edges : pandas.DataFrame
        :data:`TRAFFIC_COLUMNS`, indexed like the network's edges.
    summary : dict
        Zones, gateways, daily trips by kind, assignment iterations, relative gap and time.
    notes : list of str
    """

    key: str
    edges: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def model_key(links: pd.DataFrame, zones: Zones, settings: TrafficSettings, edges: pd.DataFrame | None = None) -> str:
    """A digest of everything a model run depends on: links, zones, connectors, settings, code,
    AequilibraE's version, and the segments' index, class, length and car access (the
    local-traffic floor reads them)."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    h.update(settings.model_dump_json().encode())
    try:
        h.update(version("aequilibrae").encode())
    except PackageNotFoundError:  # pragma: no cover - a dependency
        pass
    if edges is not None:
        cols = [c for c in ("highway", "length", "mode_drive") if c in edges.columns]
        h.update(pd.util.hash_pandas_object(edges[cols], index=True).to_numpy().tobytes())
    h.update(_CODE_DIGEST)
    for frame in (links, zones.table, zones.connectors):
        h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    h.update(np.ascontiguousarray(zones.edge_cell).tobytes())
    return h.hexdigest()[:32]


def _zone_trip_ends(zones: Zones, matrix: np.ndarray, within: np.ndarray | None) -> tuple[pd.Series, pd.Series]:
    """Daily trip ends per grid cell (internal zones): trips out + in, and twice the trips that stay
    within the zone; and per cell, the trip ends of every zone with a connector in it (the most
    zone traffic a street of that cell can carry)."""
    ends = matrix.sum(axis=0) + matrix.sum(axis=1) + (2.0 * within if within is not None else 0.0)
    t = zones.table
    internal = (t["kind"] == "internal").to_numpy()
    own = pd.Series(ends[internal], index=t["cell"].to_numpy()[internal])
    per_zone = pd.Series(ends, index=t.index)
    c = zones.connectors
    touching = pd.DataFrame({"cell": c["cell"].to_numpy(), "zone": c["zone_id"].to_numpy()})
    touching = pd.concat([touching, pd.DataFrame({"cell": own.index.to_numpy(), "zone": t.index[internal]})])
    touching = touching.drop_duplicates()
    reach = touching.assign(ends=touching["zone"].map(per_zone).to_numpy()).groupby("cell")["ends"].sum()
    return own, reach


def model_traffic(net, links: pd.DataFrame, zones: Zones, settings: TrafficSettings, *,
                  key: str = "", cores: int | None = None) -> TrafficModel:
    """Run the model: demand, peak-hour equilibrium, and the per-segment results.

    Parameters
    ----------
    net : mobisim.network.Network
    links : pandas.DataFrame
        :func:`mobisim.traffic.supply.car_links` of ``net``.
    zones : Zones
        :func:`mobisim.traffic.zones.build_zones` of ``net`` and ``links``.
    settings : TrafficSettings
    key : str
        :func:`model_key` (kept with the result for the cache).
    cores : int, optional

    Returns
    -------
    TrafficModel
    """
    a = assign(links, zones, settings, cores=cores)
    e = net.edges
    n = len(e)
    daily = np.full(n, np.nan)
    real = links["edge_pos"].to_numpy() >= 0  # not the virtual links across gaps in the data
    per_edge = (pd.Series(a.peak_flow[real] / settings.peak_hour_share)
                .groupby(links["edge_pos"].to_numpy()[real]).sum())
    pos = per_edge.index.to_numpy()
    ok = zones.component[pos]
    daily[pos[ok]] = per_edge.to_numpy()[ok]
    ends, reach_ends = _zone_trip_ends(zones, a.demand.matrix, a.demand.within)
    cell_ends = pd.Series(zones.edge_cell).map(ends).to_numpy(dtype=float)
    zone_traffic = pd.Series(zones.edge_cell).map(reach_ends).to_numpy(dtype=float)
    hw = e["highway"].astype("string").fillna("")
    drive = e["mode_drive"].to_numpy(dtype=bool) if "mode_drive" in e.columns else np.ones(n, bool)
    # the zone's trip ends are shared by length over its access roads and driveways (the local
    # density, vehicles per metre); every car segment the model reaches carries at least that
    # density × its length, so no road the routes happen to miss reads 0
    local = (hw.isin(ACCESS_CLASSES) | hw.isin(settings.unassigned_classes)).to_numpy() & drive
    if settings.local_traffic_floor:
        length = e["length"].to_numpy(dtype=float)
        total = pd.Series(np.where(local, length, 0.0)).groupby(zones.edge_cell).transform("sum").to_numpy()
        floor = np.where(drive & (total > 0) & np.isfinite(cell_ends),
                         np.nan_to_num(cell_ends) * length / np.where(total > 0, total, 1.0), np.nan)
        # reached: modelled, or a driveway/track the assignment leaves out (not a segment cut off
        # from the main car network: that one keeps the class table)
        unassigned = hw.isin(settings.unassigned_classes).to_numpy() & drive
        reach = np.isfinite(floor) & (np.isfinite(daily) | unassigned)
        daily = np.where(reach, np.fmax(daily, floor), daily)
    with np.errstate(divide="ignore", invalid="ignore"):
        through = np.where(local & (daily > 0), np.clip(1.0 - np.nan_to_num(zone_traffic) / daily, 0.0, 1.0),
                           np.nan)
    access = hw.isin(ACCESS_CLASSES).to_numpy()
    rat = access & (np.nan_to_num(daily) >= settings.rat_run_min_daily) & (np.nan_to_num(through) >= settings.rat_run_through_share)
    frame = pd.DataFrame({"daily": daily, "zone_trip_ends": cell_ends, "through_min": through, "rat_run": rat},
                         index=e.index)
    d = a.demand
    summary = {
        "zones": int((zones.table["kind"] == "internal").sum()),
        "gateways": int((zones.table["kind"] == "gateway").sum()),
        "connectors": int(len(zones.connectors)),
        "links": int(len(links)),
        "residents": float(zones.table["residents"].sum()),
        "daily_trips": {"internal": d.internal, "in_and_out": d.external_in_out, "through": d.through,
                        "within_a_zone_not_assigned": d.intrazonal, "reaching_no_destination": d.unplaced},
        "peak_hour_share": settings.peak_hour_share,
        "iterations": a.iterations,
        "relative_gap": a.relative_gap,
        "gravity_gap": d.gravity_gap,
        "seconds": a.seconds,
        "gateway_labels": sorted({str(x) for x in zones.table.loc[zones.table["kind"] == "gateway", "label"]}),
    }
    return TrafficModel(key=key, edges=frame, summary=summary, notes=list(zones.notes) + list(a.notes))


def write_traffic(edges: pd.DataFrame, model: TrafficModel, *, before: pd.DataFrame | None = None) -> pd.DataFrame:
    """``edges`` with the model's volumes where no count or intervention sets them.

    Writes ``daily_traffic`` / ``daily_traffic_source = "model"`` (a segment whose source is not
    ``default`` keeps its own figure: a count, or ``close_through_traffic``'s destination
    traffic; the two-way figure of the road, twice the modelled direction on a half of a dual
    carriageway), ``daily_traffic_carriageway`` (the modelled vehicles on the segment itself:
    the Power Model's exposure), ``traffic_through_min``, ``rat_run`` and ``rat_run_fix``; with ``before`` (today's
    edges, same index) also ``daily_traffic_before`` and ``traffic_change`` (vehicles a day).
    """
    out = edges.copy()
    m = model.edges.reindex(out.index)
    src = (out["daily_traffic_source"].astype("string").fillna("default") if "daily_traffic_source" in out.columns
           else pd.Series("default", index=out.index, dtype="string"))
    own = src.ne("default") & src.ne("model") & ~src.str.startswith("default").fillna(True)
    modelled = m["daily"].notna().to_numpy() & ~own.to_numpy()
    current = (pd.to_numeric(out["daily_traffic"], errors="coerce").astype("Float64") if "daily_traffic" in out.columns
               else pd.Series(pd.NA, index=out.index, dtype="Float64"))
    # a half of a dual carriageway carries one direction: the road's two-way figure (what the
    # toets, noise and the report read) is taken as twice it (directions balanced over a day)
    dual = (out["dual_carriageway"].astype("boolean").fillna(False).to_numpy(dtype=bool)
            if "dual_carriageway" in out.columns else np.zeros(len(out), dtype=bool))
    own_dir = m["daily"].to_numpy(dtype=float)
    two_way = np.where(dual, 2.0 * own_dir, own_dir)
    value = current.where(~pd.Series(modelled, index=out.index),
                          pd.Series(np.round(two_way), index=out.index).astype("Float64"))
    # not reached by this run and no figure of its own: the class table (never a stale volume
    # of an earlier run, e.g. today's on a segment the scenario cuts off)
    value = value.mask(pd.Series(~modelled & ~own.to_numpy(), index=out.index))
    out["daily_traffic"] = value.astype("Float64")
    out["daily_traffic_carriageway"] = pd.array(np.where(modelled, np.round(own_dir), np.nan), dtype="Float64")
    out["daily_traffic_source"] = src.where(~pd.Series(modelled, index=out.index), "model").astype("string")
    out.loc[~modelled & ~own.to_numpy(), "daily_traffic_source"] = "default:class"
    out["traffic_through_min"] = m["through_min"].astype("Float64").round(2)
    out["rat_run"] = m["rat_run"].fillna(False).astype(bool).to_numpy() & modelled
    out["rat_run_fix"] = pd.Series(pd.NA, index=out.index, dtype="string").mask(
        out["rat_run"], "modal filter (close_through_traffic)")
    if before is not None:
        b = pd.to_numeric(before["daily_traffic"].reindex(out.index), errors="coerce").astype("Float64")
        out["daily_traffic_before"] = b
        out["traffic_change"] = (out["daily_traffic"] - b).astype("Float64")
    return out


def _street(edges: pd.DataFrame) -> pd.Series:
    """The street a segment belongs to: its name (else its road number), one spelling per street
    ("1e van der Kunstraat" and "1e Van der Kunstraat" are one street, shown as the commoner)."""
    from mobisim.names import fold_names

    name = edges["name"].astype("string") if "name" in edges.columns else pd.Series(pd.NA, index=edges.index, dtype="string")
    ref = edges["ref"].astype("string").str.upper() if "ref" in edges.columns else name
    street = name.fillna(ref)
    key = fold_names(street)
    known = street.notna() & key.notna()
    if not known.any():
        return street
    shown = (pd.DataFrame({"key": key[known], "street": street[known]}).value_counts()
             .reset_index().drop_duplicates("key").set_index("key")["street"])
    return key.map(shown).astype("string").where(known, street)


def moved(edges: pd.DataFrame, min_daily: float = 300.0, min_share: float = 0.1) -> np.ndarray:
    """Per segment: its traffic changes by at least ``min_daily`` vehicles a day *and* by at least
    ``min_share`` of its volume (the larger of before and after) — the changes larger than the
    assignment's convergence noise (``displacement_min_daily``, ``displacement_min_share``)."""
    if "traffic_change" not in edges.columns:
        return np.zeros(len(edges), dtype=bool)
    d = np.abs(pd.to_numeric(edges["traffic_change"], errors="coerce").to_numpy(dtype=float, na_value=np.nan))
    after = pd.to_numeric(edges["daily_traffic"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    before = (pd.to_numeric(edges["daily_traffic_before"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
              if "daily_traffic_before" in edges.columns else after)
    volume = np.fmax(np.nan_to_num(after), np.nan_to_num(before))
    return np.nan_to_num(d) >= np.maximum(min_daily, min_share * volume)


def displacement(edges: pd.DataFrame, settings: TrafficSettings, *, top: int = 15) -> pd.DataFrame:
    """Streets whose traffic changes between today and the scenario (``traffic_change``).

    Per street name, over its segments that change by more than the convergence noise
    (:func:`moved`): the length-weighted mean change, today's and the scenario's mean volume on that part, and its km.

    Returns
    -------
    pandas.DataFrame
        ``street``, ``change`` (vehicles a day), ``before``, ``after``, ``km``, sorted by the size
        of the change; the ``top`` gains and ``top`` losses.
    """
    if "traffic_change" not in edges.columns:
        return pd.DataFrame(columns=["street", "change", "before", "after", "km"])
    d = pd.to_numeric(edges["traffic_change"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    street = _street(edges)
    mask = moved(edges, settings.displacement_min_daily, settings.displacement_min_share) & street.notna().to_numpy()
    if not mask.any():
        return pd.DataFrame(columns=["street", "change", "before", "after", "km"])
    e = edges[mask]
    length = e["length"].to_numpy(dtype=float)
    after = pd.to_numeric(e["daily_traffic"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    before = pd.to_numeric(e["daily_traffic_before"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    f = pd.DataFrame({"street": street[mask].to_numpy(), "w": length, "wc": length * d[mask],
                      "wb": length * np.nan_to_num(before), "wa": length * np.nan_to_num(after)})
    g = f.groupby("street").sum()
    out = pd.DataFrame({"street": g.index, "change": (g["wc"] / g["w"]).round(-1).to_numpy(),
                        "before": (g["wb"] / g["w"]).round(-1).to_numpy(),
                        "after": (g["wa"] / g["w"]).round(-1).to_numpy(), "km": (g["w"] / 1000.0).round(2).to_numpy()})
    gains = out[out["change"] > 0].sort_values("change", ascending=False).head(top)
    losses = out[out["change"] < 0].sort_values("change").head(top)
    return pd.concat([gains, losses], ignore_index=True)


def traffic_summary(edges: pd.DataFrame, model: TrafficModel, *, top: int = 10) -> dict[str, Any]:
    """Figures of a model run on ``edges`` (the area judged): sources, medians by class, the
    busiest streets, rat runs."""
    e = edges
    length_km = e["length"].to_numpy(dtype=float) / 1000.0
    src = e["daily_traffic_source"].astype("string").fillna("default:class")
    fam = src.str.replace(r":.*$", "", regex=True).replace({"default": "class table"})
    drive = e["mode_drive"].to_numpy(dtype=bool)
    km_by_source = pd.Series(length_km[drive]).groupby(fam.to_numpy()[drive]).sum().round(1).to_dict()
    q = pd.to_numeric(e["daily_traffic"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    is_model = src.eq("model").to_numpy()
    hw = e["highway"].astype("string")
    medians = pd.Series(q[is_model]).groupby(hw.to_numpy()[is_model]).median().round(-1).dropna().to_dict()
    street = _street(e)
    busy = (pd.DataFrame({"street": street.to_numpy()[is_model], "q": q[is_model]}).dropna()
            .groupby("street")["q"].max().sort_values(ascending=False).head(top).round(-2))
    rat = e["rat_run"].to_numpy(dtype=bool) if "rat_run" in e.columns else np.zeros(len(e), bool)
    rat_streets = (pd.DataFrame({"street": street.to_numpy()[rat], "q": q[rat], "km": length_km[rat],
                                 "through": pd.to_numeric(e["traffic_through_min"], errors="coerce")
                                 .to_numpy(dtype=float, na_value=np.nan)[rat]})
                   .dropna(subset=["street"]).groupby("street").agg(q=("q", "max"), km=("km", "sum"),
                                                                   through=("through", "max"))
                   .sort_values("q", ascending=False))
    return {
        "model": dict(model.summary),
        "km_by_source": km_by_source,
        "median_daily_by_class": medians,
        "busiest": [{"street": s, "daily": float(v)} for s, v in busy.items()],
        "rat_runs": {"km": round(float(length_km[rat].sum()), 2), "streets": int(len(rat_streets)),
                     "top": [{"street": s, "daily": float(round(r.q, -1)), "km": round(float(r.km), 2),
                              "through_at_least": round(float(r.through), 2)}
                             for s, r in rat_streets.head(top).iterrows()]},
        "notes": list(model.notes),
    }
