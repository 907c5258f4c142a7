"""Speed-limit layers (``--speed-limits``, ``[data] speed_limits``) on hand-written fixtures.

``tests/data/speedlimits_streets.osm`` has no ``maxspeed`` tag except on "Getagde Laan" (30);
``speedlimits_lines.geojson`` draws the Hoofdweg 4 m off the OSM line (30, where the class default
says 50), the Getagde Laan (50), the Parkeerhof service road (15), the Laan van Nieuw Oost-Indië as a
MultiLineString (50) and the Verre Weg without a value; ``speedlimits_names.csv`` (``;``-separated)
names the Laan van Nieuw Oost-Indië without accents or hyphen (50), the Getagde Laan (50), the
HOOFDWEG (70) and a street that is not in the network.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from mobisim.cli import app
from mobisim.errors import InputFileError
from mobisim.load import cache_dir, load_network, read_speed_limits
from mobisim.load.speedlimits import (
    SCHEVENINGEN_2025,
    apply_speed_limits,
    default_vs_tagged,
    defaults_note,
    parse_limits,
)
from mobisim.pipeline import load_inputs
from mobisim.scenario import load_scenario

runner = CliRunner()
LINES_SOURCE = "layer:speedlimits_lines.geojson"
NAMES_SOURCE = "layer:speedlimits_names.csv:name"


@pytest.fixture(scope="module")
def streets(data_dir: Path):
    return load_network([data_dir / "speedlimits_streets.osm"])


def _by_name(net) -> pd.DataFrame:  # noqa: ANN001
    e = net.edges
    return e.assign(name=e["name"].fillna(e["highway"]))


def _one(net, name: str) -> tuple[object, str]:  # noqa: ANN001
    rows = _by_name(net)
    sel = rows[rows["name"] == name]
    assert sel["maxspeed_source"].nunique() == 1 and sel["maxspeed"].nunique(dropna=False) == 1, sel
    return sel["maxspeed"].iloc[0], sel["maxspeed_source"].iloc[0]


def _write_lines(path: Path, rows: list[tuple[object, list[tuple[float, float]]]], column: str = "maxspeed") -> Path:
    frame = gpd.GeoDataFrame({column: [r[0] for r in rows]},
                             geometry=[shapely.LineString(r[1]) for r in rows], crs="EPSG:4326")
    frame.to_file(path, driver="GeoJSON")
    return path


HOOFDWEG = [(4.27995, 52.090036), (4.28305, 52.090036)]
VENTWEG = [(4.28000, 52.09018), (4.28300, 52.09018)]


# ------------------------------------------------------------------------------ lines


def test_lines_set_defaults_and_keep_tags(streets, data_dir: Path) -> None:
    net, match = apply_speed_limits(streets, read_speed_limits(data_dir / "speedlimits_lines.geojson"))
    assert _one(net, "Hoofdweg") == (30, LINES_SOURCE)                  # default 50 → layer 30
    assert _one(net, "Laan van Nieuw Oost-Indië") == (50, LINES_SOURCE)  # MultiLineString
    assert _one(net, "Parkeerhof") == (15, LINES_SOURCE)                # service road: drivable
    assert _one(net, "Getagde Laan") == (30, "tag")                      # a signed limit stays
    assert _one(net, "Ventweg") == (30, "default:residential:urban")     # 20 m away: not matched
    assert _one(net, "Verre Weg") == (50, "default:tertiary:urban")      # its line has no value
    assert _one(net, "Dwarsstraat") == (30, "default:residential:urban")  # side street: no match
    limit, source = _one(net, "footway")                                  # under the line, no cars
    assert pd.isna(limit) and source == "not_applicable"
    assert (match.segments_set, match.segments_tagged_kept, match.rows, match.rows_used) == (4, 1, 4, 4)
    km = net.edges.loc[net.edges["maxspeed_source"] == LINES_SOURCE, "length"].sum() / 1000
    assert match.km_set == pytest.approx(km, abs=1e-3)
    assert net.sources[-1].endswith("speedlimits_lines.geojson")
    # the input network is not changed
    assert not streets.edges["maxspeed_source"].str.startswith("layer").any()


def test_direction_check_keeps_a_crossing_stub(streets, data_dir: Path) -> None:
    """Dwarsstraat's first 5.6 m lie wholly within 10 m of the Hoofdweg line, across it."""
    layer = read_speed_limits(data_dir / "speedlimits_lines.geojson")
    stub = (streets.edges["name"] == "Dwarsstraat") & (streets.edges["length"] < 10)
    assert stub.sum() == 1
    strict, _ = apply_speed_limits(streets, layer)
    loose, _ = apply_speed_limits(streets, layer, max_angle_deg=90)
    assert strict.edges.loc[stub, "maxspeed_source"].item() == "default:residential:urban"
    assert loose.edges.loc[stub, "maxspeed_source"].item() == LINES_SOURCE


