"""Integration: the shared Den Haag files load, tag and summarise (skipped without ../shared/osm)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mobisim.cli import app
from mobisim.load import load_network
from mobisim.network import network_summary

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def city(shared_osm: Path):
    return load_network([shared_osm / "den-haag-city-2021.osm.bz2"])


def test_city_network_model(city) -> None:
    info = network_summary(city)
    # README of the shared data: 5,121 km of directed osmnx street edges, i.e. both directions of
    # two-way paths; the undirected segment model is between half of that and all of it.
    assert 2500 < info["km"] < 5121
    assert info["poi_counts"]["school"] == 234  # README: features_from_xml finds 234 schools
    assert info["poi_counts"]["primary_school"] > 100
    # no maxspeed tag in the 2021 file: every motor road's limit is a documented default
    assert all(k.startswith("default:") for k in info["km_by_maxspeed_source"])
    # separate cycle tracks are only in the geometry: the detector finds them along most distributors
    roads = city.edges[city.edges["highway"].isin(["secondary", "tertiary"])]
    share = roads.loc[roads["cycle_separated_left"] | roads["cycle_separated_right"], "length"].sum() / roads["length"].sum()
    assert share > 0.5
    assert info["cycle_separation"]["km_by_source"].get("tag", 0) == 0


def test_city_streets_are_connected(city) -> None:
    import networkx as nx

    G = city.graph(mode="walk")
    largest = max(nx.weakly_connected_components(G), key=len)
    sub = city.edges[city.edges["u"].isin(largest) & city.edges["mode_walk"]]
    walk = city.edges[city.edges["mode_walk"]]
    assert sub["length"].sum() / walk["length"].sum() > 0.95  # README: 98.6 % for all streets


def test_scheveningen_maxspeed_from_tags(shared_osm: Path) -> None:
    net = load_network([shared_osm / "scheveningen-2025.osm.bz2"])
    roads = net.edges[net.edges["is_road"]]
    tagged = roads["maxspeed_source"].str.startswith("tag")
    assert tagged.mean() > 0.95
    assert set(roads.loc[tagged, "maxspeed"].unique()) <= {15, 30, 50, 70, 80}
    assert net.nodes["zebra"].sum() > 50 and net.nodes["signals"].sum() > 10
    assert (net.edges["cycleway_source"] == "tag").sum() > 50


def test_cli_summary_on_the_scheveningen_file(shared_osm: Path) -> None:
    result = CliRunner().invoke(app, ["network", "--osm", str(shared_osm / "scheveningen-2025.osm.bz2")])
    assert result.exit_code == 0, result.output
    assert "tag" in result.output and "residential" in result.output
