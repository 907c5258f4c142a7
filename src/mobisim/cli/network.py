"""``mobisim network``: load a street network and summarise or export it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mobisim.cli._app import app, check_output_file, user_errors, writing
from mobisim.cli._text import console as make_console
from mobisim.cli._text import safe
from mobisim.errors import InputFileError, MobisimError
from mobisim.frames import CRS

OsmOption = Annotated[
    list[Path] | None,
    typer.Option("--osm", help="OSM file (.osm, .osm.bz2, .osm.pbf, .graphml). Repeat to add feature "
                 "files, e.g. the buildings file after the street file."),
]
PlaceOption = Annotated[
    str | None,
    typer.Option("--place", help="Place to download with osmnx when online (cached in data/osm/places)."),
]
SpeedLimitsOption = Annotated[
    Path | None,
    typer.Option("--speed-limits", help="Today's real speed limits, overriding the class defaults (never a "
                 "tagged maxspeed): lines (GeoPackage/GeoJSON) with a limit column, or a CSV of street names "
                 "(columns name, maxspeed)."),
]
SpeedLimitsColumnOption = Annotated[
    str | None,
    typer.Option("--speed-limits-column", help="Column of the --speed-limits file holding the limit in km/h "
                 "(default maxspeed)."),
]


def parse_bbox(text: str):  # noqa: ANN201
    """``W,S,E,N`` in degrees (WGS84) → a polygon in EPSG:28992."""
    import geopandas as gpd
    import shapely

    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise MobisimError(f"--bbox '{text}': expected four numbers W,S,E,N in degrees") from None
    if not (west < east and south < north):
        raise MobisimError(f"--bbox '{text}': expected W < E and S < N")
    box = gpd.GeoSeries([shapely.box(west, south, east, north)], crs="EPSG:4326").to_crs(CRS)
    return box.iloc[0]


def coverage_table(coverage: dict) -> Table:
    """The "Data used and its limits" box (:func:`mobisim.load.coverage.coverage_rows`) as a rich table."""
    from mobisim.load.coverage import coverage_rows

    t = Table(title="Data used and its limits", title_justify="left", show_lines=False)
    t.add_column("data family")
    t.add_column("in this input", justify="right", no_wrap=True)
    t.add_column("used for")
    t.add_column("what stands in when missing")
    for row in coverage_rows(coverage).itertuples(index=False):
        data, have, used, missing = (str(v) for v in row)
        style = "dim" if have in ("none", "0 % of road km") else None
        t.add_row(safe(data), safe(have), safe(used), safe(missing or "—"), style=style)
    return t


def _print_summary(summary: dict, console: Console) -> None:
    console.print(f"[bold]Network[/bold] from {safe(', '.join(map(str, summary['sources'])))}")
    for source, date in (summary.get("source_dates") or {}).items():
        console.print(f"  {safe(source)}: " + (f"data of {safe(date)}" if not str(date).startswith("not stated")
                                                 else "date not stated in the file"))
    console.print(
        f"{summary['segments']:,} segments, {summary['nodes']:,} nodes, {summary['km']:,.1f} km of "
        f"streets and paths, of which {summary['km_roads']:,.1f} km motor roads"
    )
    if summary.get("coverage"):
        console.print(coverage_table(summary["coverage"]))
    t = Table(title="km by highway class")
    t.add_column("highway")
    t.add_column("km", justify="right")
    for k, v in summary["km_by_highway"].items():
        t.add_row(safe(k), f"{v:,.1f}")
    console.print(t)
    t = Table(title="motor roads: km by maxspeed")
    t.add_column("km/h")
    t.add_column("km", justify="right")
    for k, v in sorted(summary["km_by_maxspeed"].items(), key=lambda kv: (len(kv[0]), kv[0])):
        t.add_row(safe(k), f"{v:,.1f}")
    console.print(t)
    t = Table(title="motor roads: km by maxspeed source")
    t.add_column("source (tag, layer:<file>, or default:<class>:<area> inference rule)")
    t.add_column("km", justify="right")
    for k, v in summary["km_by_maxspeed_source"].items():
        t.add_row(safe(k), f"{v:,.1f}")
    console.print(t)
    c = summary["cycle_separation"]
    console.print(
        f"Separated cycle path along motor roads (share of length): either side {c['share_either']:.1%}, "
        f"both sides {c['share_both']:.1%}, left {c['share_left']:.1%}, right {c['share_right']:.1%}; "
        f"km by source: " + ", ".join(f"{safe(k)} {v:,.1f}" for k, v in c["km_by_source"].items())
    )
    p = summary["poi_counts"]
    console.print(
        f"Points of interest: {p.get('school', 0)} schools ({p.get('primary_school', 0)} primary), "
        f"{p.get('kindergarten', 0)} kindergartens, {p.get('playground', 0)} playgrounds, "
        f"{p.get('care', 0)} care sites, {p.get('parking', 0)} car parks; "
        f"{summary['crossing_nodes']} crossing nodes, {summary['signal_nodes']} signal nodes; "
        f"{summary['buildings']:,} buildings"
    )
    console.print("© OpenStreetMap contributors (ODbL)")


@app.command("network")
@user_errors
def network_command(
    osm: OsmOption = None,
    place: PlaceOption = None,
    summary: Annotated[bool, typer.Option("--summary/--no-summary", help="Print the summary.")] = True,
    export: Annotated[Path | None, typer.Option("--export", help="Write the layers to a GeoPackage.")] = None,
    bbox: Annotated[str | None, typer.Option("--bbox", help="Keep only W,S,E,N (degrees).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    cache: Annotated[bool, typer.Option("--cache/--no-cache", help="Use the processed-network cache.")] = True,
    speed_limits: SpeedLimitsOption = None,
    speed_limits_column: SpeedLimitsColumnOption = None,
) -> None:
    """Load a street network (OSM file or place) and print its summary or export it.

    The summary opens with the "Data used and its limits" box: per tag family what the input
    carries, what reads it and what stands in when it is missing (``coverage`` in ``--json``).

    Example: mobisim network --osm ../shared/osm/den-haag-city-2021.osm.bz2 --summary
    """
    from mobisim.load import load_network, read_speed_limits
    from mobisim.load.coverage import data_coverage
    from mobisim.load.speedlimits import check_speed_limits_column
    from mobisim.network import network_summary
    from mobisim.render.outputs import write_gpkg

    if not osm and not place:
        raise InputFileError("no input: give an OSM file (--osm FILE) or a place (--place NAME)")
    if export:
        check_output_file(export)  # before the (cold: ~40 s) network load
    # the flag and the layer file are checked before the (cold: ~40 s) network load
    check_speed_limits_column(speed_limits_column, speed_limits)
    layer = (None if speed_limits is None
             else read_speed_limits(speed_limits, speed_limits_column or "maxspeed"))
    net = load_network(osm or [], place=place, cache=cache, progress=not as_json)
    match = None
    if layer is not None:
        from mobisim.load.inputs import apply_speed_limit_file

        net, match = apply_speed_limit_file(net, layer)
    if bbox:
        net = net.clip(parse_bbox(bbox), label=f"--bbox {bbox}")
        net.coverage = data_coverage(net)  # what the clipped part carries
    info = network_summary(net)
    info["coverage"] = net.coverage or data_coverage(net)
    info["source_dates"] = dict(net.source_dates)
    if match is not None:
        info["speed_limits"] = match.as_dict()
    if as_json:
        typer.echo(json.dumps(info, indent=2, ensure_ascii=False))
    elif summary:
        _print_summary(info, make_console())
    if match is not None and not as_json:
        typer.echo(match.summary(), err=True)
    if export:
        layers = {"edges": net.edges.reset_index(), "nodes": net.nodes.reset_index(), "features": net.features}
        if len(net.buildings):
            layers["buildings"] = net.buildings
        with writing(export):
            write_gpkg(export, layers)
        typer.echo(f"wrote {export} (layers: {', '.join(layers)})", err=True)
