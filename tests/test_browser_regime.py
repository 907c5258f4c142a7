"""The speed-regime tiers and the area judged in a real headless Chromium (see test_browser_map.py).

A fixture with its east side outside the area judged: the greyed roads there answer a hover with
"outside the municipality — not judged", the judged ones with their tier and deciding criteria;
the legend shows the chosen view's layers only, and follows the view switcher.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import box

from browser_tools import panel_at, show_feature
from mobisim import pipeline
from mobisim.load.areas import mark_area
from mobisim.render import map as maps
from mobisim.render.outputs import write_text
from mobisim.scenario import Scenario

pytestmark = pytest.mark.browser



@pytest.fixture(scope="module")
def map_file(tmp_path_factory, data_dir: Path):
    sc = Scenario(name="regime-browser-test")
    inputs = pipeline.load_inputs(sc, [data_dir / "render_city.osm", data_dir / "render_buildings.osm"])
    net = inputs.net
    mark_area(net, box(80400, 455100, 80650, 455500), close_gaps_m=0)  # Oostlaan lies outside
    pipeline.evaluate_rules(net, sc, inputs, proposal=True)
    pipeline.evaluate_schools(net, sc, inputs)
    layers = maps.map_layers(net.edges, net.nodes, net.features)
    m = maps.build_map(layers, title="regime test", self_contained=True)
    return write_text(tmp_path_factory.mktemp("map") / "map.html", maps.render_html(m, self_contained=True))


@pytest.fixture()
def page(browser, map_file):
    pg = browser.new_page(viewport={"width": 1280, "height": 800})
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    pg.goto(map_file.as_uri())
    pg.wait_for_function("window.mobisimApp !== undefined && window.mobisimApp.ready === true")
    pg.wait_for_timeout(600)  # let the opening fitBounds animation end before setView
    yield pg
    pg.close()


def _panel(page, street: str, offset: float = 0.0) -> tuple[str, str]:
    """Tooltip and side panel of the regime-layer feature of ``street``, ``offset`` px off its line."""
    x, y = show_feature(page, "speed_regime", f"f.properties.street === {street!r}", offset)
    return panel_at(page, x, y, street)


def test_judged_road_shows_tier_and_deciding_criteria(page):
    tip, text = _panel(page, "<script>alert(1)</script>")
    assert "to 30: a criterion fails" in tip
    assert "Tier\tto 30" in text and "Limit\t50 → 30 km/h" in text
    assert "Deciding\tC2 sensitive sites, C4 crossable: fail" in text
    tip, text = _panel(page, "Westlaan")  # already 30: no tier, the reason instead
    assert "already 30 km/h" in text and "Tier" not in text and "R4-already-30" in text


def test_outside_road_is_greyed_and_says_not_judged(page):
    # Oostlaan is drawn thin: the hover tolerance finds it 2 px off its line
    tip, text = _panel(page, "Oostlaan", offset=2.0)
    assert "outside the municipality — not judged" in tip
    assert "outside the municipality — not judged" in text and "R0-outside-area" in text
    assert "Tier" not in text and "Toets" not in text
    assert page.errors == []


def test_legend_follows_the_view_switcher(page):
    schools = page.locator("#mobisim-legend [data-view='schools']")
    regime = page.locator("#mobisim-legend [data-view='regime']")
    assert regime.is_visible() and not schools.is_visible()
    page.select_option("#mobisim-view", "schools")
    page.wait_for_timeout(200)
    assert schools.is_visible() and not regime.is_visible()
    assert schools.locator("[data-layer='school_routes'] .row").first.is_visible()
    assert page.evaluate("() => window.mobisimMap.hasLayer(window.mobisimLayers['school_routes'])")
    assert not page.evaluate("() => window.mobisimMap.hasLayer(window.mobisimLayers['speed_regime'])")
