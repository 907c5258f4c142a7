"""``mobisim run``, ``mobisim compare`` and ``mobisim explain-scores``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.tree import Tree

from mobisim.cli._app import app, check_output_dir, user_errors, writing
from mobisim.cli._text import console, safe
from mobisim.errors import InputFileError
from mobisim.render.format import plain_number

_out = console()


class ReportLanguage(StrEnum):
    """The report's languages (:data:`mobisim.render.i18n.LANGUAGES`)."""

    nl = "nl"
    en = "en"


def _num(value: Any) -> str:
    """A figure of a terminal table (:func:`mobisim.render.format.plain_number`)."""
    return plain_number(value)


@app.command("run")
@user_errors
def run_command(
    scenario: Path = typer.Argument(..., help="Scenario file (TOML), e.g. scenarios/volt-2026.toml."),
    osm: list[Path] | None = typer.Option(
        None, "--osm", help="OSM file(s) replacing the scenario's: the street file first, then feature files."
    ),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default maps/<scenario>/)."),
    self_contained: bool = typer.Option(
        True, "--self-contained/--cdn",
        help="Inline every script and stylesheet into map.html so it opens anywhere, also offline, by "
        "double-click (offline basemap drawn from the run's data; OpenStreetMap tiles switchable when online). --cdn links "
        "Leaflet and friends from their CDNs instead and starts on the tiles (needs internet).",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    lang: ReportLanguage = typer.Option(
        ReportLanguage.nl, "--lang", case_sensitive=False,
        help="Language of report.md/report.html: nl (Dutch, for the council) or en (English).",
    ),
    speed_limits: Path | None = typer.Option(
        None, "--speed-limits",
        help="Today's real speed limits, overriding the class defaults (never a tagged maxspeed): lines "
        "(GeoPackage/GeoJSON) with a limit column, or a CSV of street names (columns name, maxspeed). "
        "Replaces the scenario's [data] speed_limits.",
    ),
    speed_limits_column: str | None = typer.Option(
        None, "--speed-limits-column", help="Column of the speed-limit file holding the limit in km/h "
        "(default: the scenario's speed_limits_column, else maxspeed).",
    ),
) -> None:
    """Turn a scenario file into scores, a map, GIS layers and a council report."""
    from mobisim.load.speedlimits import check_speed_limits_column
    from mobisim.pipeline import as_scenario, output_folder_name, run_scenario, with_speed_limits
    from mobisim.render.report import headline_display, headline_scores

    check_output_dir(out)
    target: Any = scenario
    if speed_limits is not None or speed_limits_column is not None:
        sc = as_scenario(scenario)
        layer = (speed_limits if speed_limits is not None
                 else (sc.data.speed_limits if sc.data is not None else None))
        check_speed_limits_column(speed_limits_column, layer)  # the message of toets and network
        target = with_speed_limits(sc, layer, speed_limits_column) if layer is not None else sc
        out = out if out is not None else Path("maps") / output_folder_name(scenario, sc)  # as for the file itself
    with writing(out if out is not None else Path("maps")):  # default: maps/<name>/
        result = run_scenario(target, osm_override=list(osm) if osm else None, out_dir=out,
                              self_contained=self_contained, progress=not quiet, lang=lang.value)
    table = Table(title=f"mobisim run · {safe(result.name)}", show_lines=False)
    table.add_column("score")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    table.add_column("unit")
    table.add_column("range", justify="right")
    head = headline_display(headline_scores(result.scores))  # one decimal, counts whole: as in the report
    signs = "signs only" in head.columns
    if signs:
        table.add_column("signs only", justify="right")
    for row in head.to_dict("records"):
        cells = [row["score"], row["before"] or "–", row["after"] or "–", row["unit"], row["range"]]
        table.add_row(*map(safe, cells), *([safe(row["signs only"])] if signs else []))
    _out.print(table)
    calming = (result.scores.get("calming") or {}).get("value")
    if calming:
        _out.print(_calming_table(calming, result.scores))
    _out.print(f"[bold]Outputs[/] in {safe(result.out_dir)}/  ({sum(result.timings.values()):.1f} s)")
    labels = {"map": "map (open in a browser)", "gpkg": "layers for QGIS", "scores": "scores with their inputs",
              "report_md": "report (Markdown)", "report_html": "report (HTML, printable)",
              "plan": "the plan's fixes (CSV)"}
    for key, path in result.paths.items():
        size = path.stat().st_size / 1e6 if path.exists() else 0.0
        _out.print(f"  {safe(f'{labels.get(key, key):28}')} {safe(path)}  [dim]{size:.1f} MB[/]")
    for note in result.notes:
        _out.print(f"  [yellow]note:[/] {safe(note)}")


def _calming_table(calming: dict[str, Any], scores: dict[str, Any]) -> Table:
    """Signs only and the calming plan year by year (the report's table), as a rich table."""
    from mobisim.render.report import calming_before, calming_table

    frame = calming_table(calming, calming_before(scores), compact=True).rename(columns={"redesigned km": "km redesigned"})
    plan = calming["plan"]
    title = ("Signs or redesign, year by year (ranges low…high) — calming plan "
             + (f"{plan['km_per_year']:,.0f} km/yr from {plan['start_year']}: {plan['redesigned_by_horizon_km']:,.0f} "
                f"of {plan['to_redesign_km']:,.0f} km by the horizon" if plan["enabled"] else "off (signs only)"))
    table = Table(title=safe(title), show_lines=False)
    for col in frame.columns:
        table.add_column(safe(col), justify="left" if col == "state" else "right")
    for row in frame.itertuples(index=False):
        table.add_row(*map(safe, row))
    return table


