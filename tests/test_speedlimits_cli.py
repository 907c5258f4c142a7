"""``--speed-limits-column`` and the speed-limit layer in ``mobisim run``, ``toets`` and ``network``:

- the column flag without any layer (no ``--speed-limits``, no ``[data] speed_limits``) is the same
  one-line error, exit 2, in all three commands, also ``toets --scenario`` (it was silently
  ignored there);
- the flag and the layer file are checked before the network is loaded (a cold load of the city
  takes ~40 s): a bad file fails at once, and the layer is applied after the load.

The network load is replaced by a function that fails the test, to show nothing was loaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import mobisim.load
import mobisim.load.inputs
from mobisim.cli import app
from mobisim.errors import InputFileError, MobisimError
from mobisim.pipeline import load_inputs
from mobisim.scenario import load_scenario

runner = CliRunner()
FLAG_ERROR = ("mobisim: error: --speed-limits-column 'snelheid': no speed-limit file to read it from "
              "(give --speed-limits FILE, or set [data] speed_limits in the scenario)")


@pytest.fixture()
def no_layer(data_dir: Path, tmp_path: Path) -> Path:
    """A scenario on the speed-limit streets without a speed-limit layer."""
    path = tmp_path / "nolayer.toml"
    path.write_text(f'name = "nolayer"\nprogramme = false\n[data]\nosm = ["{data_dir / "speedlimits_streets.osm"}"]\n'
                    f'[parking]\ncap_rate = 0.0\n', encoding="utf-8")
    return path


@pytest.fixture()
def no_network_load(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("the network was loaded before the speed-limit flag/layer was checked")

    monkeypatch.setattr(mobisim.load, "load_network", fail)  # `mobisim network`
    monkeypatch.setattr(mobisim.load.inputs, "load_network", fail)  # load_inputs: `run`, `toets`, `schools`


def _one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def _commands(data_dir: Path, scenario: Path, out: Path) -> dict[str, list[str]]:
    osm = str(data_dir / "speedlimits_streets.osm")
    return {
        "network": ["network", "--osm", osm],
        "toets --osm": ["toets", "Hoofdweg", "--osm", osm],
        "toets --scenario": ["toets", "Hoofdweg", "--scenario", str(scenario)],
        "run": ["run", str(scenario), "--quiet", "--out", str(out)],
    }


@pytest.mark.parametrize("command", ["network", "toets --osm", "toets --scenario", "run"])
def test_column_without_any_layer_is_the_same_error_everywhere(command, data_dir, no_layer, tmp_path,
                                                               no_network_load):
    out = tmp_path / "out"
    args = _commands(data_dir, no_layer, out)[command]
    result = runner.invoke(app, [*args, "--speed-limits-column", "snelheid"])
    assert _one_error_line(result) == FLAG_ERROR
    assert not out.exists()


def test_load_inputs_refuses_the_column_without_a_layer(no_layer, no_network_load):
    with pytest.raises(MobisimError, match="--speed-limits-column 'snelheid': no speed-limit file"):
        load_inputs(load_scenario(no_layer), speed_limits_column="snelheid")


@pytest.mark.parametrize("command", ["network", "toets --osm", "toets --scenario", "run"])
def test_bad_layer_fails_before_the_network_is_loaded(command, data_dir, no_layer, tmp_path, no_network_load):
    bad = tmp_path / "limits.csv"
    bad.write_text("name,maxspeed\nHoofdweg,snel\n", encoding="utf-8")
    out = tmp_path / "out"
    args = _commands(data_dir, no_layer, out)[command]
    line = _one_error_line(runner.invoke(app, [*args, "--speed-limits", str(bad)]))
    assert line.startswith(f"mobisim: error: {bad}: ") and "maxspeed 'snel' is not a speed limit" in line
    assert not out.exists()


def test_scenario_layer_is_read_before_the_network(data_dir, tmp_path, no_network_load):
    """The scenario's own [data] speed_limits, read with --speed-limits-column: checked first too."""
    sc = load_scenario(data_dir / "speedlimits_scenario.toml")
    with pytest.raises(InputFileError, match=r"speedlimits_lines\.geojson: no column 'snelheid'"):
        load_inputs(sc, speed_limits_column="snelheid")
    result = runner.invoke(app, ["toets", "Hoofdweg", "--scenario", str(data_dir / "speedlimits_scenario.toml"),
                                 "--speed-limits-column", "snelheid"])
    assert "no column 'snelheid' with the speed limit" in _one_error_line(result)


def test_column_with_the_scenario_layer_is_used(data_dir, tmp_path):
    """With a layer (the scenario's), the column flag is not an error: it names the column read."""
    import geopandas as gpd

    lines = gpd.read_file(data_dir / "speedlimits_lines.geojson").rename(columns={"maxspeed": "snelheid"})
    lines.to_file(tmp_path / "snelheid.geojson", driver="GeoJSON")
    scenario = tmp_path / "sc.toml"
    scenario.write_text(f'name = "sc"\nprogramme = false\n[data]\nosm = ["{data_dir / "speedlimits_streets.osm"}"]\n'
                        f'speed_limits = "{tmp_path / "snelheid.geojson"}"\n', encoding="utf-8")
    net = load_inputs(load_scenario(scenario), speed_limits_column="snelheid").network
    hoofdweg = net.edges[net.edges["name"] == "Hoofdweg"]
    assert set(hoofdweg["maxspeed_source"]) == {"layer:snelheid.geojson"}
    assert set(hoofdweg["maxspeed"]) == {30}
