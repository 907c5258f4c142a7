"""``mobisim toets … --set KEY=VALUE [--save FILE]``: the reviewer's test of a street design.

On the hand-written grid (``render_city.osm``): the Hoofdweg is a 2×2-lane 50 km/h road with
painted cycle lanes and multi-lane crossings without signals, so today its bike toets and four of
its five crossings fail. The round trip runs the saved scenario with ``mobisim run``'s library
function and compares its after-network with what the toets said.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mobisim import pipeline
from mobisim.cli import app
from mobisim.errors import MobisimError
from mobisim.scenario import load_scenario
from mobisim.scenario.interventions.design import DESIGN_KEYS, parse_design

runner = CliRunner()
SEGMENT_COLUMNS = ["toets_bike", "toets_bike_rule", "toets_bike_fix", "toets_walk", "toets_walk_rule",
                   "driven_speed", "proposed_maxspeed", "regime_tier"]
CROSSING_COLUMNS = ["toets_crossing", "toets_crossing_rule", "toets_crossing_fix"]


@pytest.fixture(scope="module")
def grid(data_dir: Path) -> list[str]:
    return ["--osm", str(data_dir / "render_city.osm"), "--osm", str(data_dir / "render_buildings.osm")]


def _toets(*args: str) -> dict:
    result = runner.invoke(app, ["toets", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _same(value, expected) -> bool:
    """A frame's cell equals a JSON value (NA = null; numbers as written, rounded to 2 decimals)."""
    import pandas as pd

    if expected is None:
        return bool(pd.isna(value))
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        return round(float(value), 2) == expected
    return str(value) == str(expected)


def _assert_run_judges_as_toets(saved: Path, report: dict) -> None:
    """``mobisim run`` of the saved design judges every segment and crossing as the toets did."""
    run = pipeline.run_scenario(saved, write=False, progress=False)
    edges, nodes = run.after.edges, run.after.nodes
    segments, crossings = report["with_design"]["segments"], report["with_design"]["crossings"]
    assert segments and crossings
    for s in segments:
        for col in SEGMENT_COLUMNS:
            value = edges.loc[s["edge_id"], col] if col in edges.columns else None  # no tiers without the programme
            assert _same(value, s.get(col)), (s["edge_id"], col)
    for c in crossings:
        for col in CROSSING_COLUMNS:
            assert _same(nodes.loc[c["node_id"], col], c.get(col)), (c["node_id"], col)


@pytest.mark.parametrize(("pair", "kind", "fields"), [
    ("maxspeed=30", "set_speed", {"maxspeed": 30}),
    ("cycleway=track", "add_cycle_track", {"side": "both"}),
    ("cycleway=twoway-left", "add_cycle_track", {"side": "left", "twoway": True}),
    ("fietsstraat=yes", "fietsstraat", {}),
    ("calm=hump", "calm", {"measure": "hump"}),
    ("through_traffic=no", "close_through_traffic", {}),
    ("crossing=island+zebra", "crossing", {"kind": ["island", "zebra"]}),
])
def test_each_key_is_one_intervention_type(pair, kind, fields):
    design = parse_design([pair])
    ivs = design.interventions(street="Hoofdweg", crossings=[4, 5])
    assert {iv.type for iv in ivs} == {kind}
    for iv in ivs:
        assert iv.model_dump(include=set(fields)) == fields
        assert iv.id.startswith("design-")
    assert len(ivs) == (2 if kind == "crossing" else 1)


@pytest.mark.parametrize(("pair", "message"), [
    ("maxpseed=30", "unknown key 'maxpseed' (did you mean maxspeed?)"),
    ("maxspeed=fast", "expected a limit in km/h"),
    ("maxspeed=300", "a whole number 5–130"),
    ("calm=humps", "(did you mean hump?)"),
    ("crossing=signals+isle", "--set crossing=signals+isle: expected signals | zebra | island"),
    ("fietsstraat=no", "expected yes"),
    ("novalue", "expected KEY=VALUE; keys: maxspeed="),
])
def test_bad_pairs_name_the_allowed_keys_and_values(pair, message):
    with pytest.raises(MobisimError) as err:
        parse_design([pair])
    assert message in str(err.value)


def test_a_repeated_key_is_refused():
    with pytest.raises(MobisimError, match="given twice"):
        parse_design(["maxspeed=30", "maxspeed=20"])


