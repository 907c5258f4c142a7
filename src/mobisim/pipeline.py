"""The whole run: scenario file → scores, maps and a report.

``run_scenario`` chains named steps, each a small function:

1. :func:`load_inputs` — :func:`mobisim.load.load_network` on the scenario's OSM files, then
   :func:`clip_to_area` (the scenario's ``area.wijken``);
2. :func:`model_traffic_step` — the traffic model today (:mod:`mobisim.traffic`): every segment's
   daily traffic from a network assignment; then :func:`apply_interventions` — the scenario's
   interventions on a copy ("after");
3. :func:`evaluate_rules` — 8-jarigen-toets and 30/50 regime: *before* judges today's network at
   today's limits, *after* judges the scenario network at the proposed limits (or at today's
   limits when the scenario has ``programme = false``, the baseline);
4. :func:`evaluate_schools` — school routes and weakest links, before and after;
5. :func:`evaluate_parking_step` — the permit cap and the street space it frees (after);
6. :func:`compute_scores` — :mod:`mobisim.score` on before/after;
7. :func:`render_outputs` — ``map.html``, ``layers.gpkg``, ``scores.json``, ``report.md/html``.

Everything is computed before the first file is written, and every file is written atomically,
so a bad input leaves no partial output.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim import ATTRIBUTION
from mobisim.errors import InputFileError, MobisimError

__all__ = [
    "RunResult",
    "run_scenario",
    "load_inputs",
    "apply_speed_limit_file",
    "with_speed_limits",
    "clip_to_area",
    "mark_scope",
    "programme_on",
    "today_regime",
    "use_school_register",
    "apply_interventions",
    "evaluate_rules",
    "model_traffic_step",
    "evaluate_schools",
    "evaluate_parking_step",
    "compute_scores",
    "render_outputs",
    "scenario_name",
    "resolve_run_dir",
    "compare_runs",
]

OUTPUT_FILES = ("map.html", "layers.gpkg", "scores.json", "report.md", "report.html")


@dataclass
class RunResult:
    """What :func:`run_scenario` produced.

    Attributes
    ----------
    name : str
        Scenario name (also the output folder name).
    out_dir : Path
        Folder with the outputs.
    paths : dict of str to Path
        Output file per kind (``map``, ``gpkg``, ``scores``, ``report_md``, ``report_html``).
    scores : dict
        The scores as written to ``scores.json``.
    before, after : Network
        Today's network and the scenario network, with all verdict columns.
    schools_before, schools_after : mobisim.schools.SchoolRoutes or None
    parking : mobisim.parking.ParkingResult or None
    timings : dict of str to float
        Wall time per step (seconds).
    notes : list of str
        Caveats from the steps (missing data, skipped parts).
    """

    name: str
    out_dir: Path
    paths: dict[str, Path]
    scores: dict[str, Any]
    before: Any
    after: Any
    schools_before: Any = None
    schools_after: Any = None
    parking: Any = None
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# progress


class _Steps:
    """Time each step and show it as a rich progress line on stderr (when enabled)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.timings: dict[str, float] = {}
        self._progress = None
        if enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                      console=Console(stderr=True), transient=False)

    def __enter__(self) -> _Steps:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.stop()

    @contextmanager
    def step(self, key: str, label: str) -> Iterator[None]:
        task = self._progress.add_task(label, total=1) if self._progress is not None else None
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[key] = time.perf_counter() - t0
            if task is not None:
                self._progress.update(task, completed=1, description=f"{label} [dim]({self.timings[key]:.1f} s)[/]")


# --------------------------------------------------------------------------------------------
# scenario access


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    """First attribute (or mapping key) of ``names`` present on ``obj``."""
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if not isinstance(obj, dict) and getattr(obj, name, None) is not None:
            return getattr(obj, name)
    return default


def load_scenario_any(scenario: Any) -> Any:
    """Return a scenario object: load a path with :func:`mobisim.scenario.load_scenario`."""
    if isinstance(scenario, (str, Path)):
        path = Path(scenario)
        if not path.exists():
            raise InputFileError(f"{path}: scenario file not found")
        from mobisim.scenario import load_scenario

        return load_scenario(path)
    return scenario


def scenario_name(scenario: Any) -> str:
    """The scenario's name (its ``name``, else the file stem)."""
    name = _get(scenario, "name")
    if not name:
        path = _get(scenario, "path", "source")
        name = Path(path).stem if path else "scenario"
    return str(name)


def _settings(scenario: Any, key: str, cls_path: str) -> Any:
    """The scenario's settings model for ``key`` (a dict is validated), else the documented default."""
    module, cls = cls_path.rsplit(".", 1)
    model = getattr(importlib.import_module(module), cls)
    value = _get(scenario, key, f"{key}_settings")
    if value is None:
        value = _get(_get(scenario, "settings", default={}), key)
    if isinstance(value, dict):
        from pydantic import ValidationError

        try:
            return model.model_validate(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ()))
            raise MobisimError(f"scenario {scenario_name(scenario)}: {key}.{where}: {first.get('msg')}") from None
    return value if value is not None else model()


def _as_paths(value: Any) -> list[Path]:
    if value is None:
        return []
    if isinstance(value, (str, Path)):
        return [Path(value)]
    return [Path(v) for v in value]


def _osm_paths(scenario: Any, osm_override: list[str | Path] | None) -> list[Path]:
    """Street file first, then feature files: ``--osm``, else the scenario's ``osm`` / ``data.osm``
    (plus ``buildings`` / ``features`` files when the scenario names them)."""
    if osm_override:
        return [Path(p) for p in osm_override]
    data = _get(scenario, "data", "inputs", default=scenario)
    paths = _as_paths(_get(data, "osm", "osm_files") or _get(scenario, "osm", "osm_files"))
    for extra in ("buildings", "features", "feature_files"):
        paths += [p for p in _as_paths(_get(data, extra)) if p not in paths]
    if not paths:
        raise MobisimError(f"scenario {scenario_name(scenario)}: no OSM input (set data.osm in the scenario or "
                           f"pass --osm)")
    return paths


# --------------------------------------------------------------------------------------------
# steps


def load_inputs(
    scenario: Any,
    osm_override: list[str | Path] | None = None,
    *,
    progress: bool = False,
    speed_limits: str | Path | None = None,
    speed_limits_column: str | None = None,
) -> Any:
    """Load the scenario's street network (the first file) and feature files (the rest).

    ``--osm`` files replace the scenario's ``data.osm`` (and ``data.buildings``); a scenario with
    ``data.place`` downloads the place once (osmnx) when no file is given. A speed-limit layer
    (``speed_limits``, else the scenario's ``data.speed_limits``) is applied to the network as
    loaded — after the processed-network cache, which never holds it — by
    :func:`apply_speed_limit_file`; ``speed_limits_column`` (else ``data.speed_limits_column``,
    else ``maxspeed``) names its limit column. The layer is read and checked *before* the network
    is loaded (a cold load of the city takes ~40 s), so a bad layer file fails at once; a
    ``speed_limits_column`` with no layer at all is an error
    (:func:`mobisim.load.speedlimits.check_speed_limits_column`).
    """
    from mobisim.load import load_network, read_speed_limits
    from mobisim.load.speedlimits import check_speed_limits_column

    data = _get(scenario, "data", default={})
    layer_path = speed_limits if speed_limits is not None else _get(data, "speed_limits")
    check_speed_limits_column(speed_limits_column, layer_path)
    place = None
    if not osm_override:
        place = _get(data, "place")
    paths = [] if place and not osm_override else _osm_paths(scenario, osm_override)
    for p in paths:
        if not p.exists():
            raise InputFileError(f"{p}: OSM file not found")
    layer = None
    if layer_path is not None:
        column = speed_limits_column or _get(data, "speed_limits_column") or "maxspeed"
        layer = read_speed_limits(layer_path, column)  # fails fast, before the network load
    net = load_network(paths, place=place, cache=True, progress=progress)
    if layer is None:
        return net
    return apply_speed_limit_file(net, layer)[0]


