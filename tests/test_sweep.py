"""``mobisim sweep`` without a cluster: ``--vary`` parsing, the design, validation before any work, the
summary and the files (issue 18). The Dask runs are in ``test_sweep_cluster.py``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mobisim.cli import app
from mobisim.errors import ScenarioError
from mobisim.pipeline import as_scenario
from mobisim.sweep import make_design, parse_vary
from mobisim.sweep.design import check_design
from mobisim.sweep.evaluate import check_overrides
from mobisim.sweep.outputs import append_row, read_rows, rows_frame, write_results
from mobisim.sweep.summary import key_ranges, percentiles, tornado

runner = CliRunner()


def test_lists_ranges_and_distributions():
    assert parse_vary("rules.noise_threshold_lden_db=51:70:1").values == tuple(range(51, 71))
    assert parse_vary("parking.cap_rate=0.01:0.03:0.01").values == (0.01, 0.02, 0.03)
    assert parse_vary("rules.noise_limit=who-2018, wgh-max-urban").values == ("who-2018", "wgh-max-urban")
    assert parse_vary("programme=true,false").values == (True, False)
    v = parse_vary("driven_speed.sign_only_residual_kmh.central=triangular(5, 10, 15)")
    assert v.sampled and v.distribution == ("triangular", (5.0, 10.0, 15.0))


@pytest.mark.parametrize("text, words", [
    ("rules.noise_threshold_lden_db", "KEY=VALUES"),
    ("rules..x=1", "dotted scenario key"),
    ("a.b=70:50:1", "never reaches"),
    ("a.b=1:2", "start:stop:step"),
    ("a.b=gamma(1,2)", "unknown distribution"),
    ("a.b=normal(1)", "takes 2 numbers"),
    ("a.b=normal(1,-2)", "sd > 0"),
    ("a.b=uniform(3,1)", "a < b"),
    ("a.b=1,,2", "empty value"),
])
def test_bad_vary_text(text, words):
    with pytest.raises(ScenarioError, match=words) as err:
        parse_vary(text)
    assert str(err.value).startswith("--vary ")


def test_grid_is_every_combination_with_stable_ids():
    d = make_design([parse_vary("parking.cap_rate=0.01,0.02"), parse_vary("rules.noise_threshold_lden_db=55:65:5")])
    assert d.kind == "grid" and len(d.variants) == 6
    assert {(v.overrides["parking.cap_rate"], v.overrides["rules.noise_threshold_lden_db"]) for v in d.variants} \
        == {(c, n) for c in (0.01, 0.02) for n in (55, 60, 65)}
    again = make_design([parse_vary("parking.cap_rate=0.01,0.02"), parse_vary("rules.noise_threshold_lden_db=55:65:5")])
    assert [v.id for v in d.variants] == [v.id for v in again.variants]
    assert len({v.id for v in d.variants}) == 6


def test_monte_carlo_is_seeded_and_crossed_with_the_grid():
    varies = [parse_vary("parking.cap_rate=0.01,0.03"), parse_vary("rules.noise_threshold_lden_db=normal(63,2)")]
    a, b = make_design(varies, samples=50, seed=7), make_design(varies, samples=50, seed=7)
    other = make_design(varies, samples=50, seed=8)
    assert a.kind == "grid+monte-carlo" and len(a.variants) == 100 and a.seed == 7
    assert [v.overrides for v in a.variants] == [v.overrides for v in b.variants]
    assert [v.overrides for v in a.variants] != [v.overrides for v in other.variants]
    draws = [v.overrides["rules.noise_threshold_lden_db"] for v in a.variants]
    assert draws[:50] == draws[50:]  # every grid point gets the same draws
    assert 61 < np.mean(draws[:50]) < 65


def test_design_needs_samples_for_a_distribution():
    with pytest.raises(ScenarioError, match="--samples"):
        make_design([parse_vary("parking.cap_rate=uniform(0.01,0.03)")])
    with pytest.raises(ScenarioError, match="varied twice"):
        make_design([parse_vary("parking.cap_rate=0.01"), parse_vary("parking.cap_rate=0.02")])


@pytest.mark.parametrize("vary, words", [
    ("rules.noise_treshold_lden_db=60", "unknown key"),
    ("rules.noise_threshold_lden_db=50:100:10", "rules.noise_threshold_lden_db"),
    ("parking.cap_rate=abc", "parking.cap_rate"),
])
def test_check_design_names_the_key(data_dir, vary, words):
    sc = as_scenario(data_dir / "render_scenario.toml")
    with pytest.raises(ScenarioError, match=words) as err:
        check_design(sc, make_design([parse_vary(vary)]), check_overrides)
    assert str(err.value).startswith("--vary")


def test_check_design_checks_the_ends_of_a_sample(data_dir):
    sc = as_scenario(data_dir / "render_scenario.toml")
    wide = make_design([parse_vary("rules.noise_threshold_lden_db=normal(60,20)")], samples=200, seed=1)
    with pytest.raises(ScenarioError, match="rules.noise_threshold_lden_db"):
        check_design(sc, wide, check_overrides)
    check_design(sc, make_design([parse_vary("rules.noise_threshold_lden_db=uniform(55,65)")], samples=20), check_overrides)


@pytest.mark.parametrize("args, words", [
    (["--vary", "rules.noise_treshold_lden_db=55:60:1"], "unknown key"),
    (["--vary", "rules.noise_threshold_lden_db=55:100:5"], "rules.noise_threshold_lden_db"),
    (["--vary", "rules.noise_threshold_lden_db"], "KEY=VALUES"),
    (["--vary", "parking.cap_rate=normal(0.02,0.01)"], "--samples"),
    ([], "--vary"),
    (["--vary", "data.osm=a.osm"], "cannot be varied"),
])
def test_cli_bad_vary_is_one_line_and_nothing_written(data_dir, tmp_path, args, words):
    out = tmp_path / "sweep"
    res = runner.invoke(app, ["sweep", str(data_dir / "render_scenario.toml"), "--out", str(out), "-q", *args])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.stderr.splitlines() if line.startswith("mobisim: error: ")]
    assert len(lines) == 1 and words in lines[0], res.stderr
    assert "Traceback" not in res.output
    assert not out.exists()


def test_cli_lists_the_keys(data_dir):
    res = runner.invoke(app, ["sweep", str(data_dir / "render_scenario.toml"), "--keys"])
    assert res.exit_code == 0, res.output
    assert "rules.noise_threshold_lden_db" in res.stdout and "parking.cap_rate" in res.stdout


def _rows(design, score):
    return [{"variant": v.id, **v.overrides, "composite": score(v.overrides), "km_50": 3.0, "seconds": 1.0,
             "worker_peak_mb": 100.0, "worker_pid": 1} for v in design.variants]


def test_summary_swing_and_tornado_follow_the_rows():
    d = make_design([parse_vary("a.x=1,2,3"), parse_vary("a.y=10,20")])
    rows = rows_frame(_rows(d, lambda o: 2 * o["a.x"] - 0.1 * o["a.y"]), d)
    ranges = key_ranges(rows, ["a.x", "a.y"])
    got = ranges.set_index(["key", "score"])["swing"]
    assert got[("a.x", "composite")] == pytest.approx(4.0)
    assert got[("a.y", "composite")] == pytest.approx(-1.0)
    assert got[("a.x", "km_50")] == 0
    assert list(tornado(ranges, "composite")["key"]) == ["a.x", "a.y"]


def test_percentiles_of_a_sample():
    d = make_design([parse_vary("a.x=uniform(0,1)")], samples=400, seed=3)
    rows = rows_frame(_rows(d, lambda o: 10 * o["a.x"]), d)
    pct = percentiles(rows, ["a.x"]).set_index("score")
    assert pct.loc["composite", "p5"] == pytest.approx(0.5, abs=0.3)
    assert pct.loc["composite", "p95"] == pytest.approx(9.5, abs=0.3)
    ranges = key_ranges(rows, ["a.x"], sampled=["a.x"]).set_index("score")
    assert ranges.loc["composite", "swing"] == pytest.approx(9.0, abs=0.5)  # slope 10 × the 5–95 % spread 0.9


def test_log_survives_a_cut_line_and_results_are_written(tmp_path):
    d = make_design([parse_vary("a.x=1,2,3")], )
    rows = _rows(d, lambda o: float(o["a.x"]))
    for row in rows[:2]:
        append_row(tmp_path, row)
    with open(tmp_path / "rows.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rows[2])[:20])  # killed while writing
    assert [r["variant"] for r in read_rows(tmp_path)] == [r["variant"] for r in rows[:2]]
    paths = write_results(tmp_path, "t", d, rows_frame(rows, d))
    assert {"parquet", "csv", "summary_csv", "summary_md", "tornado", "vs:a.x"} <= set(paths)
    back = pd.read_parquet(paths["parquet"])
    assert list(back["a.x"]) == [1, 2, 3] and list(back["composite"]) == [1.0, 2.0, 3.0]
    assert "| a.x | composite | 1 | 3 | 2 |" in paths["summary_md"].read_text(encoding="utf-8")
    assert paths["tornado"].read_bytes()[:4] == b"\x89PNG"


def test_areas_are_wijken_or_stadsdelen_crossed_with_the_grid():
    from mobisim.sweep.design import area_list

    wijken = pd.DataFrame({"code": ["WK051801", "WK051802", "WK051803"], "name": ["Oostduinen", "Belgisch Park", "X"],
                           "stadsdeel": ["Scheveningen", "Scheveningen", None]})
    assert area_list("wijken", wijken) == [("Oostduinen (WK051801)", ("WK051801",)),
                                           ("Belgisch Park (WK051802)", ("WK051802",)), ("X (WK051803)", ("WK051803",))]
    assert area_list("stadsdelen", wijken) == [("Scheveningen", ("WK051801", "WK051802"))]
    d = make_design([parse_vary("parking.cap_rate=0.01,0.02")], areas=area_list("wijken", wijken))
    assert d.kind == "areas+grid" and len(d.variants) == 6 and len({v.id for v in d.variants}) == 6
    assert {v.wijken for v in d.variants} == {("WK051801",), ("WK051802",), ("WK051803",)}