def test_best_overlap_then_nearest_line_wins(streets, tmp_path: Path) -> None:
    """With 25 m both lines cover both roads wholly; each road takes the nearer line."""
    layer = read_speed_limits(_write_lines(tmp_path / "two.geojson", [(30, HOOFDWEG), (15, VENTWEG)]))
    net, _ = apply_speed_limits(streets, layer, max_distance_m=25)
    assert _one(net, "Hoofdweg") == (30, "layer:two.geojson")
    assert _one(net, "Ventweg") == (15, "layer:two.geojson")
    only_hoofdweg = read_speed_limits(_write_lines(tmp_path / "one.geojson", [(30, HOOFDWEG)]))
    wide, _ = apply_speed_limits(streets, only_hoofdweg, max_distance_m=25)
    assert _one(wide, "Ventweg") == (30, "layer:one.geojson")


def test_limit_column_is_configurable(streets, tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "snelheden.geojson", [(70, HOOFDWEG)], column="snelheid")
    net, _ = apply_speed_limits(streets, read_speed_limits(path, "snelheid"))
    assert _one(net, "Hoofdweg") == (70, "layer:snelheden.geojson")


def test_gpkg_with_several_layers_uses_the_one_with_the_column(streets, tmp_path: Path) -> None:
    path = tmp_path / "wegkenmerken.gpkg"
    gpd.GeoDataFrame({"naam": ["x"]}, geometry=[shapely.Point(4.28, 52.09)], crs="EPSG:4326").to_file(
        path, layer="punten", driver="GPKG")
    lines = gpd.GeoDataFrame({"maxspeed": [30]}, geometry=[shapely.LineString(HOOFDWEG)], crs="EPSG:4326")
    lines.to_crs("EPSG:28992").to_file(path, layer="wegvakken", driver="GPKG")
    net, _ = apply_speed_limits(streets, read_speed_limits(path))
    assert _one(net, "Hoofdweg") == (30, "layer:wegkenmerken.gpkg")


# ------------------------------------------------------------------------------ names


def test_names_match_case_and_accent_insensitively(streets, data_dir: Path) -> None:
    net, match = apply_speed_limits(streets, read_speed_limits(data_dir / "speedlimits_names.csv"))
    assert _one(net, "Laan van Nieuw Oost-Indië") == (50, NAMES_SOURCE)
    assert _one(net, "Hoofdweg") == (70, NAMES_SOURCE)
    assert _one(net, "Getagde Laan") == (30, "tag")
    assert _one(net, "Parkeerhof") == (30, "default:service:urban")
    assert match.unmatched_names == ["Onbekende Straat"]
    assert (match.segments_set, match.rows, match.rows_used) == (3, 4, 3)


# ------------------------------------------------------------------------------ bad input


def test_parse_limits_accepts_numbers_and_units() -> None:
    out = parse_limits(pd.Series(["50", " 30 km/h", "", "15"]), path="x.csv", column="maxspeed")
    assert out.tolist()[:2] == [50, 30] and pd.isna(out.iloc[2]) and out.iloc[3] == 15