def apply_speed_limit_file(net: Any, path: Any, column: str = "maxspeed") -> tuple[Any, Any]:
    """Read a speed-limit layer and apply it (``--speed-limits`` / ``[data] speed_limits``).

    Parameters
    ----------
    net : mobisim.network.Network
        The network as loaded.
    path : str, Path or mobisim.load.speedlimits.SpeedLimitLayer
        Lines with a limit column or a CSV of street names (:func:`mobisim.load.read_speed_limits`),
        or a layer already read that way (read it before loading the network to fail fast).
    column : str
        The limit column (of a file; a layer already read has its own).

    Returns
    -------
    net : mobisim.network.Network
        A copy with the layer's limits where the class defaults were
        (:func:`mobisim.load.speedlimits.apply_speed_limits`).
    match : mobisim.load.speedlimits.SpeedLimitMatch
        What was matched and set.
    """
    from mobisim.load import read_speed_limits
    from mobisim.load.speedlimits import SpeedLimitLayer, apply_speed_limits

    layer = path if isinstance(path, SpeedLimitLayer) else read_speed_limits(path, column)
    return apply_speed_limits(net, layer)


def with_speed_limits(scenario: Any, path: str | Path, column: str | None = None) -> Any:
    """A copy of a loaded scenario whose ``data.speed_limits`` is ``path`` (``mobisim run
    --speed-limits``); ``column`` replaces ``data.speed_limits_column`` when given."""
    from mobisim.scenario import DataSettings

    update: dict[str, Any] = {"speed_limits": Path(path)}
    if column:
        update["speed_limits_column"] = column
    data = _get(scenario, "data")
    if data is None:  # the files come from --osm: a carrier for the layer only
        data = DataSettings.model_construct(osm=None, place=None, buildings=[], **update)
    else:
        data = data.model_copy(update=update)
    return scenario.model_copy(update={"data": data})


def clip_to_area(net: Any, scenario: Any) -> Any:
    """Clip the network to the scenario's ``area.wijken`` (unchanged when the list is empty)."""
    names = list(_get(_get(scenario, "area", default={}), "wijken", default=[]) or [])
    if not names:
        return net
    from mobisim.load.areas import load_wijken, select_areas

    chosen = select_areas(load_wijken(), names)
    return net.clip(chosen.geometry.union_all(), label=f"wijken {', '.join(chosen['name'])}")


def mark_scope(net: Any, scenario: Any, notes: list[str] | None = None) -> Any:
    """Mark the segments the scenario judges (``in_area``, :func:`mobisim.load.areas.mark_area`).

    The area is ``area.boundary`` (a polygon file), else the scenario's ``area.wijken``, else
    the municipality: the union of the 44 wijken in the shared folder. A boundary the scenario
    names must overlap the network (else :class:`~mobisim.errors.InputFileError`); when the
    default wijken are missing or lie elsewhere (another city's file), every segment is judged
    and a note says so.
    """
    import shapely

    from mobisim.load.areas import default_wijken_path, load_boundary, load_wijken, mark_area, select_areas

    area = _get(scenario, "area", default={})
    boundary = _get(area, "boundary")
    names = list(_get(area, "wijken", default=[]) or [])
    tolerance = float(_get(area, "boundary_tolerance_m", default=0.0))
    bounds = shapely.box(*net.edges.total_bounds)
    if boundary is not None:
        geom, label = load_boundary(boundary).geometry.union_all(), str(boundary)
    elif names:
        geom, label = select_areas(load_wijken(), names).geometry.union_all(), f"the wijken {', '.join(names)}"
    elif default_wijken_path().exists():
        geom, label = load_wijken().geometry.union_all(), None
    else:
        geom, label = None, None
        if notes is not None:
            notes.append(f"municipal boundary not found ({default_wijken_path()}): every segment of the input "
                         "is judged, also any outside the municipality")
    if geom is not None and not geom.intersects(bounds):
        if label is not None:
            raise InputFileError(f"{label}: the area does not overlap the network "
                                 f"({', '.join(map(str, net.sources)) or 'input'})")
        geom = None
        if notes is not None:
            notes.append("the input lies outside Den Haag's wijken: every segment of the input is judged "
                         "(set area.boundary to judge a part of it)")
    net = mark_area(net, geom, tolerance_m=tolerance)
    inside = net.edges["in_area"].to_numpy(dtype=bool)
    if geom is not None and not (inside & net.edges["is_road"].to_numpy(dtype=bool)).any():
        raise InputFileError(f"{label or default_wijken_path()}: no street of the network lies inside the area "
                             f"({', '.join(map(str, net.sources)) or 'input'})")
    net.area_label = label or ("the municipality (the 44 wijken)" if geom is not None else "the whole input")
    net.area_share = _municipal_share(geom, net, muni=geom if boundary is None and not names else None)
    return net


def _municipal_share(geom: Any, net: Any, *, muni: Any = None) -> float | None:
    """The share of the municipality's area (the wijken union, ``muni`` when already loaded) that
    the area judged covers *and* the network reaches (its convex hull: a small extract is a small
    part of the city); ``None`` when there is no area or no overlap with the municipality."""
    from mobisim.load.areas import default_wijken_path, load_wijken

    if geom is None or (muni is None and not default_wijken_path().exists()):
        return None
    if muni is None:  # the municipality, when the area judged is not itself the municipality
        muni = load_wijken().geometry.union_all()
    import shapely

    hull = shapely.multipoints(shapely.get_coordinates(net.edges.geometry.to_numpy())).convex_hull
    share = float(geom.intersection(muni).intersection(hull).area / muni.area) if muni.area > 0 else 0.0
    if share <= 0:
        return None
    return 1.0 if share >= 0.99 else share  # the whole municipality, to the outline's precision


