"""Property-based fault suite: whatever a user gives mobisim, it keeps its promise.

The promise (README, "What bad input gets"): a command ends with exit 0 and consistent outputs, or
with exit 2 and one line ``mobisim: error: <place>: <problem>`` on stderr — never a traceback
(exit 1), and a run never writes outside its output folder (and the cache).

Generated with hypothesis on tiny inputs so that the suite stays fast enough for CI:

* scenario settings: every numeric setting of every section, set to hostile values (NaN, ±inf,
  negatives, huge numbers, text, booleans), read by ``mobisim explain-scores --scenario``;
* OSM documents: a few nodes and ways with random coordinates (also out of range or not numbers),
  random references (also to missing nodes), random classes and names with markup characters,
  read by ``mobisim network``;
* whole runs on the test city with a hostile value: exit 0 with the five outputs in the output
  folder, or exit 2 with one line and no output — and no file anywhere else.
"""

from __future__ import annotations

import json
import math
import shutil
import typing
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from typer.testing import CliRunner

from mobisim.cli import app
from mobisim.scenario import Scenario, load_scenario

OUTPUTS = {"map.html", "layers.gpkg", "scores.json", "report.md", "report.html"}
HEAD = 'name = "fuzz"\n'
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# --------------------------------------------------------------------------------------------
# the promise, as one check


def assert_promise(res, *, place: str | None = None) -> None:
    """Exit 0, or exit 2 with exactly one ``mobisim: error:`` line; never a traceback."""
    err = res.stderr or ""
    assert "Traceback" not in err and "Traceback" not in (res.stdout or ""), err[-2000:]
    assert res.exit_code in (0, 2), f"exit {res.exit_code}: {res.exception!r}\n{err[-2000:]}"
    if res.exit_code == 2:
        lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("mobisim: warning:")]
        assert len(lines) == 1 and lines[0].startswith("mobisim: error: "), err
        if place is not None:
            assert place in lines[0], lines[0]


# --------------------------------------------------------------------------------------------
# 1. every numeric setting, hostile values


def _numeric(tp: typing.Any) -> bool:
    """An int or float annotation (also inside Optional/Annotated), not bool."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _numeric(typing.get_args(tp)[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return len(args) == 1 and _numeric(args[0])
    return tp in (int, float)


def numeric_settings(model: type[BaseModel] = Scenario, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Key paths of every numeric setting of a scenario (nested tables included)."""
    paths: list[tuple[str, ...]] = []
    for name, field in model.model_fields.items():
        tp = field.annotation
        container = typing.get_origin(tp) in (list, dict, tuple, set)  # rows and tables: not one value
        inner = [a for a in typing.get_args(tp) if isinstance(a, type)] or [tp]
        sub = None if container else next((a for a in inner if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if sub is not None and name != "data":
            paths += numeric_settings(sub, prefix + (name,))
        elif _numeric(tp) and (prefix or name not in ("base_year", "horizon")):
            paths.append(prefix + (name,))
    return paths


SETTINGS = numeric_settings()
HOSTILE = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, -1.0, 0.0, -1, 1e300, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10**12, max_value=10**12),
    st.text(max_size=6),
    st.booleans(),
)


def toml_value(v: typing.Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, int):
        return str(v) if abs(v) < 2**63 else repr(float(v))
    return json.dumps(v)


def scenario_text(path: tuple[str, ...], value: typing.Any) -> str:
    table, key = path[:-1], path[-1]
    if not table:
        return HEAD + f"{key} = {toml_value(value)}\n"
    return HEAD + f"[{'.'.join(table)}]\n{key} = {toml_value(value)}\n"


def test_every_section_has_numeric_settings():
    sections = {p[0] for p in SETTINGS}
    assert {"rules", "toets", "schools", "parking", "scores", "traffic", "driven_speed", "calming_plan"} <= sections
    assert len(SETTINGS) > 50


@FAST
@given(path=st.sampled_from(SETTINGS), value=HOSTILE)
def test_a_hostile_setting_is_accepted_or_one_line(tmp_path, path, value):
    f = tmp_path / "s.toml"
    f.write_text(scenario_text(path, value), encoding="utf-8")
    res = CliRunner().invoke(app, ["explain-scores", "--scenario", str(f)])
    assert_promise(res, place="s.toml")
    key = ".".join(path)
    if res.exit_code == 2:  # the line names the key, or its table when a rule ties several keys
        assert key in res.stderr or ".".join(path[:-1]) + ":" in res.stderr or "line" in res.stderr, res.stderr
        return
    # accepted: the value is a finite number and the scenario holds it as given
    assert not isinstance(value, (str, bool)), f"{key} accepted {value!r}"
    assert math.isfinite(float(value)), f"{key} accepted {value!r}"
    node: typing.Any = load_scenario(f)
    for part in path:
        node = getattr(node, part)
    assert float(node) == pytest.approx(float(value))


INTERVENTIONS = [("close_through_traffic", 'street = "Hoofdweg"', "daily_traffic"),
                 ("convert_parking", 'street = "Hoofdweg"\nuse = "greenery"', "spaces"),
                 ("set_speed", 'street = "Hoofdweg"', "maxspeed"),
                 ("crossing", 'node = 10\nkind = "zebra"', "max_snap_m")]