@app.command("compare")
@user_errors
def compare_command(
    a: str = typer.Argument(..., help="First run: scenario name (maps/<name>/), scenario file or output folder."),
    b: str = typer.Argument(..., help="Second run, compared against the first."),
    maps_dir: Path = typer.Option(Path("maps"), "--maps", help="Folder holding the run outputs."),
    out: Path | None = typer.Option(None, "--out", help="Folder for diff.html (default maps/compare-A-B/)."),
    self_contained: bool = typer.Option(
        True, "--self-contained/--cdn", help="Inline scripts and styles into diff.html (works offline); --cdn links them."
    ),
    every: bool = typer.Option(False, "--all", help="Every number in scores.json, not only the headline."),
) -> None:
    """Before/after table of two runs' scores and a diff map of the segments that changed."""
    from mobisim.pipeline import compare_runs

    check_output_dir(out)
    with writing(out if out is not None else maps_dir):  # default: maps/compare-A-B/
        res = compare_runs(a, b, maps_dir=maps_dir, out_dir=out, self_contained=self_contained, every=every)
    na, nb = res["names"]
    table = Table(title=f"{safe(na)} → {safe(nb)}")
    table.add_column("score")
    table.add_column(safe(na), justify="right")
    table.add_column(safe(nb), justify="right")
    table.add_column("change", justify="right")
    table.add_column("unit")
    for row in res["table"].itertuples(index=False):
        pct = row.unit in ("share", "fraction")
        vals = [v * 100 if pct and v == v else v for v in (row.a, row.b, row.change)]
        text = [_num(float(v)) if v is not None else "–" for v in vals]
        table.add_row(safe(row.score), *map(safe, text), "%" if pct else safe(row.unit))
    _out.print(table)
    changed = res["changed"]
    counts = changed["change"].value_counts().to_dict() if len(changed) else {}
    _out.print(f"Segments changed: {len(changed)} "
               f"({safe(', '.join(f'{k}: {v}' for k, v in counts.items()) or 'none')})")
    moved = res.get("traffic_moved")
    if moved is not None and len(moved):
        traffic = Table(title=f"Where the traffic goes ({safe(na)} → {safe(nb)}, vehicles/day)")
        for col in ("street", "change", na, nb, "km"):
            traffic.add_column(safe(col), justify="left" if col == "street" else "right")
        for row in moved.itertuples(index=False):
            traffic.add_row(safe(row.street), f"{row.change:+,.0f}", f"{row.before:,.0f}", f"{row.after:,.0f}",
                            f"{row.km:.2f}")
        _out.print(traffic)
    _out.print(f"Diff map: {safe(res['diff_map'])}")


def _tree(node: Tree, data: Any, depth: int = 0) -> None:
    if isinstance(data, dict):
        for key, val in data.items():
            if isinstance(val, (dict, list)) and val:
                _tree(node.add(f"[bold]{safe(key)}[/]"), val, depth + 1)
            else:
                node.add(f"[bold]{safe(key)}[/]: {safe(_num(val) if isinstance(val, (int, float)) else val)}")
    elif isinstance(data, list):
        for i, val in enumerate(data):
            if isinstance(val, (dict, list)):
                _tree(node.add(safe(f"[{i}]")), val, depth + 1)
            else:
                node.add(safe(val))


@app.command("explain-scores")
@user_errors
def explain_scores_command(
    run: str | None = typer.Argument(
        None, help="A run: scenario name (maps/<name>/), scenario file, output folder or scores.json. "
        "Without it: the formulas and the settings in force."),
    maps_dir: Path = typer.Option(Path("maps"), "--maps", help="Folder holding the run outputs."),
    score: str | None = typer.Option(None, "--score", help="Only this score (a top-level key)."),
    scenario: Path | None = typer.Option(
        None, "--scenario", help="Show the formulas with this scenario's score settings."),
) -> None:
    """Print every score of a run with the inputs it was computed from (or every formula)."""
    from mobisim.pipeline import as_scenario, read_scores, resolve_run_dir

    if run is None:
        from mobisim.score import ScoreSettings, explain_scores

        settings = as_scenario(scenario).scores if scenario else None
        _out.print(explain_scores(settings or ScoreSettings()), markup=False, highlight=False)
        return
    path = Path(run)
    if path.suffix != ".json":
        path = resolve_run_dir(run, maps_dir) / "scores.json"
    data = read_scores(path)  # the reader of `mobisim compare`: one message for a bad scores.json
    if score is not None:
        if score not in data:
            raise InputFileError(f"{path}: no score {score!r} (have: {', '.join(map(str, data))})")
        data = {score: data[score]}
    tree = Tree(f"[bold]scores[/] ({safe(path)})")
    _tree(tree, data)
    _out.print(tree)