def use_school_register(net: Any, scenario: Any, notes: list[str] | None = None) -> Any:
    """With ``[schools] school_register``, the register's primary-school buildings replace the
    primary schools OSM gives in ``net.features`` (:func:`mobisim.schools.register_schools`), so
    that criterion C2 and the school routes judge the same schools. OSM schools that are not
    primary stay as they are (kind ``school``)."""
    from mobisim import schools

    s = _settings(scenario, "schools", "mobisim.schools.SchoolSettings")
    if s.school_register is None:
        return net
    points = schools.school_points(net, s)
    f = net.features
    osm_primary = (f["kind"].eq("school") & f["primary_school"].astype(bool)).to_numpy() if len(f) else []
    kept = f[~osm_primary] if len(f) else f
    added = gpd.GeoDataFrame({
        "kind": "school", "subkind": pd.array(["register"] * len(points), dtype="string"),
        "name": pd.array(points["name"].astype(str).to_numpy(), dtype="string"),
        "osm_type": "register", "osm_id": -1 - pd.RangeIndex(len(points)).to_numpy(),
        "brin": pd.array(points["brin"].astype(str).to_numpy(), dtype="string"),
        "capacity": pd.array(points["pupils"].round().astype("int64").to_numpy(), dtype="Int64"),
        "primary_school": True, "primary_source": points["source"].to_numpy(),
    }, geometry=points.geometry.to_numpy(), crs=f.crs or points.crs)
    net.features = gpd.GeoDataFrame(pd.concat([kept, added], ignore_index=True), geometry="geometry", crs=added.crs)
    if notes is not None:
        notes.extend(points.attrs.get("notes", []))
        notes.append(f"primary schools: the {len(points)} primary-school buildings of the register "
                     f"({Path(s.school_register).name}) replace OSM's {int(sum(osm_primary))} for criterion C2 and "
                     "the school routes")
    return net


def apply_interventions(net: Any, scenario: Any) -> Any:
    """A copy of ``net`` with the scenario's interventions applied ("after").

    Uses :func:`mobisim.scenario.interventions.apply_interventions` on ``scenario.interventions`` (an empty
    list still returns a copy with the intervention columns).
    """
    from mobisim.scenario import interventions

    return interventions.apply_interventions(net, list(_get(scenario, "interventions", default=[]) or []))


def programme_on(scenario: Any) -> bool:
    """Whether the scenario applies the programme's 30/50 rule (``programme``; default on for
    scenarios without the flag)."""
    value = _get(scenario, "programme")
    return True if value is None else bool(value)


def today_regime(net: Any, scenario: Any) -> Any:
    """Regime columns for a run without the programme (the baseline): today's limits as they are.

    ``regime`` is the class of today's limit (``30`` for ≤ 30 incl. 15, ``50`` for 31–50),
    ``outside_area`` outside the area judged (``in_area``),
    ``out_of_scope`` for the classes outside the urban rule (:class:`mobisim.rules.RuleSettings`
    ``out_of_scope_classes``) and limits above 50, ``not_road`` for segments that are not motor
    roads; ``proposed_maxspeed`` equals ``maxspeed``; rule ``B0-today`` with the reason.
    """
    import numpy as np
    import pandas as pd

    rs = _settings(scenario, "rules", "mobisim.rules.RuleSettings")
    e = net.edges
    limit = pd.to_numeric(e["maxspeed"], errors="coerce").astype("Float64")
    is_road = e["is_road"].astype(bool).to_numpy() if "is_road" in e.columns else limit.notna().to_numpy()
    out_class = e["highway"].isin(list(getattr(rs, "out_of_scope_classes", []))).to_numpy()
    lim = limit.to_numpy(dtype=float, na_value=np.nan)
    inside = e["in_area"].to_numpy(dtype=bool) if "in_area" in e.columns else np.ones(len(e), dtype=bool)
    regime = np.select([~inside, ~is_road, out_class | (lim > 50), lim <= 30, lim <= 50],
                       ["outside_area", "not_road", "out_of_scope", "30", "50"], "out_of_scope")
    text = np.where(np.isnan(lim), "unknown", np.char.mod("%d", np.nan_to_num(lim).astype(int)))
    reason = np.where(regime == "not_road", "not a motor road",
                      np.where(regime == "outside_area", "outside the area judged (the municipality): not judged",
                               np.char.add(np.char.add("today's limit ", text),
                                           " km/h (no 30/50 programme in this scenario)")))
    net.edges = e.assign(regime=pd.array(regime, dtype="string"), proposed_maxspeed=e["maxspeed"],
                         regime_rule=pd.array(np.full(len(e), "B0-today"), dtype="string"),
                         regime_reason=pd.array(reason, dtype="string"))
    return net


def model_traffic_step(net: Any, scenario: Any, *, limit_column: str = "maxspeed", before: Any = None,
                       notes: list[str] | None = None, redesigned: Any = None) -> Any:
    """Run the traffic model on ``net`` and write its volumes (:mod:`mobisim.traffic`).

    The drivers see ``limit_column`` (``proposed_maxspeed`` for the programme); ``before``
    (today's edges) adds ``daily_traffic_before`` and ``traffic_change``. Where the limit changes,
    drivers follow it by ``[scores] speed_response_redesign`` on ``redesigned`` segments (default:
    ``driven_speed_basis`` design/redesign, :func:`driven_speed_step`) and by
    ``speed_response_sign_only`` elsewhere (central values). A run with the same
    links, zones, settings and code is read from the cache (:func:`mobisim.load.read_traffic_cache`).
    Without homes in the input, or with ``[traffic] enabled = false``, the segments keep the class
    table and a note says so.

    Returns
    -------
    mobisim.traffic.TrafficModel or None
        Also kept as ``net.traffic``.
    """
    from mobisim import traffic
    from mobisim.load import read_traffic_cache, write_traffic_cache

    ts = _settings(scenario, "traffic", "mobisim.traffic.TrafficSettings")
    counts_path = _get(_get(scenario, "data", default={}), "traffic_counts")
    if counts_path is not None and before is None:  # today's network; the scenario's copies them
        from mobisim.load import read_traffic_counts

        net.edges, unmatched = traffic.apply_counts(net.edges, read_traffic_counts(counts_path),
                                                    Path(counts_path).name)
        if unmatched and notes is not None:
            notes.append(f"traffic counts: {len(unmatched)} street(s) of {Path(counts_path).name} match no car road "
                         f"of the network: {', '.join(unmatched[:5])}")
    if not ts.enabled:
        net.traffic = None
        return None
    # drivers choose routes by the speed they drive: the limit change followed by the sign-only
    # response, or by the redesign response where the street is redesigned (central values)
    score_s = _settings(scenario, "scores", "mobisim.score.ScoreSettings")
    if redesigned is None and "driven_speed_basis" in net.edges.columns:
        from mobisim.rules.driven_speed import ENFORCED_BASES, basis_mask

        redesigned = basis_mask(net.edges, ENFORCED_BASES)
    response: Any = score_s.speed_response_sign_only.central
    if redesigned is not None:
        response = np.where(np.asarray(redesigned, dtype=bool), score_s.speed_response_redesign.central, response)
    today = before["maxspeed"].reindex(net.edges.index) if before is not None and "maxspeed" in before else None
    links = traffic.car_links(net.edges, ts, limit_column=limit_column, speed_response=response, today_limits=today)

    def skip(why: str, more: list[str] | tuple[str, ...] = ()) -> None:
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

    if len(links) == 0:
        skip("the input has no car roads")
        return None
    # the default is the municipality's population: the area judged holds its share; a figure the
    # scenario sets is the population of its area as it is
    share = 1.0 if "residents_total" in ts.model_fields_set else getattr(net, "area_share", 1.0)
    residents = ts.residents_total * (share if share is not None else 1.0)
    zones = traffic.build_zones(net, links, ts, residents=residents)
    if zones.table["residents"].sum() <= 0:
        skip("the input has no homes (residential buildings or landuse) connected to the car network", zones.notes)
        return None
    if zones.table["attraction_units"].sum() <= 0 and not (zones.table["kind"] == "gateway").any():
        skip("no destination (shops, services, jobs) and no main road leaving the network can be reached from the "
             "homes", zones.notes)
        return None
    if notes is not None and share is None:
        notes.append(f"traffic model: the input lies outside Den Haag's wijken; its homes hold "
                     f"[traffic] residents_total = {ts.residents_total:,.0f} residents (Den Haag's): set it for "
                     "this place")
    elif notes is not None and share < 1.0:
        notes.append(f"traffic model: the area judged covers {100 * share:.1f} % of the municipality's area, so its "
                     f"homes hold that share of [traffic] residents_total: {residents:,.0f} residents (an estimate)")
    key = traffic.model_key(links, zones, ts, net.edges)
    model = read_traffic_cache(key)
    if model is None:
        try:
            model = traffic.model_traffic(net, links, zones, ts, key=key)
        except MobisimError:
            raise
        except Exception as exc:  # noqa: BLE001 - AequilibraE/numpy failures become one clear line
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise MobisimError(f"traffic model ({', '.join(map(str, net.sources)) or 'input'}): {first}") from None
        write_traffic_cache(model)
    net.edges = traffic.write_traffic(net.edges, model, before=before)
    net.traffic = model
    if notes is not None:
        notes.extend(f"traffic model: {n}" for n in model.notes)
    return model


