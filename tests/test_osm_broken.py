"""Broken OSM extracts end in one clear line, never in an all-zero report or a traceback.

Hand-written fixtures in ``tests/data``:

- ``osm_ways_before_nodes.osm``: an unsorted file (ways first): no way finds its nodes;
- ``osm_nodes_missing.osm``: ways without any of their nodes (an extract cut without them);
- ``osm_some_nodes_missing.osm``: 2 of 3 ways lack nodes: one is dropped, one cut at the gap;
- ``osm_bad_coordinate.osm``: ``lat="abc"`` (libosmium raises its own error).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mobisim.cli import app
from mobisim.errors import InputFileError
from mobisim.load import load_network
from mobisim.load.osmread import read_osm

runner = CliRunner()

NO_STREET = ("no street could be built: its ways reference 4 nodes that are not in the file (an extract cut "
             "without its nodes, or ways before nodes — sort the file with `osmium sort`)")
BROKEN = {
    "osm_ways_before_nodes.osm": NO_STREET,
    "osm_nodes_missing.osm": NO_STREET,
    "osm_bad_coordinate.osm": "not a valid OSM file: wrong format for coordinate: 'abc'",
}


def one_error_line(result, expected: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"mobisim: error: {expected}"], result.stderr


@pytest.mark.parametrize("name", BROKEN)
def test_network_command_gives_one_error_line(name: str, data_dir: Path) -> None:
    path = data_dir / name
    result = runner.invoke(app, ["network", "--osm", str(path), "--json"])
    one_error_line(result, f"{path}: {BROKEN[name]}")
    assert result.stdout == ""  # no all-zero summary


@pytest.mark.parametrize("name", BROKEN)
def test_loading_raises_the_input_error(name: str, data_dir: Path) -> None:
    with pytest.raises(InputFileError) as info:
        load_network([data_dir / name], cache=False)
    assert str(info.value) == f"{data_dir / name}: {BROKEN[name]}"


@pytest.mark.parametrize("name", ["osm_ways_before_nodes.osm", "osm_bad_coordinate.osm"])
def test_run_command_gives_one_error_line_and_no_output(name: str, data_dir: Path, tmp_path: Path) -> None:
    shutil.copy(data_dir / "render_scenario.toml", tmp_path / "scenario.toml")
    broken = tmp_path / name
    shutil.copy(data_dir / name, broken)
    out = tmp_path / "maps" / "scenario"
    result = runner.invoke(app, ["run", str(tmp_path / "scenario.toml"), "--osm", str(broken), "--out", str(out),
                                 "--quiet"])
    one_error_line(result, f"{broken}: {BROKEN[name]}")
    assert not out.exists() or not any(out.iterdir())


def test_coordinate_text_is_translated_at_the_read(data_dir: Path) -> None:
    path = data_dir / "osm_bad_coordinate.osm"
    with pytest.raises(InputFileError, match=r"osm_bad_coordinate\.osm: not a valid OSM file: wrong format"):
        read_osm(path)


def test_a_bad_coordinate_in_a_feature_file_is_an_error_too(data_dir: Path) -> None:
    bad = data_dir / "osm_bad_coordinate.osm"
    result = runner.invoke(app, ["network", "--osm", str(data_dir / "network_basic.osm"), "--osm", str(bad)])
    one_error_line(result, f"{bad}: {BROKEN['osm_bad_coordinate.osm']}")


# ------------------------------------------------------------------ partly missing nodes: a warning


SOME = ("2 of 3 highway ways reference 3 nodes that are not in the file (an extract cut at its edge, or an "
        "unsorted file: `osmium sort`): 1 way dropped (fewer than two of its nodes left), 1 way kept without "
        "the missing nodes (cut at each gap)")


def test_partly_missing_nodes_warn_with_the_counts(data_dir: Path) -> None:
    path = data_dir / "osm_some_nodes_missing.osm"
    result = runner.invoke(app, ["network", "--osm", str(path), "--json", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [f"mobisim: warning: {path}: {SOME}"]
    assert json.loads(result.stdout)["segments"] == 3


def test_partly_missing_nodes_are_a_note_of_the_network(data_dir: Path, capsys) -> None:
    path = data_dir / "osm_some_nodes_missing.osm"
    net = load_network([path], cache=False)
    assert net.notes == [f"{path}: {SOME}"]
    assert capsys.readouterr().err == f"mobisim: warning: {path}: {SOME}\n"
    assert net.copy().notes == net.notes


def test_no_segment_bridges_a_missing_node(data_dir: Path) -> None:
    net = load_network([data_dir / "osm_some_nodes_missing.osm"], cache=False)
    edges = net.edges
    assert set(edges["way_id"]) == {1, 3}  # way 2 kept only node 3: dropped
    assert sorted(zip(edges["u"], edges["v"])) == [(1, 2), (2, 3), (4, 5)]
    gat = edges[edges["way_id"] == 3]
    # node 4 to node 5 only (0.0005 deg of latitude), never the straight line from node 2 across the gap
    assert gat["length"].iloc[0] == pytest.approx(55.7, abs=0.5)


def test_the_reader_numbers_the_parts_of_a_cut_way(data_dir: Path) -> None:
    raw = read_osm(data_dir / "osm_some_nodes_missing.osm")
    assert raw.counts["missing_nodes"] == 3 and sorted(raw.incomplete_ways) == [2, 3]
    gat = raw.way_nodes[raw.way_nodes["way_idx"] == int(np.flatnonzero(raw.ways["way_id"] == 3)[0])]
    assert gat["node_id"].tolist() == [2, 4, 5] and gat["part"].tolist() == [0, 1, 1]


def test_complete_files_give_no_warning(data_dir: Path, capsys) -> None:
    net = load_network([data_dir / "network_basic.osm"], cache=False)
    assert net.notes == [] and capsys.readouterr().err == ""
