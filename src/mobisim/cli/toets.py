"""``mobisim toets``: the reviewer command — the 30/50 rule and the 8-jarigen-toets for one street.

Examples::

    mobisim toets "Laan van Meerdervoort" --osm ../shared/osm/den-haag-city-2021.osm.bz2
    mobisim toets --way 7494860 --osm ../shared/osm/scheveningen-2025.osm.bz2 --json
    mobisim toets --at 52.0786,4.2887 --osm ../shared/osm/den-haag-city-2021.osm.bz2
    mobisim toets "Zeesluisweg" --set maxspeed=30 --set cycleway=track --save zeesluisweg.toml \
        --osm ../shared/osm/scheveningen-2025.osm.bz2

Per segment it shows the 30/50 tier (keeps 50 / 50 if shown / to 30), the criteria that decide it
and, for "50 if shown", the evidence that would decide it. The area judged is marked as in
``mobisim run`` (:func:`mobisim.pipeline.mark_scope`: the scenario's area, else the municipality);
a segment outside it is "outside the municipality: not judged", its toets not listed.

With ``--set KEY=VALUE`` it tests a *design* of that street instead (the vocabulary of
:mod:`mobisim.scenario.interventions.design`, one key per intervention type): today → with the
design per verdict, and the fix still missing where it fails (:mod:`mobisim.cli._toets_design`);
``--save FILE`` writes the design as a scenario file that ``mobisim run`` judges the same way.

Today's verdicts come from the evaluated-network cache when the network was judged before; the
command then writes the answer index of that network and the fast key of its command line
(:mod:`mobisim.cli._toets_cache`), so that the next plain call (no ``--set``) is answered by
:mod:`mobisim.cli._toets_fast` before this module, typer or pandas is imported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import pandas as pd
import typer

from mobisim.cli import _toets_design
from mobisim.cli._app import app, user_errors
from mobisim.cli._toets_cache import Remembered
from mobisim.cli._toets_design_text import format_design
from mobisim.cli._toets_fast import parse_at
from mobisim.cli._toets_report import street_report
from mobisim.cli._toets_text import format_text
from mobisim.errors import MobisimError, NotFoundError
from mobisim.names import fold_name, street_mask

if TYPE_CHECKING:
    from mobisim.scenario import Scenario

__all__ = ["normalise_name", "parse_at", "select_at", "select_by_name", "select_by_way", "toets_command"]

#: Street-name folding shared with the scenario interventions (:mod:`mobisim.names`).
normalise_name = fold_name



def select_by_name(edges: pd.DataFrame, name: str) -> pd.DataFrame:
    """Segments whose name matches ``name`` (case/accent-insensitive); NotFoundError otherwise."""
    return edges[street_mask(edges, name)]


def select_by_way(edges: pd.DataFrame, way_id: int) -> pd.DataFrame:
    """Segments of one OSM way; NotFoundError otherwise."""
    sel = edges[edges["way_id"] == way_id]
    if sel.empty:
        raise NotFoundError(f"OSM way {way_id} not found among the network's street segments")
    return sel


def select_at(edges: Any, lat: float, lon: float, max_distance: float = 500.0) -> pd.DataFrame:
    """The street segment nearest to a WGS84 point (motor roads preferred; of segments at the same
    distance, the first in the network's order)."""
    import shapely
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, edges.crs, always_xy=True).transform(lon, lat)
    point = np.array([shapely.points(x, y)])
    roads = edges[edges["is_road"].fillna(False).astype(bool)] if "is_road" in edges.columns else edges
    for pool in (roads, edges):
        if len(pool) == 0:
            continue
        tree = shapely.STRtree(pool.geometry.to_numpy())
        idx, _ = tree.query_nearest(point, max_distance=max_distance, return_distance=True)
        if idx.shape[1]:
            return pool.iloc[[int(idx[1].min())]]
    raise NotFoundError(f"no street segment within {max_distance:.0f} m of {lat},{lon}")


def load_scenario_for(osm: list[Path] | None, scenario: Path | None) -> Scenario:
    """The scenario of ``--scenario`` (its data source and thresholds), else the documented defaults
    judging the ``--osm`` files (``--osm`` replaces a scenario's files)."""
    from mobisim.scenario import Scenario, load_scenario

    if scenario is None and not osm:
        raise MobisimError("toets: give the data with --osm FILE (or --scenario FILE)")
    return load_scenario(scenario) if scenario is not None else Scenario(name="toets")


