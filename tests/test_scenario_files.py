"""Scenario files: validation (one clear line per kind of bad file), `extends`, shipped files."""

from __future__ import annotations

from pathlib import Path

import pytest
from frames import scenario_error
from typer.testing import CliRunner

from mobisim.parking import ParkingSettings
from mobisim.rules import RuleSettings
from mobisim.rules.toets import ToetsSettings
from mobisim.scenario import load_scenario
from mobisim.scenario.interventions import Crossing, SetSpeed
from mobisim.schools import SchoolSettings
from mobisim.score import ScoreSettings

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"

GOOD_HEAD = 'name = "t"\n[data]\nosm = ["streets.osm"]\n'


# ------------------------------------------------------------------ minimal file and defaults


def test_minimal_file_takes_every_default(write):
    s = load_scenario(write(GOOD_HEAD))
    assert s.rules == RuleSettings()
    assert s.toets == ToetsSettings()
    assert s.schools == SchoolSettings()
    assert s.scores == ScoreSettings()
    assert s.parking == ParkingSettings()
    assert s.programme is False and s.interventions == [] and s.area.wijken == []
    # the OSM path is resolved against the scenario file, not the working directory
    assert s.data.osm == [s.path.parent / "streets.osm"]
    assert s.data.files() == s.data.osm


def test_every_section_is_one_typed_attribute_with_a_default(write):
    from mobisim.scenario import SECTIONS, Scenario

    s = load_scenario(write(GOOD_HEAD))
    assert SECTIONS  # rules, toets, schools, parking, scores, traffic, driven_speed, calming_plan, area
    for name, cls in SECTIONS.items():
        assert Scenario.model_fields[name].annotation is cls, name
        assert type(getattr(s, name)) is cls and getattr(s, name) == cls(), name
    # every table of the model is a section (data may be None: `--osm` can give the network)
    tables = {name for name, f in Scenario.model_fields.items()
              if isinstance(f.annotation, type) and name != "data"}
    assert tables - {"name", "description", "base_year", "horizon", "programme"} == set(SECTIONS)


def test_single_osm_string_and_place(write):
    s = load_scenario(write('name = "t"\n[data]\nosm = "/abs/streets.osm.bz2"\nbuildings = "b.osm"\n'))
    assert s.data.osm == [Path("/abs/streets.osm.bz2")]
    assert s.data.files()[-1].name == "b.osm"
    s = load_scenario(write('name = "t"\n[data]\nplace = "Den Haag, Netherlands"\n'))
    assert s.data.place == "Den Haag, Netherlands" and s.data.osm is None


def test_air_layer_path_is_relative_to_the_scenario_file(write):
    s = load_scenario(write(GOOD_HEAD + '[rules]\nair_mode = "layer"\nair_layer_path = "lucht/no2.gpkg"\n',
                            "sub/s.toml"))
    assert s.rules.air_layer_path == s.path.parent / "lucht" / "no2.gpkg"
    assert scenario_error(write(GOOD_HEAD + '[rules]\nair_mode = "layer"\n')).startswith(
        "s.toml: rules: air_mode = 'layer' needs air_layer_path")


def test_scenario_years_flow_into_parking(write):
    s = load_scenario(write("base_year = 2027\nhorizon = 2035\n" + GOOD_HEAD))
    assert (s.parking.base_year, s.parking.horizon) == (2027, 2035)
    s = load_scenario(write("horizon = 2035\n" + GOOD_HEAD + "[parking]\nhorizon = 2032\n"))
    assert s.parking.horizon == 2032  # [parking] may set its own


