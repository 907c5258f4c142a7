"""``mobisim run`` / ``compare`` / ``explain-scores`` on scenario files (tests/data/render_*.toml).

The scenarios read the hand-written render_city.osm grid; the parking step needs the wijk
polygons of the shared data folder (``shared_osm`` skips with the reason when it is absent).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from mobisim.cli import app

OUTPUTS = {"map.html", "layers.gpkg", "scores.json", "report.md", "report.html"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data_dir: Path, shared_osm):
    """Both test scenarios run through the CLI into one maps folder (as `mobisim run` does)."""
    work = tmp_path_factory.mktemp("work")
    for name in ("render_scenario.toml", "render_baseline.toml", "render_city.osm", "render_buildings.osm"):
        shutil.copy(data_dir / name, work / name)
    runner = CliRunner()
    results = {}
    # the baseline with the default map (self-contained), the scenario with --cdn
    for stem, flags in (("render_baseline", []), ("render_scenario", ["--cdn"])):
        res = runner.invoke(app, ["run", str(work / f"{stem}.toml"), "--out", str(work / "maps" / stem),
                                  "--quiet", *flags])
        results[stem] = res
    return work, results


def test_run_prints_summary_and_writes_outputs(runs):
    work, results = runs
    for stem, res in results.items():
        assert res.exit_code == 0, res.output
        out = work / "maps" / stem
        assert {p.name for p in out.iterdir()} == OUTPUTS
        for name in OUTPUTS:  # the summary lists every output path
            assert str(out / name) in res.output.replace("\n", "")
        assert "Safety score" in res.output


def test_scenario_interventions_reach_the_outputs(runs):
    work, _ = runs
    out = work / "maps" / "render_scenario"
    md = (out / "report.md").read_text()
    assert "## Ingrepen in het scenario" in md and "signals-hoofdweg" in md and "track-hoofdweg" in md
    crossings = gpd.read_file(out / "layers.gpkg", layer="toets_crossings").set_index("node_id")
    assert crossings.loc[10, "toets_crossing"] == "pass"  # signals added by the intervention
    base = gpd.read_file(work / "maps" / "render_baseline" / "layers.gpkg", layer="toets_crossings").set_index("node_id")
    assert base.loc[10, "toets_crossing"] == "fail"


def test_baseline_keeps_todays_limits(runs):
    work, _ = runs
    seg = gpd.read_file(work / "maps" / "render_baseline" / "layers.gpkg", layer="segments")
    roads = seg[seg["regime"].isin(["30", "50"])]
    assert len(roads) and (roads["proposed_maxspeed"] == roads["maxspeed"]).all()
    assert set(roads.loc[roads["maxspeed"] == 50, "regime"]) == {"50"}
    scores = json.loads((work / "maps" / "render_baseline" / "scores.json").read_text())
    assert scores["regime"]["value"]["change"]["50"] == 0
    assert scores["regime"]["inputs"]["after"]["limit_column"] == "maxspeed"


def test_map_is_self_contained_unless_cdn_is_asked_for(runs):
    work, _ = runs
    page = (work / "maps" / "render_baseline" / "map.html").read_text()
    assert not re.search(r"<script[^>]+src=", page) and not re.search(r"<link[^>]+stylesheet", page)
    cdn = (work / "maps" / "render_scenario" / "map.html").read_text()
    assert re.search(r'<script src="https://cdn\.jsdelivr\.net/npm/leaflet@[\d.]+/dist/leaflet\.js"', cdn)


def test_compare_prints_table_and_writes_diff_map(runs):
    work, _ = runs
    res = CliRunner().invoke(app, ["compare", "render_baseline", "render_scenario", "--maps", str(work / "maps")])
    assert res.exit_code == 0, res.output
    assert "Road length at 50 km/h" in res.output and "render_baseline" in res.output
    diff = work / "maps" / "compare-render_baseline-render_scenario" / "diff.html"
    assert diff.exists()
    page = diff.read_text()
    assert "Speed regime changed" in page and "Toets verdict changed" in page
    assert not re.search(r"<script[^>]+src=", page)  # self-contained by default, like map.html


def test_explain_scores_names_inputs(runs):
    work, _ = runs
    res = CliRunner().invoke(app, ["explain-scores", "render_scenario", "--maps", str(work / "maps"),
                                   "--score", "power_model"])
    assert res.exit_code == 0, res.output
    assert "inputs" in res.output and "formula" in res.output
    bad = CliRunner().invoke(app, ["explain-scores", "render_scenario", "--maps", str(work / "maps"),
                                   "--score", "nope"])
    assert bad.exit_code == 2 and "no score 'nope'" in bad.output


def test_explain_scores_without_a_run_prints_the_formulas(data_dir):
    res = CliRunner().invoke(app, ["explain-scores"])
    assert res.exit_code == 0, res.output
    assert "Power Model" in res.output and "Composite score" in res.output


def test_bad_scenario_value_is_one_line_exit_2(tmp_path, data_dir):
    text = (data_dir / "render_scenario.toml").read_text().replace("node = 10", "node = 999999")
    for name in ("render_city.osm", "render_buildings.osm"):
        shutil.copy(data_dir / name, tmp_path / name)
    (tmp_path / "bad.toml").write_text(text)
    res = CliRunner().invoke(app, ["run", str(tmp_path / "bad.toml"), "--out", str(tmp_path / "out"), "-q"])
    assert res.exit_code == 2
    assert res.output.startswith("mobisim: error:") and len(res.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
