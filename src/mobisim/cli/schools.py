"""``mobisim schools``: school routes, the child-safe share and the weakest links."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console, JustifyMethod
from rich.table import Table

from mobisim.cli._app import app, check_output_file, user_errors, writing
from mobisim.cli._text import console as make_console
from mobisim.cli._text import safe
from mobisim.errors import InputFileError, MobisimError
from mobisim.frames import attribution
from mobisim.render.format import fixed

if TYPE_CHECKING:
    from mobisim.network import Network
    from mobisim.schools import SchoolRoutes


def _load_scenario(scenario: Path | None) -> Any:
    """The scenario to compute with: the file given, else a scenario of documented defaults (as
    ``mobisim run`` on a file with only a name)."""
    from mobisim.scenario import Scenario, load_scenario

    if scenario is None:
        return Scenario(name="schools")
    return load_scenario(scenario)


def _fmt(x: float, digits: int = 0) -> str:
    """A figure of a terminal table (:func:`mobisim.render.format.fixed`, "–" when missing)."""
    return fixed(x, digits, missing="–")


def _print_result(console: Console, net: Network, result: SchoolRoutes, top: int) -> None:
    sc = result.scores
    t = Table(title=f"School routes ({safe(sc['mode'])}) — {sc['n_schools']} primary schools, {sc['n_origins']:,} homes")
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_row("children (total)", _fmt(sc["children_total"]))
    t.add_row("children with a route to a school", _fmt(sc["children_routed"]))
    t.add_row("children who can go on their own", _fmt(sc["children_safe"]))
    t.add_row(
        f"[bold]safe-route share[/] (child-safe route to nearest school, detour ≤ {sc['max_detour_factor']}×)",
        f"[bold]{sc['share_safe']:.1%}[/]",
    )
    t.add_row("share with any child-safe route to nearest school", f"{sc['share_safe_any_detour']:.1%}")
    t.add_row("detour of safe routes: mean / median / p90", f"{_fmt(sc['detour_mean'], 2)} / {_fmt(sc['detour_median'], 2)} / {_fmt(sc['detour_p90'], 2)}")
    t.add_row("median distance to nearest school (m)", _fmt(sc["dist_median_m"]))
    t.add_row("schools without homes", str(sc["n_schools_without_children"]))
    t.add_row("failing links on school routes", f"{sc['n_failing_links_on_routes']:,}")
    console.print(t)

    w = Table(title=f"Weakest links: top {top} (children whose route to school they break)")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("#", "right"), ("element", "left"), ("id", "right"), ("street", "left"), ("children", "right"),
        ("on routes", "right"), ("fix", "left"))
    for col, just in columns:
        w.add_column(col, justify=just)
    for _, row in result.weakest_links.head(top).iterrows():
        w.add_row(safe(row["rank"]), safe(row["element"]), safe(row["id"]), safe(row["name"] or "–"),
                  _fmt(row["children"]), _fmt(row["school_route_children"]),
                  safe(row["fix"] if row["fix"] is not None else "–"))
    console.print(w)

    from mobisim.schools import weakest_stretches

    st = weakest_stretches(net, result.weakest_links)
    t2 = Table(title=f"Weakest street stretches: top {top} (failing segments and crossings of one street, joined)")
    columns = (("#", "right"), ("street", "left"), ("children ≥", "right"), ("segments", "right"),
               ("crossings", "right"), ("m", "right"), ("fix", "left"))
    for col, just in columns:
        t2.add_column(col, justify=just)
    for _, row in st.head(top).iterrows():
        t2.add_row(safe(row["rank"]), safe(row["name"]), _fmt(row["children"]), safe(row["segments"]),
                   safe(row["crossings"]), _fmt(row["length_m"]), safe(row["fix"] or "–"))
    console.print(t2)

    if result.per_wijk is not None:
        p = Table(title="Per wijk (lowest safe share first)")
        for col in ("code", "wijk", "children", "safe share", "mean detour"):
            p.add_column(col, justify="left" if col in ("code", "wijk") else "right")
        pw = result.per_wijk[result.per_wijk["children"] > 0].sort_values("share_safe")
        for code, row in pw.iterrows():
            p.add_row(safe(code), safe(row["name"]), _fmt(row["children"]), f"{row['share_safe']:.0%}",
                      _fmt(row["mean_detour"], 2))
        console.print(p)
    for note in result.notes:
        console.print(f"[dim]note: {safe(note)}[/]")
    console.print(f"[dim]{safe(attribution(net.sources))}[/]")


def check_export_path(path: Path) -> None:
    """Fail early (before any work) on an export path that cannot be written."""
    path = Path(path)
    check_output_file(path)  # a folder, or a path through a file
    if path.suffix.lower() != ".gpkg":
        raise MobisimError(f"{path}: export must be a GeoPackage (.gpkg)")
    if not path.parent.is_dir():
        raise MobisimError(f"{path.parent}: export folder does not exist")


def export_routes(net: Network, result: SchoolRoutes, path: Path) -> None:
    """Write the school-route layers to a GeoPackage, atomically (temp file + ``os.replace``).

    Layers: ``school_routes`` (segments used by any school route), ``weakest_segments``,
    ``weakest_crossings``, ``schools`` and, when wijk polygons were available, ``wijken`` (the
    per-wijk scores on the wijk polygons).
    """
    path = Path(path)
    check_export_path(path)
    e = net.edges
    keep = [c for c in ("u", "v", "name", "highway", "length", "school_route_children",
                        "school_route_children_safe", "weakest_link_children", "toets_bike",
                        "toets_bike_rule", "toets_bike_reason", "toets_bike_fix", "geometry") if c in e.columns]
    routes = e.loc[e["school_route_children"] > 0, keep].reset_index()
    wl = result.weakest_links
    segs = wl[wl["element"] == "segment"].reset_index(drop=True)
    crs = wl[wl["element"] == "crossing"].reset_index(drop=True)
    schools = result.schools.reset_index()
    layers = [("school_routes", routes), ("weakest_segments", segs), ("weakest_crossings", crs),
              ("schools", schools)]
    if result.per_wijk is not None:
        layers.append(("wijken", result.per_wijk.reset_index()))
    import geopandas as gpd

    meta = {"attribution": attribution(net.sources), "generator": "mobisim schools"}
    fd, tmp = tempfile.mkstemp(suffix=".gpkg", dir=path.parent, prefix=f".{path.stem}.")
    os.close(fd)
    os.unlink(tmp)  # GDAL wants to create the file itself
    try:
        for name, frame in layers:
            gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=e.crs)
            for col in gdf.columns:  # object columns of mixed types → text for GPKG
                if col != "geometry" and gdf[col].dtype == object:
                    gdf[col] = gdf[col].astype("string")
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", layer_metadata=meta)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@app.command("schools")
@user_errors
def schools_command(
    osm: list[Path] | None = typer.Option(
        None, "--osm", help="OSM street file; repeat for feature files (e.g. the buildings file). Default: the scenario's [data] files."
    ),
    buildings: Path | None = typer.Option(None, "--buildings", help="Buildings OSM file (same as a second --osm)."),
    scenario: Path | None = typer.Option(None, "--scenario", help="Scenario file: its data, area, school register, traffic, toets and schools settings, "
                                  "used as `mobisim run` uses them for today (default: the documented defaults)."),
    export: Path | None = typer.Option(None, "--export", help="Write the school routes to this GeoPackage."),
    top: int = typer.Option(10, "--top", min=1, help="How many weakest links to print."),
    children: float | None = typer.Option(None, "--children", min=1, help="Override the number of primary-school children."),
    what_if: bool = typer.Option(True, "--what-if/--no-what-if", help="Recompute the share with the top links fixed."),
) -> None:
    """School routes: nearest primary school for every home, the child-safe share and the weakest links.

    Computed as `mobisim run` computes today's state (the same pipeline steps: area, school register,
    speed-limit layer, traffic model, 8-jarigen-toets), so its figures equal the run's "before".
    """
    from mobisim.load.inputs import load_inputs
    from mobisim.pipeline import school_routes_today
    from mobisim.schools import evaluate_school_routes, fix_weakest_links

    console = make_console(width=None if sys.stdout.isatty() else 160)
    if export is not None:
        check_export_path(export)
    sc = _load_scenario(scenario)
    settings = sc.schools
    if children is not None:
        settings = settings.model_copy(update={"children_total": children})
        sc = sc.model_copy(update={"schools": settings})
    extra = [buildings] if buildings else []
    if osm:
        paths: list[Path] | None = [*osm, *extra]
    elif sc.data is not None and sc.data.osm:
        paths = [*sc.data.files(), *extra] if extra else None  # None: the scenario's own files
    elif sc.data is not None and sc.data.place and not extra:
        paths = None  # the scenario's place (downloaded once)
    else:
        raise MobisimError("schools: give --osm FILE (or a --scenario whose [data] names the OSM files)")
    for p in paths if paths is not None else (sc.data.files() if sc.data is not None else []):
        if not Path(p).is_file():
            raise InputFileError(f"{p}: file not found")
    notes: list[str] = []
    inputs = load_inputs(sc, paths, parking=False)
    net, result = school_routes_today(sc, inputs, notes)
    result.notes[:0] = [n for n in notes if n not in result.notes]
    _print_result(console, net, result, top)
    if what_if and len(result.weakest_links):
        for by in ("element", "stretch"):
            fixed = fix_weakest_links(net, top, result, mode=settings.mode, by=by)
            after = evaluate_school_routes(
                fixed, settings, schools=result.schools[["name", "geometry"]],
                origins=result.origins[["children", "geometry"]], wijken=None, write_columns=False,
            )
            what = "weakest links" if by == "element" else "weakest street stretches"
            console.print(
                f"What-if: fixing the top {top} {what} raises the safe-route share "
                f"from {result.scores['share_safe']:.1%} to [bold]{after.scores['share_safe']:.1%}[/]."
            )
    if export is not None:
        with writing(export):
            export_routes(net, result, export)
        console.print(f"wrote {safe(export)}")
