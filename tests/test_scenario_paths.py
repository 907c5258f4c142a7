"""Paths: the output folder comes from a safe name, and scenario files are read only when they
are regular files of sensible size (never /dev/zero, a FIFO, a folder or a 2 MB file)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from mobisim.cli import app
from mobisim.errors import ScenarioError
from mobisim.pipeline import output_folder_name
from mobisim.scenario import Scenario

OUTPUTS = {"map.html", "layers.gpkg", "scores.json", "report.md", "report.html"}


def _sc(name: str) -> Scenario:
    """An in-memory scenario named ``name``; a name the model itself refuses (``../evil``, ``a/b``)
    is built unvalidated, as a caller could, so the folder-name guard is tested on its own."""
    try:
        return Scenario(name=name)
    except ValidationError:
        return Scenario.model_construct(name=name)


@pytest.mark.parametrize("file,name,folder", [
    ("scenarios/volt-2026.toml", "volt", "volt-2026"),   # the file's stem, as before
    ("../x.toml", "volt", "x"),
    ("...toml", "volt", "volt"),                          # stem '..': the validated name
    ("..toml", "volt", "volt"),                           # stem '.'
    (".hidden.toml", "volt", "volt"),                     # would hide among the staging folders
    (None, "render-test", "render-test"),                 # an in-memory scenario
])
def test_output_folder_name(file, name, folder):
    assert output_folder_name(file if file is not None else _sc(name), _sc(name)) == folder


@pytest.mark.parametrize("file,name", [("...toml", ".."), ("...toml", "."), (None, "../evil"), (None, "a/b"),
                                       (None, ".hidden")])
def test_unsafe_names_are_refused(file, name):
    with pytest.raises(ScenarioError, match="cannot be an output folder name"):
        output_folder_name(file if file is not None else _sc(name), _sc(name))


def _scenario_text(data_dir: Path, name: str) -> str:
    text = (data_dir / "render_scenario.toml").read_text()
    return text.replace('name = "render-volt"', f'name = "{name}"')


def _copy_fixture(data_dir: Path, work: Path) -> None:
    for f in ("render_city.osm", "render_buildings.osm"):
        shutil.copy(data_dir / f, work / f)


@pytest.mark.parametrize("name", ["..", "../evil", "a/b"])
def test_cli_refuses_names_that_leave_maps(tmp_path, data_dir, monkeypatch, name):
    _copy_fixture(data_dir, tmp_path)
    (tmp_path / "...toml").write_text(_scenario_text(data_dir, name))
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["run", "...toml", "--quiet"])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mobisim: error: ...toml: name:"), res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["...toml", "render_buildings.osm", "render_city.osm"]
    assert not (tmp_path.parent / "evil").exists()


@pytest.mark.integration
def test_dots_file_writes_into_maps_named_after_the_scenario(tmp_path, data_dir, monkeypatch, shared_osm):
    _copy_fixture(data_dir, tmp_path)
    (tmp_path / "...toml").write_text(_scenario_text(data_dir, "render-volt"))
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["run", "...toml", "--quiet"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["...toml", "maps", "render_buildings.osm",
                                                         "render_city.osm"]
    assert [p.name for p in (tmp_path / "maps").iterdir()] == ["render-volt"]
    assert {p.name for p in (tmp_path / "maps" / "render-volt").iterdir()} == OUTPUTS


# --------------------------------------------------------------------------------------------
# hostile scenario files: run in a subprocess with a memory limit and a per-case alarm, so the
# code before the fix (which hung on a FIFO and read /dev/zero until memory ran out) fails
# instead of hanging the suite

PROBE = textwrap.dedent("""
    import json, resource, signal, sys
    from typer.testing import CliRunner
    from mobisim.cli import app
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    class Timeout(Exception):
        pass

    def alarm(*_):
        raise Timeout()

    signal.signal(signal.SIGALRM, alarm)
    out = {}
    for key, path in json.loads(sys.argv[1]).items():
        signal.alarm(10)
        try:
            res = CliRunner().invoke(app, ["run", path, "--quiet"])
            out[key] = [res.exit_code, res.output]
        except Timeout:
            out[key] = [None, "timed out"]
        finally:
            signal.alarm(0)
    print(json.dumps(out))
""")

KINDS = {"dev-zero": "device", "fifo": "FIFO", "folder": "folder", "big": "too large"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict[str, list]]:
    """Every hostile file as a scenario and as the file a scenario extends, run through the CLI."""
    work = tmp_path_factory.mktemp("hostile")
    targets = {"dev-zero": "/dev/zero", "fifo": str(work / "pipe.toml"), "folder": str(work / "folder.toml"),
               "big": str(work / "big.toml")}
    os.mkfifo(work / "pipe.toml")
    (work / "folder.toml").mkdir()
    (work / "big.toml").write_text('name = "big"\n' + "# padding\n" * 200_000)  # 2 MB of valid TOML
    cases = {}
    for key, target in targets.items():
        child = work / f"extends-{key}.toml"
        child.write_text(f'extends = "{target}"\nname = "child"\n')
        cases[f"extends:{key}"] = str(child)
        cases[f"file:{key}"] = target
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(cases)], cwd=work, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work, json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("how", ["extends", "file"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_hostile_scenario_files_give_one_error_line(hostile, how, kind):
    work, results = hostile
    code, output = results[f"{how}:{kind}"]
    lines = [line for line in output.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, output[-2000:]
    line = lines[0]
    assert line.startswith("mobisim: error: ") and KINDS[kind] in line, line
    named = {"dev-zero": "zero", "fifo": "pipe.toml", "folder": "folder.toml", "big": "big.toml"}[kind]
    assert named in line, line
    if how == "extends":
        assert f"extends-{kind}.toml: extends: " in line, line
    assert not (work / "maps").exists()
