"""``run_scenario`` end to end on the hand-written fixture, bad input, ``compare`` and the CLI.

The parking step caps permits per wijk, so these tests need the wijk polygons of the shared
data folder (``shared_osm`` skips them, with the reason, when it is absent).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from mobisim import pipeline
from mobisim.errors import InputFileError
from mobisim.scenario import Scenario

OUTPUTS = {"map.html", "layers.gpkg", "scores.json", "report.md", "report.html"}


def _scenario(name: str, **settings) -> Scenario:
    """A scenario with the 30/50 programme on (the fixture's proposal), ``settings`` as its sections."""
    return Scenario.model_validate({"name": name, "programme": True, **settings})


@pytest.fixture(scope="module")
def osm(data_dir: Path) -> list[Path]:
    return [data_dir / "render_city.osm", data_dir / "render_buildings.osm"]


@pytest.fixture(scope="module")
def run(tmp_path_factory, osm, shared_osm):
    out = tmp_path_factory.mktemp("maps") / "render-test"
    return pipeline.run_scenario(_scenario("render-test"), osm_override=osm, out_dir=out, progress=False)


def test_run_writes_every_output_and_nothing_else(run):
    assert set(run.paths) == {"map", "gpkg", "scores", "report_md", "report_html"}
    assert {p.name for p in run.out_dir.iterdir()} == OUTPUTS  # no temp files left behind
    assert json.loads((run.out_dir / "scores.json").read_text()) == run.scores
    steps = ["load", "scope", "traffic_before", "interventions", "rules_before", "schools_before", "rules_after",
             "schools_after", "parking", "scores", "render"]
    assert list(run.timings) == steps


def test_before_is_today_after_is_the_proposal(run):
    assert run.before.edges.attrs["toets_speed_column"] == "maxspeed"
    # after: the toets judges the driven speed (the proposed limit + a residual where only the sign
    # changed: this scenario has no calming plan), never above today's limit
    assert run.after.edges.attrs["toets_speed_column"] == "driven_speed"
    assert "regime" in run.after.edges.columns
    e = run.after.edges
    driven = e["driven_speed"].astype("Float64")
    proposed = e["proposed_maxspeed"].astype("Float64")
    lowered = (proposed < e["limit_before"].astype("Float64")).fillna(False)
    assert lowered.any()
    assert (driven[lowered] > proposed[lowered]).all()
    assert (driven[lowered] <= e["limit_before"].astype("Float64")[lowered]).all()
    assert set(e.loc[lowered, "driven_speed_basis"]) <= {"sign only", "design"}
    # the proposal lowers limits, so the toets can only get better
    fail_b = (run.before.edges["toets_bike"] == "fail").sum()
    fail_a = (run.after.edges["toets_bike"] == "fail").sum()
    assert fail_a <= fail_b
    assert run.schools_after.scores["share_safe"] >= run.schools_before.scores["share_safe"]


def test_outputs_describe_the_after_network(run):
    seg = gpd.read_file(run.paths["gpkg"], layer="segments")
    assert len(seg) == len(run.after.edges)
    page = run.paths["map"].read_text()
    for title in ("Speed regime 30/50 and why", "8-jarigen-toets: failing segments", "School routes by intensity",
                  "Schools, playgrounds and care sites"):
        assert title in page
    md = run.paths["report_md"].read_text()
    assert "# 30/50: welke wegen houden 50 en waarom" in md and "Hoofdweg" in md  # Dutch by default
    assert "<script>alert" not in run.paths["report_html"].read_text()
    freed = run.parking.freed
    assert ("Parking space freed" in page) == (len(freed) > 0)


def test_missing_osm_file_fails_cleanly_without_outputs(tmp_path, shared_osm):
    out = tmp_path / "out"
    with pytest.raises(InputFileError, match="nope.osm"):
        pipeline.run_scenario(_scenario("bad"), osm_override=[tmp_path / "nope.osm"], out_dir=out, progress=False)
    assert not out.exists()


def test_compare_two_runs(tmp_path, run, osm):
    from mobisim.rules import RuleSettings

    # a second run where the default urban limit is 20: every 30-proposal changes
    other = pipeline.run_scenario(_scenario("twenty", rules=RuleSettings(default_speed_kmh=20)), osm_override=osm,
                                  out_dir=tmp_path / "twenty", progress=False)
    res = pipeline.compare_runs(run.out_dir, other.out_dir, maps_dir=tmp_path, out_dir=tmp_path / "cmp")
    changed = res["changed"]
    lowered = run.after.edges["proposed_maxspeed"] != other.after.edges["proposed_maxspeed"]
    assert int(lowered.fillna(False).sum()) == int(changed["change"].str.contains("regime").sum()) > 0
    assert res["diff_map"].exists() and "Speed regime changed" in res["diff_map"].read_text()


def test_cli_reports_a_missing_scenario_with_exit_2(tmp_path, monkeypatch):
    from mobisim.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", str(tmp_path / "missing.toml")])
    assert result.exit_code == 2
    assert "mobisim: error:" in result.output and "missing.toml" in result.output
    assert not (tmp_path / "maps").exists()


def test_cli_compare_and_explain_need_existing_runs(tmp_path):
    from mobisim.cli import app

    res = CliRunner().invoke(app, ["compare", "nothing-a", "nothing-b", "--maps", str(tmp_path)])
    assert res.exit_code == 2 and "no run outputs found" in res.output
    res = CliRunner().invoke(app, ["explain-scores", "nothing-a", "--maps", str(tmp_path)])
    assert res.exit_code == 2


def test_cli_explain_scores_prints_the_tree(run):
    from mobisim.cli import app

    res = CliRunner().invoke(app, ["explain-scores", str(run.out_dir)])
    assert res.exit_code == 0, res.output
    # every top-level entry of scores.json is a line of the tree (not just the word "scores" of its
    # title): a branch with its name, or a leaf "name: value"
    top = [line[4:] for line in res.output.splitlines() if line.startswith(("├── ", "└── "))]
    assert [line.split(": ", 1)[0].strip() for line in top] == list(run.scores), top
    assert "scenario: render-test" in top


def test_child_safe_share_per_wijk_in_every_output(tmp_path, osm, shared_osm):
    """Two made-up wijken split the render fixture at Schoolstraat (lon 4.3015). Homes by floor
    area (render_buildings.osm, footprints in 1e-4° steps): west A 8×3×4 = 96 and C 8×3×3 = 72,
    east B 10×3×4 = 120 and D 10×2×2 = 40. Today only B and C reach the school safely
    (test_schools_monotone), so west 72/168 = 42.9 %, east 120/160 = 75 %."""
    from shapely.geometry import box

    wijken = gpd.GeoDataFrame({"code": ["WK0599W", "WK0599E"], "name": ["West", "Oost"]},
                              geometry=[box(4.29, 52.07, 4.3015, 52.09), box(4.3015, 52.07, 4.31, 52.09)], crs=4326)
    path = tmp_path / "wijken.geojson"
    wijken.to_file(path, driver="GeoJSON")
    res = pipeline.run_scenario(_scenario("wijk-test", schools={"wijken_path": str(path)}), osm_override=osm,
                                out_dir=tmp_path / "out", progress=False)
    layer = gpd.read_file(res.paths["gpkg"], layer="school_wijken").set_index("code")
    share = layer["children"] / layer["children"].sum()
    assert share.to_dict() == pytest.approx({"WK0599W": 168 / 328, "WK0599E": 160 / 328}, rel=0.01)
    assert layer["share_safe_before"].to_dict() == pytest.approx({"WK0599W": 72 / 168, "WK0599E": 120 / 160}, rel=0.01)
    # after: the programme only improves, and the per-wijk figures add up to the city figure
    assert (layer["share_safe"] >= layer["share_safe_before"] - 1e-9).all()
    overall = (layer["share_safe"] * layer["children"]).sum() / layer["children"].sum()
    assert overall == pytest.approx(res.schools_after.scores["share_safe"])
    # per school: the fixture's one primary school has every child, today 58.5 % safe
    school = gpd.read_file(res.paths["gpkg"], layer="school_scores")
    assert len(school) == 1 and school["children"].iloc[0] == pytest.approx(layer["children"].sum())
    assert school["share_safe_before"].iloc[0] == pytest.approx((72 + 120) / 328, rel=0.01)
    assert school["share_safe"].iloc[0] == pytest.approx(overall)
    page = res.paths["map"].read_text()
    assert "Child-safe school routes per wijk" in page and "under 70 % of children safe" in page
    md = res.paths["report_md"].read_text()
    section = md.split("## Kindveilige schoolroutes per wijk", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| West") or line.startswith("| Oost")]
    assert len(rows) == 2 and "42,9" in " ".join(rows) and "75,0" in " ".join(rows)
    section = md.split("## Basisscholen waar de leerlingen het minst vaak veilig zijn", 1)[1].split("\n## ", 1)[0]
    assert "| 58,5 |" in section
