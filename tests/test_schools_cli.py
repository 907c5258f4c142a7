"""`mobisim schools` on the hand-written grid."""

from __future__ import annotations

import pyogrio
import pytest
from typer.testing import CliRunner

from mobisim.cli import app

runner = CliRunner()


def test_schools_command_prints_scores_and_exports(data_dir, tmp_path):
    out = tmp_path / "routes.gpkg"
    res = runner.invoke(app, ["schools", "--osm", str(data_dir / "schools_grid.osm"),
                              "--buildings", str(data_dir / "schools_grid_buildings.osm"),
                              "--export", str(out), "--top", "5", "--children", "100"])
    assert res.exit_code == 0, res.output
    assert "safe-route share" in res.output
    assert "Weakest links" in res.output and "Weakest street stretches" in res.output
    assert any(line.startswith("│ children (total)") and line.rstrip().endswith("100 │") for line in res.output.splitlines())
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"school_routes", "weakest_segments", "weakest_crossings", "schools"} <= layers
    routes = pyogrio.read_dataframe(out, layer="school_routes")
    assert len(routes) > 0 and (routes["school_route_children"] > 0).all()
    schools = pyogrio.read_dataframe(out, layer="schools")
    assert sorted(schools["name"]) == ["Basisschool De Linde", "Basisschool Eiland", "Basisschool Het Anker"]
    assert [p.name for p in tmp_path.iterdir()] == ["routes.gpkg"]  # no temp files left


def test_missing_input_file_is_one_line_error(tmp_path):
    res = runner.invoke(app, ["schools", "--osm", str(tmp_path / "nope.osm")])
    assert res.exit_code == 2
    assert "mobisim: error:" in res.output and "nope.osm" in res.output


def test_bad_export_name_writes_nothing(data_dir, tmp_path):
    out = tmp_path / "routes.shp"
    res = runner.invoke(app, ["schools", "--osm", str(data_dir / "schools_grid.osm"), "--export", str(out)])
    assert res.exit_code == 2
    assert "GeoPackage" in res.output
    assert list(tmp_path.iterdir()) == []


def test_osm_files_from_the_scenario(data_dir, tmp_path):
    sc = tmp_path / "grid.toml"
    sc.write_text(
        'name = "grid"\n[data]\n'
        f'osm = ["{data_dir / "schools_grid.osm"}"]\nbuildings = ["{data_dir / "schools_grid_buildings.osm"}"]\n'
        "[schools]\nchildren_total = 250\nmax_detour_factor = 2.0\n"
    )
    res = runner.invoke(app, ["schools", "--scenario", str(sc), "--no-what-if"])
    assert res.exit_code == 0, res.output
    assert any(line.startswith("│ children (total)") and line.rstrip().endswith("250 │") for line in res.output.splitlines())
    assert "detour ≤ 2.0×" in res.output


def test_no_osm_and_no_scenario_is_an_error():
    res = runner.invoke(app, ["schools"])
    assert res.exit_code == 2 and "--osm" in res.output


def test_export_holds_the_per_wijk_scores(data_dir, tmp_path):
    """Two made-up wijken split the grid between its two homes (schools_grid_buildings.osm: the
    3-level 100 m² house 7001 to the west, the 200 m² house 7002 to the east; 7003 is a shed and
    7004 lies outside residential landuse): 60 and 40 of 100 children, as in
    test_schools_routes.test_homes_from_buildings_end_to_end. The export's ``wijken`` layer holds
    them with the safe share and the wijk polygon."""
    import geopandas as gpd
    from shapely.geometry import box

    from mobisim.load import load_network

    net = load_network([data_dir / "schools_grid.osm", data_dir / "schools_grid_buildings.osm"], cache=False)
    x0, y0, x1, y1 = net.nodes.total_bounds
    houses = net.buildings.set_index("osm_id").geometry.centroid
    mid = (houses.loc[7001].x + houses.loc[7002].x) / 2
    wijken = gpd.GeoDataFrame({"code": ["WK0518W", "WK0518E"], "name": ["West", "Oost"]},
                              geometry=[box(x0 - 500, y0 - 500, mid, y1 + 500), box(mid, y0 - 500, x1 + 500, y1 + 500)],
                              crs=28992)
    wijken_path = tmp_path / "wijken.geojson"
    wijken.to_file(wijken_path, driver="GeoJSON")
    sc = tmp_path / "grid.toml"
    sc.write_text(
        'name = "grid"\n[data]\n'
        f'osm = ["{data_dir / "schools_grid.osm"}"]\nbuildings = ["{data_dir / "schools_grid_buildings.osm"}"]\n'
        f'[schools]\nchildren_total = 100\nwijken_path = "{wijken_path}"\n'
    )
    out = tmp_path / "routes.gpkg"
    res = runner.invoke(app, ["schools", "--scenario", str(sc), "--export", str(out), "--no-what-if"])
    assert res.exit_code == 0, res.output
    assert "Per wijk" in res.output
    per_wijk = pyogrio.read_dataframe(out, layer="wijken").set_index("code")
    assert per_wijk["children"].to_dict() == pytest.approx({"WK0518W": 60.0, "WK0518E": 40.0}, rel=0.02)
    assert per_wijk["share_safe"].between(0, 1).all()
    assert per_wijk.loc["WK0518W", "name"] == "West"
    assert per_wijk.geometry.geom_type.eq("Polygon").all()
