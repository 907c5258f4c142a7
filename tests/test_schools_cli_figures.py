"""`mobisim schools` gives the figures of `mobisim run`'s *before* state, and prints counts whole.

The grid of ``data/schools_grid*.osm`` (residential streets, default 30 km/h) with a scenario
whose speed-limit layer sets Noordstraat to 50 km/h: the west home (60 of 100 children, on
Noordstraat) then has no child-safe route, the east home (40) still has one — 40 %. Before
`mobisim schools` went through the run's pipeline it ignored the layer (and the traffic model,
the area and the school register) and printed 100 %.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from mobisim.cli import app
from mobisim.pipeline import run_scenario
from mobisim.render.report import school_scores_table

runner = CliRunner()


@pytest.fixture(scope="module")
def scenario(data_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures")
    (folder / "limits.csv").write_text("name,maxspeed\nNoordstraat,50\n", encoding="utf-8")
    path = folder / "grid.toml"
    path.write_text(
        'name = "grid"\n[data]\n'
        f'osm = ["{(data_dir / "schools_grid.osm").as_posix()}"]\n'
        f'buildings = ["{(data_dir / "schools_grid_buildings.osm").as_posix()}"]\n'
        'speed_limits = "limits.csv"\n'
        "[schools]\nchildren_total = 100\n",
        encoding="utf-8",
    )
    return path


def _figures(output: str) -> dict[str, str]:
    """The rows of the CLI's figure table: ``{figure: value}``."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 2 and cells[0] and cells[1]:
            rows[cells[0]] = cells[1]
    return rows


@pytest.fixture(scope="module")
def cli_and_run(scenario, tmp_path_factory):
    res = runner.invoke(app, ["schools", "--scenario", str(scenario), "--no-what-if"])
    assert res.exit_code == 0, res.output
    run = run_scenario(scenario, out_dir=tmp_path_factory.mktemp("run") / "grid", progress=False)
    return _figures(res.output), run


def test_schools_cli_gives_the_safe_share_of_the_run(cli_and_run):
    cli, run = cli_and_run
    before = run.schools_before.scores
    share = next(v for k, v in cli.items() if k.startswith("safe-route share"))
    assert share == f"{before['share_safe']:.1%}" == "40.0%"
    assert cli["children who can go on their own"] == f"{before['children_safe']:,.0f}" == "40"
    assert cli["children with a route to a school"] == f"{before['children_routed']:,.0f}" == "100"
    assert cli["schools without homes"] == str(before["n_schools_without_children"])
    assert cli["failing links on school routes"] == f"{before['n_failing_links_on_routes']:,}"


def test_the_report_prints_the_same_figures_whole(cli_and_run):
    _, run = cli_and_run
    md = run.paths["report_md"].read_text(encoding="utf-8")
    section = md.split("# Schoolroutes", 1)[1].split("\n## ", 1)[0]  # the report is Dutch
    rows = {m.group(1): (m.group(2), m.group(3))
            for m in re.finditer(r"^\| ([^|]+?) \| ([^|]*?) \| ([^|]*?) \|$", section, re.M)}
    assert rows["aandeel kindveilig"][0] == "40,0 %"
    assert rows["kinderen met een kindveilige route"][0] == "40" and rows["kinderen (basisschoolleeftijd)"][0] == "100"
    assert rows["scholen zonder kinderen die hen het dichtst bij hebben"][0] == str(run.schools_before.scores["n_schools_without_children"])
    for key, (before, after) in rows.items():
        if key.startswith(("kinderen", "adressen", "basisscholen", "scholen", "onveilige")):
            assert re.fullmatch(r"[\d.]+", before) and re.fullmatch(r"[\d.]+", after), (key, before, after)


def test_school_figures_are_whole_counts_and_shares_in_percent():
    table = school_scores_table(
        {"children_total": 45999.99, "children_routed": 39841.13, "share_safe": 0.68232},
        {"children_total": 45999.99, "children_routed": 39841.13, "share_safe": 0.8613, "n_schools": 210,
         "detour_mean": 1.0234, "dist_median_m": 500.3, "mode": "bike"},
    ).set_index("measure")
    assert table.loc["children total"].tolist() == ["46,000", "46,000"]
    assert table.loc["children routed"].tolist() == ["39,841", "39,841"]
    assert table.loc["share safe %"].tolist() == ["68.2", "86.1"]
    assert table.loc["n schools"].tolist() == ["", "210"]
    assert table.loc["detour mean", "after"] == "1.02"
    assert table.loc["dist median m", "after"] == "500"
    assert "mode" not in table.index
