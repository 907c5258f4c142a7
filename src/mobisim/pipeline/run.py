"""A whole run: scenario → inputs → the steps in order → scores → outputs."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from mobisim.errors import InputFileError, ScenarioError
from mobisim.frames import attribution
from mobisim.load.inputs import Inputs, load_inputs
from mobisim.pipeline.progress import Steps
from mobisim.pipeline.result import RunResult
from mobisim.pipeline.stages import Evaluated
from mobisim.scenario import Scenario

__all__ = ["OUTPUT_FILES", "SAFE_FOLDER_NAME", "as_scenario", "output_folder_name", "evaluate", "render_outputs",
           "run_scenario"]

OUTPUT_FILES = ("map.html", "layers.gpkg", "scores.json", "report.md", "report.html")

#: A name that can be an output folder below ``maps/`` as it is: no separator, not ``.``/``..``,
#: not hidden (the staging folders of :func:`mobisim.render.outputs.output_set` are hidden).
SAFE_FOLDER_NAME = r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$"


def as_scenario(scenario: str | Path | Scenario) -> Scenario:
    """A scenario object: a path is read with :func:`mobisim.scenario.load_scenario`.

    Raises
    ------
    InputFileError
        The file does not exist.
    """
    if isinstance(scenario, str | Path):
        path = Path(scenario)
        if not path.exists():
            raise InputFileError(f"{path}: scenario file not found")
        from mobisim.scenario import load_scenario

        return load_scenario(path)
    return scenario


def output_folder_name(scenario: str | Path | Scenario, sc: Scenario) -> str:
    """The name of a run's output folder ``maps/<name>/``.

    The scenario file's stem (``scenarios/volt-2026.toml`` → ``volt-2026``, so ``mobisim compare
    baseline volt-2026`` finds it) when that is a safe folder name (:data:`SAFE_FOLDER_NAME`),
    else the validated scenario ``name``; an in-memory scenario uses its name.

    Raises
    ------
    ScenarioError
        Neither is a safe folder name (a scenario named ``..``).
    """
    if isinstance(scenario, str | Path):
        stem = Path(scenario).stem
        if re.fullmatch(SAFE_FOLDER_NAME, stem) and stem not in (".", ".."):
            return stem
    name = sc.name
    if re.fullmatch(SAFE_FOLDER_NAME, name) and name not in (".", ".."):
        return name
    where = Path(scenario) if isinstance(scenario, str | Path) else "scenario"
    raise ScenarioError(f"{where}: name: {name!r} cannot be an output folder name (letters, digits, '.', '_', '-', "
                        f"not starting with '.'), nor can the file name; rename the scenario or give --out")


def evaluate(sc: Scenario, inputs: Inputs, steps: Steps, *, name: str, out_dir: Path) -> RunResult:
    """Every step of a run on inputs already read, in order; nothing is written.

    The stages of :class:`mobisim.pipeline.stages.Evaluated` (one timed line each on ``steps``):
    the area judged, today's traffic, the interventions, today's toets and school routes, the
    scenario's 30/50 rule, traffic, driven speeds and toets, its school routes, parking, the plan
    (``[plan] in_run``) and the scores.
    """
    return Evaluated.build(sc, inputs, steps).result(name, out_dir)


def render_outputs(result: RunResult, scenario: Scenario, *, self_contained: bool = False,
                   lang: str | None = None) -> dict[str, Path]:
    """Render every output of ``result`` and write them into ``result.out_dir``.

    ``lang`` is the report's language (``"nl"``, the default, or ``"en"``).

    The five files (and ``plan.csv`` when the run made a plan) are written as one set (:func:`mobisim.render.outputs.output_set`): into a staging
    folder next to ``result.out_dir`` that replaces it as a whole only when every file is written,
    so a failure, SIGINT/SIGTERM or a kill leaves the complete old set or the complete new one.
    """
    from mobisim.plan import plan_csv
    from mobisim.plan.geometry import fix_frames, wijk_frame
    from mobisim.render import map as maps
    from mobisim.render import report
    from mobisim.render.gpkg_styles import write_run_layers
    from mobisim.render.map.themes import gpkg_themes
    from mobisim.render.outputs import output_set, to_jsonable
    from mobisim.schools import share_change

    after = result.after
    freed = result.parking.freed if result.parking is not None else None
    credit = attribution(after.sources)
    files = dict(zip(("map", "gpkg", "scores", "report_md", "report_html"), OUTPUT_FILES))
    sb, sa = result.schools_before, result.schools_after
    wijken = share_change(sb.per_wijk if sb else None, sa.per_wijk if sa else None)
    schools = share_change(sb.schools if sb else None, sa.schools if sa else None)
    plan = fix_frames(result.plan, result.before) if result.plan is not None else None
    plan_wijken = wijk_frame(result.plan, sb.per_wijk if sb else None) if result.plan is not None else None
    with output_set(result.out_dir) as stage:
        layers = maps.map_layers(after.edges, after.nodes, after.features, parking=freed, school_wijken=wijken,
                                 plan=plan)
        themes = gpkg_themes(after.edges, after.nodes, after.features, parking=freed, school_wijken=wijken,
                             school_scores=schools, plan=plan, plan_wijken=plan_wijken)
        write_run_layers(stage / files["gpkg"], themes, layers)
        m = maps.build_map(layers, title=f"mobisim · {result.name}", self_contained=self_contained,
                           attribution=credit, basemap=maps.Basemap(built_up=after.landuse, wijken=wijken))
        (stage / files["map"]).write_text(maps.render_html(m, self_contained=self_contained), encoding="utf-8")
        (stage / files["scores"]).write_text(
            json.dumps(to_jsonable(result.scores), indent=2, ensure_ascii=False, allow_nan=False) + "\n",
            encoding="utf-8")
        blocks = report.report_blocks(result, scenario, attribution=credit, lang=lang)  # text and charts
        (stage / files["report_md"]).write_text(report.report_markdown(blocks, lang=lang), encoding="utf-8")
        (stage / files["report_html"]).write_text(
            report.render_report_html(blocks, title=f"mobisim · {result.name}", lang=lang), encoding="utf-8")
        if result.plan is not None:
            files["plan"] = "plan.csv"
            (stage / files["plan"]).write_text(plan_csv(result.plan), encoding="utf-8")
    return {key: result.out_dir / name for key, name in files.items()}


def run_scenario(
    scenario: str | Path | Scenario,
    *,
    osm_override: Sequence[str | Path] | None = None,
    out_dir: str | Path | None = None,
    self_contained: bool = False,
    progress: bool = True,
    write: bool = True,
    inputs: Inputs | None = None,
    lang: str | None = None,
) -> RunResult:
    """Run a scenario end to end: read the inputs, evaluate before/after, score, render.

    Parameters
    ----------
    scenario
        A scenario file (read with :func:`mobisim.scenario.load_scenario`) or a loaded scenario.
    osm_override
        OSM files replacing the scenario's (street file first, then feature files).
    out_dir
        Output folder; ``maps/<scenario name>/`` when omitted.
    self_contained
        Inline every script and stylesheet into ``map.html`` (works offline).
    progress
        Show the steps with rich on stderr.
    write
        Write the outputs; ``False`` returns the result with no file written (``paths`` empty).
    inputs
        Inputs already read (:func:`mobisim.load.load_inputs`); read from the scenario when omitted.
    lang
        The report's language: ``"nl"`` (the default) or ``"en"``.

    Returns
    -------
    RunResult
    """
    sc = as_scenario(scenario)
    # the output folder is named after the file (scenarios/volt-2026.toml → maps/volt-2026/) when
    # that name is safe, else after the validated name; an explicit out_dir is used as given
    name = output_folder_name(scenario, sc)
    target = Path(out_dir) if out_dir is not None else Path("maps") / name
    with Steps(progress) as steps:
        if inputs is None:
            with steps.step("load", "Loading the network and the inputs"):
                inputs = load_inputs(sc, osm_override)
        result = evaluate(sc, inputs, steps, name=name, out_dir=target)
        if write:
            with steps.step("render", "Writing map, layers, scores and report"):
                result.paths = render_outputs(result, sc, self_contained=self_contained, lang=lang)
    result.timings = steps.timings
    return result
