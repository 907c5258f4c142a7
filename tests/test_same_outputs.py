"""``scripts/same_outputs.py``: two runs of the same scenario agree; a changed figure, a lost row or
a renamed column is found (the check behind issue 14's "outputs are the same before and after")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pytest

import mobisim


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("runs")
    mobisim.run(data_dir / "render_scenario.toml", out_dir=base / "a")
    mobisim.run(data_dir / "render_scenario.toml", out_dir=base / "b")
    return base / "a", base / "b"


def test_two_runs_of_one_scenario_are_the_same(script, two_runs: tuple[Path, Path]) -> None:
    a, b = two_runs
    assert script("same_outputs").compare_runs(a, b) == []
    assert script("same_outputs").main([str(a), str(b)]) == 0


def test_a_changed_figure_a_lost_row_and_a_renamed_column_are_found(script, two_runs: tuple[Path, Path],
                                                                   tmp_path: Path) -> None:
    a, b = two_runs
    changed = tmp_path / "changed"
    shutil.copytree(b, changed)
    scores = json.loads((changed / "scores.json").read_text())
    scores["headline"]["km_30"]["value"] += 1.0
    (changed / "scores.json").write_text(json.dumps(scores))
    segments = gpd.read_file(changed / "layers.gpkg", layer="segments")
    segments.iloc[1:].rename(columns={"highway": "road_class"}).to_file(changed / "layers.gpkg", layer="segments",
                                                                        driver="GPKG")
    found = script("same_outputs").compare_runs(a, changed)
    assert any(line.startswith("headline.km_30.value:") for line in found)
    assert any("segments:" in line and "rows" in line for line in found)
    assert any("segments: columns differ (removed ['highway'], added ['road_class']" in line for line in found)
    assert script("same_outputs").main([str(a), str(changed)]) == 1
    assert script("same_outputs").compare_runs(a, changed, ignore=("headline.km_30.value",)) == [
        line for line in found if not line.startswith("headline.km_30.value:")]
