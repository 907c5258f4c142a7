"""Today's state of a scenario's network, as ``mobisim run`` computes its *before*: the library
functions behind ``mobisim toets`` and ``mobisim schools``, so their figures equal the run's."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mobisim.errors import MobisimError
from mobisim.load.inputs import Inputs
from mobisim.network import Network
from mobisim.pipeline.scope import clip_to_area, mark_scope, use_school_register
from mobisim.pipeline.steps import apply_interventions, evaluate_rules, evaluate_schools, programme_on
from mobisim.pipeline.traffic import model_traffic_step
from mobisim.scenario import Scenario

if TYPE_CHECKING:
    from mobisim.schools import SchoolRoutes

__all__ = ["Before", "prepare", "today_network", "school_routes_today", "street_verdicts", "cached_street_verdicts",
           "cached_verdicts_entry", "verdict_candidates", "verdict_files", "run_before", "run_after"]


def prepare(sc: Scenario, inputs: Inputs, notes: list[str]) -> Network:
    """The loaded network clipped to the scenario's wijken, its area judged marked and the
    register's schools in place (:mod:`mobisim.pipeline.scope`); the loading notes go to ``notes``."""
    net = mark_scope(clip_to_area(inputs.net, sc, inputs), sc, inputs, notes)
    net = use_school_register(net, sc, inputs, notes)
    notes.extend(net.notes)  # e.g. ways that lost nodes of the file
    return net


def today_network(sc: Scenario, inputs: Inputs, notes: list[str]) -> Network:
    """:func:`prepare`, then today's traffic (:func:`model_traffic_step`, read from the cache after a run)."""
    net = prepare(sc, inputs, notes)
    model_traffic_step(net, sc, inputs, notes=notes)
    return net


def school_routes_today(sc: Scenario, inputs: Inputs, notes: list[str]) -> tuple[Network, SchoolRoutes]:
    """Today's network and school routes, exactly as ``mobisim run`` computes its *before* state.

    :func:`today_network`, the 8-jarigen-toets at today's limits (:func:`evaluate_rules` with
    ``proposal=False``) and :func:`evaluate_schools`.

    Raises
    ------
    MobisimError
        When the input holds no primary school.
    """
    net = today_network(sc, inputs, notes)
    evaluate_rules(net, sc, inputs, proposal=False)
    result = evaluate_schools(net, sc, inputs, notes)
    if result is None:
        raise MobisimError("schools: no primary school in the input (amenity=school, [schools] school_register "
                           "or schools_csv)")
    return net, result


def street_verdicts(sc: Scenario, inputs: Inputs, notes: list[str]) -> Network:
    """Today's network judged by the scenario's 30/50 rule and 8-jarigen-toets (a reviewer's view of
    every street: :func:`today_network`, then :func:`mobisim.rules.evaluate`)."""
    from mobisim.rules import evaluate

    net = today_network(sc, inputs, notes)
    evaluate(net, sc.rules, sc.toets, air_layer=inputs.air_layer)
    return net


