"""``mobisim toets``: the reviewer command on hand-written fixtures."""

from __future__ import annotations

import json
from pathlib import Path

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
    assert "nearest building" in seg["c3_evidence"] and "limit 70 dB (omgevingswet-limit)" in seg["c3_evidence"]
    # --osm replaces the scenario's files: without the buildings there is no façade to measure
    seg = _first_segment(tmp_path, "Drukke Laan", toml, "--osm", str(data_dir / "rules_fifty.osm"))
    assert seg["c3_air_noise"] == "unknown" and "nearest building" not in seg["c3_evidence"]


def test_tier_deciding_criteria_and_missing_evidence(data_dir):
    """Each segment names its tier, the criteria that decide it and, for 50 if shown, the evidence
    that would decide it — in the text and in --json."""
    osm = ["--osm", str(data_dir / "rules_c2.osm")]
    out = _run("Zuiderlaan", *osm).stdout
    assert "(50 if shown (30 until shown))" in out and "30/50 tiers: 50 if shown" in out
    assert "tier: 50 if shown (30 until shown) — unknown: C1 separate cycle path, C3 air and noise, " \
           "C4 crossable" in out
    assert "to decide: tag the cycle tracks of Zuiderlaan" in out
    assert "tag the crossings and signals of Zuiderlaan" in out
    out = _run("Noorderlaan", *osm).stdout
    assert "tier: to 30 — fails: C2 no sensitive sites" in out and "to decide" not in out
    data = json.loads(_run("Zuiderlaan", *osm, "--json").stdout)
    seg = data["segments"][0]
    assert (seg["regime_tier"], seg["tier"], seg["verdict"]) == ("50_if_shown", "50 if shown (30 until shown)",
                                                                 "50 if shown (30 until shown)")
    assert seg["regime_deciding"] == "C1+C3+C4" and seg["in_area"] is True
    assert seg["regime_missing"].startswith("tag the cycle tracks of Zuiderlaan")
    assert set(data["length_by_tier_m"]) == {"50_if_shown"} and data["length_outside_m"] == 0
    kept = json.loads(_run("Snelle Laan", "--osm", str(data_dir / "rules_fifty.osm"), "--osm",
                           str(data_dir / "rules_fifty_buildings.osm"), "--json").stdout)["segments"][0]
    assert (kept["tier"], kept["regime_deciding"], kept["regime_missing"]) == ("keeps 50", None, None)


def test_roads_without_a_tier_say_why(data_dir):
    data = json.loads(_run("Rustige Straat", "--osm", str(data_dir / "rules_speeds.osm"), "--json").stdout)
    seg = data["segments"][0]
    assert seg["tier"] is None and seg["verdict"] == "30 or less already: unchanged"


def _boundary(path: Path, west: float, south: float, east: float, north: float) -> Path:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    return path


@pytest.fixture()
def west_half(data_dir, tmp_path):
    """A scenario judging only the west end of Brede Laan (lon < 4.3025)."""
    boundary = _boundary(tmp_path / "area.geojson", 4.29, 52.07, 4.3025, 52.09)
    scenario = tmp_path / "west.toml"
    scenario.write_text(f'name = "west"\n[data]\nosm = ["{data_dir / "rules_crossings.osm"}"]\n'
                        f'[area]\nboundary = "{boundary}"\n')
    return scenario


def test_segment_outside_the_area_is_not_judged(west_half):
    result = _run("Brede Laan", "--scenario", str(west_half))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "outside the municipality: not judged" in out
    blocks = out.split("\n\n")
    outside = [b for b in blocks if "outside the municipality: not judged" in b and b.startswith("[")]
    assert outside and all("toets bike" not in b and "C1 separate cycle path" not in b for b in outside)
    assert "tier: to 30" in out  # the west end is judged
    assert "node 3 " not in out  # its crossing lies outside: not listed
    assert "outside the municipality, not judged" in out  # … but counted
    data = json.loads(_run("Brede Laan", "--scenario", str(west_half), "--json").stdout)
    inside = [s for s in data["segments"] if s["in_area"]]
    outside = [s for s in data["segments"] if not s["in_area"]]
    assert inside and outside
    assert {s["verdict"] for s in outside} == {"outside the municipality: not judged"}
    assert {s["regime"] for s in outside} == {"outside_area"} and {s["tier"] for s in outside} == {None}
    assert data["length_outside_m"] == pytest.approx(sum(s["length"] for s in outside), abs=1)
    assert data["toets_bike_open"] == len(inside)
    assert 3 not in {c["node_id"] for c in data["crossings"]} and data["crossings_outside"] >= 1


def test_without_scenario_the_municipality_is_marked(data_dir, tmp_path, monkeypatch):
    """--osm alone marks the area with mark_scope(net, {}): without the wijken file every segment is
    judged, and the note says so (dimmed, on stderr)."""
    monkeypatch.setenv("MOBISIM_SHARED_OSM", str(tmp_path))
    result = _run("Brede Laan", "--osm", str(data_dir / "rules_crossings.osm"))
    assert result.exit_code == 0, result.output
    assert "note: municipal boundary not found" in result.stderr
    assert "outside the municipality" not in result.stdout
