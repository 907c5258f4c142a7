"""mobisim.load.areas: loading the wijk polygons, selecting them by name or code, tagging frames."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from mobisim.errors import InputFileError, NotFoundError
from mobisim.load.areas import assign_areas, load_wijken, normalize_name, select_areas


@pytest.fixture()
def wijken(data_dir):
    return load_wijken(data_dir / "parking_wijken.geojson")


def test_load_wijken_projects_to_rd_new(wijken):
    assert wijken.crs.to_epsg() == 28992
    assert list(wijken.columns) == ["code", "name", "wijk_nr", "stadsdeel", "geometry"]
    # the fixture squares are 1 km × 1 km in RD New
    assert wijken.geometry.area.round().tolist() == [1_000_000.0] * 3


def test_load_wijken_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.geojson"
    with pytest.raises(InputFileError, match="nope.geojson"):
        load_wijken(missing)


def test_load_wijken_default_path_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("MOBISIM_SHARED_OSM", str(tmp_path))
    with pytest.raises(InputFileError, match="MOBISIM_SHARED_OSM"):
        load_wijken()


def test_normalize_name_ignores_case_accents_and_hyphens():
    assert normalize_name("Île-Zuid") == normalize_name("ile zuid") == "ile zuid"
    assert normalize_name("Geuzen- en Statenkwartier") == normalize_name("geuzen en statenkwartier")


def test_select_by_name_code_case_and_accent(wijken):
    got = select_areas(wijken, ["ILE ZUID", "wk051891", "Noordkwartier"])
    assert got["code"].tolist() == ["WK051892", "WK051891"]  # order asked, duplicates dropped


def test_select_single_string(wijken):
    assert select_areas(wijken, "Leeg Veld")["code"].tolist() == ["WK051893"]


def test_unknown_wijk_names_it_and_closest_matches(wijken):
    with pytest.raises(NotFoundError) as info:
        select_areas(wijken, ["Noordkwartier", "Noordkwartir"])
    message = str(info.value)
    assert "'Noordkwartir'" in message and "closest: Noordkwartier" in message
    assert "\n" not in message


def test_unknown_code_is_not_found(wijken):
    with pytest.raises(NotFoundError, match="WK051899"):
        select_areas(wijken, ["WK051899"])


def test_assign_areas_by_midpoint(wijken):
    x0, y0 = 80000, 450000
    frame = gpd.GeoDataFrame(
        geometry=[
            Point(x0 + 500, y0 + 500),
            LineString([(x0 + 900, y0 + 500), (x0 + 1300, y0 + 500)]),  # midpoint x=1100: second wijk
            Point(x0 - 10, y0 + 500),  # outside every wijk
        ],
        crs=28992,
    )
    assert assign_areas(frame, wijken).tolist()[:2] == ["WK051891", "WK051892"]
    assert assign_areas(frame, wijken).isna().tolist() == [False, False, True]


@pytest.mark.integration
def test_shared_wijken_select_real_names(shared_osm, monkeypatch):
    monkeypatch.setenv("MOBISIM_SHARED_OSM", str(shared_osm))
    wijken = load_wijken()
    assert len(wijken) == 44 and wijken.crs.to_epsg() == 28992
    got = select_areas(wijken, ["centrum", "WK051822", "geuzen en statenkwartier"])
    assert got["name"].tolist() == ["Centrum", "Zeeheldenkwartier", "Geuzen- en Statenkwartier"]
    # the published area of the municipality is about 86 km² (README: 86.26 km²)
    assert 85e6 < wijken.geometry.area.sum() < 88e6
