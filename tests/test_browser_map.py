"""The self-contained map.html in a real headless Chromium (Debian's ``chromium`` via Playwright).

Every non-file request is blocked (the sandbox and CI have no internet): the page must load
without console errors, list its layers in the layer control, and show a verdict in the tooltip
when the mouse is over a segment. Skipped, with the reason, when Chromium or Playwright is missing.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from browser_tools import tooltip_at
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
    pg = browser.new_page(viewport={"width": 1280, "height": 800})
    pg.events = []  # type: ignore[attr-defined]
    pg.external = []  # type: ignore[attr-defined]
    pg.on("console", lambda m: pg.events.append((m.type, m.text)))
    pg.on("pageerror", lambda e: pg.events.append(("pageerror", str(e))))
    pg.on("dialog", lambda d: (pg.events.append(("dialog", d.message)), d.dismiss()))

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            pg.external.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    pg.goto(map_file.path.as_uri())
    pg.wait_for_function("window.mobisimMap !== undefined && window.mobisimLayers !== undefined")
    yield pg
    pg.close()


def _hover_first(page, key: str, where: str = "true") -> str:
    """Show only layer ``key``, zoom to its first feature matching ``where`` and hover it.

    ``where`` is a JavaScript expression of ``f`` (the GeoJSON feature) and ``layer`` (the layer).
    """
    x, y = page.evaluate(
        """([key, where]) => {
            const map = window.mobisimMap, layers = window.mobisimLayers;
            Object.entries(layers).forEach(([k, l]) => { if (k !== key) map.removeLayer(l); });
            if (!map.hasLayer(layers[key])) map.addLayer(layers[key]);
            const test = new Function('f', 'layer', 'return ' + where);
            const f = layers[key].getLayers().find(l => test(l.feature, layers[key]));
            const ll = f.getLatLngs ? f.getLatLngs() : [f.getLatLng()];
            const a = ll[0], b = ll[Math.min(1, ll.length - 1)];
            const mid = L.latLng((a.lat + b.lat) / 2, (a.lng + b.lng) / 2);
            map.setView(mid, 18, {animate: false});
            const p = map.latLngToContainerPoint(mid), r = map.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top];
        }""",
        [key, where],
    )
    return tooltip_at(page, x, y, f"the first {key} feature matching {where!r}")


def test_loads_offline_without_errors(page):
    page.wait_for_timeout(500)
    errors = [e for e in page.events if e[0] in ("error", "pageerror", "dialog")]
    assert errors == []
    assert page.external == []  # nothing asked for outside the file: truly self-contained


def test_layer_control_lists_every_layer(page, map_file):
    text = page.inner_text(".leaflet-control-layers")
    for title in map_file.titles + ["Plain background (offline)", "OpenStreetMap tiles (online)"]:
        assert title in text
    assert "© OpenStreetMap contributors" in page.inner_text(".leaflet-control-attribution")
    legend = page.inner_text("#mobisim-legend")
    assert all(title in legend for title in map_file.titles)


def test_tooltip_shows_the_toets_verdict_and_reason(page, map_file):
    text = _hover_first(page, "toets_fail")
    assert "fail" in text
    e = map_file.net.edges
    reasons = set(e.loc[e["toets_bike"] == "fail", "toets_bike_reason"].dropna())
    assert any(r in text for r in reasons)


def test_osm_name_is_shown_as_text_not_run(page, map_file):
    # the speed-regime feature of the street named like a script tag (its Street lookup value)
    street = "layer.mobisimLookups[0][f.properties.p[0]] === '<script>alert(1)</script>'"
    text = _hover_first(page, "speed_regime", street)
    assert SCRIPT_NAME in text
    assert "Regime" in text and "30 km/h" in text
    assert not [e for e in page.events if e[0] == "dialog"]