def select(edges: Any, street: str | None, way: int | None, point: tuple[float, float] | None) -> pd.DataFrame:
    """The segments of ``street``, of OSM way ``way`` or the one nearest to ``point``."""
    if street is not None:
        return select_by_name(edges, street)
    if way is not None:
        return select_by_way(edges, way)
    assert point is not None
    return select_at(edges, *point)


def print_notes(notes: list[str]) -> None:
    """The notes of loading (area, data), dimmed, on stderr (stdout stays the verdict or JSON)."""
    if not notes:
        return
    from rich.text import Text

    from mobisim.cli._text import console as make_console

    console = make_console(stderr=True)  # notes are data (street names): Text, never markup
    for note in dict.fromkeys(notes):
        console.print(Text(f"note: {note}", style="dim"), soft_wrap=True)


def _today(sc: Scenario, where: _toets_design.Where, remembered: Remembered) -> tuple[dict[str, Any], list[str]]:
    """Today's verdict for the selection and the notes: :func:`mobisim.pipeline.street_verdicts`
    as ``mobisim run`` judges today, read from the evaluated-network cache when it was judged before
    (:func:`mobisim.pipeline.today.cached_verdicts_entry`); the answer index and fast key of the
    command line are written for the next call (:mod:`mobisim.cli._toets_cache`)."""
    from mobisim.pipeline.today import cached_verdicts_entry

    notes: list[str] = []
    remembered.before_judging(sc, where.osm, where.speed_limits)
    net, key = cached_verdicts_entry(sc, where.osm, notes, speed_limits=where.speed_limits,
                                     speed_limits_column=where.speed_limits_column)
    remembered.keep(net, key, notes)
    return street_report(net, select(net.edges, where.street, where.way, where.point)), notes


@app.command("toets")
@user_errors
def toets_command(
    street: Annotated[str | None, typer.Argument(help="Street name (case- and accent-insensitive).")] = None,
    osm: Annotated[list[Path] | None, typer.Option(
        "--osm", help="OSM street file; repeat for feature files (e.g. the buildings file).")] = None,
    scenario: Annotated[Path | None, typer.Option(
        "--scenario", help="Scenario file: its data source and thresholds.")] = None,
    way: Annotated[int | None, typer.Option("--way", help="OSM way id.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="LAT,LON: the nearest segment.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    speed_limits: Annotated[Path | None, typer.Option(
        "--speed-limits", help="Today's real speed limits, overriding the class defaults (never a tagged "
        "maxspeed): lines (GeoPackage/GeoJSON) with a limit column, or a CSV of street names (columns name, "
        "maxspeed). Replaces the scenario's [data] speed_limits.")] = None,
    speed_limits_column: Annotated[str | None, typer.Option(
        "--speed-limits-column", help="Column of the speed-limit file holding the limit in km/h "
        "(default maxspeed).")] = None,
    design: Annotated[list[str] | None, typer.Option(
        "--set", help="Test a design of the street: KEY=VALUE, repeatable. maxspeed=N (km/h); "
        "cycleway=track|track-left|track-right|twoway-left|twoway-right; fietsstraat=yes; "
        "calm=redesign|hump|table|chicane|choker|cushion; through_traffic=no; "
        "crossing=signals|zebra|island (combine with +, at every crossing of the street). "
        "Judged as `mobisim run` judges a scenario with these interventions.")] = None,
    save: Annotated[Path | None, typer.Option(
        "--save", help="With --set: write the design as a scenario file (extends --scenario).")] = None,
) -> None:
    """The 8-jarigen-toets and the 30/50 decision (tier, deciding criteria, missing evidence) for one
    street, way or point; segments outside the area judged (the municipality, or the scenario's
    area) are not judged. With --set, the same for a design of that street: today → with the design."""
    if len([x for x in (street, way, at) if x is not None]) != 1:
        raise MobisimError("toets: give exactly one of STREET, --way ID or --at LAT,LON")
    point = parse_at(at) if at is not None else None
    if save is not None and not design:
        raise MobisimError("--save: give the design with --set KEY=VALUE")
    plan = _toets_design.check(design or [], save)
    remembered = Remembered.start(scenario, osm, speed_limits, speed_limits_column) if plan is None else None
    sc = load_scenario_for(osm, scenario)
    where = _toets_design.Where(street=street, way=way, point=point, scenario=scenario, osm=osm,
                                speed_limits=speed_limits, speed_limits_column=speed_limits_column)
    if remembered is not None:
        report, notes = _today(sc, where, remembered)
    else:
        assert plan is not None
        report, notes = _toets_design.judge(plan, sc, where, save)
    report["notes"] = list(dict.fromkeys(notes))
    print_notes(notes)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_text(report) if plan is None else format_design(report))