@FAST
@given(which=st.sampled_from(INTERVENTIONS), value=HOSTILE)
def test_a_hostile_intervention_value_is_accepted_or_one_line(tmp_path, which, value):
    kind, selector, key = which
    f = tmp_path / "s.toml"
    f.write_text(HEAD + f"[[interventions]]\ntype = \"{kind}\"\n{selector}\n{key} = {toml_value(value)}\n",
                 encoding="utf-8")
    res = CliRunner().invoke(app, ["explain-scores", "--scenario", str(f)])
    assert_promise(res, place="s.toml")
    if res.exit_code == 0:
        assert not isinstance(value, (str, bool)) and math.isfinite(float(value)), f"{kind}.{key} accepted {value!r}"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_no_numeric_setting_takes_a_non_finite_number(tmp_path, value):
    """Every numeric setting refuses NaN and ±inf with one line naming it (none is skipped)."""
    bad = []
    for path in SETTINGS:
        f = tmp_path / "s.toml"
        f.write_text(scenario_text(path, value), encoding="utf-8")
        res = CliRunner().invoke(app, ["explain-scores", "--scenario", str(f)])
        assert_promise(res)
        if res.exit_code != 2:
            bad.append(".".join(path))
    assert not bad, f"accept {value}: {bad}"


# --------------------------------------------------------------------------------------------
# 2. small OSM documents


NAMES = st.lists(st.sampled_from(list("ab [/]<>&\"'é") + ["[oud]", "[bold]", "{{x}}"]), max_size=6).map("".join)
COORD = st.one_of(st.floats(min_value=52.0, max_value=52.1).map(lambda x: f"{x:.6f}"),
                  st.floats(allow_nan=True, allow_infinity=True).map(str),
                  st.sampled_from(["abc", "", "1e999", "-91", "52,07"]))
HIGHWAY = st.sampled_from(["residential", "primary", "cycleway", "footway", "motorway", "bogus", "", "living_street"])


@st.composite
def osm_documents(draw) -> str:
    n = draw(st.integers(min_value=0, max_value=6))
    nodes = []
    for i in range(1, n + 1):
        lat = draw(COORD) if draw(st.booleans()) else f"{52.07 + 0.001 * i:.6f}"
        lon = f"{4.30 + 0.001 * draw(st.integers(0, 5)):.6f}"
        nodes.append(f'  <node id="{i}" version="1" lat={quoteattr(lat)} lon={quoteattr(lon)}/>')
    ways = []
    for w in range(1, draw(st.integers(min_value=0, max_value=3)) + 1):
        refs = draw(st.lists(st.integers(min_value=1, max_value=n + 2), min_size=0, max_size=4))
        nd = "".join(f'<nd ref="{r}"/>' for r in refs)
        tags = (f'<tag k="highway" v={quoteattr(draw(HIGHWAY))}/><tag k="name" v={quoteattr(draw(NAMES))}/>'
                + (f'<tag k="maxspeed" v={quoteattr(draw(st.sampled_from(["30", "50", "NL:zone30", "x", "-5"])))}/>'
                   if draw(st.booleans()) else ""))
        ways.append(f'  <way id="{w}" version="1">{nd}{tags}</way>')
    body = nodes + ways
    if draw(st.booleans()):  # ways before nodes (an unsorted extract)
        body = ways + nodes
    return "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\">\n" + "\n".join(body) + "\n</osm>\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=osm_documents())
def test_a_small_osm_document_is_read_or_one_line(tmp_path, doc):
    f = tmp_path / "x.osm"
    f.write_text(doc, encoding="utf-8")
    res = CliRunner().invoke(app, ["network", "--osm", str(f), "--summary"])
    assert_promise(res)


# --------------------------------------------------------------------------------------------
# 3. whole runs: consistent outputs or nothing, and nothing outside the output folder

RUN_SETTINGS = [p for p in SETTINGS if p[0] in ("rules", "toets", "schools", "scores", "driven_speed", "calming_plan")]


def _tree(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


@pytest.mark.integration
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(RUN_SETTINGS),
       value=st.one_of(st.sampled_from([math.nan, -1.0, 0.0, 1e9]), st.floats(min_value=0, max_value=500)))
def test_a_run_writes_a_complete_set_or_nothing(tmp_path_factory, data_dir, shared_osm, path, value):
    work = tmp_path_factory.mktemp("run")
    for name in ("render_city.osm", "render_buildings.osm"):
        shutil.copy(data_dir / name, work / name)
    (work / "fuzz.toml").write_text(
        scenario_text(path, value).replace(HEAD, HEAD + 'programme = true\n[data]\nosm = ["render_city.osm"]\n'
                                           'buildings = ["render_buildings.osm"]\n[traffic]\nenabled = false\n', 1)
        if path[0] != "traffic" else scenario_text(path, value), encoding="utf-8")
    before = _tree(work)
    res = CliRunner().invoke(app, ["run", str(work / "fuzz.toml"), "--quiet", "--out", str(work / "maps" / "fuzz")])
    assert_promise(res, place="fuzz.toml")
    new = _tree(work) - before
    out = work / "maps" / "fuzz"
    if res.exit_code == 0:
        assert {p.name for p in out.iterdir()} == OUTPUTS
        scores = json.loads((out / "scores.json").read_text())
        assert scores["headline"]
    else:
        assert not out.exists() or not any(out.iterdir())
    outside = {p for p in new if p.parts[0] != "maps"}
    assert not outside, outside
    assert not [p for p in new if p.name.startswith(".")], new