def test_a_bad_design_stops_before_reading_data_and_writes_nothing(tmp_path):
    saved = tmp_path / "design.toml"
    result = runner.invoke(app, ["toets", "Hoofdweg", "--osm", str(tmp_path / "missing.osm"),
                                 "--set", "cycleway=lanes", "--save", str(saved)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("mobisim: error: --set cycleway=lanes: expected track | ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not saved.exists()


def test_an_unknown_key_lists_every_key():
    with pytest.raises(MobisimError) as err:
        parse_design(["speed=30"])
    assert all(f"{key}=" in str(err.value) for key in DESIGN_KEYS)


def test_design_that_passes_before_and_after(grid, tmp_path):
    saved = tmp_path / "hoofdweg.toml"
    report = _toets("Hoofdweg", *grid, "--set", "maxspeed=30", "--set", "cycleway=track",
                    "--set", "crossing=signals", "--save", str(saved))
    today = report["today"]
    assert {s["toets_bike"] for s in today["segments"]} == {"fail"}
    assert sum(c["toets_crossing"] == "fail" for c in today["crossings"]) == 4
    assert report["counts"]["bike"] == {"today": [0, 4], "with_design": [4, 4]}
    assert report["counts"]["crossings"]["with_design"] == [5, 5]
    assert report["passes"] and report["still_failing"] == []
    for s in report["segments"]:
        assert s["toets_bike"] == ["fail", "pass"]
        assert s["limit"] == [50, 30]
    assert {iv["type"] for iv in report["design"]["interventions"]} == {"set_speed", "add_cycle_track", "crossing"}
    _assert_run_judges_as_toets(saved, report)


def test_design_that_still_fails_names_the_missing_fix(grid):
    report = _toets("Hoofdweg", *grid, "--set", "maxspeed=30")
    assert not report["passes"]
    failing = {(f["what"], f["rule"]) for f in report["still_failing"]}
    assert ("toets bike", "B5-painted-lane-50") in failing
    assert ("crossing", "X7-multi-lane") in failing
    designed = {s["edge_id"]: s for s in report["with_design"]["segments"]}
    for f in report["still_failing"]:
        if "edge_id" in f:
            assert f["fix"] == designed[f["edge_id"]]["toets_bike_fix"] and f["fix"]
    # a sign alone: drivers keep more than the new limit, and the text says what would hold it
    assert all(s["driven_speed"] > 30 for s in report["segments"])
    text = runner.invoke(app, ["toets", "Hoofdweg", *grid, "--set", "maxspeed=30"]).stdout
    assert "Still failing with the design" in text and "--set calm=redesign" in text
    assert "toets bike: fail [B5-painted-lane-50]" in text


def test_save_extends_the_scenario_and_the_run_agrees(data_dir, tmp_path):
    saved = tmp_path / "sub" / "design.toml"
    saved.parent.mkdir()
    scenario = data_dir / "render_scenario.toml"
    report = _toets("Hoofdweg", "--scenario", str(scenario), "--set", "fietsstraat=yes",
                    "--set", "through_traffic=no", "--save", str(saved))
    sc = load_scenario(saved)
    assert [p.resolve() for p in sc.chain[1:]] == [scenario.resolve()]
    parent = load_scenario(scenario)
    assert [iv.id for iv in sc.interventions] == [*(iv.id for iv in parent.interventions),
                                                  "design-fietsstraat", "design-through_traffic"]
    assert report["design"]["scenario_interventions"] == len(parent.interventions)
    _assert_run_judges_as_toets(saved, report)


def test_at_designs_the_whole_way(grid, tmp_path):
    report = _toets("--at", "52.0809,4.3008", *grid, "--set", "cycleway=track")
    assert report["street"] == ["Hoofdweg"]
    assert len({s["way_id"] for s in report["segments"]}) == 1
    assert report["segments_count"] == 4
    assert any("the whole of OSM way" in n for n in report["notes"])
    assert report["design"]["interventions"][0]["way"] == [report["segments"][0]["way_id"]]


def test_a_design_of_a_design_gets_fresh_ids():
    ivs = parse_design(["maxspeed=20"]).interventions(street="Hoofdweg", taken={"design-maxspeed"})
    assert [iv.id for iv in ivs] == ["design-maxspeed-2"]


def test_crossing_on_a_street_without_crossings_is_an_error():
    design = parse_design(["maxspeed=30", "crossing=island"])
    with pytest.raises(MobisimError, match="has no crossing to equip"):
        design.interventions(street="Westlaan", crossings=[])


def test_scheveningen_design_round_trip(shared_osm, tmp_path):
    osm = shared_osm / "scheveningen-2025.osm.bz2"
    if not osm.exists():
        pytest.skip(f"{osm} not found")
    saved = tmp_path / "zeesluisweg.toml"
    report = _toets("Zeesluisweg", "--osm", str(osm), "--set", "maxspeed=30", "--set", "cycleway=track",
                    "--save", str(saved))
    assert report["counts"]["bike"]["with_design"][0] >= report["counts"]["bike"]["today"][0]
    _assert_run_judges_as_toets(saved, report)


def test_the_help_of_set_names_every_key_and_value():
    import typer

    from mobisim.scenario.interventions.design import _CALM, _CYCLEWAY, _KINDS

    command = typer.main.get_command(app).commands["toets"]  # type: ignore[attr-defined]
    (option,) = [p for p in command.params if "--set" in p.opts]
    for key in DESIGN_KEYS:
        assert f"{key}=" in option.help
    for word in (*_CALM, *_CYCLEWAY, *_KINDS):
        assert word in option.help


def test_save_on_a_place_scenario_with_osm_is_refused(write, data_dir):
    scenario = write('name = "p"\n[data]\nplace = "Den Haag, Nederland"\n')
    saved = scenario.parent / "design.toml"
    result = runner.invoke(app, ["toets", "Hoofdweg", "--scenario", str(scenario), "--osm",
                                 str(data_dir / "render_city.osm"), "--set", "maxspeed=30", "--save", str(saved)])
    assert result.exit_code == 2
    assert result.stderr.startswith("mobisim: error: --save: ") and "names its network by place" in result.stderr
    assert not saved.exists()
