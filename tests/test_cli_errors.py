"""The CLI's error boundary (issue 13, item 4): failures of libraries and of the operating system
caused by the user's input end as ONE line ``mobisim: error: <place>: <problem>`` and exit code 2
(130 for Ctrl-C), never as a traceback; real bugs keep their traceback.

The failures are real where the machine allows it (an output path that is a folder, a file in the
way, a path under /proc or /sys that the kernel refuses); a full disk is simulated.
"""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from typer.testing import CliRunner

from mobisim.cli import app

runner = CliRunner()
PROC = Path("/proc/self")
needs_proc = pytest.mark.skipif(not PROC.is_dir(), reason="needs Linux /proc (paths the kernel refuses to create)")


def assert_one_error(result, *places: object, code: int = 2) -> str:
    """Exit ``code``, exactly one ``mobisim: error:`` line on stderr naming every place, no traceback."""
    assert result.exit_code == code, (result.output, result.exception)
    lines = [line for line in result.stderr.splitlines() if line.startswith("mobisim: error: ")]
    assert len(lines) == 1, result.stderr
    for place in places:
        assert str(place) in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return lines[0]


def network(data_dir: Path, *args: str):
    return runner.invoke(app, ["network", "--osm", str(data_dir / "schools_grid.osm"), "--no-summary", *args])


# --------------------------------------------------------------------------------------------
# output paths: a folder, a file in the way, refused by the kernel, a full disk


def test_network_export_to_a_folder(data_dir, tmp_path):
    res = network(data_dir, "--export", str(tmp_path))
    line = assert_one_error(res, tmp_path)
    assert "folder" in line
    assert list(tmp_path.iterdir()) == []