@pytest.mark.parametrize("value", ["fast", "200", "0", "nan", "inf", "47.5", "-30"])
def test_a_bad_value_names_the_file_and_row(value: str, tmp_path: Path) -> None:
    path = tmp_path / "limits.csv"
    path.write_text(f"name,maxspeed\nHoofdweg,50\nVentweg,{value}\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"limits\.csv: row 2 \(line 3\): maxspeed .* is not a speed limit"):
        read_speed_limits(path)


def test_a_bad_value_in_a_line_layer_names_the_row(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "bad.geojson", [(30, HOOFDWEG), (500, VENTWEG)])
    with pytest.raises(InputFileError, match=r"bad\.geojson: row 2: maxspeed 500 is not a speed limit"):
        read_speed_limits(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("limits.csv", "straat,maxspeed\nHoofdweg,30\n",
         "needs the columns 'name' and 'maxspeed' (columns: straat, maxspeed)"),
        ("limits.csv", "name,snelheid\nHoofdweg,30\n", "needs the columns 'name' and 'maxspeed'"),
        ("limits.csv", "", "cannot read the speed-limit list"),
        ("limits.csv", "name,maxspeed\nHoofdweg,30\nhoofdweg,50\n", "rows 1 and 2: street 'Hoofdweg' has two limits"),
        ("limits.geojson", "{not json", "cannot read speed limits"),
    ],
)
def test_bad_files_are_one_clear_error(name: str, content: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        read_speed_limits(path)
    assert str(err.value).startswith(str(path)) and message in str(err.value)


def test_a_layer_without_the_column_lists_its_columns(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "l.geojson", [(30, HOOFDWEG)], column="snelheid")
    with pytest.raises(InputFileError, match=r"no column 'maxspeed' with the speed limit \(columns: snelheid\)"):
        read_speed_limits(path)


def test_points_are_not_a_line_layer(tmp_path: Path) -> None:
    path = tmp_path / "p.geojson"
    gpd.GeoDataFrame({"maxspeed": [30]}, geometry=[shapely.Point(4.28, 52.09)], crs="EPSG:4326").to_file(path)
    with pytest.raises(InputFileError, match="row 1: expected a line"):
        read_speed_limits(path)


def test_a_layer_elsewhere_matches_nothing(streets, tmp_path: Path) -> None:
    amsterdam = _write_lines(tmp_path / "amsterdam.geojson", [(30, [(4.89, 52.37), (4.90, 52.37)])])
    with pytest.raises(InputFileError, match="no street of the network within 10 m of the layer"):
        apply_speed_limits(streets, read_speed_limits(amsterdam))
    names = tmp_path / "namen.csv"
    names.write_text("name,maxspeed\nDamrak,50\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="no street of the network has a name in the list"):
        apply_speed_limits(streets, read_speed_limits(names))


# ------------------------------------------------------------------------------ scenario, cache


def test_scenario_layer_is_applied_after_the_cache(data_dir: Path) -> None:
    sc = load_scenario(data_dir / "speedlimits_scenario.toml")
    assert sc.data.speed_limits == data_dir / "speedlimits_lines.geojson"  # relative to the file
    net = load_inputs(sc).network
    assert _one(net, "Hoofdweg") == (30, LINES_SOURCE)
    # --speed-limits replaces the scenario's layer
    over = load_inputs(sc, speed_limits=data_dir / "speedlimits_names.csv").network
    assert _one(over, "Hoofdweg") == (70, NAMES_SOURCE) and _one(over, "Parkeerhof")[1] == "default:service:urban"
    # the processed-network cache holds the network without the layer
    cached = [pd.read_parquet(p, columns=["maxspeed_source"]) for p in cache_dir().glob("*/edges.parquet")]
    assert cached and not any(c["maxspeed_source"].str.startswith("layer").any() for c in cached)


# ------------------------------------------------------------------------------ defaults vs tags


def test_default_vs_tagged_by_hand() -> None:
    edges = pd.DataFrame({
        "highway": ["residential", "residential", "secondary", "trunk", "residential", "footway"],
        "maxspeed": pd.array([30, 50, 50, 50, 30, pd.NA], dtype="Int64"),
        "maxspeed_source": ["tag", "tag", "tag:zone", "tag", "default:residential:urban", "not_applicable"],
        "is_road": [True, True, True, True, True, False],
        "builtup": [True] * 6,
        "length": [1000.0, 500.0, 250.0, 250.0, 4000.0, 300.0],
    })
    fig = default_vs_tagged(SimpleNamespace(edges=edges))
    assert fig["segments"] == 4 and fig["km_tagged"] == pytest.approx(2.0)
    assert fig["km_50_tags"] == pytest.approx(1.0) and fig["km_50_defaults"] == pytest.approx(0.25)
    assert fig["km_30_tags"] == pytest.approx(1.0) and fig["km_30_defaults"] == pytest.approx(1.5)
    assert fig["share_agree"] == pytest.approx(1.25 / 2.0)


def test_defaults_note_quotes_the_sample(streets) -> None:
    note = defaults_note(streets)
    assert note is not None
    assert "class defaults find 12.2 km of 50-roads where the tags say 25.4 km (agree on 82 % of road km)" in note
    assert "scheveningen-2025.osm.bz2" in note and "2025-11-28" in note
    tagged = streets.copy()
    tagged.edges["maxspeed_source"] = "tag"
    assert defaults_note(tagged) is None
    assert SCHEVENINGEN_2025.osm_date == "2025-11-28"


# ------------------------------------------------------------------------------ CLI


def test_cli_network_summary_shows_the_layer(data_dir: Path) -> None:
    args = ["network", "--osm", str(data_dir / "speedlimits_streets.osm"),
            "--speed-limits", str(data_dir / "speedlimits_lines.geojson")]
    result = runner.invoke(app, [*args, "--summary"])
    assert result.exit_code == 0, result.output
    assert LINES_SOURCE in result.stdout and "default:tertiary:urban" in result.stdout
    assert "4 segment(s)" in result.stderr
    info = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    # motor roads only (is_road): the Hoofdweg and the Laan, 205 m each; the service road is not counted
    assert info["km_by_maxspeed_source"][LINES_SOURCE] == pytest.approx(0.41, abs=0.005)
    assert info["speed_limits"]["segments_set"] == 4


def test_cli_toets_uses_the_layer(data_dir: Path) -> None:
    result = runner.invoke(app, ["toets", "Hoofdweg", "--osm", str(data_dir / "speedlimits_streets.osm"),
                                 "--speed-limits", str(data_dir / "speedlimits_names.csv"), "--json"])
    assert result.exit_code == 0, result.output
    segments = json.loads(result.stdout)["segments"]
    assert {(s["maxspeed"], s["maxspeed_source"]) for s in segments} == {(70, NAMES_SOURCE)}
    # with the scenario: its own layer, unless --speed-limits replaces it
    scenario = ["toets", "Hoofdweg", "--scenario", str(data_dir / "speedlimits_scenario.toml"), "--json"]
    segments = json.loads(runner.invoke(app, scenario).stdout)["segments"]
    assert {s["maxspeed_source"] for s in segments} == {LINES_SOURCE}


def _bad_layers(tmp: Path) -> dict[str, tuple[Path, str]]:
    no_column = _write_lines(tmp / "nocol.geojson", [(30, HOOFDWEG)], column="snelheid")
    no_name = tmp / "noname.csv"
    no_name.write_text("straat;maxspeed\nHoofdweg;30\n", encoding="utf-8")
    bad_value = tmp / "badvalue.csv"
    bad_value.write_text("name,maxspeed\nHoofdweg,snel\n", encoding="utf-8")
    garbage = tmp / "garbage.gpkg"
    garbage.write_bytes(b"not a geopackage")
    far = _write_lines(tmp / "far.geojson", [(30, [(4.89, 52.37), (4.90, 52.37)])])
    return {
        "column": (no_column, "no column 'maxspeed' with the speed limit (columns: snelheid)"),
        "name": (no_name, "needs the columns 'name' and 'maxspeed' (columns: straat, maxspeed)"),
        "value": (bad_value, "row 1 (line 2): maxspeed 'snel' is not a speed limit"),
        "unreadable": (garbage, "cannot read speed limits"),
        "missing": (tmp / "missing.geojson", "speed-limit file not found"),
        "far": (far, "no street of the network within 10 m of the layer"),
    }


@pytest.mark.parametrize("case", ["column", "name", "value", "unreadable", "missing", "far"])
@pytest.mark.parametrize("command", ["network", "toets", "run"])
def test_cli_bad_layer_is_one_line_and_exit_2(case: str, command: str, data_dir: Path, tmp_path: Path) -> None:
    path, message = _bad_layers(tmp_path)[case]
    osm = str(data_dir / "speedlimits_streets.osm")
    out = tmp_path / "out"
    args = {
        "network": ["network", "--osm", osm],
        "toets": ["toets", "Hoofdweg", "--osm", osm],
        "run": ["run", str(data_dir / "speedlimits_scenario.toml"), "--quiet", "--out", str(out)],
    }[command]
    result = runner.invoke(app, [*args, "--speed-limits", str(path)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"mobisim: error: {path}: ") and message in lines[0]
    assert not out.exists()


def test_cli_run_applies_the_layer(data_dir: Path, shared_osm: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``--speed-limits`` replaces the scenario's layer; outputs go to maps/<file stem>/ as without it."""
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["run", str(data_dir / "speedlimits_scenario.toml"), "--quiet",
                                 "--speed-limits", str(data_dir / "speedlimits_names.csv")])
    assert result.exit_code == 0, result.output
    segments = gpd.read_file(tmp_path / "maps" / "speedlimits_scenario" / "layers.gpkg", layer="segments")
    hoofdweg = segments[segments["name"] == "Hoofdweg"]
    assert len(hoofdweg) == 2 and set(hoofdweg["maxspeed"]) == {70}
