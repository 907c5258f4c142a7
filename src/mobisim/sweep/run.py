"""A whole sweep: validate the design, read the inputs once, run the variants on Dask, write the results."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mobisim.errors import InputFileError, ScenarioError
from mobisim.load.inputs import load_inputs
from mobisim.pipeline.run import SAFE_FOLDER_NAME, as_scenario, output_folder_name
from mobisim.scenario import Scenario
from mobisim.sweep import outputs
from mobisim.sweep.cluster import default_workers, open_client
from mobisim.sweep.design import AREA_KINDS, Design, area_list, check_design, make_design
from mobisim.sweep.evaluate import build_base, check_overrides, run_variant
from mobisim.sweep.spec import Vary
from mobisim.sweep.stream import Task, stream_variants

__all__ = ["SweepResult", "default_name", "run_sweep", "sweep_folder"]


@dataclass
class SweepResult:
    """A finished sweep: its rows (one per variant), the files written and ``sweep.json``'s content."""

    folder: Path
    rows: pd.DataFrame
    paths: dict[str, Path] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


def default_name(varies: Sequence[Vary], areas: str | None) -> str:
    """``noise_threshold_lden_db``, ``cap_rate-volume``, ``wijken``: the last part of each key (and the areas)."""
    parts = ([areas] if areas else []) + [v.key.rsplit(".", 1)[-1] for v in varies]
    return "-".join(parts) or "single"


def sweep_folder(scenario: str | Path | Scenario, sc: Scenario, name: str, out_dir: str | Path | None) -> Path:
    """``out_dir``, else ``maps/<scenario>/sweep-<name>/``.

    Raises
    ------
    ScenarioError
        ``name`` cannot be a folder name.
    """
    if not re.fullmatch(SAFE_FOLDER_NAME, name):
        raise ScenarioError(f"--name {name!r}: letters, digits, '.', '_', '-' only, not starting with '.'")
    return Path(out_dir) if out_dir is not None else Path("maps") / output_folder_name(scenario, sc) / f"sweep-{name}"


def _design(sc: Scenario, varies: Sequence[Vary], samples: int | None, seed: int, areas: str | None,
            inputs: Any) -> Design:
    if areas is None:
        return make_design(varies, samples=samples, seed=seed)
    if inputs.wijken is None:
        raise InputFileError(f"--areas {areas}: the wijk polygons were not found ({inputs.wijken_path})")
    listed = area_list(areas, inputs.wijken)
    streets = inputs.net.edges.sindex
    polygons = inputs.wijken.set_index("code").geometry
    kept = [(label, codes) for label, codes in listed
            if len(streets.query(polygons.loc[list(codes)].union_all(), predicate="intersects"))]
    if not kept:
        raise InputFileError(f"--areas {areas}: no {areas} of the wijk polygons hold a street of the network")
    return make_design(varies, samples=samples, seed=seed, areas=kept)


def _fresh(folder: Path, resume: bool) -> list[dict[str, Any]]:
    """The rows already logged (``resume``), else an empty log."""
    if resume:
        return outputs.read_rows(folder)
    (folder / outputs.LOG).unlink(missing_ok=True)
    return []


def _timings(frame: pd.DataFrame, **seconds: float) -> dict[str, Any]:
    per = frame["seconds"] if "seconds" in frame else pd.Series(dtype=float)
    peaks = frame.groupby("worker_pid")["worker_peak_mb"].max() if "worker_pid" in frame else pd.Series(dtype=float)
    return {**{k: round(v, 2) for k, v in seconds.items()},
            "variant_seconds_mean": round(float(per.mean()), 3) if len(per) else None,
            "variant_seconds_median": round(float(per.median()), 3) if len(per) else None,
            "worker_peak_mb_max": round(float(peaks.max()), 1) if len(peaks) else None,
            "worker_processes": int(len(peaks))}


def run_sweep(scenario: str | Path | Scenario, varies: Sequence[Vary], *, osm: Sequence[str | Path] | None = None,
              samples: int | None = None, seed: int = 0, areas: str | None = None, name: str | None = None,
              out_dir: str | Path | None = None, workers: int | None = None, scheduler: str | None = None,
              resume: bool = False, progress: bool = True, task: Task = run_variant) -> SweepResult:
    """Run a sweep of ``scenario`` over ``varies`` (and ``areas``) on Dask and write its results.

    Every key and value is validated against the scenario before anything is read
    (:func:`mobisim.sweep.design.check_design`); ``areas`` (``"wijken"`` or ``"stadsdelen"``) makes
    one variant per area of the wijk polygons that holds a street of the network, each a whole
    evaluation clipped to it.

    Raises
    ------
    ScenarioError
        A bad ``--vary`` key or value (one line), a bad name.
    """
    sc = as_scenario(scenario)
    if areas is not None and areas not in AREA_KINDS:
        raise ScenarioError(f"--areas {areas}: expected one of {', '.join(AREA_KINDS)}")
    check_design(sc, make_design(varies, samples=samples, seed=seed), check_overrides)
    folder = sweep_folder(scenario, sc, name or default_name(varies, areas), out_dir)
    t0 = time.perf_counter()
    inputs = load_inputs(sc, list(osm) if osm else None)
    design = _design(sc, varies, samples, seed, areas, inputs)
    logged = _fresh(folder, resume)
    ids = {r["variant"] for r in logged}
    todo = [v for v in design.variants if v.id not in ids]
    t1 = time.perf_counter()
    base = build_base(sc, inputs, staged=areas is None)
    t2 = time.perf_counter()
    meta = {"scenario": sc.name, "name": folder.name.removeprefix("sweep-"), **design.meta(),
            "resumed": len(design.variants) - len(todo), "scheduler": scheduler,
            "workers": None if scheduler else (workers or default_workers()), "base": type(base).__name__}
    outputs.write_meta(folder, {**meta, "status": "running"})
    with open_client(workers, scheduler) as client:
        meta["workers_seen"] = len(client.scheduler_info(n_workers=-1)["workers"])
        streamed = stream_variants(client, base, todo, folder, progress=progress, done=len(design.variants) - len(todo),
                                   task=task)
    frame = outputs.rows_frame([*logged, *streamed.rows], design)
    paths = outputs.write_results(folder, meta["name"], design, frame)
    meta.update(status="done", rows=len(frame), resubmitted=streamed.resubmitted,
                seconds=_timings(frame, load=t1 - t0, base=t2 - t1, warm=streamed.warm_seconds, scatter=streamed.scatter_seconds,
                                 variants_wall=streamed.seconds, total=time.perf_counter() - t0))
    paths["meta"] = outputs.write_meta(folder, meta)
    return SweepResult(folder=folder, rows=frame, paths=paths, meta=meta)
