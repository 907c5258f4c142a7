"""The map's views, search, permalink and offline basemap in a real headless Chromium.

The map of a whole run of the render scenario (``tests/data/render_scenario.toml``: the programme,
the toets, school routes, the plan to 100 %, parking, traffic), self-contained, with every non-file request blocked:
each view switches its own layers and legend; a street searched the way people type it is found
with the CLI's folding (:func:`mobisim.names.fold_name`) and the map lands on it; a permalink
reopens the same view, centre, zoom and street; the basemap draws with no network; and within a
view no two legend entries share a colour and a mark.
"""

from __future__ import annotations

import io
import types
from pathlib import Path

import pytest
from PIL import Image

from browser_tools import page_data, watched_page
from mobisim import pipeline
from mobisim.names import fold_name

pytestmark = pytest.mark.browser

NAMES = ["Laan van Meerdervoort", "Prins Mauritsplein", "'s-Gravenhaagse Bos", "Île-de-France  Straße",
         "Koningin Julianaplein (Centraal)", "ČAPEK–ÅLESUND"]


@pytest.fixture(scope="module")
def run(tmp_path_factory, data_dir: Path):
    """map.html of a whole run (every view, the plan's too), self-contained."""
    from mobisim.scenario import load_scenario

    sc = load_scenario(data_dir / "render_scenario.toml")
    sc = sc.model_copy(update={"plan": sc.plan.model_copy(update={"in_run": True})})
    out = tmp_path_factory.mktemp("run") / "render"
    pipeline.run_scenario(sc, out_dir=out, self_contained=True, progress=False)
    path = out / "map.html"
    return types.SimpleNamespace(path=path, data=page_data(path.read_text(encoding="utf-8")))


def _open(browser, url: str):
    pg = watched_page(browser, ("file:", "data:"), dialogs=False, console=("error",))
    pg.goto(url)
    pg.wait_for_function("window.mobisimApp !== undefined && window.mobisimApp.ready === true")
    return pg


@pytest.fixture()
def page(browser, run):
    pg = _open(browser, run.path.as_uri())
    yield pg
    pg.close()


def _state(page) -> dict:
    return page.evaluate("""() => {
        const app = window.mobisimApp, c = app.map.getCenter();
        return {view: app.view.key, zoom: app.map.getZoom(), lat: c.lat, lng: c.lng, street: app.selected,
                select: document.getElementById('mobisim-view').value, hash: location.hash};
    }""")


def test_every_view_shows_its_own_layers_and_legend(page, run):
    views = run.data["views"]
    assert [v["key"] for v in views][:5] == ["regime", "toets", "schools", "plan", "parking"]
    every = {k for v in views for k in v["layers"]}
    for view in views:
        page.select_option("#mobisim-view", view["key"])
        page.wait_for_timeout(150)
        on = page.evaluate("""(keys) => keys.filter(k => window.mobisimLayers[k]
                                && window.mobisimMap.hasLayer(window.mobisimLayers[k]))""", sorted(every))
        assert sorted(on) == sorted(view["layers"]), view["key"]
        shown = page.eval_on_selector_all("#mobisim-legend [data-view]",
                                          "els => els.filter(e => !e.hidden).map(e => e.dataset.view)")
        assert shown == [view["key"]]
        assert page.locator(f"#mobisim-legend [data-view='{view['key']}'] .row").count() >= 1
        counts = page.evaluate("(keys) => keys.map(k => window.mobisimLayers[k].getLayers().length)", view["layers"])
        assert all(n > 0 for n in counts), view["key"]
    assert page.events == [] and page.external == []


def test_no_two_legend_entries_share_colour_and_mark(page, run):
    for view in run.data["views"]:
        page.select_option("#mobisim-view", view["key"])
        marks = page.eval_on_selector_all(
            f"#mobisim-legend [data-view='{view['key']}'] .row > span",
            """spans => spans.map(s => {
                const cs = getComputedStyle(s);
                const colour = s.classList.contains('sw') ? cs.borderTopColor + ' ' + cs.borderTopStyle
                    : s.classList.contains('poi') ? cs.getPropertyValue('--poi').trim() : cs.backgroundColor;
                return s.className + ' ' + colour;
            })""")
        assert len(marks) >= 1
        assert len(marks) == len(set(marks)), (view["key"], marks)