def test_schools_export_to_a_folder(data_dir, tmp_path):
    folder = tmp_path / "routes.gpkg"
    folder.mkdir()
    res = runner.invoke(app, ["schools", "--osm", str(data_dir / "schools_grid.osm"), "--export", str(folder)])
    assert_one_error(res, folder)
    assert list(folder.iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["routes.gpkg"]


@pytest.mark.parametrize("option", ["--export", "--csv"])
def test_parking_output_to_a_folder_is_refused_before_any_work(data_dir, tmp_path, option):
    res = runner.invoke(app, ["parking", "--osm", str(data_dir / "parking_streets.osm"),
                              "--wijken", str(tmp_path / "not-read.geojson"), option, str(tmp_path)])
    line = assert_one_error(res, tmp_path)
    assert option in line  # refused before the wijk file (missing here) is read


def test_export_below_a_file(data_dir, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("")
    res = network(data_dir, "--export", str(blocker / "x.gpkg"))
    line = assert_one_error(res, blocker / "x.gpkg")
    assert "not a folder" in line


@needs_proc
def test_network_export_the_kernel_refuses(data_dir):
    res = network(data_dir, "--export", "/proc/mobisim-test.gpkg")
    assert_one_error(res, "/proc/mobisim-test.gpkg: cannot write")


@needs_proc
def test_schools_export_the_kernel_refuses(data_dir):
    res = runner.invoke(app, ["schools", "--osm", str(data_dir / "schools_grid.osm"),
                              "--buildings", str(data_dir / "schools_grid_buildings.osm"),
                              "--export", "/proc/mobisim-test.gpkg", "--no-what-if"])
    assert_one_error(res, "/proc/mobisim-test.gpkg: cannot write")


def test_run_out_is_a_file(data_dir, tmp_path):
    target = tmp_path / "afile"
    target.write_text("")
    res = runner.invoke(app, ["run", str(data_dir / "render_baseline.toml"), "--out", str(target), "-q"])
    assert_one_error(res, target)
    assert target.read_text() == ""


def test_run_out_below_a_file(data_dir, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("")
    res = runner.invoke(app, ["run", str(data_dir / "render_baseline.toml"), "--out", str(blocker / "sub"), "-q"])
    assert_one_error(res, blocker / "sub")


@needs_proc
def test_run_out_the_kernel_refuses(data_dir, tmp_path, shared_osm):
    for name in ("render_baseline.toml", "render_city.osm", "render_buildings.osm"):
        shutil.copy(data_dir / name, tmp_path / name)
    res = runner.invoke(app, ["run", str(tmp_path / "render_baseline.toml"), "--out", "/proc/mobisim-test", "-q"])
    assert_one_error(res, "/proc")  # the folder or its parent, as the output-set writer names it


def test_full_disk(data_dir, tmp_path, monkeypatch):
    """ENOSPC from a write (no file name in the error): the line names the export."""
    import mobisim.render.outputs

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(mobisim.render.outputs, "write_gpkg", full)
    res = network(data_dir, "--export", str(tmp_path / "x.gpkg"))
    line = assert_one_error(res, tmp_path / "x.gpkg")
    assert "no space left" in line


def test_full_disk_seen_by_gdal(data_dir, tmp_path, monkeypatch):
    """GDAL reports a full disk as a failed SQLite insert (pyogrio.errors.FeatureError)."""
    import pyogrio.errors

    import mobisim.cli._app
    import mobisim.render.outputs

    def ogr_write(*args, **kwargs):  # named like pyogrio's writer
        raise pyogrio.errors.FeatureError("Could not add feature to layer at index 0: sqlite3_exec(...) failed")

    monkeypatch.setattr(mobisim.render.outputs, "write_gpkg", ogr_write)
    monkeypatch.setattr(mobisim.cli._app, "_disk_full", lambda path: True)
    res = network(data_dir, "--export", str(tmp_path / "x.gpkg"))
    line = assert_one_error(res, tmp_path / "x.gpkg")
    assert "no space left" in line


# --------------------------------------------------------------------------------------------
# malformed run outputs read by compare / explain-scores


def fake_run(folder: Path, scores: str | None = None, segments: gpd.GeoDataFrame | None = None) -> Path:
    folder.mkdir(parents=True)
    if scores is not None:
        (folder / "scores.json").write_text(scores)
    if segments is not None:
        segments.to_file(folder / "layers.gpkg", layer="segments", driver="GPKG", engine="pyogrio")
    return folder


@pytest.mark.parametrize("text", ["{", "[1, 2]", '"abc"', '{"headline": 5}', '{"headline": {"km_30": 5}}',
                                  "\xff\xfe not UTF-8"])
def test_compare_malformed_scores_json(tmp_path, text):
    maps = tmp_path / "maps"
    bad = fake_run(maps / "bad")
    (bad / "scores.json").write_bytes(text.encode("latin-1"))
    fake_run(maps / "good", scores=json.dumps({"headline": {}}))
    res = runner.invoke(app, ["compare", "bad", "good", "--maps", str(maps)])
    line = assert_one_error(res, bad / "scores.json")
    assert "not a valid scores.json" in line
    assert not (maps / "compare-bad-good").exists()


@pytest.mark.parametrize("text", ["{", "[1, 2]", '"abc"', '{"headline": [1]}'])
def test_explain_scores_malformed_scores_json(tmp_path, text):
    path = tmp_path / "scores.json"
    path.write_text(text)
    fake_run(tmp_path / "maps" / "x", scores=text)
    for args in ([str(path)], [str(path), "--score", "a"], ["x", "--maps", str(tmp_path / "maps")]):
        res = runner.invoke(app, ["explain-scores", *args])
        line = assert_one_error(res, "scores.json")
        assert "not a valid scores.json" in line


def test_compare_segments_layer_without_its_key_columns(tmp_path):
    maps = tmp_path / "maps"
    layer = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs="EPSG:28992")
    scores = json.dumps({"headline": {}})
    a = fake_run(maps / "a", scores=scores, segments=layer)
    fake_run(maps / "b", scores=scores, segments=layer)
    res = runner.invoke(app, ["compare", "a", "b", "--maps", str(maps)])
    line = assert_one_error(res, a / "layers.gpkg")
    assert "way_id" in line


def test_compare_out_is_a_file(tmp_path):
    target = tmp_path / "afile"
    target.write_text("")
    res = runner.invoke(app, ["compare", "a", "b", "--maps", str(tmp_path), "--out", str(target)])
    assert_one_error(res, target)


# --------------------------------------------------------------------------------------------
# Ctrl-C, and a real bug


def test_interrupt_is_one_line_exit_130(data_dir, monkeypatch):
    import mobisim.load

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(mobisim.load, "load_network", interrupted)
    res = network(data_dir)
    line = assert_one_error(res, code=130)
    assert line == "mobisim: error: interrupted"


def test_a_bug_keeps_its_traceback(data_dir, monkeypatch):
    import mobisim.load

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(mobisim.load, "load_network", bug)
    res = network(data_dir)
    assert res.exit_code == 1 and isinstance(res.exception, ZeroDivisionError)
    assert "mobisim: error:" not in res.stderr