def evaluate_rules(net: Any, scenario: Any, *, proposal: bool, traffic_before: Any = None,
                   notes: list[str] | None = None, limits_before: Any = None, children: Any = None) -> Any:
    """8-jarigen-toets (and, for the proposal, the 30/50 regime) on ``net``.

    ``proposal=False`` (before, or a scenario without the programme): the toets at today's limits
    (``maxspeed``) and :func:`today_regime`. ``proposal=True`` (after, programme on):
    :func:`mobisim.rules.evaluate` decides the proposed limits (judging crossings at today's
    limits for criterion C4, and noise and air at today's traffic), then the toets is judged
    again at the proposed limits (``proposed_maxspeed``).

    With ``traffic_before`` (today's edges, carrying the model's volumes) the traffic is modelled
    again on ``net`` before the final toets — with the scenario's closures, fietsstraten and the
    proposed limits — so the toets judges the traffic after the change
    (:func:`model_traffic_step`).

    With ``limits_before`` (today's ``maxspeed``, aligned on ``edge_id``) the final toets judges
    the *driven* speed instead of the limit (:func:`driven_speed_step`): a lowered limit with
    only a new sign keeps a residual speed, a redesigned street is driven at its limit.
    ``children`` (today's school-route children per segment) orders the calming plan.
    """
    from mobisim import rules
    from mobisim.rules import toets

    rs = _settings(scenario, "rules", "mobisim.rules.RuleSettings")
    ts = _settings(scenario, "toets", "mobisim.rules.toets.ToetsSettings")
    limit_column = "proposed_maxspeed" if proposal else "maxspeed"
    if proposal:
        rules.evaluate(net, rs, ts)
    if limits_before is not None:  # the plan is ordered by today's traffic; drivers then see the driven speeds
        driven_speed_step(net, scenario, limits_before, limit_column=limit_column, children=children)
    if traffic_before is not None:
        model_traffic_step(net, scenario, limit_column=limit_column, before=traffic_before, notes=notes)
    if limits_before is not None:
        toets.evaluate_toets(net, ts, speed_column="driven_speed")
    else:
        toets.evaluate_toets(net, ts, speed_column=limit_column)
    return net if proposal else today_regime(net, scenario)


def driven_speed_step(net: Any, scenario: Any, limits_before: Any, *, limit_column: str,
                      children: Any = None) -> Any:
    """Driven speeds and the calming plan's redesign years on ``net`` (in place).

    Adds ``limit_before`` (today's limit), ``redesign_year`` (Int64: the year the calming plan
    redesigns the segment; NA = not in the plan), ``driven_speed_sign_only`` (what drivers keep
    with the new sign alone) and ``driven_speed`` / ``driven_speed_basis`` /
    ``driven_speed_reason`` at the horizon (:mod:`mobisim.rules.driven_speed`).
    """
    from mobisim.load.areas import inside
    from mobisim.rules import driven_speed as ds
    from mobisim.rules.noise import estimate_daily_traffic

    s = _get(scenario, "driven_speed") or ds.DrivenSpeedSettings()
    plan = _get(scenario, "calming_plan") or ds.CalmingPlan()
    horizon = int(_get(scenario, "horizon", default=2030))
    e = net.edges
    l0 = pd.to_numeric(pd.Series(limits_before).reindex(e.index), errors="coerce").to_numpy(dtype=float)
    l1 = pd.to_numeric(e[limit_column], errors="coerce").to_numpy(dtype=float)
    sign = ds.driven_speeds(e, net.nodes, l0, l1, s)
    cand = ds.candidates_for_plan(e, net.nodes, l0, l1, s) & inside(e)
    score_s = _settings(scenario, "scores", "mobisim.score.ScoreSettings")
    volume = estimate_daily_traffic(e, score_s.exposure_vehicles_per_day, score_s.exposure_other_vehicles_per_day)
    kids = None if children is None else \
        pd.to_numeric(pd.Series(children).reindex(e.index), errors="coerce").fillna(0).to_numpy(dtype=float)
    excess = pd.to_numeric(sign["driven_speed"], errors="coerce").to_numpy(dtype=float) - l1
    year = ds.plan_redesign(e, cand, plan, children=kids, excess_kmh=excess, traffic=volume)
    cols = ds.driven_speeds(e, net.nodes, l0, l1, s, redesigned=ds.redesigned_by(year, horizon))
    e = ds.with_driven_speed(e, cols)
    e["limit_before"] = pd.array(l0, dtype="Float64").round().astype("Int64")
    e["driven_speed_sign_only"] = sign["driven_speed"]
    e["redesign_year"] = pd.array(year, dtype="Float64").astype("Int64")
    net.edges = e
    return net


def evaluate_schools(net: Any, scenario: Any, notes: list[str] | None = None) -> Any:
    """School routes, safe shares and weakest links (adds the school-route columns).

    Returns ``None`` (and adds a note) when the input holds no primary school at all, e.g. a
    drive-only street extract: the rest of the run does not depend on school routes.
    """
    from mobisim import schools

    s = _settings(scenario, "schools", "mobisim.schools.SchoolSettings")
    points = schools.school_points(net, s)  # read once (a register or a CSV is a file)
    if len(points) == 0:
        if notes is not None:
            notes.append("no primary school in the input (amenity=school, schools.school_register or "
                         "schools.schools_csv): school routes skipped")
            notes.extend(points.attrs.get("notes", []))
        return None
    return schools.evaluate_school_routes(net, s, schools=points)