def test_search_finds_a_street_as_people_type_it_and_lands_on_it(page, run):
    page.select_option("#mobisim-view", "toets")
    page.fill("#mobisim-search-input", "  HOOFDWÉG ")
    page.press("#mobisim-search-input", "Enter")
    page.wait_for_timeout(700)
    state = _state(page)
    assert state["street"] == "Hoofdweg" and state["zoom"] >= 16
    inside = page.evaluate("""() => {
        const app = window.mobisimApp;
        const bounds = app.map.getBounds();
        let hits = 0;
        Object.values(window.mobisimLayers).forEach(l => l.eachLayer(f => {
            if (f.feature.properties.street === 'Hoofdweg' && bounds.intersects(f.getBounds())) hits++;
        }));
        return hits;
    }""")
    assert inside >= 1
    panel = page.inner_text("#mobisim-panel-body")
    assert panel.startswith("Hoofdweg") and "The 8-year-old test" in panel
    assert "street=Hoofdweg" in state["hash"] and "view=toets" in state["hash"]
    page.fill("#mobisim-search-input", "Nergensstraat")
    page.press("#mobisim-search-input", "Enter")
    assert "No street named" in page.inner_text("#mobisim-search-msg")


def test_search_folds_names_like_the_cli(page):
    folded = page.evaluate("(names) => names.map(n => window.mobisimApp.fold(n))", NAMES)
    assert folded == [fold_name(n) for n in NAMES]
    assert folded[2] == "s gravenhaagse bos" and folded[3] == "ile de france strasse"


def test_permalink_reopens_the_same_picture(browser, page, run):
    page.select_option("#mobisim-view", "schools")
    page.fill("#mobisim-search-input", "schoolstraat")
    page.press("#mobisim-search-input", "Enter")
    page.wait_for_timeout(500)
    page.evaluate("() => window.mobisimMap.setView([52.0805, 4.3012], 17, {animate: false})")
    page.wait_for_timeout(300)
    before = _state(page)
    assert page.get_attribute("#mobisim-permalink", "href") == before["hash"]
    again = _open(browser, run.path.as_uri() + before["hash"])
    try:
        after = _state(again)
        assert (after["view"], after["select"], after["zoom"], after["street"]) == ("schools", "schools", 17,
                                                                                    "Schoolstraat")
        assert abs(after["lat"] - 52.0805) < 1e-4 and abs(after["lng"] - 4.3012) < 1e-4
        assert again.inner_text("#mobisim-panel-body").startswith("Schoolstraat")
        assert again.events == []
    finally:
        again.close()


def test_basemap_draws_offline_with_street_names(page, run):
    basemap = run.data["basemap"]
    assert basemap["built_up"] and basemap["wijken"] and basemap["street_labels"]["t"]
    assert "Offline basemap drawn from this run's data" in page.inner_text("#mobisim-basemap-note")
    drawn = page.evaluate("""() => {
        const app = window.mobisimApp, out = [];
        app.basemap.eachLayer(l => out.push(l.getLayers().length));
        return [app.map.hasLayer(app.basemap), app.map.hasLayer(app.tiles), out];
    }""")
    assert drawn[0] is True and drawn[1] is False and all(n > 0 for n in drawn[2]) and len(drawn[2]) >= 3
    page.evaluate("() => window.mobisimMap.setView([52.0800, 4.3015], 17, {animate: false})")
    page.wait_for_timeout(300)
    labels = page.eval_on_selector_all(".mobisim-label span", "els => els.map(e => e.textContent)")
    assert "<script>alert(1)</script>" in labels  # as text, never run
    page.evaluate("() => window.mobisimMap.setView([52.0800, 4.3015], 13, {animate: false})")
    page.wait_for_timeout(300)
    assert not page.eval_on_selector_all(".mobisim-label:not(.mobisim-wijk-label)", "els => els.length")
    # the canvas holds the basemap's pixels (built-up fill, white streets, wijk lines), not a blank plane
    page.select_option("#mobisim-view", "parking")  # few lines of its own: the basemap shows through
    page.evaluate("() => window.mobisimMap.setView([52.0800, 4.3015], 16, {animate: false})")
    page.wait_for_timeout(300)
    shot = Image.open(io.BytesIO(page.screenshot(clip={"x": 100, "y": 100, "width": 700, "height": 600})))
    colours = {rgb for _, rgb in shot.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert {(255, 255, 255), (0xDD, 0xD3, 0xC7)} <= colours or len(colours) > 20
    assert page.external == [] and page.events == []
