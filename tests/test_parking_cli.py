"""``mobisim parking`` end to end on the hand-written OSM fixture, and its bad-input errors."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from mobisim import cli

runner = CliRunner()


def invoke(*args):
    return runner.invoke(cli.app, ["parking", *map(str, args)])


@pytest.fixture()
def common(data_dir):
    return ["--osm", data_dir / "parking_streets.osm", "--wijken", data_dir / "parking_wijken.geojson",
            "--garages", data_dir / "parking_garages.geojson", "--no-spaces"]


def write_scenario(tmp_path, body: str):
    path = tmp_path / "scenario.toml"
    streets = Path(__file__).parent / "data" / "parking_streets.osm"
    head = f'name = "parking-test"\n\n[data]\nosm = ["{streets.as_posix()}"]\n\n[parking]\n'
    path.write_text(head + body, encoding="utf-8")
    return path


def test_cli_writes_table_and_layer(tmp_path, common):
    scenario = write_scenario(tmp_path, "areas = ['Noordkwartier', 'WK051892']\ncap_rate = 0.05\npermits_city = 160\n")
    out_csv, out_gpkg = tmp_path / "cap.csv", tmp_path / "freed.gpkg"
    res = invoke(*common, "--scenario", scenario, "--csv", out_csv, "--export", out_gpkg)
    assert res.exit_code == 0, res.output
    assert "Permit cap per area" in res.output and "OpenStreetMap" in res.output
    table = pd.read_csv(out_csv)
    assert set(table["code"]) == {"WK051891", "WK051892", "total"}
    assert sorted(table["year"].unique()) == [2026, 2027, 2028, 2029, 2030]
    # the cap compounds at 5 % from each area's base-year permits
    for code, rows in table[table["code"] != "total"].groupby("code"):
        base = rows.loc[rows["year"] == 2026, "cap"].item()
        expected = [math.floor(base * 0.95 ** k + 1e-9) for k in range(5)]
        assert rows.sort_values("year")["cap"].tolist() == expected, code
    total_2030 = table.loc[(table["code"] == "total") & (table["year"] == 2030), "freed_cumulative"].item()
    assert total_2030 > 0
    freed = gpd.read_file(out_gpkg, layer="parking_freed")
    assert freed["freed_spaces"].sum() == pytest.approx(total_2030)
    assert freed.crs.to_epsg() == 28992
    assert set(freed["priority_rule"]) <= {"school_route", "supply_density", "crossing_sight_line"}
    assert (freed["attribution"].str.contains("OpenStreetMap")).all()
    streets = gpd.read_file(out_gpkg, layer="parking_freed_streets")
    assert streets["freed_spaces"].sum() == pytest.approx(total_2030)
    assert streets["segments"].sum() == len(freed)


def test_cli_without_scenario_uses_defaults(tmp_path, common):
    # the default areas are real Den Haag wijken, which the test wijk file does not hold
    res = invoke(*common, "--csv", tmp_path / "cap.csv")
    assert res.exit_code == 2
    assert "mobisim: error: unknown wijk 'Centrum'" in res.output
    assert not (tmp_path / "cap.csv").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("areas = ['Nordkwartier']\n", "unknown wijk 'Nordkwartier'"),
        ("areas = ['Noordkwartier']\ncap_rate = -0.02\n", "parking.cap_rate: "),
        ("areas = ['Noordkwartier']\n"
         "reuse_mix = {bike_parking = 50, green = 30, play = 0, meeting = 0, terraces = 0}\n",
         "reuse_mix must sum to 1 (or 100 %), got 80"),
    ],
)
def test_cli_bad_input_exits_2_without_output(tmp_path, common, body, message):
    scenario = write_scenario(tmp_path, body)
    out_csv, out_gpkg = tmp_path / "cap.csv", tmp_path / "freed.gpkg"
    res = invoke(*common, "--scenario", scenario, "--csv", out_csv, "--export", out_gpkg)
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output
    assert not out_csv.exists() and not out_gpkg.exists()
    assert list(tmp_path.iterdir()) == [scenario]  # no temp files left behind


def test_cli_missing_street_file(tmp_path, data_dir):
    res = invoke("--osm", tmp_path / "missing.osm", "--wijken", data_dir / "parking_wijken.geojson")
    assert res.exit_code == 2 and "missing.osm" in res.output