def evaluate_parking_step(net: Any, scenario: Any, notes: list[str] | None = None) -> Any:
    """Parking supply, the permit cap and the freed street space (on the scenario network).

    The cap works per wijk. Without the wijk polygons (no shared data folder, :mod:`mobisim.load.paths`)
    a scenario that does not name its capped wijken skips the step with a note; one that names them
    stops with the error saying where to point.
    """
    from mobisim import parking
    from mobisim.load.paths import default_wijken_path, missing_wijken_hint

    s = _settings(scenario, "parking", "mobisim.parking.ParkingSettings")
    if "areas" not in s.model_fields_set and not default_wijken_path().is_file():
        if notes is not None:
            notes.append(f"parking skipped: the wijk polygons are not found ({missing_wijken_hint()})")
        return None
    kwargs: dict[str, Any] = {}
    garages_path = _get(s, "garages_path", "garages") if s is not None else None
    if isinstance(garages_path, (str, Path)):
        kwargs["garages"] = parking.load_garages(garages_path)
    spaces_path = _get(s, "spaces_path", "parking_spaces_path") if s is not None else None
    if isinstance(spaces_path, (str, Path)):
        kwargs["spaces"] = parking.load_parking_spaces(spaces_path)
    return parking.evaluate_parking(net, s, **kwargs)


def _freed_by_cap(parking_result: Any) -> float:
    totals = getattr(parking_result, "totals", None)
    if totals is None or len(totals) == 0 or "freed_cumulative" not in totals.columns:
        return 0.0
    return float(totals["freed_cumulative"].iloc[-1])


def compute_scores(before: Any, after: Any, scenario: Any, *, schools_before: Any = None,
                   schools_after: Any = None, parking_result: Any = None) -> dict[str, Any]:
    """Every score of the run (:mod:`mobisim.score`), each with its formula and inputs.

    Before is today's network at today's limits (``maxspeed``); after is the scenario network at
    the proposed limits (``proposed_maxspeed``). ``headline`` repeats the main figures for the
    report and points (``from``) to the score holding their inputs.

    Returns
    -------
    dict
        JSON-ready: ``regime``, ``power_model``, ``toets_before``/``toets_after``,
        ``school_children_safe_before``/``_after``, ``parking``, ``composite_before``/``_after``,
        ``headline``.
    """
    from mobisim import score as sc
    from mobisim.render.outputs import to_jsonable

    s = _settings(scenario, "scores", "mobisim.score.ScoreSettings")
    eb, ea = _in_area(before.edges), _in_area(after.edges)
    nb, na = _in_area(before.nodes), _in_area(after.nodes)
    out: dict[str, Any] = {"scenario": scenario_name(scenario)}
    after_col = "proposed_maxspeed" if programme_on(scenario) else "maxspeed"
    out["regime"] = sc.regime_change(eb, ea, before_col="maxspeed", after_col=after_col)
    if programme_on(scenario) and "regime_tier" in ea.columns:
        rs = _settings(scenario, "rules", "mobisim.rules.RuleSettings")
        out["regime_tiers"] = sc.regime_tiers(ea, rs)
    out["power_model"] = sc.power_model(eb, ea, s, before_col="maxspeed", after_col=after_col)
    out["toets_before"] = sc.toets_rates(eb, nb)
    out["toets_after"] = sc.toets_rates(ea, na)
    for key, res in (("before", schools_before), ("after", schools_after)):
        figures = getattr(res, "scores", None) or {}
        out[f"school_children_safe_{key}"] = (
            sc.school_children_safe(figures["children_routed"], figures["children_safe"])
            if "children_routed" in figures else None
        )
    converted = float(ea["parking_converted_spaces"].fillna(0).sum()) if "parking_converted_spaces" in ea else 0.0
    horizon = getattr(_settings(scenario, "parking", "mobisim.parking.ParkingSettings"), "horizon", None)
    out["parking"] = sc.parking_space(_freed_by_cap(parking_result), s, spaces_converted=converted, horizon=horizon,
                                      parking=parking_result)
    # before against itself: no speed change, so its safety-gain part is 0 and the two composites
    # weigh the same parts (leaving the part out would renormalise the weights)
    same = sc.power_model(eb, eb, s, before_col="maxspeed", after_col="maxspeed")
    out["composite_before"] = sc.composite(
        sc.composite_parts(out["toets_before"], same, out["school_children_safe_before"], s), s)
    out["composite_after"] = sc.composite(
        sc.composite_parts(out["toets_after"], out["power_model"], out["school_children_safe_after"], s), s)
    if getattr(before, "traffic", None) is not None and getattr(after, "traffic", None) is not None:
        out["traffic"] = _traffic_scores(eb, ea, before.traffic, after.traffic, scenario)
    if _limits_lowered(after.edges):
        out["calming"] = _calming_scores(before, after, scenario, out, schools_after=schools_after)
    out["headline"] = _headline(out)
    _composite_range(out, s)
    return to_jsonable(out)


#: Composite part → the figure of ``calming`` (:func:`mobisim.score.effects.calming_effects`) it takes.
_COMPOSITE_FIGURES = {"toets_all": "toets_all", "toets_school_routes": "toets_school_routes",
                      "safe_crossings": "crossings", "school_children_safe": "children_safe"}
#: Headline key → the figure of ``calming`` that gives its range and its signs-only value.
_HEADLINE_FIGURES = {"fatal_serious_change": "fatal_serious_change", "children_safe": "children_safe",
                     "safe_crossings": "crossings", "toets_pass": "toets_all",
                     "toets_school_routes": "toets_school_routes"}


def _composite_with(out: dict[str, Any], settings: Any, figures: dict[str, Any], pick: Any) -> float | None:
    """The run's composite with its parts replaced by ``pick(figure)`` of ``figures`` (one state of
    ``calming``); a part whose figure is missing keeps the run's value."""
    from mobisim import score as sc

    parts = dict(sc.composite_parts(out["toets_after"], out["power_model"], out["school_children_safe_after"],
                                    settings))
    for part, name in _COMPOSITE_FIGURES.items():
        value = pick(figures.get(name) or {})
        if value is not None and parts.get(part) is not None:
            parts[part] = value
    change = pick(figures.get("fatal_serious_change") or {}, crash=True)
    if change is not None:
        parts["fatal_serious"] = sc.safety_gain({"value": {"fatal_serious": change}}, settings)
    return sc.composite(parts, settings)["value"]


def _composite_range(out: dict[str, Any], settings: Any) -> None:
    """The composite's low–high (every share at its low end with the crash change at its high end,
    and back) and its signs-only value, when the run has ``calming``."""
    calming = (out.get("calming") or {}).get("value")
    if not calming:
        return

    def end(low: bool) -> Any:
        def pick(fig: dict[str, Any], crash: bool = False) -> Any:
            rng = fig.get("range")  # the higher (less negative) crash change is the smaller gain
            return None if rng is None else rng[int(low == crash)]
        return pick

    head = out["headline"]["composite"]
    ends = [_composite_with(out, settings, calming["with_plan"], end(low)) for low in (True, False)]
    if all(v is not None for v in ends):
        head["range"] = [min(ends), max(ends)]
    head["signs_only"] = _composite_with(out, settings, calming["signs_only"],
                                         lambda fig, crash=False: fig.get("value"))


def _limits_lowered(edges: Any) -> bool:
    """Whether the scenario lowers a limit inside the area (then signs and redesign differ)."""
    from mobisim.load.areas import inside
    from mobisim.rules.driven_speed import LOWERED_BASES, basis_mask

    return bool((basis_mask(edges, LOWERED_BASES) & inside(edges)).any())


