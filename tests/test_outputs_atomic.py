"""The output set is written atomically (:func:`mobisim.render.outputs.output_set`).

A run leaves ``maps/<name>/`` holding either the complete old set (byte for byte) or the
complete new set, never a mix, whatever happens: an exception in a writer, a failed rename,
SIGINT/SIGTERM (staging removed, exit 130/143), SIGKILL at any moment (the next run removes what
was left and, in the fallback swap's window, puts the folder back).

The first part drives the writer itself in small subprocesses (no shared data, fast); the
second kills real ``mobisim run`` processes on the hand-written fixture (the parking step needs
the shared wijk polygons, so those tests are ``integration`` and skip without them).
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mobisim.errors import OutputError
from mobisim.render import outputs
from mobisim.render.outputs import output_set, recover_output_set

OUTPUTS = ("map.html", "layers.gpkg", "scores.json", "report.md", "report.html")

# --------------------------------------------------------------------------------------------
# helpers


def _make_old(target: Path) -> dict[str, bytes]:
    """A recognisable complete old set plus a user's note; returns its snapshot."""
    target.mkdir(parents=True)
    for name in OUTPUTS:
        (target / name).write_bytes(f"OLD {name}\n".encode())
    (target / "notes.txt").write_text("my notes\n")
    return _snapshot(target)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _leftovers(target: Path) -> list[str]:
    """Hidden staging/ready/old folders or temporary files next to or inside ``target``."""
    near = [p.name for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")]
    inside = [p.name for p in target.iterdir() if p.name.startswith(".")] if target.is_dir() else []
    return near + inside


def _assert_old_or_new(target: Path, old: dict[str, bytes], is_new) -> str:
    """``target`` holds exactly the old set or a complete new one (never a mix); which one."""
    assert target.is_dir(), f"{target} is missing"
    now = _snapshot(target)
    assert set(now) == set(old), f"not the set of files of either run: {sorted(now)}"
    if now == old:
        return "old"
    stale = [n for n in OUTPUTS if now[n] == old[n]]
    assert not stale, f"a mix: {stale} old, the others new"
    assert all(is_new(n, now[n]) for n in OUTPUTS), "an incomplete new set"
    assert now["notes.txt"] == old["notes.txt"]  # the user's file is carried over
    return "new"


def _poll(check, timeout: float = 60.0, proc: subprocess.Popen | None = None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = check()
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the process ended (exit {proc.returncode}) before the moment to kill it")
        time.sleep(0.005)
    raise AssertionError("timed out waiting for the moment to kill the process")


def _dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --------------------------------------------------------------------------------------------
# the writer in this process


def test_new_set_replaces_old_and_keeps_the_users_files(tmp_path):
    target = tmp_path / "maps" / "volt"
    _make_old(target)
    (target / ".map.html.abcd1234.tmp").write_text("temporary file of a killed older mobisim")
    os.chmod(target, 0o750)
    with output_set(target) as stage:
        assert stage.parent == target.parent and stage.name.startswith(".volt.staging-")
        for name in OUTPUTS:
            (stage / name).write_text(f"new {name}")
    assert sorted(p.name for p in target.iterdir()) == sorted([*OUTPUTS, "notes.txt"])
    assert (target / "map.html").read_text() == "new map.html"
    assert (target / "notes.txt").read_text() == "my notes\n"
    assert _leftovers(target) == []
    assert (target.stat().st_mode & 0o777) == 0o750  # the folder keeps its permissions


def test_first_run_creates_the_folder(tmp_path):
    target = tmp_path / "maps" / "new"
    with output_set(target) as stage:
        (stage / "scores.json").write_text("{}")
    assert [p.name for p in target.iterdir()] == ["scores.json"]
    assert _leftovers(target) == []


@pytest.mark.parametrize("swap", ["exchange", "two renames"])
def test_a_writer_failing_midway_leaves_the_old_set_untouched(tmp_path, monkeypatch, swap):
    if swap == "two renames":
        monkeypatch.setenv("_MOBISIM_TEST_NO_EXCHANGE", "1")
    target = tmp_path / "maps" / "volt"
    old = _make_old(target)
    with pytest.raises(RuntimeError, match="disk on fire"):
        with output_set(target) as stage:
            (stage / "map.html").write_text("new")
            (stage / "layers.gpkg").write_text("new")
            raise RuntimeError("disk on fire")
    assert _snapshot(target) == old
    assert _leftovers(target) == []


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_a_failed_rename_leaves_the_old_or_the_new_set(tmp_path, monkeypatch, fail_at):
    """Every rename of the swap (two-rename fallback) failing in turn: old or new, never none."""
    monkeypatch.setenv("_MOBISIM_TEST_NO_EXCHANGE", "1")
    target = tmp_path / "maps" / "volt"
    old = _make_old(target)
    calls = []
    real = os.rename

    def rename(src, dst, *a, **k):
        calls.append((src, dst))
        if len(calls) == fail_at:
            raise OSError(5, "Input/output error (injected)", str(dst))
        return real(src, dst, *a, **k)

    monkeypatch.setattr(os, "rename", rename)
    try:
        with output_set(target) as stage:
            for name in OUTPUTS:
                (stage / name).write_text(f"new {name}")
    except OSError:
        pass
    monkeypatch.setattr(os, "rename", real)
    _assert_old_or_new(target, old, lambda n, b: b == f"new {n}".encode())
    assert _leftovers(target) == []


def test_stale_folders_of_dead_processes_are_removed_live_ones_kept(tmp_path):
    target = tmp_path / "maps" / "volt"
    _make_old(target)
    dead, live = _dead_pid(), os.getppid()
    stale = [tmp_path / "maps" / f".volt.{kind}-{dead}-0badc0de" for kind in ("staging", "ready", "old")]
    for p in stale:
        p.mkdir()
        (p / "map.html").write_text("x")
    running = tmp_path / "maps" / f".volt.staging-{live}-00c0ffee"  # a concurrent run
    running.mkdir()
    other = tmp_path / "maps" / f".volt-2.staging-{dead}-0badc0de"  # another output's: not ours to judge
    other.mkdir()
    with output_set(target) as stage:
        (stage / "map.html").write_text("new")
    assert not any(p.exists() for p in stale)
    assert running.exists() and other.exists()


@pytest.mark.parametrize("kind", ["ready", "old"])
def test_a_missing_folder_is_restored_from_a_complete_one(tmp_path, kind):
    """The fallback swap's window: the folder is gone, a complete ready/old folder is there."""
    maps = tmp_path / "maps"
    maps.mkdir()
    dead = _dead_pid()
    complete = maps / f".volt.{kind}-{dead}-0badc0de"
    complete.mkdir()
    for name in OUTPUTS:
        (complete / name).write_text(kind)
    partial = maps / f".volt.staging-{dead}-0badc0df"
    partial.mkdir()
    (partial / "map.html").write_text("half")
    assert recover_output_set(maps / "volt") == (maps / "volt").absolute()
    assert sorted(p.name for p in (maps / "volt").iterdir()) == sorted(OUTPUTS)
    assert (maps / "volt" / "map.html").read_text() == kind
    assert _leftovers(maps / "volt") == []


def test_refuses_the_working_folder_and_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for bad in (".", "..", "maps/.."):
        with pytest.raises(OutputError, match="replaced as a whole"):
            with output_set(bad):
                pass
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        with output_set("afile"):
            pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_single_file_writer_removes_temporaries_of_dead_processes(tmp_path):
    stale = tmp_path / f".out.csv.{_dead_pid()}-0badc0de.tmp"
    stale.write_text("half")
    outputs.write_text(tmp_path / "out.csv", "a,b\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


# --------------------------------------------------------------------------------------------
# the writer killed at each moment (small subprocesses)

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from mobisim.render.outputs import output_set
    target, hold = Path(sys.argv[1]), float(sys.argv[2])
    with output_set(target) as stage:
        for i, name in enumerate({outputs!r}):
            (stage / name).write_text("new " + name)
            if i == 1:
                time.sleep(hold)  # two files written, three to go
""").format(outputs=OUTPUTS)


def _writer(target: Path, hold: float = 0.0, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(hold)],
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _is_new(name: str, data: bytes) -> bool:
    return data == f"new {name}".encode()


def _stage_with_files(target: Path, kind: str, n: int = 0):
    def check():
        for p in target.parent.glob(f".{target.name}.{kind}-*"):
            if len(list(p.iterdir())) >= n:
                return p
        return None
    return check


@pytest.mark.parametrize("sig,code", [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 143),
                                      (signal.SIGINT, 130)])
def test_signal_while_writing_leaves_the_old_set(tmp_path, sig, code):
    target = tmp_path / "maps" / "volt"
    old = _make_old(target)
    proc = _writer(target, hold=30)
    _poll(_stage_with_files(target, "staging", 2), proc=proc)
    proc.send_signal(sig)
    assert proc.wait(30) == code, proc.stderr.read().decode()
    assert _snapshot(target) == old
    if sig == signal.SIGKILL:  # nothing could clean up; the next write does
        assert len(_leftovers(target)) == 1
        with output_set(target) as stage:
            (stage / "map.html").write_text("next")
    else:
        assert "Traceback" not in proc.stderr.read().decode()
    assert _leftovers(target) == []


@pytest.mark.parametrize("moment,swap,expect", [
    ("ready", "exchange", "old"),        # complete and marked, not yet swapped
    ("swapped", "exchange", "new"),      # swapped, the old set not yet removed
    ("swapped", "two renames", "new"),
])
def test_sigkill_around_the_swap(tmp_path, moment, swap, expect):
    target = tmp_path / "maps" / "volt"
    old = _make_old(target)
    env = {"_MOBISIM_TEST_PAUSE": f"{moment}:30"}
    if swap == "two renames":
        env["_MOBISIM_TEST_NO_EXCHANGE"] = "1"
    proc = _writer(target, **env)
    if moment == "ready":
        _poll(_stage_with_files(target, "ready"), proc=proc)
    else:  # the old set moved aside and the new one in place
        _poll(lambda: target.exists() and _stage_with_files(target, "old")(), proc=proc)
    proc.kill()
    proc.wait(30)
    assert _assert_old_or_new(target, old, _is_new) == expect
    recover_output_set(target)  # what the next run does first
    assert _assert_old_or_new(target, old, _is_new) == expect
    assert _leftovers(target) == []


def test_sigkill_inside_the_two_rename_window_is_repaired(tmp_path):
    """Without renameat2 the folder is missing between the two renames; the next run (or
    recover_output_set) completes the swap from the complete ready folder."""
    target = tmp_path / "maps" / "volt"
    old = _make_old(target)
    proc = _writer(target, _MOBISIM_TEST_PAUSE="between:30", _MOBISIM_TEST_NO_EXCHANGE="1")
    _poll(lambda: not target.exists() and list(target.parent.glob(".volt.old-*")), proc=proc)
    proc.kill()
    proc.wait(30)
    assert not target.exists()
    recover_output_set(target)
    assert _assert_old_or_new(target, old, _is_new) == "new"
    assert _leftovers(target) == []


def test_sigterm_during_the_swap_is_held_until_it_is_done(tmp_path):
    target = tmp_path / "maps" / "volt"
    old = _make_old(target)
    proc = _writer(target, _MOBISIM_TEST_PAUSE="between:1", _MOBISIM_TEST_NO_EXCHANGE="1")
    _poll(lambda: not target.exists(), proc=proc)
    proc.terminate()
    assert proc.wait(30) == 143
    assert _assert_old_or_new(target, old, _is_new) == "new"
    assert _leftovers(target) == []


# --------------------------------------------------------------------------------------------
# `mobisim run` on the fixture, failing and killed (needs the shared wijk polygons)

FIXTURE = ("render_scenario.toml", "render_city.osm", "render_buildings.osm")


def _work(tmp_path: Path, data_dir: Path) -> tuple[Path, dict[str, bytes]]:
    work = tmp_path / "work"
    work.mkdir()
    for name in FIXTURE:
        shutil.copy(data_dir / name, work / name)
    return work, _make_old(work / "maps" / "render_scenario")


def _is_run_output(name: str, data: bytes) -> bool:
    if name.endswith(".html"):
        return data.rstrip().endswith(b"</html>")
    if name == "scores.json":
        return "headline" in json.loads(data)
    if name == "layers.gpkg":
        return data.startswith(b"SQLite format 3\x00")
    return data.startswith(b"# ")


def _mobisim_run(work: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from mobisim.cli import app; app()", "run",
                             "render_scenario.toml", "--quiet"], cwd=work, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, data_dir, shared_osm):
    """One run of the fixture in this process (also fills the network cache for the others)."""
    from mobisim import pipeline

    out = tmp_path_factory.mktemp("maps") / "first"
    result = pipeline.run_scenario(data_dir / "render_scenario.toml", out_dir=out, progress=False)
    return result, pipeline.as_scenario(data_dir / "render_scenario.toml")


@pytest.mark.integration
def test_render_outputs_failing_writer_keeps_the_old_set(rendered, tmp_path, monkeypatch):
    from mobisim import pipeline
    from mobisim.render import report

    result, sc = rendered
    target = tmp_path / "maps" / "render-volt"
    old = _make_old(target)

    def broken(*args, **kwargs):
        raise RuntimeError("writer broke after four files")

    monkeypatch.setattr(report, "render_report_html", broken)
    with pytest.raises(RuntimeError, match="writer broke"):
        pipeline.render_outputs(dataclasses.replace(result, out_dir=target), sc)
    assert _snapshot(target) == old
    assert _leftovers(target) == []


@pytest.mark.integration
@pytest.mark.parametrize("fail_at", [3])
def test_render_outputs_failed_rename_never_mixes(rendered, tmp_path, monkeypatch, fail_at):
    """The n-th rename or replace touching the output folder fails (a full disk, a lost mount);
    the writer's own test above fails every rename in turn."""
    from mobisim import pipeline

    result, sc = rendered
    monkeypatch.setenv("_MOBISIM_TEST_NO_EXCHANGE", "1")  # Python-level renames only
    target = tmp_path / "maps" / "render-volt"
    old = _make_old(target)
    calls = []
    real_rename, real_replace = os.rename, os.replace

    def failing(real):
        def call(src, dst, *a, **k):
            if str(tmp_path) in str(dst):
                calls.append(dst)
                if len(calls) == fail_at:
                    raise OSError(28, "No space left on device (injected)", str(dst))
            return real(src, dst, *a, **k)
        return call

    monkeypatch.setattr(os, "rename", failing(real_rename))
    monkeypatch.setattr(os, "replace", failing(real_replace))
    try:
        pipeline.render_outputs(dataclasses.replace(result, out_dir=target), sc)
    except OSError:
        pass
    monkeypatch.setattr(os, "rename", real_rename)
    monkeypatch.setattr(os, "replace", real_replace)
    _assert_old_or_new(target, old, _is_run_output)
    assert _leftovers(target) == []


@pytest.mark.integration
@pytest.mark.parametrize("sig,code", [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 143),
                                      (signal.SIGINT, 130)])
def test_mobisim_run_signalled_while_writing(rendered, tmp_path, data_dir, sig, code):
    work, old = _work(tmp_path, data_dir)
    target = work / "maps" / "render_scenario"
    proc = _mobisim_run(work)
    _poll(_stage_with_files(target, "staging", 1), proc=proc)
    proc.send_signal(sig)
    assert proc.wait(60) == code, proc.stderr.read().decode()[-2000:]
    assert _snapshot(target) == old
    if sig != signal.SIGKILL:
        assert _leftovers(target) == []  # the handler removed the staging folder


@pytest.mark.integration
def test_mobisim_run_killed_at_random_moments_then_a_clean_run(rendered, tmp_path, data_dir):
    work, old = _work(tmp_path, data_dir)
    target = work / "maps" / "render_scenario"
    rng = random.Random(13)
    for delay in sorted(rng.uniform(0.5, 5.0) for _ in range(2)):
        before = _snapshot(target)
        proc = _mobisim_run(work)
        time.sleep(delay)
        proc.kill()
        assert proc.wait(60) in (0, -signal.SIGKILL)
        state = _assert_old_or_new(target, old, _is_run_output)
        if state == "old":
            assert _snapshot(target) == before
    proc = _mobisim_run(work)
    assert proc.wait(120) == 0, proc.stderr.read().decode()[-2000:]
    assert _assert_old_or_new(target, old, _is_run_output) == "new"
    assert _leftovers(target) == []
    assert sorted(p.name for p in work.iterdir()) == sorted([*FIXTURE, "maps"])
    assert [p.name for p in (work / "maps").iterdir()] == ["render_scenario"]
