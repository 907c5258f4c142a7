"""Scope of the 30/50 rule: national routes, motorroads, car-only tunnels, streets mostly out of
scope, and the area judged (``in_area``, :func:`mobisim.pipeline.mark_scope`), on
``tests/data/rules_scope.osm`` (its header says what every road is for)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from edge_lookup import one as _one
from edge_lookup import street as _street
from mobisim import pipeline
from mobisim.cli import app
from mobisim.errors import InputFileError
from mobisim.load import load_network
from mobisim.rules import RuleSettings, evaluate

GRENSWEG_LAT = 52.0934831
#: Grensweg's halves: west lon 4.3000–4.3029206, east 4.3029206–4.3058411 (middle ~4.30438).
BOUNDARY_EAST = 4.3039  # a third into the east half: its start is inside, its middle is not




def _boundary(path: Path, west: float, south: float, east: float, north: float) -> Path:
    """A one-rectangle GeoJSON (WGS84) at ``path``."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "area"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}))
    return path


def _scenario(tmp_path: Path, data_dir: Path, boundary: Path | None, extra: str = "") -> Path:
    area = f'[area]\nboundary = "{boundary}"\n{extra}' if boundary is not None else ""
    path = tmp_path / "scope.toml"
    path.write_text(f'name = "scope"\n[data]\nosm = ["{data_dir / "rules_scope.osm"}"]\n{area}')
    return path


@pytest.fixture()
def net(data_dir):
    return load_network([data_dir / "rules_scope.osm"])


@pytest.fixture(scope="module")
def scoped(data_dir):
    return evaluate(load_network([data_dir / "rules_scope.osm"]))


# --- the R1 rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(("street", "ref"), [("Rijksweg", "A12"), ("Provincieweg", "N211")])
def test_national_routes_are_out_of_scope(scoped, street, ref):
    assert _one(scoped, street, "regime") == "out_of_scope"
    assert _one(scoped, street, "regime_rule") == "R1-national-route"
    assert f"national route {ref}" in _one(scoped, street, "regime_reason")
    assert pd.isna(_one(scoped, street, "regime_tier"))
    assert pd.isna(_one(scoped, street, "c1_cycle_path"))
    assert _one(scoped, street, "proposed_maxspeed") == 50  # limit unchanged


def test_city_s_route_is_judged(scoped):
    assert _one(scoped, "Stadsroute", "ref").upper() == "S100"
    assert _one(scoped, "Stadsroute", "regime_tier") in {"keep_50", "50_if_shown", "to_30"}
    assert _one(scoped, "Stadsroute", "regime_rule").startswith(("R5-", "R6-"))
    assert pd.notna(_one(scoped, "Stadsroute", "c1_cycle_path"))


def test_national_route_pattern_is_a_setting(data_dir):
    net = evaluate(load_network([data_dir / "rules_scope.osm"]), RuleSettings(out_of_scope_ref_pattern=""))
    assert _one(net, "Rijksweg", "regime_tier") in {"keep_50", "50_if_shown", "to_30"}
    net = evaluate(load_network([data_dir / "rules_scope.osm"]), RuleSettings(out_of_scope_ref_pattern=r"^S\d+"))
    assert _one(net, "Stadsroute", "regime_rule") == "R1-national-route"
    assert _one(net, "Rijksweg", "regime_rule") != "R1-national-route"


def test_motorroad_is_out_of_scope(scoped):
    assert _one(scoped, "Autoweg", "regime") == "out_of_scope"
    assert _one(scoped, "Autoweg", "regime_rule") == "R1-motorroad"
    assert _one(scoped, "Autoweg", "proposed_maxspeed") == 70
    assert pd.isna(_one(scoped, "Autoweg", "regime_tier"))


def test_primary_tunnel_without_cycle_facility_is_car_only(scoped):
    e = _street(scoped, "Tunnelbaan")
    tunnel = e[e["tunnel"].fillna(False).astype(bool)]
    approach = e[~e["tunnel"].fillna(False).astype(bool)]
    assert len(tunnel) == 1 and len(approach) == 1
    assert tunnel["regime_rule"].iloc[0] == "R1-car-only-tunnel"
    # the 100 m approach of a street 75 % car-only tunnel goes with it
    assert approach["regime_rule"].iloc[0] == "R1-out-of-scope-street"
    assert "75 % of its length" in approach["regime_reason"].iloc[0]
    assert (e["regime"] == "out_of_scope").all() and e["regime_tier"].isna().all()


def test_tunnel_with_a_cycle_track_is_judged(scoped):
    assert bool(_one(scoped, "Fietstunnel", "tunnel"))
    assert _one(scoped, "Fietstunnel", "regime_tier") in {"keep_50", "50_if_shown", "to_30"}
    assert _one(scoped, "Fietstunnel", "c1_cycle_path") == "pass"