def _calming_scores(before: Any, after: Any, scenario: Any, out: dict[str, Any], *,
                    schools_after: Any = None) -> dict[str, Any]:
    """Signs only vs the calming plan, year by year, with ranges (:func:`mobisim.score.effects.calming_effects`).

    The states are routed from the homes the run's own school routes used (``schools_after``), so
    nothing is read or spread again."""
    from mobisim import schools
    from mobisim.rules import driven_speed as ds
    from mobisim.score import effects

    ss = _settings(scenario, "schools", "mobisim.schools.SchoolSettings")
    points = origins = None
    if schools_after is not None:  # the same schools and homes as the run's school routes
        points = schools.school_points(after, ss)
        origins = schools_after.origins
    inputs = effects.EffectInputs(
        toets=_settings(scenario, "toets", "mobisim.rules.toets.ToetsSettings"), schools=ss,
        driven=_get(scenario, "driven_speed") or ds.DrivenSpeedSettings(),
        plan=_get(scenario, "calming_plan") or ds.CalmingPlan(),
        scores=_settings(scenario, "scores", "mobisim.score.ScoreSettings"),
        base_year=int(_get(scenario, "base_year", default=2026)), horizon=int(_get(scenario, "horizon", default=2030)),
        limit_column="proposed_maxspeed" if programme_on(scenario) else "maxspeed", school_points=points,
        origins=origins)
    ta = out["toets_after"]["value"]
    kids = out.get("school_children_safe_after") or {}
    central = effects.State(ta.get("all"), ta.get("school_routes"), ta.get("crossings"), kids.get("value"),
                            (kids.get("inputs") or {}).get("children_routed"))
    value = effects.calming_effects(before, after, inputs, central=central,
                                    signs_only=_signs_only_traffic(before, after, scenario))
    value["driven_speed_km"] = ds.summary(_in_area(after.edges))
    return {"value": value, "unit": "fractions (share, change)",
            "formula": effects.EFFECTS_FORMULA,
            "inputs": {"driven_speed": inputs.driven.model_dump(), "calming_plan": inputs.plan.model_dump(),
                       "speed_response_sign_only": inputs.scores.speed_response_sign_only.model_dump(),
                       "speed_response_redesign": inputs.scores.speed_response_redesign.model_dump()}}


def _signs_only_traffic(before: Any, after: Any, scenario: Any) -> Any:
    """The scenario network with the traffic drivers choose when no street is redesigned (a second
    assignment, cached like the first); ``after`` itself when nothing is redesigned or the traffic
    model did not run."""
    import copy

    basis = after.edges.get("driven_speed_basis")
    if getattr(after, "traffic", None) is None or basis is None or not basis.eq("redesign").fillna(False).any():
        return after
    signs = copy.copy(after)
    signs.edges = after.edges.copy()
    limit_column = "proposed_maxspeed" if programme_on(scenario) else "maxspeed"
    enforced = basis.eq("design").fillna(False).to_numpy(bool)  # a design that was there stays
    model_traffic_step(signs, scenario, limit_column=limit_column, before=before.edges, redesigned=enforced)
    return signs


def _vehicle_km(edges: Any) -> float:
    """Vehicle-km a day the traffic model puts on ``edges`` (each carriageway counted once:
    ``daily_traffic_carriageway`` × length, on the segments with a modelled volume)."""
    if "daily_traffic_carriageway" not in edges.columns:
        return 0.0
    q = pd.to_numeric(edges["daily_traffic_carriageway"], errors="coerce").fillna(0).to_numpy(dtype=float)
    model = edges["daily_traffic_source"].astype("string").eq("model").fillna(False).to_numpy(dtype=bool)
    return round(float((q * model * edges["length"].to_numpy(dtype=float)).sum() / 1000.0), -2)


def _traffic_scores(eb: Any, ea: Any, model_before: Any, model_after: Any, scenario: Any) -> dict[str, Any]:
    """The traffic model's figures today and with the scenario, and the streets traffic moves to."""
    from mobisim import traffic

    ts = _settings(scenario, "traffic", "mobisim.traffic.TrafficSettings")
    moved = traffic.displacement(ea, ts)
    vkm_before, vkm_after = _vehicle_km(eb), _vehicle_km(ea)
    return {
        "value": {"before": traffic.traffic_summary(eb, model_before), "after": traffic.traffic_summary(ea, model_after),
                  "displacement": moved.to_dict("records"),
                  "vehicle_km_per_day": {"before": vkm_before, "after": vkm_after},
                  "vehicle_km_change_per_day": round(vkm_after - vkm_before, -2)},
        "unit": "vehicles/day",
        "formula": "four-step model without mode choice: trip ends from homes and destinations → doubly "
                   "constrained gravity (exp(−β·t)) → peak-hour user equilibrium (BPR, AequilibraE bfw) → "
                   "daily = peak hour ÷ peak_hour_share; at least each street's share of its zone's trip ends",
        "inputs": {"settings": ts.model_dump(), "source": "estimate: every input is a [traffic] setting "
                   "with its source; no counts were used to calibrate it"},
    }


def _in_area(frame: Any) -> Any:
    """The rows inside the area judged (:func:`mobisim.load.areas.inside`)."""
    from mobisim.load.areas import inside

    return frame.iloc[inside(frame).nonzero()[0]]


def _headline(out: dict[str, Any]) -> dict[str, Any]:
    """Main figures before/after, each pointing to the score that holds its inputs."""

    def val(key: str, *path: str) -> Any:
        node = out.get(key)
        node = node.get("value") if isinstance(node, dict) else None
        for p in path:
            node = node.get(p) if isinstance(node, dict) else None
        return node

    reg = out["regime"]["value"]
    power = out["power_model"]["value"] or {}
    rows = {
        "composite": ("Safety score (0–100, higher = safer)", val("composite_before"), val("composite_after"),
                      "score", "composite_before, composite_after"),
        "km_30": ("Road length at 30 km/h", reg["before"]["30"], reg["after"]["30"], "km", "regime"),
        "km_50": ("Road length at 50 km/h", reg["before"]["50"], reg["after"]["50"], "km", "regime"),
        "fatal_serious_change": ("Expected change in fatal + serious crashes", 0.0, power.get("fatal_serious"),
                                 "fraction", "power_model"),
        "toets_pass": ("8-jarigen-toets pass rate (by length)", val("toets_before", "all"),
                       val("toets_after", "all"), "share", "toets_before, toets_after"),
        "toets_school_routes": ("Toets pass rate on school routes", val("toets_before", "school_routes"),
                                val("toets_after", "school_routes"), "share", "toets_before, toets_after"),
        "safe_crossings": ("Crossings passing the toets", val("toets_before", "crossings"),
                           val("toets_after", "crossings"), "share", "toets_before, toets_after"),
        "children_safe": ("Children with a fully child-safe school route", val("school_children_safe_before"),
                          val("school_children_safe_after"), "share",
                          "school_children_safe_before, school_children_safe_after"),
        "parking_freed": ("Car spaces freed by the horizon", 0.0, val("parking", "spaces_freed"), "spaces",
                          "parking"),
    }
    head = {k: {"label": label, "before": b, "value": a, "unit": unit, "from": src}
            for k, (label, b, a, unit, src) in rows.items()}
    spaces = (((out.get("parking") or {}).get("value") or {}).get("range") or {}).get("spaces_freed")
    if spaces:
        head["parking_freed"]["range"] = [spaces["low"], spaces["high"]]
        head["parking_freed"]["note"] = ("car spaces freed: an estimate — the cap base is the city's ~110,000 permits "
                                         "spread by on-street supply × occupancy; the range is the permit count ± its "
                                         "uncertainty ([parking] permits_uncertainty)")
    calming = (out.get("calming") or {}).get("value")
    if calming:
        plan, signs = calming["plan"], calming["signs_only"]
        for key, name in _HEADLINE_FIGURES.items():
            fig = calming["with_plan"].get(name) or {}
            if fig.get("range") is not None:
                head[key]["range"] = fig["range"]
            head[key]["signs_only"] = (signs.get(name) or {}).get("value")
            head[key]["signs_only_range"] = (signs.get(name) or {}).get("range")
        head["fatal_serious_change"]["from"] = "power_model, calming"
        head["fatal_serious_change"]["note"] = (
            f"range from the speed response (signs only / redesign); signs only: "
            f"{_pct_text(signs['fatal_serious_change'])}; calming plan: {plan['redesigned_by_horizon_km']:,.0f} "
            f"of {plan['to_redesign_km']:,.0f} km redesigned by the horizon")
    tiers = (out.get("regime_tiers") or {}).get("value")
    if tiers:
        shown = tiers["50_if_shown"]
        head["km_50"]["range"] = [reg["after"]["50"], reg["after"]["50"] + shown]
        head["km_50"]["note"] = (f"roads where all four criteria are shown, and roads out of the city's rule "
                                 f"that keep their limit; up to {shown:,.1f} km more are '50 if shown' "
                                 f"(no criterion fails, evidence missing)")
        head["km_50"]["from"] = "regime, regime_tiers"
        head["km_30"]["range"] = [reg["after"]["30"] - shown, reg["after"]["30"]]
        head["km_30"]["note"] = "includes the '50 if shown' roads (30 until shown)"
        head["km_30"]["from"] = "regime, regime_tiers"
    return head


