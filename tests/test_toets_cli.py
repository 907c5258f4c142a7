"""``mobisim toets``: the reviewer command on hand-written fixtures."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mobisim.cli import app
from mobisim.cli.toets import normalise_name, parse_at
from mobisim.errors import MobisimError

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["toets", *args])


@pytest.fixture(scope="module")
def fifty_args(data_dir):
    return ["--osm", str(data_dir / "rules_fifty.osm"), "--osm", str(data_dir / "rules_fifty_buildings.osm")]


def test_street_verdict_is_readable(fifty_args):
    result = _run("snelle laan", *fifty_args)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Snelle Laan: 2 segment(s)")
    assert "regime [R5-50-justified]: 50 km/h justified: all four criteria pass" in out
    for label in ("C1 separate cycle path", "C2 no sensitive sites", "C3 air and noise",
                  "C4 crossable by an 8-year-old"):
        assert label in out
    assert "toets bike: pass [B2-separated]" in out
    assert "node 2 " in out and "[X1-signals]" in out
    assert "© OpenStreetMap contributors" in out


def test_failing_street_shows_reasons_and_fixes(data_dir):
    result = _run("Brede Laan", "--osm", str(data_dir / "rules_crossings.osm"))
    assert result.exit_code == 0, result.output
    assert "fix: add traffic signals at node 2" in result.stdout
    assert "fix: reduce to one lane per direction and add a separated cycle track" in result.stdout
    assert "calming: road diet" in result.stdout


def test_name_match_ignores_case_and_accents(data_dir):
    result = _run("BETAERF", "--osm", str(data_dir / "rules_speeds.osm"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Bètaerf: 1 segment(s)")
    assert "proposed 15 km/h" in result.stdout


def test_unknown_street_is_a_clear_error_with_closest_matches(fifty_args):
    result = _run("Snele Laan", *fifty_args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("mobisim: error: street 'Snele Laan' not found")
    assert "closest matches: Snelle Laan" in result.stderr


def test_json_output(fifty_args):
    result = _run("Lange Laan", *fifty_args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["street"] == ["Lange Laan"]
    seg = data["segments"][0]
    assert seg["regime"] == "30" and seg["c4_crossable"] == "fail"
    assert "half the 250 m gap" in seg["c4_evidence"]
    assert {c["toets_crossing"] for c in data["crossings"]} == {"pass"}
    assert data["length_by_regime_m"]["30"] > 500


def test_way_and_point_selection(data_dir):
    osm = str(data_dir / "rules_crossings.osm")
    by_way = json.loads(_run("--way", "111", "--osm", osm, "--json").stdout)
    assert by_way["street"] == ["Smalle Laan"] and by_way["segments_count"] == 3
    at = json.loads(_run("--at", "52.0800,4.3021", "--osm", osm, "--json").stdout)
    assert at["street"] == ["Brede Laan"] and at["segments_count"] == 1
    assert {c["node_id"] for c in at["crossings"]} == {2, 3}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--way", "999"], "OSM way 999 not found"),
        (["--at", "52.08"], "expected LAT,LON"),
        (["--at", "10,10"], "no street segment within 500 m"),
        ([], "give exactly one of STREET, --way ID or --at LAT,LON"),
    ],
)
def test_bad_selection_exits_2(data_dir, args, message):
    result = _run(*args, "--osm", str(data_dir / "rules_speeds.osm"))
    assert result.exit_code == 2
    assert message in result.stderr


def test_missing_data_source_exits_2():
    result = _run("Laan")
    assert result.exit_code == 2
    assert "give the data with --osm FILE" in result.stderr


def test_helpers():
    assert normalise_name("  Laan van  MEERDERVOORT ") == "laan van meerdervoort"
    assert normalise_name("Bètaerf") == normalise_name("betaerf")
    assert parse_at("52.0786, 4.2887") == (52.0786, 4.2887)
    with pytest.raises(MobisimError):
        parse_at("north,east")


def _first_segment(tmp_path, street: str, toml: str, *args: str) -> dict:
    """Write a scenario, run ``mobisim toets STREET --scenario it --json ARGS``, return the first segment."""
    scenario = tmp_path / "test.toml"
    scenario.write_text('name = "t"\n' + toml)
    result = _run(street, "--scenario", str(scenario), "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["segments"][0]


def test_scenario_supplies_data_and_thresholds(data_dir, tmp_path):
    """--scenario uses the scenario's thresholds and its whole data source, building file included."""
    seg = _first_segment(tmp_path, "Noorderlaan",
                         f'[data]\nosm = ["{data_dir / "rules_c2.osm"}"]\n[rules]\nsensitive_distance_m = 50\n')
    assert seg["c2_sensitive_sites"] == "pass" and "(limit 50 m)" in seg["c2_evidence"]


def test_scenario_building_file_is_loaded(data_dir, tmp_path):
    toml = (f'[data]\nosm = ["{data_dir / "rules_fifty.osm"}"]\n'
            f'buildings = ["{data_dir / "rules_fifty_buildings.osm"}"]\n[rules]\nnoise_threshold_lden_db = 70\n')
    seg = _first_segment(tmp_path, "Drukke Laan", toml)
    assert "nearest building" in seg["c3_evidence"] and "limit 70 dB (scenario)" in seg["c3_evidence"]
    # --osm replaces the scenario's files: without the buildings there is no façade to measure
    seg = _first_segment(tmp_path, "Drukke Laan", toml, "--osm", str(data_dir / "rules_fifty.osm"))
    assert seg["c3_air_noise"] == "unknown" and "nearest building" not in seg["c3_evidence"]