# ------------------------------------------------------------------ each kind of bad file


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # wrong type
        (GOOD_HEAD + '[rules]\nsensitive_distance_m = "far"\n',
         's.toml: rules.sensitive_distance_m: expected a number, got "far"'),
        ('name = "t"\nhorizon = "soon"\n[data]\nosm = ["x.osm"]\n',
         's.toml: horizon: expected a whole number, got "soon"'),
        (GOOD_HEAD + "[parking]\nareas = \"Centrum\"\n",
         's.toml: parking.areas: expected a list, got "Centrum"'),
        ("rules = 3\n" + GOOD_HEAD, "s.toml: rules: expected a table, got 3"),
        # unknown key, top level and nested
        (GOOD_HEAD.replace("name", "nmae"), "s.toml: nmae: unknown key (did you mean name?)"),
        (GOOD_HEAD + "[rules]\nsensitiv_distance_m = 3\n",
         "s.toml: rules.sensitiv_distance_m: unknown key (did you mean sensitive_distance_m"),
        (GOOD_HEAD + "[scores.composite_weights]\ntoets = 1\n",
         "s.toml: scores.composite_weights.toets: unknown key (did you mean toets_all"),
        (GOOD_HEAD + "[weather]\nrain = true\n", "s.toml: weather: unknown key"),
        # wrong value
        (GOOD_HEAD + "[scores.speed_response_sign_only]\nlow = 0.1\ncentral = 0.2\nhigh = 1.5\n",
         "s.toml: scores.speed_response_sign_only.high: expected a number ≥ 0 and ≤ 1, got 1.5"),
        (GOOD_HEAD + "[calming_plan]\nkm_per_year = -3\n",
         "s.toml: calming_plan.km_per_year: expected a number ≥ 0 and ≤ 5000, got -3"),
        (GOOD_HEAD + "[rules]\nair_mode = \"maybe\"\n",
         "s.toml: rules.air_mode: expected one of 'proxy', 'layer' or 'off', got \"maybe\""),
        (GOOD_HEAD + "[parking]\ncap_rate = 2\n", "s.toml: parking.cap_rate: cap_rate must be >= 0 and < 1"),
        ('name = "my scenario"\n[data]\nosm = ["x.osm"]\n',
         "s.toml: name: expected letters, digits, '.', '_' or '-' only, got \"my scenario\""),
        ('name = "t"\nbase_year = 2030\nhorizon = 2026\n[data]\nosm = ["x.osm"]\n',
         "s.toml: horizon: expected a year after base_year (2030), got 2026"),
        # missing / contradictory
        ('[data]\nosm = ["x.osm"]\n', "s.toml: name: required key is missing"),
        ('name = "t"\n[data]\nosm = ["x.osm"]\nplace = "Den Haag"\n',
         "s.toml: data: give exactly one of `osm` (files) or `place` (a place name)"),
        ('name = "t"\n[data]\nosm = []\n', "s.toml: data.osm: expected at least one file"),
        # interventions
        (GOOD_HEAD + '[[interventions]]\ntype = "teleport"\nstreet = "A"\n',
         "s.toml: interventions[1]: `type` must be one of 'set_speed'"),
        (GOOD_HEAD + '[[interventions]]\nstreet = "A"\n', "s.toml: interventions[1]: missing `type`"),
        (GOOD_HEAD + '[[interventions]]\ntype = "fietsstraat"\nstreet = "A"\n'
         '[[interventions]]\ntype = "set_speed"\nstreet = "A"\nmaxspeed = "fast"\n',
         's.toml: interventions[2].maxspeed: expected a whole number, got "fast"'),
        (GOOD_HEAD + '[[interventions]]\ntype = "add_cycle_track"\nstreet = "A"\nsides = "both"\n',
         "s.toml: interventions[1].sides: unknown key (did you mean side?)"),
        (GOOD_HEAD + '[[interventions]]\ntype = "calm"\nstreet = "A"\nmeasur = "hump"\n',
         "s.toml: interventions[1].measur: unknown key (did you mean measure?)"),
        (GOOD_HEAD + '[[interventions]]\ntype = "crossing"\nkind = "zebra"\n',
         "s.toml: interventions[1]: give exactly one of `node` or `at`"),
        (GOOD_HEAD + '[[interventions]]\ntype = "convert_parking"\nstreet = "A"\nspaces = 5\nuse = "cars"\n',
         "s.toml: interventions[1].use: expected one of 'bike_parking'"),
        (GOOD_HEAD + '[[interventions]]\nid = "x"\ntype = "fietsstraat"\nstreet = "A"\n'
         '[[interventions]]\nid = "x"\ntype = "fietsstraat"\nstreet = "B"\n',
         "s.toml: intervention ids must be unique, repeated: x"),
        # TOML syntax: file and line
        ('name = "t"\n[data\nosm = 1\n', "s.toml: line 2: TOML syntax error"),
        ('name = "t"\nname = "u"\n', "s.toml: line 2: TOML syntax error"),
    ],
)
def test_bad_file_gives_file_key_and_expectation(write, text, expected):
    assert scenario_error(write(text)).startswith(expected)


