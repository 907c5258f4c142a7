"""``mobisim sweep``: one scenario over a range of settings (or over its areas) on Dask."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from mobisim.cli._app import app, check_output_dir, user_errors, writing
from mobisim.cli._text import console, safe
from mobisim.render.format import plain_number

_out = console()


class AreaKind(StrEnum):
    """What ``--areas`` splits the file into (:data:`mobisim.sweep.design.AREA_KINDS`)."""

    wijken = "wijken"
    stadsdelen = "stadsdelen"


class Figures(StrEnum):
    """What each row of a sweep holds (``--figures``)."""

    all = "all"
    regime = "regime"


def _list_keys(scenario: Path) -> None:
    from mobisim.pipeline import as_scenario
    from mobisim.scenario.overrides import setting_keys

    table = Table(title=f"Keys --vary may set ({safe(scenario)})")
    table.add_column("key", no_wrap=True)
    table.add_column("takes (now)")
    for key, text in setting_keys(as_scenario(scenario)).items():
        table.add_row(safe(key), safe(text))
    _out.print(table)


def _print_result(result: Any) -> None:
    from mobisim.sweep.summary import percentiles

    meta = result.meta
    sec = meta["seconds"]
    if meta.get("samples"):
        pct = percentiles(result.rows, [*meta["keys"], "area"])
        table = Table(title=f"Monte Carlo · {meta['rows']} samples, seed {meta['seed']}")
        for col in ("score", "p5", "p50", "p95"):
            table.add_column(col, justify="left" if col == "score" else "right")
        for row in pct.itertuples(index=False):
            table.add_row(safe(row.score), *(plain_number(v) for v in (row.p5, row.p50, row.p95)))
        _out.print(table)
    _out.print(f"[bold]{meta['rows']}[/] variants ({safe(meta['kind'])}; {meta['resumed']} resumed) on "
               f"{meta['workers_seen']} workers in {sec['total']:.1f} s (load {sec['load']:.1f} s, base "
               f"{sec['base']:.1f} s, variants {sec['variants_wall']:.1f} s; {sec['variant_seconds_mean'] or 0:.2f} s "
               f"a variant; worker peak {sec['worker_peak_mb_max'] or 0:,.0f} MB)")
    _out.print(f"[bold]Outputs[/] in {safe(result.folder)}/")
    for key, path in result.paths.items():
        _out.print(f"  {safe(f'{key:14}')} {safe(path.name)}")


@app.command("sweep")
@user_errors
def sweep_command(
    scenario: Path = typer.Argument(..., help="Scenario file (TOML), e.g. scenarios/volt-2026.toml."),
    vary: list[str] | None = typer.Option(
        None, "--vary", help="KEY=VALUES: a comma list (a,b,c), a range start:stop:step (both ends included) or a "
        "distribution normal(mu,sd) / uniform(a,b) / triangular(a,mode,b) / lognormal(mu,sigma). Repeat for a "
        "grid (lists) or a joint sample (distributions). --keys lists the keys."),
    samples: int | None = typer.Option(None, "--samples", min=1, help="Draws of the distributions (Monte Carlo)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the Monte Carlo draws (the same seed, the same sample)."),
    areas: AreaKind | None = typer.Option(
        None, "--areas", help="One task per wijk or stadsdeel of the wijk polygons, each a whole run clipped to it."),
    osm: list[Path] | None = typer.Option(None, "--osm", help="OSM file(s) replacing the scenario's."),
    name: str | None = typer.Option(None, "--name", help="Sweep name: maps/<scenario>/sweep-<name>/ "
                                    "(default: the varied keys' last parts)."),
    out: Path | None = typer.Option(None, "--out", help="Output folder instead of maps/<scenario>/sweep-<name>/."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Worker processes of a local Dask cluster "
                                       "(default: one per core)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="An existing Dask scheduler, e.g. "
                                         "tcp://host:8786, instead of a local cluster."),
    resume: bool = typer.Option(False, "--resume", help="Keep the rows of an interrupted sweep of the same "
                                "design in the folder and run only the rest."),
    figures: Figures = typer.Option(
        Figures.all, "--figures", help="all: every headline figure of a run; regime: the 30/50 rule's km alone "
        "(keep 50, 50 if shown, to 30), seconds a variant instead of minutes on the city."),
    keys: bool = typer.Option(False, "--keys", help="List the keys --vary may set, with their ranges, and stop."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run a scenario over ranges of its settings (or over its areas) on Dask: rows, summary, plots."""
    from mobisim.errors import ScenarioError
    from mobisim.sweep import parse_vary, run_sweep
    from mobisim.sweep.evaluate import run_regime_variant, run_variant

    if keys:
        _list_keys(scenario)
        return
    check_output_dir(out)
    varies = [parse_vary(v) for v in vary or []]
    if not varies and areas is None:
        raise ScenarioError("--vary: give at least one KEY=VALUES (or --areas)")
    if figures is Figures.regime and areas is not None:
        raise ScenarioError("--figures regime: not with --areas (each area is a whole evaluation)")
    if workers is not None and scheduler is not None:
        raise ScenarioError("--workers: a local cluster's size; with --scheduler the cluster has its own workers")
    with writing(out if out is not None else Path("maps")):
        result = run_sweep(scenario, varies, osm=list(osm) if osm else None, samples=samples, seed=seed,
                           areas=areas.value if areas else None, name=name, out_dir=out, workers=workers,
                           scheduler=scheduler, resume=resume, progress=not quiet,
                           task=run_regime_variant if figures is Figures.regime else run_variant)
    _print_result(result)
