"""The traffic step of a run: the model's volumes on a network (:mod:`mobisim.traffic`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mobisim.errors import MobisimError
from mobisim.load.cache import read_traffic_cache, write_traffic_cache
from mobisim.load.inputs import Inputs
from mobisim.network import Network
from mobisim.scenario import Scenario

if TYPE_CHECKING:
    from mobisim.traffic import TrafficModel, TrafficSettings
    from mobisim.traffic.zones import Zones

__all__ = ["model_traffic_step", "speed_response"]


def _apply_counts(net: Network, inputs: Inputs, notes: list[str] | None) -> None:
    """Today's counted volumes on the streets the counts name (``[data] traffic_counts``)."""
    from mobisim import traffic

    if inputs.traffic_counts is None:
        return
    name = inputs.traffic_counts_name
    net.edges, unmatched = traffic.apply_counts(net.edges, inputs.traffic_counts, name)
    if unmatched and notes is not None:
        notes.append(f"traffic counts: {len(unmatched)} street(s) of {name} match no car road "
                     f"of the network: {', '.join(unmatched[:5])}")


def speed_response(net: Network, scenario: Scenario, redesigned: np.ndarray | None) -> float | np.ndarray:
    """How far drivers follow a limit change: the redesign response on redesigned segments
    (default: ``driven_speed_basis`` design/redesign), the sign-only response elsewhere (central)."""
    scores = scenario.scores
    if redesigned is None and "driven_speed_basis" in net.edges.columns:
        from mobisim.rules.driven_speed import ENFORCED_BASES, basis_mask

        redesigned = basis_mask(net.edges, ENFORCED_BASES)
    response: float | np.ndarray = scores.speed_response_sign_only.central
    if redesigned is not None:
        response = np.where(np.asarray(redesigned, dtype=bool), scores.speed_response_redesign.central, response)
    return response


def _skip(net: Network, why: str, notes: list[str] | None, more: list[str] | tuple[str, ...] = ()) -> None:
    """Leave the class table of daily traffic on every road, without stale modelled volumes."""
    if notes is not None:
        notes.append(f"traffic model skipped: {why}, so every road keeps the class table of daily traffic")
        notes.extend(f"traffic model: {n}" for n in more)
    net.traffic = None
    e = net.edges
    if "daily_traffic_source" in e.columns:  # no stale volumes of an earlier run (today's)
        stale = e["daily_traffic_source"].astype("string").eq("model").fillna(False).to_numpy(dtype=bool)
        if stale.any():
            e = e.copy()
            e.loc[stale, "daily_traffic"] = pd.NA
            e.loc[stale, "daily_traffic_source"] = "default:class"
            net.edges = e


def _residents(net: Network, scenario: Scenario) -> tuple[float, str | None]:
    """The residents whose trips the model spreads, and a note when that figure is an estimate.

    The default is the municipality's population: the area judged holds its share of it; a figure
    the scenario sets is the population of its area as it is.
    """
    ts = scenario.traffic
    share = 1.0 if "residents_total" in ts.model_fields_set else net.area_share
    residents = ts.residents_total * (share if share is not None else 1.0)
    if share is None:
        return residents, (f"traffic model: the input lies outside Den Haag's wijken; its homes hold "
                           f"[traffic] residents_total = {ts.residents_total:,.0f} residents (Den Haag's): set it "
                           "for this place")
    if share < 1.0:
        return residents, (f"traffic model: the area judged covers {100 * share:.1f} % of the municipality's "
                           f"area, so its homes hold that share of [traffic] residents_total: {residents:,.0f} "
                           "residents (an estimate)")
    return residents, None


def model_traffic_step(net: Network, scenario: Scenario, inputs: Inputs | None = None, *,
                       limit_column: str = "maxspeed", before: pd.DataFrame | None = None,
                       notes: list[str] | None = None, redesigned: np.ndarray | None = None) -> TrafficModel | None:
    """Run the traffic model on ``net`` and write its volumes (:mod:`mobisim.traffic`).

    The drivers see ``limit_column`` (``proposed_maxspeed`` for the programme); ``before``
    (today's edges) adds ``daily_traffic_before`` and ``traffic_change``. Where the limit changes,
    drivers follow it by ``[scores] speed_response_redesign`` on ``redesigned`` segments (default:
    ``driven_speed_basis`` design/redesign) and by ``speed_response_sign_only`` elsewhere (central
    values). A run with the same links, zones, settings and code is read from the cache
    (:func:`mobisim.load.read_traffic_cache`). Without homes in the input, or with
    ``[traffic] enabled = false``, the segments keep the class table and a note says so.

    Parameters
    ----------
    net
        The network (its ``edges`` and ``traffic`` are replaced).
    scenario
        ``traffic`` and ``scores`` settings.
    inputs
        ``traffic_counts`` put today's counted volumes on today's network (``before`` is ``None``).
    limit_column, before, notes, redesigned
        As above; ``notes`` receives the model's caveats.

    Returns
    -------
    mobisim.traffic.TrafficModel or None
        Also kept as ``net.traffic``.
    """
    from mobisim import traffic

    ts = scenario.traffic
    if inputs is not None and before is None:  # today's network; the scenario's copies the counts
        _apply_counts(net, inputs, notes)
    if not ts.enabled:
        net.traffic = None
        return None
    today = before["maxspeed"].reindex(net.edges.index) if before is not None and "maxspeed" in before else None
    links = traffic.car_links(net.edges, ts, limit_column=limit_column,
                              speed_response=speed_response(net, scenario, redesigned), today_limits=today)
    if len(links) == 0:
        _skip(net, "the input has no car roads", notes)
        return None
    residents, residents_note = _residents(net, scenario)
    zones = traffic.build_zones(net, links, ts, residents=residents)
    if zones.table["residents"].sum() <= 0:
        _skip(net, "the input has no homes (residential buildings or landuse) connected to the car network",
              notes, zones.notes)
        return None
    if zones.table["attraction_units"].sum() <= 0 and not (zones.table["kind"] == "gateway").any():
        _skip(net, "no destination (shops, services, jobs) and no main road leaving the network can be reached "
              "from the homes", notes, zones.notes)
        return None
    if notes is not None and residents_note:
        notes.append(residents_note)
    model = _assigned(net, links, zones, ts)
    net.edges = traffic.write_traffic(net.edges, model, before=before)
    net.traffic = model
    if notes is not None:
        notes.extend(f"traffic model: {n}" for n in model.notes)
    return model


def _assigned(net: Network, links: pd.DataFrame, zones: Zones, ts: TrafficSettings) -> TrafficModel:
    """The assignment of ``links`` and ``zones``: from the cache, else run and cached."""
    from mobisim import traffic

    key = traffic.model_key(links, zones, ts, net.edges)
    model = read_traffic_cache(key)
    if model is not None:
        return model
    try:
        model = traffic.model_traffic(net, links, zones, ts, key=key)
    except MobisimError:
        raise
    except Exception as exc:  # noqa: BLE001 - AequilibraE/numpy failures become one clear line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MobisimError(f"traffic model ({', '.join(map(str, net.sources)) or 'input'}): {first}") from None
    write_traffic_cache(model)
    return model
