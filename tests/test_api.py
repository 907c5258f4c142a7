"""The Python API (``mobisim.load_network``, ``mobisim.load_scenario``, ``mobisim.run``) on the
hand-written fixtures: what a notebook user gets back, and that ``import mobisim`` stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

import mobisim
from mobisim.errors import InputFileError, ScenarioError
from mobisim.network import Network
from mobisim.pipeline import RunResult
from mobisim.scenario import Scenario


def test_load_network_returns_frames_of_the_data_model(data_dir: Path) -> None:
    net = mobisim.load_network(data_dir / "render_city.osm", cache=False)
    assert isinstance(net, Network)
    assert isinstance(net.edges, gpd.GeoDataFrame) and len(net.edges) > 0
    assert net.edges.crs.to_epsg() == 28992
    assert {"highway", "maxspeed", "maxspeed_source", "u", "v"} <= set(net.edges.columns)


def test_load_network_takes_a_list_street_file_first(data_dir: Path) -> None:
    alone = mobisim.load_network(data_dir / "render_city.osm", cache=False)
    both = mobisim.load_network([data_dir / "render_city.osm", data_dir / "render_buildings.osm"], cache=False)
    assert len(alone.buildings) == 0 < len(both.buildings)
    assert len(both.edges) == len(alone.edges)


def test_load_network_missing_file_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="missing.osm"):
        mobisim.load_network(tmp_path / "missing.osm")


def test_load_scenario_is_typed(data_dir: Path) -> None:
    sc = mobisim.load_scenario(data_dir / "render_scenario.toml")
    assert isinstance(sc, Scenario)
    assert sc.rules.sensitive_distance_m > 0 and sc.schools.mode in ("bike", "walk")


def test_load_scenario_bad_key_is_one_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[rules]\nsensitive_distance_m = -5\n')
    with pytest.raises(ScenarioError, match="sensitive_distance_m"):
        mobisim.load_scenario(bad)


def test_run_without_writing_returns_the_result_and_writes_nothing(data_dir: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = mobisim.run(data_dir / "render_scenario.toml", write=False)
    assert isinstance(result, RunResult)
    assert result.paths == {} and list(tmp_path.iterdir()) == []
    assert "regime" in result.after.edges.columns and "toets_bike" in result.after.edges.columns
    head = result.headline()
    assert "children_safe" in head.index and head.loc["km_30", "unit"] == "km"
    assert head.loc["km_30", "value"] == result.scores["headline"]["km_30"]["value"]


def test_run_writes_the_output_set(data_dir: Path, tmp_path: Path) -> None:
    result = mobisim.run(data_dir / "render_scenario.toml", out_dir=tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["map.html", "layers.gpkg", "scores.json", "report.md", "report.html"])
    assert set(result.paths) == {"map", "gpkg", "scores", "report_md", "report_html"}


def test_import_mobisim_does_not_import_the_pipeline() -> None:
    code = "import sys, mobisim; print(sorted(m for m in ('pandas', 'geopandas', 'mobisim.pipeline') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
    assert callable(mobisim.run)  # resolved on first use
    with pytest.raises(AttributeError):
        mobisim.no_such_function  # noqa: B018