def _paths(value: object) -> Iterator[Path]:
    """Every path in a dumped settings structure."""
    if isinstance(value, Path):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _paths(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _paths(v)


def verdict_candidates(sc: Scenario, osm: Sequence[Path] | None = None,
                       speed_limits: Path | None = None) -> list[tuple[str, Path]]:
    """Every file today's verdicts may rest on, by role, whether it exists or not: the OSM files
    (``--osm`` or the scenario's), a speed-limit layer, the default wijk polygons and every path
    the scenario names. A file that appears or goes away changes :func:`verdict_files`."""
    from mobisim.load.inputs import osm_paths
    from mobisim.load.paths import default_wijken_path

    files = [("osm", p) for p in osm_paths(sc, osm)]
    if speed_limits is not None:
        files.append(("speed_limits", Path(speed_limits)))
    files.append(("wijken", default_wijken_path()))
    return files + [("scenario", p) for p in _paths(sc.model_dump())]


def verdict_files(sc: Scenario, osm: Sequence[Path] | None = None,
                  speed_limits: Path | None = None) -> list[tuple[str, Path]] | None:
    """The files today's verdicts rest on, by role: the OSM files (``--osm`` or the scenario's),
    a speed-limit layer, the default wijk polygons and every file the scenario names (the
    :func:`verdict_candidates` that exist).

    ``None`` when the network is a place downloaded by name (no file to key a cache on), or when
    an OSM file or the speed-limit layer is not a file (the loader then says what is wrong).
    """
    candidates = verdict_candidates(sc, osm, speed_limits)
    named = [p for role, p in candidates if role in ("osm", "speed_limits")]
    if not any(role == "osm" for role, _ in candidates) or not all(p.is_file() for p in named):
        return None  # a place, or a file the loader will name as wrong
    return [(role, p) for role, p in candidates if role in ("osm", "speed_limits") or p.is_file()]


def cached_verdicts_entry(sc: Scenario, osm: Sequence[Path] | None, notes: list[str], *,
                          speed_limits: Path | None = None, speed_limits_column: str | None = None,
                          ) -> tuple[Network, str | None]:
    """:func:`cached_street_verdicts` and the key of its evaluated-network entry (``None`` when
    the inputs cannot key one: a place downloaded by name)."""
    import json

    from mobisim.load.cache import read_verdicts, verdicts_key, write_verdicts
    from mobisim.load.inputs import load_inputs

    files = verdict_files(sc, osm, speed_limits)
    key = None
    if files is not None:
        settings = json.dumps({"scenario": sc.model_dump(mode="json", exclude={"name", "description"}),
                               "speed_limits_column": speed_limits_column}, sort_keys=True)
        key = verdicts_key(files, settings)
        cached = read_verdicts(key)
        if cached is not None:
            net, judged_notes = cached
            net.sources = [str(p) for role, p in files if role == "osm"]  # the files as named this time
            notes.extend(judged_notes)
            return net, key
    inputs = load_inputs(sc, list(osm) if osm else None, speed_limits=speed_limits,
                         speed_limits_column=speed_limits_column, parking=False)
    judged: list[str] = []
    net = street_verdicts(sc, inputs, judged)
    notes.extend(judged)
    if key is not None:
        write_verdicts(key, net, judged)
    return net, key


def cached_street_verdicts(sc: Scenario, osm: Sequence[Path] | None, notes: list[str], *,
                           speed_limits: Path | None = None, speed_limits_column: str | None = None) -> Network:
    """:func:`street_verdicts` of the scenario's inputs, read from the evaluated-network cache when
    the same files, effective settings and code were judged before (then nothing is loaded).

    The cache holds the judged edges and nodes (:func:`mobisim.load.cache.read_verdicts`); a
    damaged entry is judged again and replaced with one warning. The inputs are read as
    ``mobisim toets`` reads them (:func:`mobisim.load.load_inputs` with ``parking=False``).
    """
    return cached_verdicts_entry(sc, osm, notes, speed_limits=speed_limits,
                                 speed_limits_column=speed_limits_column)[0]


@dataclass
class Before:
    """Today's state as ``mobisim run`` judges its *before*, and what its *after* starts from.

    Attributes
    ----------
    net
        Today's network judged (:func:`evaluate_rules` with ``proposal=False``).
    base
        An unjudged copy of it with today's traffic: the network the interventions apply to.
    modelled
        Whether the traffic model ran (the after is then modelled again).
    """

    net: Network
    base: Network
    modelled: bool


def run_before(sc: Scenario, inputs: Inputs, notes: list[str]) -> Before:
    """Today's network as ``mobisim run`` judges its before: :func:`prepare`, today's traffic,
    the toets at today's limits; with an unjudged copy for :func:`run_after`."""
    net = prepare(sc, inputs, notes)
    modelled = model_traffic_step(net, sc, inputs, notes=notes) is not None
    base = apply_interventions(net, sc.model_copy(update={"interventions": []}))  # a copy, not judged
    evaluate_rules(net, sc, inputs, proposal=False)
    return Before(net=net, base=base, modelled=modelled)


def run_after(before: Before, sc: Scenario, inputs: Inputs, notes: list[str]) -> Network:
    """The scenario's network as ``mobisim run`` judges its after (the interventions of ``sc``).

    The same steps as :func:`mobisim.pipeline.run.evaluate`: today's school routes (their
    children order the calming plan), the interventions, then the 30/50 regime (with the
    programme), the traffic again, the driven speeds and the toets at them. ``before.net``
    gains the school-route columns.
    """
    evaluate_schools(before.net, sc, inputs, notes)
    edges = before.net.edges
    children = edges["school_route_children"] if "school_route_children" in edges.columns else None
    after = apply_interventions(before.base, sc)
    return evaluate_rules(after, sc, inputs, proposal=programme_on(sc),
                          traffic_before=edges if before.modelled else None, notes=notes,
                          limits_before=edges["maxspeed"], children=children)
