"""Schools from the municipality's register of school buildings (``[schools] school_register``):
its primary-school buildings only, pupils by classrooms, defective records skipped by name, and
one clear error for a bad register file. Hand-written register: tests/data/school_register.geojson
(three BO buildings by the render fixture, a lyceum, a gym, and one BO record with a broken
coordinate, as the real register has)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mobisim import pipeline, schools
from mobisim.errors import InputFileError
from mobisim.load import load_network
from mobisim.load.register import read_school_register
from mobisim.schools import SchoolSettings


@pytest.fixture(scope="module")
def net(data_dir: Path):
    return load_network([data_dir / "render_city.osm", data_dir / "render_buildings.osm"], cache=False)


def test_only_primary_buildings_near_the_network_with_pupils_by_classrooms(net, data_dir):
    s = SchoolSettings(school_register=data_dir / "school_register.geojson", children_total=1_000.0)
    pts = schools.school_points(net, s, register=read_school_register(s.school_register))
    assert sorted(pts["name"]) == ["Basisschool De Linde", "Basisschool De Linde (dependance)", "OBS Het Anker"]
    assert "Montessori Lyceum" not in set(pts["name"])  # VO: secondary
    assert set(pts["source"]) == {"register:school_register.geojson"}
    assert list(pts["brin"]) == ["01AA", "01AA", "02BB"]
    # classrooms 8, missing (→ median 12), 16, × class size, scaled to children_total
    assert list(pts["pupils"]) == [pytest.approx(1_000 * 8 / 36, abs=0.5), pytest.approx(1_000 * 12 / 36, abs=0.5),
                                   pytest.approx(1_000 * 16 / 36, abs=0.5)]
    notes = pts.attrs["notes"]
    assert len(notes) == 1 and "Basisschool Verkeerd Getypt (record 6)" in notes[0]


def test_another_use_list_changes_the_schools(net, data_dir):
    s = SchoolSettings(school_register=data_dir / "school_register.geojson", register_uses=["BO", "VO"])
    pts = schools.school_points(net, s, register=read_school_register(s.school_register))
    assert "Montessori Lyceum" in set(pts["name"])


def test_a_run_routes_children_to_the_register_schools(tmp_path, data_dir, shared_osm):
    sc = pipeline.as_scenario(data_dir / "render_scenario.toml")
    sc = sc.model_copy(update={"schools": sc.schools.model_copy(
        update={"school_register": data_dir / "school_register.geojson"})})
    res = pipeline.run_scenario(sc, out_dir=tmp_path / "out", progress=False)
    per_school = res.schools_after.schools
    assert set(per_school["name"]) <= {"Basisschool De Linde", "Basisschool De Linde (dependance)", "OBS Het Anker"}
    assert per_school["children"].sum() > 0
    assert any("Verkeerd Getypt" in n for n in res.notes)


@pytest.mark.parametrize("content, problem", [
    ({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"bestemming": "BO", "school": "X"},
         "geometry": {"type": "Point", "coordinates": [4.3, 52.08]}}]},
     "lacks the field(s) brinnummer, lesruimte"),
    ({"type": "FeatureCollection", "features": []}, "lacks the field"),
    ({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"bestemming": "BO", "brinnummer": "1", "school": "X", "lesruimte": 3},
         "geometry": None}]}, "holds no building with a location"),
    ({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"bestemming": "BO", "brinnummer": "1", "school": "X", "lesruimte": 3},
         "geometry": {"type": "LineString", "coordinates": [[4.3, 52.08], [4.31, 52.08]]}}]}, "must hold points"),
])
def test_a_bad_register_is_one_clear_error(tmp_path, content, problem):
    path = tmp_path / "register.geojson"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(InputFileError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        read_school_register(path)


def test_a_bad_register_in_a_scenario_stops_the_run_with_exit_2(tmp_path, data_dir):
    from mobisim.cli import app

    (tmp_path / "bad.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'name = "s"\n[data]\nosm = ["{data_dir / "render_city.osm"}"]\n'
                        '[schools]\nschool_register = "bad.geojson"\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["run", str(scenario), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert lines[-1].startswith("mobisim: error:") and "bad.geojson" in lines[-1] and "lacks the field" in lines[-1]
    assert not (tmp_path / "out").exists()
    # a register file that is not there
    scenario.write_text(scenario.read_text().replace("bad.geojson", "missing.geojson"), encoding="utf-8")
    res = CliRunner().invoke(app, ["run", str(scenario), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and "school register not found" in res.output


@pytest.mark.integration
def test_the_city_register_gives_the_primary_school_buildings(shared_osm):
    """The shared register: 190 BO buildings in the city (170–250 expected; records of one school at
    one address are one building), no lyceum, no music or hotel school among them, every building
    named apart; the 6 BO records with broken coordinates named and skipped."""
    path = shared_osm / "den-haag-schoolgebouwen.geojson"
    if not path.exists():
        pytest.skip(f"{path} absent")
    city = load_network([shared_osm / "den-haag-city-2021.osm.bz2"])
    pts = schools.school_points(city, SchoolSettings(school_register=path), register=read_school_register(path))
    assert 170 <= len(pts) <= 250
    names = pts["name"].astype(str).str.lower()
    assert not names.str.contains("lyceum|gitaar|guitar|hotelschool|lycée|muziekschool").any()
    assert not pts["name"].duplicated().any()
    assert pts["pupils"].sum() == pytest.approx(SchoolSettings().children_total, rel=0.01)
    assert "skipped" in pts.attrs["notes"][0]


@pytest.mark.parametrize("name, primary", [
    ("Montessori Lyceum Den Haag", False), ("Gitaarschool Den Haag", False), ("Hotelschool The Hague", False),
    ("Lycée Français Vincent van Gogh", False), ("Muziekschool Zuid", False), ("Dalton College", False),
    ("Basisschool De Linde", True), ("Montessorischool Waalsdorp", True), ("De Regenboog", True),
    ("The British School in the Netherlands - Junior School Vlaskamp", True),
    ("British School in the Netherlands", False),
])
def test_without_a_register_osm_schools_that_are_not_primary_are_left_out(name, primary):
    """Without a register the OSM schools are judged by their tags, then by name: a name that says
    secondary or another kind of school wins over one that sounds primary."""
    import pandas as pd

    from mobisim.load.features import is_primary_school

    tags = pd.DataFrame({"isced:level": [None], "school": [None], "name": [name]})
    assert bool(is_primary_school(tags)["primary_school"].iloc[0]) is primary


def test_the_register_replaces_osm_primary_schools_for_c2_too(net, data_dir):
    """C2 (no primary school within 150 m) judges the register's buildings, not OSM's schools."""
    import copy

    from mobisim import rules
    from mobisim.scenario import Scenario

    before = copy.copy(net)
    osm_primary = set(before.features.loc[before.features["primary_school"].astype(bool), "name"].dropna())
    assert osm_primary  # the fixture has OSM primary schools to replace
    sc = Scenario.model_validate({"name": "t", "schools": {"school_register": str(data_dir / "school_register.geojson")}})
    notes: list[str] = []
    after = pipeline.use_school_register(copy.copy(net), sc, pipeline.read_inputs(sc), notes)
    sites = rules.sensitive_sites(after.features, ["primary_school"])
    assert set(sites["name"]) == {"Basisschool De Linde", "Basisschool De Linde (dependance)", "OBS Het Anker"}
    assert any("replace OSM's" in n for n in notes) and any("Verkeerd Getypt" in n for n in notes)


def test_osm_schools_that_are_not_primary_are_listed():
    """Without a register, OSM schools that are not primary are left out and named, with why."""
    import geopandas as gpd
    from shapely.geometry import Point

    from mobisim.schools import excluded_schools, primary_schools

    feats = gpd.GeoDataFrame(
        {"kind": ["school", "school", "school", "playground"],
         "name": ["Basisschool De Klimop", "Gitaarschool Van Dijk", "Maerlant Lyceum", "Speeltuin"],
         "primary_school": [True, False, False, False],
         "primary_source": ["name:basisschool", "name:secondary", "tag:isced:level", None]},
        geometry=[Point(0, 0), Point(1, 0), Point(2, 0), Point(3, 0)], crs="EPSG:28992")
    kept = primary_schools(feats)
    assert kept["name"].tolist() == ["Basisschool De Klimop"]
    left = excluded_schools(feats)
    assert left.to_dict("records") == [{"name": "Gitaarschool Van Dijk", "why": "name"},
                                       {"name": "Maerlant Lyceum", "why": "isced:level"}]
    assert "Gitaarschool Van Dijk (name)" in kept.attrs["notes"][0]
    assert kept.attrs["notes"][0].startswith("2 OSM school(s) are not primary")


def test_register_buildings_of_one_school(tmp_path):
    """Records of one school (BRIN) at one address are one building with their classrooms summed;
    a school with buildings at two addresses is named with the address."""
    import json

    from mobisim.schools import register_schools

    rec = lambda brin, name, adres, rooms, x: {  # noqa: E731
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [x, 454000.0]},
        "properties": {"bestemming": "BO", "brinnummer": brin, "school": name, "lesruimte": rooms, "adres": adres}}
    path = tmp_path / "reg.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection",
                                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
                                "features": [rec("01AA", "De Linde", "Laan 1", 4, 80000.0),
                                             rec("01AA", "De Linde", "Laan 1", 2, 80001.0),
                                             rec("01AA", "De Linde", "Weg 9", 3, 80500.0),
                                             rec("02BB", "Het Anker", "Plein 2", None, 81000.0)]}))
    reg = read_school_register(path)
    out = register_schools(reg, None, SchoolSettings(class_size=10, children_total=1000))
    assert out["name"].tolist() == ["De Linde (Laan 1)", "De Linde (Weg 9)", "Het Anker"]
    # classrooms 6, 3 and the median 4.5 for the unknown: pupils ∝ rooms, scaled to 1,000
    assert out["pupils"].tolist() == [round(1000 * 6 / 13.5), round(1000 * 3 / 13.5), round(1000 * 4.5 / 13.5)]