def _pct_text(fig: dict[str, Any]) -> str:
    """``−14 % (−19 to −5 %)`` from ``{"value": ..., "range": [...]}`` (fractions)."""
    v, r = fig.get("value"), fig.get("range")
    if v is None:
        return "n/a"
    text = f"{100 * v:+.0f} %"
    return text + (f" ({100 * r[0]:+.0f} to {100 * r[1]:+.0f} %)" if r else "")


def _attribution(sources: list[str]) -> str:
    text = ATTRIBUTION
    if any("den-haag-city-2021" in str(s) for s in sources):
        text += " · © OpenMapTiles"
    return text


def render_outputs(result: RunResult, scenario: Any, *, self_contained: bool = False) -> dict[str, Path]:
    """Render every output of ``result`` and write them into ``result.out_dir``.

    The five files are written as one set (:func:`mobisim.render.outputs.output_set`): into a staging
    folder next to ``result.out_dir`` that replaces it as a whole only when every file is written,
    so a failure, SIGINT/SIGTERM or a kill leaves the complete old set or the complete new one.
    """
    from mobisim.render import map as maps
    from mobisim.render import report
    from mobisim.render.outputs import output_set, to_jsonable, write_gpkg_to
    from mobisim.schools import share_change

    after = result.after
    freed = getattr(result.parking, "freed", None)
    attribution = _attribution(list(getattr(after, "sources", [])))
    out = result.out_dir
    files = {"map": "map.html", "gpkg": "layers.gpkg", "scores": "scores.json", "report_md": "report.md",
             "report_html": "report.html"}
    wijken = share_change(getattr(result.schools_before, "per_wijk", None),
                          getattr(result.schools_after, "per_wijk", None))
    schools = share_change(getattr(result.schools_before, "schools", None),
                           getattr(result.schools_after, "schools", None))
    with output_set(out) as stage:
        themes = maps.theme_layers(after.edges, after.nodes, after.features, parking=freed, school_wijken=wijken,
                                   school_scores=schools)
        write_gpkg_to(stage / files["gpkg"], themes)
        layers = maps.map_layers(after.edges, after.nodes, after.features, parking=freed, school_wijken=wijken)
        m = maps.build_map(layers, title=f"mobisim · {result.name}", self_contained=self_contained,
                           attribution=attribution)
        (stage / files["map"]).write_text(maps.render_html(m, self_contained=self_contained), encoding="utf-8")
        (stage / files["scores"]).write_text(
            json.dumps(to_jsonable(result.scores), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8")
        md = report.build_report(result, scenario, attribution=attribution)
        (stage / files["report_md"]).write_text(md, encoding="utf-8")
        (stage / files["report_html"]).write_text(
            report.render_report_html(md, title=f"mobisim report · {result.name}"), encoding="utf-8")
    return {key: out / name for key, name in files.items()}


#: A name that can be an output folder below ``maps/`` as it is: no separator, not ``.``/``..``,
#: not hidden (the staging folders of :func:`mobisim.render.outputs.output_set` are hidden).
SAFE_FOLDER_NAME = r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$"


def output_folder_name(scenario: Any, sc: Any) -> str:
    """The name of a run's output folder ``maps/<name>/``.

    The scenario file's stem (``scenarios/volt-2026.toml`` → ``volt-2026``, so ``mobisim compare
    baseline volt-2026`` finds it) when that is a safe folder name (:data:`SAFE_FOLDER_NAME`),
    else the validated scenario ``name``; an in-memory scenario uses its name.

    Raises
    ------
    ScenarioError
        Neither is a safe folder name (a scenario named ``..``).
    """
    import re

    from mobisim.errors import ScenarioError

    if isinstance(scenario, (str, Path)):
        stem = Path(scenario).stem
        if re.fullmatch(SAFE_FOLDER_NAME, stem) and stem not in (".", ".."):
            return stem
    name = scenario_name(sc)
    if re.fullmatch(SAFE_FOLDER_NAME, name) and name not in (".", ".."):
        return name
    where = Path(scenario) if isinstance(scenario, (str, Path)) else "scenario"
    raise ScenarioError(f"{where}: name: {name!r} cannot be an output folder name (letters, digits, '.', '_', '-', "
                        f"not starting with '.'), nor can the file name; rename the scenario or give --out")


def run_scenario(
    scenario: Any,
    *,
    osm_override: list[str | Path] | None = None,
    out_dir: str | Path | None = None,
    self_contained: bool = False,
    progress: bool = True,
) -> RunResult:
    """Run a scenario end to end: load, intervene, evaluate before/after, score, render.

    Parameters
    ----------
    scenario : str, Path or Scenario
        A scenario file (read with :func:`mobisim.scenario.load_scenario`) or a loaded scenario.
    osm_override : list of path, optional
        OSM files replacing the scenario's (street file first, then feature files).
    out_dir : path, optional
        Output folder; ``maps/<scenario name>/`` when omitted.
    self_contained : bool
        Inline every script and stylesheet into ``map.html`` (works offline).
    progress : bool
        Show the steps with rich on stderr.

    Returns
    -------
    RunResult
    """
    sc = load_scenario_any(scenario)
    # the output folder is named after the file (scenarios/volt-2026.toml → maps/volt-2026/) when
    # that name is safe, else after the validated name; an explicit out_dir is used as given
    name = output_folder_name(scenario, sc)
    target = Path(out_dir) if out_dir is not None else Path("maps") / name
    notes: list[str] = []
    with _Steps(progress) as steps:
        with steps.step("load", "Loading the network"):
            base = mark_scope(clip_to_area(load_inputs(sc, osm_override, progress=False), sc), sc, notes)
            base = use_school_register(base, sc, notes)
            notes.extend(getattr(base, "notes", None) or [])  # e.g. ways that lost nodes of the file
        with steps.step("traffic_before", "Traffic model today (before)"):
            traffic_before = model_traffic_step(base, sc, notes=notes)
        with steps.step("interventions", "Applying the interventions"):
            after = apply_interventions(base, sc)
            before = base
        programme = programme_on(sc)
        with steps.step("rules_before", "8-jarigen-toets today (before)"):
            evaluate_rules(before, sc, proposal=False)
        with steps.step("schools_before", "School routes today (before)"):
            schools_before = evaluate_schools(before, sc, notes)
        label = ("30/50 regime, traffic, driven speeds and toets at the proposed limits (after)" if programme
                 else "Traffic, driven speeds and 8-jarigen-toets with the interventions (after, no 30/50 programme)")
        children = before.edges["school_route_children"] if "school_route_children" in before.edges.columns else None
        with steps.step("rules_after", label):
            evaluate_rules(after, sc, proposal=programme,
                           traffic_before=before.edges if traffic_before is not None else None, notes=notes,
                           limits_before=before.edges["maxspeed"], children=children)
        with steps.step("schools_after", "School routes with the scenario (after)"):
            schools_after = evaluate_schools(after, sc)
        with steps.step("parking", "Parking cap and freed space"):
            parking_result = evaluate_parking_step(after, sc, notes)
        with steps.step("scores", "Scores"):
            scores = compute_scores(before, after, sc, schools_before=schools_before, schools_after=schools_after,
                                    parking_result=parking_result)
        for obj in (schools_before, schools_after, parking_result):
            notes.extend(getattr(obj, "notes", []) or [])
        result = RunResult(name=name, out_dir=target, paths={}, scores=scores, before=before, after=after,
                           schools_before=schools_before, schools_after=schools_after, parking=parking_result,
                           notes=list(dict.fromkeys(notes)))
        with steps.step("render", "Writing map, layers, scores and report"):
            result.paths = render_outputs(result, sc, self_contained=self_contained)
    result.timings = steps.timings
    return result


# --------------------------------------------------------------------------------------------
# compare


def resolve_run_dir(ref: str | Path, maps_dir: str | Path = "maps") -> Path:
    """Output folder of a run given a scenario name, a scenario file or a folder."""
    p = Path(ref)
    candidates = [p] if p.is_dir() else []
    stem = p.stem if p.suffix in (".toml", ".json") else p.name
    candidates.append(Path(maps_dir) / stem)
    for c in candidates:
        if (c / "scores.json").exists():
            return c
    raise InputFileError(f"{ref}: no run outputs found (looked for {Path(maps_dir) / stem / 'scores.json'}; "
                         f"run `mobisim run` first)")


def _read_scores(run_dir: Path) -> dict[str, Any]:
    """The scores of a run (``run_dir`` is its folder, or a ``scores.json`` file itself).

    Raises :class:`InputFileError` naming the file when it cannot be read, is not JSON, or is not
    a scores object (a JSON object whose ``headline``, when present, maps names to objects).
    """
    run_dir = Path(run_dir)
    path = run_dir if run_dir.suffix == ".json" and not run_dir.is_dir() else run_dir / "scores.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path}: not a valid scores.json: {exc}") from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not a valid scores.json: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read scores ({exc.strerror or exc})") from None
    except RecursionError:
        raise InputFileError(f"{path}: not a valid scores.json: nested too deeply") from None
    if not isinstance(data, dict):
        raise InputFileError(f"{path}: not a valid scores.json: expected a JSON object of scores, "
                             f"found {type(data).__name__}")
    head = data.get("headline")
    if head is not None and not (isinstance(head, dict) and all(isinstance(v, dict) for v in head.values())):
        raise InputFileError(f"{path}: not a valid scores.json: 'headline' must map score names to objects")
    return data


def _read_segments(run_dir: Path) -> gpd.GeoDataFrame:
    """The ``segments`` layer of a run's ``layers.gpkg``; :class:`InputFileError` naming the file
    when it cannot be read or lacks the columns that match segments (``way_id``, ``u``, ``v``)."""
    path = run_dir / "layers.gpkg"
    try:
        frame = gpd.read_file(path, layer="segments", engine="pyogrio")
    except Exception as exc:  # pyogrio raises several error types for missing/corrupt files
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(f"{path}: cannot read layer 'segments' ({first})") from None
    missing = [c for c in ("way_id", "u", "v") if c not in frame.columns]
    if missing:
        raise InputFileError(f"{path}: layer 'segments' lacks the column(s) {', '.join(missing)}")
    return frame


def compare_runs(a: str | Path, b: str | Path, *, maps_dir: str | Path = "maps",
                 out_dir: str | Path | None = None, self_contained: bool = False,
                 every: bool = False) -> dict[str, Any]:
    """Compare two runs: a before/after table of the scores and a diff map of changed segments.

    Returns
    -------
    dict
        ``table`` (DataFrame: score, a, b, change, unit; the headline figures, or every score
        with ``every``), ``changed`` (GeoDataFrame of segments whose
        regime or toets verdict changed), ``diff_map`` (Path), ``names`` (a, b),
        ``traffic_moved`` (:func:`mobisim.traffic.displacement` of B's traffic against A's: the
        streets gaining and losing; ``None`` when a run has no modelled volumes). The diff map
        shows the traffic moved as a layer.
    """
    from mobisim.render import map as maps
    from mobisim.render import report
    from mobisim.render.outputs import output_set
    from mobisim.traffic import TrafficSettings, displacement

    da, db = resolve_run_dir(a, maps_dir), resolve_run_dir(b, maps_dir)
    table = report.compare_scores(_read_scores(da), _read_scores(db), every=every)
    seg_a, seg_b = _read_segments(da), _read_segments(db)
    changed = report.changed_segments(seg_a, seg_b)
    between = report.traffic_between(seg_a, seg_b)
    moved = displacement(between, TrafficSettings()) if len(between) else None
    if moved is None:
        between = between.iloc[:0]
    target = Path(out_dir) if out_dir is not None else Path(maps_dir) / f"compare-{da.name}-{db.name}"
    layers = maps.diff_layers(changed, da.name, db.name)
    if len(between):
        layers += [layer for layer in maps.traffic_layers(between) if layer.key == "traffic_change"]
        for layer in layers:
            if layer.key == "traffic_change":
                layer.title = f"Traffic moved ({da.name} → {db.name}, vehicles/day)"
                layer.show = True
    m = maps.build_map(layers, title=f"mobisim · {da.name} → {db.name}: what changed",
                       self_contained=self_contained)
    with output_set(target) as stage:  # replaced as a whole, like a run's folder
        (stage / "diff.html").write_text(maps.render_html(m, self_contained=self_contained), encoding="utf-8")
    path = target / "diff.html"
    return {"table": table, "changed": changed, "diff_map": path, "names": (da.name, db.name),
            "traffic_moved": moved}
