"""``mobisim network --summary``: the "Data used and its limits" box, and ``coverage`` in --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mobisim.cli import app
from mobisim.load.coverage import FAMILIES

runner = CliRunner()
WIDE = {"COLUMNS": "200"}  # one table row per line


def _network(data_dir: Path, *args: str):
    result = runner.invoke(app, ["network", "--osm", str(data_dir / "network_basic.osm"), *args], env=WIDE)
    assert result.exit_code == 0, result.output
    return result


def test_summary_opens_with_the_data_box(data_dir: Path) -> None:
    out = _network(data_dir, "--summary").stdout
    assert "Data used and its limits" in out
    for header in ("data family", "in this input", "used for", "what stands in when missing"):
        assert header in out
    # the box comes before the network's own tables
    assert out.index("Data used and its limits") < out.index("km by highway class")
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in out.splitlines() if line.startswith("│")}
    assert rows["building outlines"][0] == "none"
    assert rows["building outlines"][2].startswith("residential landuse as a proxy")
    assert rows["speed limits (maxspeed)"][0] == "44 % of road km"
    assert rows["schools, childcare, playgrounds, care sites"][:2] == ["2", "C2 sensitive sites"]
    assert rows["crossing and signal nodes"][0] == "1"
    assert rows["separate cycle paths (own ways)"][0] == "0.3 km"


def test_json_carries_the_coverage(data_dir: Path) -> None:
    info = json.loads(_network(data_dir, "--json").stdout)
    cov = info["coverage"]
    assert list(cov) == [f.key for f in FAMILIES]
    assert cov["buildings"] == {**cov["buildings"], "status": "none", "count": 0}
    assert cov["maxspeed"]["share"] == pytest.approx(0.44, abs=0.01) and cov["maxspeed"]["status"] == "partial"
    assert cov["sensitive_sites"]["count"] == 2
    assert {"label", "used_for", "when_missing"} <= set(cov["crossings"])


def test_bbox_measures_what_is_kept(data_dir: Path) -> None:
    """With --bbox the box describes the clipped part (the playground, not the school)."""
    cov = json.loads(_network(data_dir, "--json", "--bbox", "4.309,52.0795,4.314,52.082").stdout)["coverage"]
    assert cov["sensitive_sites"]["count"] == 1
    assert cov["cycle_paths"]["count"] == pytest.approx(0.1, abs=0.05)


def test_the_date_of_the_data_is_read_from_the_file(tmp_path):
    """The date comes from the file itself (header, Overpass osm_base, or the generator's words),
    and a file that states none says so."""
    from mobisim.load import data_date

    overpass = tmp_path / "overpass.osm"
    overpass.write_text('<?xml version="1.0"?>\n<osm version="0.6" generator="Overpass API">\n'
                        '  <meta osm_base="2025-11-28T21:31:02Z"/>\n</osm>\n')
    tiles = tmp_path / "tiles.osm"
    tiles.write_text('<?xml version="1.0"?>\n<osm version="0.6" generator="tiles of 2021-08-06 mapped back">\n'
                     '</osm>\n')
    plain = tmp_path / "plain.osm"
    plain.write_text('<?xml version="1.0"?>\n<osm version="0.6" generator="hand">\n</osm>\n')
    assert data_date(overpass) == "2025-11-28 (Overpass osm_base)"
    assert data_date(tiles) == "2021-08-06 (named by the file's generator)"
    assert data_date(plain) == "not stated in the file"