def test_data_may_come_from_the_command_line(write, tmp_path):
    """A scenario without [data] is valid (``--osm`` gives the files); run without either → one line, exit 2."""
    from typer.testing import CliRunner

    from mobisim.cli import app

    path = write('name = "t"\n[rules]\nsensitive_distance_m = 300\n')
    assert load_scenario(path).data is None
    res = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "no OSM input (set data.osm in the scenario or pass --osm)" in res.output
    assert not (tmp_path / "out").exists()


def test_first_problem_reported_with_count_of_the_rest(write):
    msg = scenario_error(write(GOOD_HEAD + "[rules]\nsensitive_distance_m = \"far\"\ncrossing_max_gap_m = \"far\"\n"))
    assert msg.endswith("(and 1 more problem)")


def test_missing_unreadable_and_non_toml_file(tmp_path, write):
    assert "scenario file not found" in scenario_error(tmp_path / "nope.toml")
    assert scenario_error(write("parking:\n  cap_rate: 0.05\n", "s.yaml")).endswith(
        "(scenario files are TOML, e.g. scenarios/volt-2026.toml)")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes('name = "Caf\xe9"\n'.encode("latin-1"))
    assert scenario_error(bad) == "latin1.toml: cannot read the file (UnicodeDecodeError)"


# ------------------------------------------------------------------ extends


def test_extends_deep_merge_child_wins(data_dir):
    child = load_scenario(data_dir / "scenario_variants" / "scenario_child.toml")
    base = load_scenario(data_dir / "scenario_base.toml")
    assert child.name == "fixture-child" and child.description == base.description
    assert child.rules.sensitive_distance_m == 300.0  # child wins
    assert child.rules.crossing_max_gap_m == 300.0  # inherited from the parent's [rules]
    assert child.rules.noise_threshold_lden_db == RuleSettings().noise_threshold_lden_db  # default
    assert child.parking.cap_rate == 0.01 and child.parking.areas == ["Duinoord"]
    assert (child.horizon, child.parking.horizon) == (2035, 2035)
    assert child.programme is True and base.programme is False
    # the parent's path is resolved against the parent's folder, not the child's
    assert child.data.osm == [data_dir / "scenario_streets.osm"]
    # interventions: the parent's first, then the child's, ids filled in by position
    assert [type(iv) for iv in child.interventions] == [Crossing, SetSpeed]
    assert [iv.id for iv in child.interventions] == ["zebra-laan", "set_speed-2"]
    assert child.chain == [data_dir / "scenario_variants" / "scenario_child.toml",
                           data_dir / "scenario_base.toml"]


def test_extends_error_names_the_file_that_set_the_key(write):
    write('name = "p"\n[data]\nosm = ["x.osm"]\n[rules]\nsensitive_distance_m = "far"\n', "parent.toml")
    child = write('extends = "parent.toml"\nname = "c"\n', "sub/../child.toml")
    assert scenario_error(child).startswith('parent.toml: rules.sensitive_distance_m: expected a number, got "far"')
    # the child overriding the bad key fixes it
    write('extends = "parent.toml"\nname = "c"\n[rules]\nsensitive_distance_m = 10\n', "child2.toml")
    assert load_scenario("child2.toml").rules.sensitive_distance_m == 10


def test_extends_cycle_missing_and_bad_type(write):
    write('extends = "b.toml"\nname = "a"\n', "a.toml")
    write('extends = "c.toml"\n', "b.toml")
    write('extends = "a.toml"\n', "c.toml")
    assert scenario_error(Path("a.toml")) == "a.toml: extends: cycle a.toml → b.toml → c.toml → a.toml"
    assert scenario_error(write('extends = "self.toml"\nname = "s"\n', "self.toml")) == \
        "self.toml: extends: cycle self.toml → self.toml"
    assert scenario_error(write('extends = "gone.toml"\n' + GOOD_HEAD)) == \
        "s.toml: extends: file not found: gone.toml"
    assert scenario_error(write("extends = 3\n" + GOOD_HEAD)) == \
        "s.toml: extends: expected a file name (text), got 3"


