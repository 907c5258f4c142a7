"""The speed-regime tiers and the area judged in a real headless Chromium (see test_browser_map.py).

A fixture with its east side outside the area judged: the greyed roads there answer a hover with
"outside the municipality — not judged", the judged ones with their tier and deciding criteria;
the legend dims the layers that are switched off and shows their rows again when switched on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely.geometry import box

from browser_tools import tooltip_at
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
    pg.wait_for_function("window.mobisimMap !== undefined && window.mobisimLayers !== undefined")
    pg.wait_for_timeout(600)  # let the opening fitBounds animation end before setView
    yield pg
    pg.close()


def _hover(page, street: str, offset: float = 0.0) -> str:
    """Hover the regime-layer feature of ``street`` (only that layer shown), ``offset`` px off its line."""
    page.mouse.move(1, 1)  # the map's corner: the previous tooltip closes ...
    # ... unless a line of the zoomed-in view runs through the corner: close it from the map too
    page.evaluate("() => window.mobisimMap.eachLayer(l => { if (l.closeTooltip) l.closeTooltip(); })")
    page.wait_for_selector(".leaflet-tooltip", state="detached", timeout=5000)
    x, y = page.evaluate(
        """([street, offset]) => {
            const map = window.mobisimMap, layers = window.mobisimLayers, key = 'speed_regime';
            Object.entries(layers).forEach(([k, l]) => { if (k !== key) map.removeLayer(l); });
            const layer = layers[key];
            const f = layer.getLayers().find(l => layer.mobisimLookups[0][l.feature.properties.p[0]] === street);
            const mid = f.getCenter();
            map.setView(mid, 18, {animate: false});
            const p = map.latLngToContainerPoint(mid), r = map.getContainer().getBoundingClientRect();
            return [p.x + r.left + offset, p.y + r.top];
        }""",
        [street, offset],
    )
    return tooltip_at(page, x, y, street)


def test_judged_road_shows_tier_and_deciding_criteria(page):
    text = _hover(page, "<script>alert(1)</script>")
    assert "Tier\tto 30" in text and "Limit\t50 → 30 km/h" in text
    assert "Deciding\tC2 sensitive sites, C4 crossable: fail" in text
    text = _hover(page, "Westlaan")  # already 30: no tier, the reason instead
    assert "already 30 km/h" in text and "Tier" not in text and "R4-already-30" in text


def test_outside_road_is_greyed_and_says_not_judged(page):
    # Oostlaan is drawn 1.2 px wide: the hover tolerance finds it 2 px off its line
    text = _hover(page, "Oostlaan", offset=2.0)
    assert "outside the municipality — not judged" in text and "R0-outside-area" in text
    assert "Tier" not in text and "Toets" not in text
    assert page.errors == []


def test_legend_follows_the_layer_switches(page):
    legend = page.locator("#mobisim-legend [data-layer='school_routes']")
    assert "off" in legend.get_attribute("class")
    assert not legend.locator(".row").first.is_visible()
    assert page.locator("#mobisim-legend [data-layer='speed_regime'] .row").first.is_visible()
    page.locator(".leaflet-control-layers label", has_text="School routes by intensity").locator("input").check()
    page.wait_for_timeout(200)
    assert "off" not in legend.get_attribute("class")
    assert legend.locator(".row").first.is_visible()
