"""``mobisim network``: summary, export, and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

from mobisim.cli import app

runner = CliRunner()


def test_summary_prints_the_figures(data_dir: Path) -> None:
    result = runner.invoke(app, ["network", "--osm", str(data_dir / "network_basic.osm")])
    assert result.exit_code == 0, result.output
    assert "10 segments" in result.output
    assert "secondary" in result.output and "default:living_street:urban" in result.output
    assert "1 schools (1 primary)" in result.output
    assert "© OpenStreetMap contributors" in result.output


def test_json_summary(data_dir: Path) -> None:
    result = runner.invoke(app, ["network", "--osm", str(data_dir / "network_basic.osm"), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["segments"] == 10
    assert info["km_by_maxspeed"]["15"] == pytest.approx(0.0685, abs=0.006)
    assert info["poi_counts"]["school"] == 1


def test_export_writes_every_layer(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "net.gpkg"
    result = runner.invoke(app, ["network", "--osm", str(data_dir / "network_basic.osm"), "--no-summary",
                                 "--export", str(out)])
    assert result.exit_code == 0, result.output
    edges = gpd.read_file(out, layer="edges")
    assert len(edges) == 10 and "maxspeed_source" in edges.columns
    assert len(gpd.read_file(out, layer="features")) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["net.gpkg"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--osm", "missing.osm"], "missing.osm: file not found"),
        (["--osm", "{data}/network_no_highways.osm"], "no highway ways"),
        (["--osm", "{data}/network_basic.osm", "--bbox", "5.0,53.0,5.1,53.1"], "no streets inside --bbox"),
        (["--osm", "{data}/network_basic.osm", "--bbox", "north"], "--bbox 'north': expected four numbers"),
        ([], "no input"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.gpkg"
    args = [a.replace("{data}", str(data_dir)) for a in args]
    result = runner.invoke(app, ["network", *args, "--export", str(out)])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mobisim: error: ") and message in lines[0]
    assert not any(tmp_path.iterdir())  # no export, not even a temp file