def test_extends_child_replaces_scalars_and_lists(write):
    write(GOOD_HEAD + '[rules]\nsensitive_kinds = ["school", "care"]\n[area]\nwijken = ["Centrum"]\n', "p.toml")
    s = load_scenario(write('extends = "p.toml"\n[rules]\nsensitive_kinds = ["school"]\n', "c.toml"))
    assert s.rules.sensitive_kinds == ["school"]
    assert s.area.wijken == ["Centrum"] and s.name == "t"


# ------------------------------------------------------------------ shipped scenarios


def test_shipped_scenarios_load():
    base = load_scenario(SCENARIOS / "baseline.toml")
    volt = load_scenario(SCENARIOS / "volt-2026.toml")
    strict = load_scenario(SCENARIOS / "volt-2026-strict-schools.toml")
    assert base.programme is False and volt.programme is True and strict.programme is True
    assert base.parking.cap_rate == 0.0 and volt.parking.cap_rate == 0.02
    # no tariff in the baseline, factor 3 for large cars in the programme; the catch-all class last
    assert {c.factor for c in base.parking.tariff.classes.values()} == {1.0}
    assert volt.parking.tariff.classes["large_combustion"].factor == 3.0
    assert list(volt.parking.tariff.classes)[-1] == "standard"
    assert strict.rules.sensitive_distance_m == 300.0 and volt.rules.sensitive_distance_m == 150.0
    assert strict.parking.areas == volt.parking.areas
    # the data path points at the shared extract from the checkout
    expected = (REPO.parent / "shared" / "osm" / "den-haag-city-2021.osm.bz2").resolve()
    for s in (base, volt, strict):
        assert [p.resolve() for p in s.data.osm] == [expected]


def test_school_fixes_variant_adds_interventions_to_the_programme():
    volt = load_scenario(SCENARIOS / "volt-2026.toml")
    fixes = load_scenario(SCENARIOS / "volt-2026-school-fixes.toml")
    assert fixes.programme and fixes.parking == volt.parking and fixes.rules == volt.rules
    assert volt.interventions == []
    kinds = {iv.type for iv in fixes.interventions}
    assert kinds == {"add_cycle_track", "close_through_traffic", "fietsstraat", "convert_parking", "crossing"}
    assert len({iv.id for iv in fixes.interventions}) == len(fixes.interventions)


@pytest.mark.integration
def test_shipped_interventions_find_their_streets_in_the_city(shared_osm):
    from mobisim.load import load_network
    from mobisim.scenario.interventions import apply_interventions

    fixes = load_scenario(SCENARIOS / "volt-2026-school-fixes.toml")
    net = load_network([shared_osm / "den-haag-city-2021.osm.bz2"])
    out = apply_interventions(net, fixes.interventions)  # NotFoundError if a name is gone
    e, n = out.edges, out.nodes
    for iv in fixes.interventions:
        hit = (e["interventions"].str.contains(iv.id, regex=False).fillna(False).any()
               or n["interventions"].str.contains(iv.id, regex=False).fillna(False).any())
        assert hit, iv.id
    # four signalised crossings snapped to four different junctions
    assert (n["crossing_source"].str.startswith("intervention:vri")).sum() == 4
    assert e["parking_converted_spaces"].sum() == pytest.approx(20)


def test_volt_areas_are_real_wijk_names(shared_osm):
    import geopandas as gpd

    names = set(gpd.read_file(shared_osm / "den-haag-wijken.geojson")["name"])
    volt = load_scenario(SCENARIOS / "volt-2026.toml")
    assert set(volt.parking.areas) <= names
    stadsdeel = gpd.read_file(shared_osm / "den-haag-wijken.geojson")
    centrum = set(stadsdeel.loc[stadsdeel["stadsdeel"] == "Centrum", "name"])
    assert centrum <= set(volt.parking.areas)


def test_cli_run_bad_scenario_exits_2(write):
    from mobisim.cli import app

    path = write(GOOD_HEAD + '[rules]\nsensitive_distance_m = "far"\n')
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2
    assert 'rules.sensitive_distance_m: expected a number, got "far"' in result.output
    assert not (path.parent / "maps").exists()
