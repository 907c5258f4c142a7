"""The whole run: scenario file → scores, maps and a report.

:func:`run_scenario` reads every input once (:func:`mobisim.load.load_inputs`), then chains the
steps, each a small function taking the network, the typed scenario and the frames read:

1. :func:`clip_to_area`, :func:`mark_scope` and :func:`use_school_register` — what is judged
   (:mod:`mobisim.pipeline.scope`);
2. :func:`model_traffic_step` — the traffic model today (:mod:`mobisim.traffic`); then
   :func:`apply_interventions` — the scenario's interventions on a copy ("after");
3. :func:`evaluate_rules` — 8-jarigen-toets and 30/50 regime: *before* judges today's network at
   today's limits, *after* judges the scenario network at the proposed limits, driven speeds and
   the traffic after the change (or today's limits when the scenario has ``programme = false``);
4. :func:`evaluate_schools` — school routes and weakest links, before and after;
5. :func:`evaluate_parking_step` — the permit cap and the street space it frees (after);
6. :func:`compute_scores` — :mod:`mobisim.score` on before/after, with the headline and ranges;
7. :func:`render_outputs` — ``map.html``, ``layers.gpkg``, ``scores.json``, ``report.md/html``.

Everything is computed before the first file is written, and every file is written atomically,
so a bad input leaves no partial output. :func:`compare_runs` compares two runs' outputs.
"""

from mobisim.load.inputs import Inputs, apply_speed_limit_file, load_inputs, read_inputs, with_speed_limits
from mobisim.pipeline.compare import compare_runs, read_scores, resolve_run_dir
from mobisim.pipeline.result import RunResult
from mobisim.pipeline.run import (
    OUTPUT_FILES,
    SAFE_FOLDER_NAME,
    as_scenario,
    evaluate,
    output_folder_name,
    render_outputs,
    run_scenario,
)
from mobisim.pipeline.scope import clip_to_area, mark_scope, use_school_register
from mobisim.pipeline.scoring import compute_scores
from mobisim.pipeline.steps import (
    apply_interventions,
    driven_speed_step,
    evaluate_parking_step,
    evaluate_rules,
    evaluate_schools,
    limit_column,
    programme_on,
)
from mobisim.pipeline.today import prepare, school_routes_today, street_verdicts, today_network
from mobisim.pipeline.traffic import model_traffic_step

__all__ = [
    "OUTPUT_FILES",
    "SAFE_FOLDER_NAME",
    "Inputs",
    "RunResult",
    "apply_interventions",
    "apply_speed_limit_file",
    "as_scenario",
    "clip_to_area",
    "compare_runs",
    "compute_scores",
    "driven_speed_step",
    "evaluate",
    "evaluate_parking_step",
    "evaluate_rules",
    "evaluate_schools",
    "limit_column",
    "load_inputs",
    "mark_scope",
    "model_traffic_step",
    "output_folder_name",
    "prepare",
    "programme_on",
    "read_inputs",
    "read_scores",
    "render_outputs",
    "resolve_run_dir",
    "run_scenario",
    "school_routes_today",
    "street_verdicts",
    "today_network",
    "use_school_register",
    "with_speed_limits",
]
