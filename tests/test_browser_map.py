"""The self-contained map.html in a real headless Chromium (Debian's ``chromium`` via Playwright).

Every non-file request is blocked (the sandbox and CI have no internet): the page must load
without console errors, list its views and base layers, show a two-line tooltip (what and its
verdict) when the mouse is over a segment, and the reason and fix in the side panel on a click.
Skipped, with the reason, when Chromium or Playwright is missing.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from browser_tools import panel_at, show_feature, watched_page
from mobisim import pipeline
from mobisim.render import map as maps
from mobisim.render.outputs import write_text
from mobisim.scenario import Scenario

pytestmark = pytest.mark.browser

SCRIPT_NAME = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def map_file(tmp_path_factory, data_dir: Path):
    """map.html of the fixture, built exactly as ``render_outputs`` builds it, self-contained."""
    sc = Scenario(name="browser-test")
    inputs = pipeline.load_inputs(sc, [data_dir / "render_city.osm", data_dir / "render_buildings.osm"])
    net = inputs.net
    pipeline.evaluate_rules(net, sc, inputs, proposal=True)
    pipeline.evaluate_schools(net, sc, inputs)
    layers = maps.map_layers(net.edges, net.nodes, net.features)
    m = maps.build_map(layers, title="browser test", self_contained=True)
    path = write_text(tmp_path_factory.mktemp("map") / "map.html", maps.render_html(m, self_contained=True))
    return types.SimpleNamespace(path=path, net=net, titles=[layer.title for layer in layers])


@pytest.fixture()
def page(browser, map_file):
    pg = watched_page(browser, ("file:", "data:"))
    pg.goto(map_file.path.as_uri())
    pg.wait_for_function("window.mobisimApp !== undefined && window.mobisimApp.ready === true")
    yield pg
    pg.close()


def test_loads_offline_without_errors(page):
    page.wait_for_timeout(500)
    errors = [e for e in page.events if e[0] in ("error", "pageerror", "dialog")]
    assert errors == []
    assert page.external == []  # nothing asked for outside the file: truly self-contained


def test_views_and_base_layers_are_listed(page, map_file):
    text = page.inner_text(".leaflet-control-layers")
    assert "Offline basemap (from this run's data)" in text and "OpenStreetMap tiles (online)" in text
    assert "© OpenStreetMap contributors" in page.inner_text(".leaflet-control-attribution")
    views = page.eval_on_selector_all("#mobisim-view option", "os => os.map(o => o.textContent)")
    assert views[0] == "30/50: which roads keep 50 and why" and "The 8-year-old test (8-jarigen-toets)" in views
    legend = page.inner_text("#mobisim-legend")  # the first view's legend only
    assert "Speed regime 30/50 and why" in legend and "8-jarigen-toets: failing segments" not in legend
    groups = page.eval_on_selector_all("#mobisim-legend [data-layer]", "gs => gs.map(g => g.textContent)")
    assert all(any(title in g for g in groups) for title in map_file.titles)


def test_tooltip_is_short_and_the_panel_gives_reason_and_fix(page, map_file):
    x, y = show_feature(page, "toets_fail")
    tip, panel = panel_at(page, x, y, "the first failing segment")
    e = map_file.net.edges
    fails = e[e["toets_bike"] == "fail"]
    assert len(tip.strip().splitlines()) == 2 and "fails for cycling" in tip
    assert any(street in tip for street in set(fails["name"].dropna()))
    assert any(r in panel for r in set(fails["toets_bike_reason"].dropna()))
    assert any(f in panel for f in set(fails["toets_bike_fix"].dropna()))
    assert "The 8-year-old test" in panel


def test_osm_name_is_shown_as_text_not_run(page):
    x, y = show_feature(page, "speed_regime", "f.properties.street === '<script>alert(1)</script>'")
    tip, panel = panel_at(page, x, y, "the street named like a script tag")
    assert SCRIPT_NAME in tip and SCRIPT_NAME in panel
    assert "Regime\t30 km/h" in panel
    assert not [e for e in page.events if e[0] in ("dialog", "pageerror")]
