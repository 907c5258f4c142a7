"""Names from the data and the user are printed literally, never read as rich markup (issue 13,
item 2): ``Schoolstraat [oud]`` keeps its ``[oud]``, ``[/]`` does not crash the command (and the
export is still written), ``:school:`` is not an emoji.

``tests/data/names_markup.osm`` is ``schools_grid.osm`` with such names, and its two long streets
made 4-lane 50 km/h roads so that they are the weakest links of the school routes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyogrio
import pytest
from typer.testing import CliRunner

from mobisim.cli import app

runner = CliRunner()
STREETS = ["Schoolstraat [oud]", "Zuidstraat [/]"]
CROSSING_NAMES = ["[bold]Ankerlaan", "Lindelaan :school:"]


def test_schools_prints_names_literally_and_writes_the_export(data_dir, tmp_path):
    out = tmp_path / "routes.gpkg"
    res = runner.invoke(app, ["schools", "--osm", str(data_dir / "names_markup.osm"),
                              "--buildings", str(data_dir / "schools_grid_buildings.osm"),
                              "--export", str(out), "--children", "100"])
    assert res.exit_code == 0, (res.output, res.exception)
    for name in STREETS + CROSSING_NAMES:
        assert name in res.output, name
    assert f"wrote {out}" in res.output
    schools = pyogrio.read_dataframe(out, layer="schools")
    assert "Basisschool [/] De Linde" in set(schools["name"]) and "Het Anker [oud]" in set(schools["name"])
    segments = pyogrio.read_dataframe(out, layer="weakest_segments")
    assert set(segments["name"]) == set(STREETS)


@pytest.mark.parametrize("street", STREETS)
def test_toets_prints_names_literally(data_dir, street):
    res = runner.invoke(app, ["toets", street, "--osm", str(data_dir / "names_markup.osm")])
    assert res.exit_code == 0, (res.output, res.exception)
    assert res.stdout.startswith(street)  # the title line (notes go to stderr)
    # the C2 evidence names the nearest school
    assert "Basisschool [/] De Linde" in res.stdout or "Het Anker [oud]" in res.stdout


def test_network_summary_prints_file_names_literally(data_dir, tmp_path):
    osm = tmp_path / "streets [bold]x.osm"
    limits = tmp_path / "limits [oud].csv"
    shutil.copy(data_dir / "speedlimits_streets.osm", osm)
    shutil.copy(data_dir / "speedlimits_names.csv", limits)
    res = runner.invoke(app, ["network", "--osm", str(osm), "--speed-limits", str(limits), "--summary"])
    assert res.exit_code == 0, (res.output, res.exception)
    assert "streets [bold]x.osm" in res.stdout.replace("\n", "")  # the header, wrapped at 80 columns
    assert "layer:limits [oud].csv:name" in res.stdout  # the maxspeed-source table


def test_explain_scores_prints_keys_and_values_literally(tmp_path):
    path = tmp_path / "scores.json"
    path.write_text(json.dumps({"streets [oud]": {"worst": "Zuidstraat [/]", "list": ["[bold]Ankerlaan", 1.5]}}))
    res = runner.invoke(app, ["explain-scores", str(path)])
    assert res.exit_code == 0, (res.output, res.exception)
    for text in ("streets [oud]", "worst: Zuidstraat [/]", "[bold]Ankerlaan", "scores.json"):
        assert text in res.output, text


@pytest.fixture(scope="module")
def markup_run(tmp_path_factory, data_dir: Path, shared_osm):
    """render_baseline run into a folder whose name looks like markup (as `mobisim run --out`)."""
    work = tmp_path_factory.mktemp("markup")
    for name in ("render_baseline.toml", "render_city.osm", "render_buildings.osm"):
        shutil.copy(data_dir / name, work / name)
    maps = work / "maps"
    out = maps / "run[/]x"
    res = runner.invoke(app, ["run", str(work / "render_baseline.toml"), "--out", str(out), "-q"])
    return maps, out, res


def test_run_prints_output_paths_literally(markup_run):
    _, out, res = markup_run
    assert res.exit_code == 0, (res.output, res.exception)
    assert (out / "scores.json").exists()
    flat = res.output.replace("\n", "")
    assert f"Outputs in {out}/" in flat and str(out / "map.html") in flat


def test_compare_prints_run_names_literally(markup_run, tmp_path):
    maps, out, res = markup_run
    assert res.exit_code == 0, (res.output, res.exception)
    named = maps / "base [oud]"
    shutil.copytree(out, named)
    cmp = runner.invoke(app, ["compare", "base [oud]", str(out), "--maps", str(maps), "--out", str(tmp_path / "cmp")])
    assert cmp.exit_code == 0, (cmp.output, cmp.exception)
    assert "base [oud] → ]x" in cmp.output  # the table title: folder names (the second is "]x" of run[/]x)
    assert f"Diff map: {tmp_path / 'cmp' / 'diff.html'}" in cmp.output.replace("\n", "")
