"""``mobisim sweep`` on dask.distributed (issue 18): a LocalCluster of 2 worker processes runs a grid
sweep on the test grid; a worker killed mid-sweep still leaves every row; a cluster started here
(``dask scheduler`` and ``dask worker`` processes on loopback) gives the same rows; an interrupted
sweep resumes with only the variants it lacks."""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import cloudpickle
import pandas as pd
import pytest
from typer.testing import CliRunner

from mobisim.cli import app
from mobisim.sweep import parse_vary, run_sweep
from mobisim.sweep.evaluate import run_variant

pytest.importorskip("distributed")
runner = CliRunner()

#: The parking cap changes the freed spaces; the Power Model's exponent the crash figure.
VARY = ["parking.cap_rate=0.01,0.03", "scores.power_exponents.fatal_serious=2,4"]
#: Two variants of the grid (the same overrides, so the same variant ids).
SMALL = ["parking.cap_rate=0.01,0.03", "scores.power_exponents.fatal_serious=4"]
SCORES = ["parking_freed", "fatal_serious_change", "composite", "km_30", "toets_pass"]

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the wrapped tasks below, on any worker


def _dies_once(marker: str, base, variant):
    """The task, except that the first worker to run the cap 0.03 / exponent 4 variant dies in it."""
    if variant.overrides == {"parking.cap_rate": 0.03, "scores.power_exponents.fatal_serious": 4}:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            pass
        else:
            os._exit(1)
    return run_variant(base, variant)


def _logged(calls: str, base, variant):
    """The task, logging each call into the folder ``calls``."""
    Path(calls, variant.id).touch()
    return run_variant(base, variant)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def grid(data_dir, tmp_path_factory):
    """The grid sweep on a LocalCluster of 2 workers, through the CLI."""
    out = tmp_path_factory.mktemp("sweep") / "grid"
    args = ["sweep", str(data_dir / "render_scenario.toml"), "--workers", "2", "--out", str(out), "-q"]
    res = runner.invoke(app, [*args, *(a for v in VARY for a in ("--vary", v))])
    assert res.exit_code == 0, (res.output, res.exception)
    return out


def _of(rows: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``rows`` with the variant ids of ``like``, in its order."""
    return rows.set_index("variant").loc[like["variant"]].reset_index()


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    cols = ["variant", "parking.cap_rate", "scores.power_exponents.fatal_serious", *SCORES]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))


def test_grid_sweep_on_two_workers(grid):
    rows = pd.read_parquet(grid / "rows.parquet")
    meta = (grid / "sweep.json").read_text(encoding="utf-8")
    assert len(rows) == 4 and rows["variant"].is_unique
    assert '"workers_seen": 2' in meta and '"status": "done"' in meta
    freed = rows.groupby("parking.cap_rate")["parking_freed"].mean()
    assert freed[0.03] > freed[0.01] > 0  # a faster cap frees more spaces
    crash = rows.groupby("scores.power_exponents.fatal_serious")["fatal_serious_change"].mean()
    assert crash[4] < crash[2] < 0  # lower speeds: a larger fall in crashes with a larger exponent
    assert (rows["seconds"] > 0).all() and (rows["worker_peak_mb"] > 50).all()
    assert {p.name for p in grid.iterdir()} >= {"rows.csv", "rows.parquet", "summary.csv", "summary.md",
                                                "sweep.json", "tornado.png", "vs-parking.cap_rate.png"}
    assert pd.read_csv(grid / "rows.csv")["variant"].tolist() == rows["variant"].tolist()


def test_a_killed_worker_still_gives_every_row(grid, data_dir, tmp_path):
    marker = tmp_path / "died"
    res = run_sweep(data_dir / "render_scenario.toml", [parse_vary(v) for v in SMALL], out_dir=tmp_path / "s",
                    workers=2, progress=False, task=functools.partial(_dies_once, str(marker)))
    assert marker.exists()  # a worker did die in the task
    assert len(res.rows) == 2
    _same_rows(res.rows, _of(pd.read_parquet(grid / "rows.parquet"), res.rows))


def test_resume_runs_only_the_missing_variants(grid, data_dir, tmp_path):
    """A sweep killed after two rows, the third cut off while written: resume runs the other two."""
    out, calls = tmp_path / "s", tmp_path / "calls"
    out.mkdir()
    calls.mkdir()
    lines = (grid / "rows.jsonl").read_text(encoding="utf-8").splitlines()
    (out / "rows.jsonl").write_text("\n".join(lines[:2]) + "\n" + lines[2][:30], encoding="utf-8")
    res = run_sweep(data_dir / "render_scenario.toml", [parse_vary(v) for v in VARY], out_dir=out, workers=2,
                    progress=False, resume=True, task=functools.partial(_logged, str(calls)))
    done = {line.split('"variant": "')[1][:12] for line in lines[:2]}
    ran = {p.name for p in calls.iterdir()}
    assert len(ran) == 2 and not ran & done
    assert res.meta["resumed"] == 2
    _same_rows(res.rows, pd.read_parquet(grid / "rows.parquet"))


def _wait_for(port: int, procs: list[subprocess.Popen], seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a dask process ended early")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"no scheduler on port {port}")


def test_an_external_scheduler_gives_the_same_rows(grid, data_dir, tmp_path):
    dask = [sys.executable, "-m", "dask"]  # the `dask` command of this interpreter
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        _wait_for(port, procs)
        procs += [subprocess.Popen([*dask, "worker", address, "--nthreads", "1",
                                    "--nworkers", "2", "--no-dashboard", "--host", "127.0.0.1"],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        out = tmp_path / "s"
        args = ["sweep", str(data_dir / "render_scenario.toml"), "--scheduler", address, "--out", str(out), "-q"]
        res = runner.invoke(app, [*args, *(a for v in SMALL for a in ("--vary", v))])
        assert res.exit_code == 0, (res.output, res.exception)
        rows = pd.read_parquet(out / "rows.parquet")
        assert len(rows) == 2 and '"workers_seen": 2' in (out / "sweep.json").read_text(encoding="utf-8")
        _same_rows(rows, _of(pd.read_parquet(grid / "rows.parquet"), rows))
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs[::-1]:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_regime_figures_are_the_full_rows_km(data_dir, tmp_path):
    """``--figures regime``: rows of the 30/50 rule's km alone, equal to the km of a full variant."""
    from mobisim.load import load_inputs
    from mobisim.pipeline.stages import Evaluated
    from mobisim.scenario import load_scenario

    out = tmp_path / "regime"
    res = runner.invoke(app, ["sweep", str(data_dir / "render_scenario.toml"), "--workers", "1", "--out", str(out),
                              "-q", "--figures", "regime", "--vary", "rules.noise_threshold_lden_db=50,75"])
    assert res.exit_code == 0, (res.output, res.exception)
    rows = pd.read_parquet(out / "rows.parquet").set_index("rules.noise_threshold_lden_db")
    km = ["km_keep_50", "km_50_if_shown", "km_to_30", "km_30", "km_50"]
    assert "composite" not in rows.columns and set(km) <= set(rows.columns)
    sc = load_scenario(data_dir / "render_scenario.toml")
    ev = Evaluated.build(sc, load_inputs(sc))
    for db in (50, 75):
        full = ev.variant({"rules.noise_threshold_lden_db": db})
        assert rows.loc[db, km].tolist() == pytest.approx([full[k] for k in km])
    bad = runner.invoke(app, ["sweep", str(data_dir / "render_scenario.toml"), "--figures", "regime",
                              "--areas", "wijken", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and not (tmp_path / "bad").exists()
