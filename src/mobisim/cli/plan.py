"""``mobisim plan``: the fixes, in order and costed, that let every child cycle safely to school."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from mobisim.cli._app import app, check_output_dir, user_errors, writing
from mobisim.cli._text import console as make_console
from mobisim.cli._text import safe
from mobisim.errors import InputFileError, MobisimError

if TYPE_CHECKING:
    from mobisim.plan import PlanResult


def _eur(x: float) -> str:
    """``€1.2 M`` (a cost in millions, one decimal)."""
    return "–" if x is None or not math.isfinite(x) else f"€{x / 1e6:,.1f} M"


def _print_milestones(console: Console, plan: PlanResult) -> None:
    from mobisim.plan import milestones

    steps = plan.steps
    t = Table(title=f"The plan to 100 % — today {steps['share_safe'].iloc[0]:.1%} of the children can cycle "
                    "to school on their own (costs low / central / high: sourced where cited, else estimates — see each "
                    "source in [plan] unit_costs)")
    for col in ("share", "cost low", "cost central", "cost high"):
        t.add_column(col, justify="right")
    for m in milestones(plan):
        if m["reached"]:
            t.add_row(f"{m['target']:.0%}", _eur(m["cost_low"]), f"[bold]{_eur(m['cost_central'])}[/]",
                      _eur(m["cost_high"]))
        else:
            t.add_row(f"{m['target']:.0%}", "not reached", f"(plan ends at {steps['share_safe'].iloc[-1]:.1%})", "")
    console.print(t)


def _print_years(console: Console, plan: PlanResult) -> None:
    from mobisim.plan import programme

    t = Table(title="What the budget buys, year by year (fixes in the plan's order)")
    for col in ("year", "budget", "fixes", "cost (central)", "share safe after"):
        t.add_column(col, justify="right")
    for r in programme(plan).itertuples(index=False):
        share = "–" if not math.isfinite(r.share_after) else f"{r.share_after:.1%}"  # NaN: no re-routing
        t.add_row(safe(r.year), _eur(r.budget), safe(r.fixes), _eur(r.cost_central), share)
    console.print(t)
    check = plan.traffic_check
    if check:
        console.print(f"[bold]Traffic check:[/] the budget pays {check['filters']:,} modal filters; with the traffic they "
                      f"displace re-assigned, {check['newly_failing_segments']:,} segments ({check['newly_failing_km']:.1f} km; "
                      f"{check['newly_failing_on_school_routes']:,} on school routes) newly fail the toets and the budget "
                      f"reaches {check['share_budget']:.1%} (the plan's own figure: {check['share_budget_unchecked']:.1%})")
    for _, r in plan.unreached.head(10).iterrows():
        console.print(f"not safe at the end: {r['children']:.0f} children of {safe(r['school'])}: {safe(r['reason'])}")
    for note in plan.notes:
        console.print(f"[dim]note: {safe(note)}[/]")


def _osm_paths(sc: object, osm: list[Path] | None) -> list[Path] | None:
    """The OSM files to load: ``--osm``, else the scenario's own (``None``)."""
    if osm:
        for p in osm:
            if not Path(p).is_file():
                raise InputFileError(f"{p}: file not found")
        return list(osm)
    data = getattr(sc, "data", None)
    if data is None or not (data.osm or data.place):
        raise MobisimError("plan: give --osm FILE (or a scenario whose [data] names the OSM files)")
    return None


@app.command("plan")
@user_errors
def plan_command(
    scenario: Path = typer.Argument(..., help="Scenario file: its data, area, toets, schools and [plan] settings."),
    osm: list[Path] | None = typer.Option(None, "--osm", help="OSM files (street file first); default: the scenario's."),
    out: Path | None = typer.Option(None, "--out", help="Folder for plan.csv (default maps/plan-<scenario name>/)."),
) -> None:
    """The plan to 100 %: which fixes, in which order and for how much, let every child cycle to school
    on their own; the cost to reach 95 / 99 / 100 % and what the yearly budget buys."""
    from mobisim.load.inputs import load_inputs
    from mobisim.plan import plan_csv, plan_for_scenario
    from mobisim.render.outputs import write_text
    from mobisim.scenario import load_scenario

    check_output_dir(out)
    console = make_console(width=None if sys.stdout.isatty() else 160)
    sc = load_scenario(scenario)
    inputs = load_inputs(sc, _osm_paths(sc, osm), parking=False)
    plan = plan_for_scenario(sc, inputs, [])
    _print_milestones(console, plan)
    _print_years(console, plan)
    folder = out if out is not None else Path("maps") / f"plan-{sc.name}"
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
        path = write_text(folder / "plan.csv", plan_csv(plan))
    console.print(f"wrote {safe(path)} ({len(plan.fixes):,} fixes)")
    if not sc.plan.in_run:
        console.print("the plan's map view, GeoPackage layers and report chapter: set [plan] in_run = true in the "
                      "scenario and run it with `mobisim run`")