def test_street_share_rule_can_be_switched_off(data_dir):
    net = evaluate(load_network([data_dir / "rules_scope.osm"]), RuleSettings(out_of_scope_street_share=1.0))
    e = _street(net, "Tunnelbaan")
    tunnel = e["tunnel"].fillna(False).astype(bool)
    assert tunnel.sum() == 1 and (~tunnel).sum() == 1
    assert e.loc[tunnel, "regime_rule"].iloc[0] == "R1-car-only-tunnel"
    assert e.loc[~tunnel, "regime_tier"].iloc[0] in {"keep_50", "50_if_shown", "to_30"}


# --- the area judged --------------------------------------------------------------------------


def test_segment_outside_the_area_is_not_judged(net):
    e = net.edges
    east = (e["name"] == "Grensweg") & (e["u"].isin([15, 16]) & e["v"].isin([15, 16])).to_numpy()
    assert east.sum() == 1
    net.edges["in_area"] = ~east
    evaluate(net)
    row = net.edges[east].iloc[0]
    assert row["regime"] == "outside_area" and row["regime_rule"] == "R0-outside-area"
    assert pd.isna(row["regime_tier"]) and pd.isna(row["c1_cycle_path"]) and pd.isna(row["c4_crossable"])
    assert row["proposed_maxspeed"] == 50
    assert "outside the area judged" in row["regime_reason"]
    west = net.edges[(net.edges["name"] == "Grensweg") & ~east]
    assert len(west) == 1 and west["regime_tier"].notna().all()


def test_mark_scope_with_a_boundary_marks_by_midpoint(net, data_dir, tmp_path):
    boundary = _boundary(tmp_path / "area.geojson", 4.299, GRENSWEG_LAT - 0.0005, BOUNDARY_EAST,
                         GRENSWEG_LAT + 0.0005)
    sc = pipeline.as_scenario(_scenario(tmp_path, data_dir, boundary))
    notes: list[str] = []
    pipeline.mark_scope(net, sc, pipeline.read_inputs(sc), notes)
    e, n = net.edges, net.nodes
    grens = e[e["name"] == "Grensweg"].sort_values("u")
    assert list(grens["in_area"]) == [True, False]  # west half in; east half: start in, middle out
    assert bool(n.loc[15, "in_area"]) and not bool(n.loc[16, "in_area"])
    assert not e.loc[e["name"] != "Grensweg", "in_area"].any()  # the other roads lie south of it
    assert "area.geojson" in net.area_label
    evaluate(net)
    assert list(net.edges.loc[grens.index, "regime"].isin(["30", "50"])) == [True, False]
    assert set(net.edges.loc[~net.edges["in_area"] & net.edges["is_road"], "regime"]) == {"outside_area"}
    assert net.edges.loc[~net.edges["in_area"], "regime_tier"].isna().all()


def test_boundary_tolerance_grows_the_area(net, data_dir, tmp_path):
    boundary = _boundary(tmp_path / "area.geojson", 4.299, GRENSWEG_LAT - 0.0005, BOUNDARY_EAST,
                         GRENSWEG_LAT + 0.0005)
    sc = pipeline.as_scenario(_scenario(tmp_path, data_dir, boundary, "boundary_tolerance_m = 60\n"))
    pipeline.mark_scope(net, sc, pipeline.read_inputs(sc))
    grens = net.edges[net.edges["name"] == "Grensweg"]
    assert len(grens) == 2 and grens["in_area"].all()  # the east middle is ~35 m beyond the edge


def test_boundary_that_misses_the_network_is_an_input_error(net, data_dir, tmp_path):
    far = _boundary(tmp_path / "amsterdam.geojson", 4.88, 52.36, 4.92, 52.38)
    sc = pipeline.as_scenario(_scenario(tmp_path, data_dir, far))
    inputs = pipeline.read_inputs(sc)
    with pytest.raises(InputFileError, match=r"amsterdam\.geojson: the area does not overlap the network"):
        pipeline.mark_scope(net, sc, inputs)


def test_missing_boundary_file_is_an_input_error(net, data_dir, tmp_path):
    sc = pipeline.as_scenario(_scenario(tmp_path, data_dir, tmp_path / "nope.geojson"))
    with pytest.raises(InputFileError, match="nope.geojson"):  # read with the inputs, before any step
        pipeline.read_inputs(sc)


def test_run_with_a_boundary_off_the_network_exits_2(data_dir, tmp_path, monkeypatch):
    far = _boundary(tmp_path / "amsterdam.geojson", 4.88, 52.36, 4.92, 52.38)
    scenario = _scenario(tmp_path, data_dir, far)
    monkeypatch.chdir(tmp_path)  # the default output folder is ./maps/scope
    result = CliRunner().invoke(app, ["run", str(scenario), "--quiet"])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mobisim: error: ") and "does not overlap the network" in lines[0]
    assert "amsterdam.geojson" in lines[0]
    assert not result.stdout.strip()
    assert not (tmp_path / "maps").exists()  # no output folder, not even an empty one
    # with the progress display on, the error is still one line, the last one
    result = CliRunner().invoke(app, ["run", str(scenario)])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if "mobisim: error:" in line]
    assert len(errors) == 1 and result.stderr.strip().splitlines()[-1] == errors[0]
    assert not (tmp_path / "maps").exists()
