"""``mobisim serve`` in a real headless Chromium (Debian's ``chromium`` via Playwright).

The real server (uvicorn, in a thread, on a free loopback port) serves the what-if session of the
hand-written grid (``render_scenario.toml``). The page loads with nothing from outside the server
and no console error; a click on a street failing the toets opens its verdict and fix (its name,
``<script>…``, shown as text); a cycle track applied from the menu recolours it and changes the
scores; undo brings the scenario's figures back; the edit is applied again and saved, and
``run_scenario`` of the saved file gives the headline figures the page showed. Skipped, with the
reason, when Chromium or Playwright is missing.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from browser_tools import watched_page
from mobisim.cli.serve import bind
from mobisim.load.inputs import load_inputs
from mobisim.pipeline import run_scenario
from mobisim.scenario import load_scenario
from mobisim.serve import Opened, ServeState, create_app

pytestmark = pytest.mark.browser

#: The figures of the scores box, by the key of ``scores.json`` they equal after ``mobisim run``.
RUN_FIGURES = {"toets_all": ("toets_after", "all"), "toets_bike": ("toets_after", "bike"),
               "toets_walk": ("toets_after", "walk"), "toets_crossings": ("toets_after", "crossings"),
               "toets_school_routes": ("toets_after", "school_routes"),
               "children_safe_share": ("school_children_safe_after", None)}


@pytest.fixture(scope="module")
def server(data_dir: Path, tmp_path_factory):
    """The app of the grid's session served by uvicorn on a free loopback port."""
    import uvicorn

    path = data_dir / "render_scenario.toml"
    sc = load_scenario(path)
    folder = tmp_path_factory.mktemp("saved")
    state = ServeState.build(sc, load_inputs(sc, None, parking=False), Opened(scenario=path, save_dir=folder))
    sock = bind("127.0.0.1", 0)
    srv = uvicorn.Server(uvicorn.Config(create_app(state), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield {"url": f"http://127.0.0.1:{sock.getsockname()[1]}/", "state": state, "folder": folder}
    srv.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture()
def page(browser, server):
    pg = watched_page(browser, (server["url"],))
    pg.goto(server["url"])
    pg.wait_for_function("window.mobisimServe && window.mobisimServe.ready && window.mobisimServe.count > 0")
    yield pg
    pg.close()


def segment_point(page: Any, edge_id: int) -> tuple[float, float]:
    """The page coordinates of the middle of segment ``edge_id`` (zoomed in on it)."""
    return page.evaluate(
        """(id) => {
            const app = window.mobisimServe, layer = app.byId.get(id), ll = layer.getLatLngs();
            const mid = L.latLng((ll[0].lat + ll[1].lat) / 2, (ll[0].lng + ll[1].lng) / 2);
            app.map.setView(mid, 18, {animate: false});
            const p = app.map.latLngToContainerPoint(mid), r = app.map.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top];
        }""", edge_id)


def shown(page: Any, column: str) -> dict[str, float | None]:
    """The raw figures of one column of the scores box (``today``, ``scenario``, ``now``)."""
    values = page.eval_on_selector_all(f"#scores td[id^='{column}-']", "tds => tds.map(t => [t.id, t.dataset.value])")
    return {k.split("-", 1)[1]: (float(v) if v else None) for k, v in values}


def wait_figure(page: Any, key: str, value: float | None, differ: bool = False) -> None:
    """Wait until the scores box shows ``value`` for ``key`` in the ``now`` column (or another one)."""
    test = "!==" if differ else "==="
    page.wait_for_function(f"document.getElementById('now-{key}').dataset.value {test} {json.dumps(str(value))}",
                           timeout=20000)


def fails_for_bike(state: ServeState) -> int:
    edges = state.session.after.edges
    fail = edges["toets_bike"].eq("fail").fillna(False).to_numpy(bool) & edges["name"].astype("string").str.contains(
        "<script>", regex=False).fillna(False).to_numpy(bool)
    return int(edges.index[fail][0])


def apply_track(page: Any, server: dict[str, Any], edge: int) -> None:
    page.mouse.click(*segment_point(page, edge))
    page.wait_for_function(f"window.mobisimServe.facts && window.mobisimServe.facts.edge_id === {edge}")
    page.select_option("#edit-action", "cycleway")
    page.select_option("#edit-value", "track")
    page.click("#apply")
    page.wait_for_selector("#last-edit:not([hidden])")
    # the change is done when the page is no longer busy: the panel has been read again too
    page.wait_for_function("document.getElementById('busy').hidden && !document.getElementById('apply').disabled")


def test_page_loads_from_the_server_alone(page, server) -> None:
    page.wait_for_timeout(300)
    assert [e for e in page.events if e[0] in ("error", "pageerror", "dialog")] == []
    assert page.external == []
    assert page.evaluate("window.mobisimServe.count") == len(server["state"].session.after.edges)
    assert shown(page, "now") == shown(page, "scenario")
    assert "render-volt" in page.inner_text("h1")


def test_click_edit_undo_save_and_the_saved_file_runs_to_the_same_figures(page, server, tmp_path) -> None:
    state = server["state"]
    edge = fails_for_bike(state)
    page.mouse.click(*segment_point(page, edge))
    page.wait_for_selector("#panel:not([hidden])")
    panel = page.inner_text("#panel")
    assert "<script>alert(1)</script>" in page.inner_text("#panel-title")  # the OSM name as text, not markup
    row = state.session.after.edges.loc[edge]
    assert "fail" in panel and row["toets_bike_rule"] in panel and f"Fix: {row['toets_bike_fix']}" in panel
    opened = shown(page, "now")

    apply_track(page, server, edge)
    wait_figure(page, "toets_bike", opened["toets_bike"], differ=True)
    edited = shown(page, "now")
    assert edited["toets_bike"] > opened["toets_bike"] and edited["toets_all"] > opened["toets_all"]
    assert "re-scored in" in page.inner_text("#last-edit")
    colour = page.evaluate(f"window.mobisimServe.byId.get({edge}).options.color")
    assert colour == "#0044ff"  # selected; the feature itself now passes:
    assert page.evaluate(f"window.mobisimServe.byId.get({edge}).feature.properties.b") == "pass"
    assert "pass" in page.inner_text("#panel-verdict").split("Toets walking")[0]

    page.click("#undo")
    wait_figure(page, "toets_bike", opened["toets_bike"])
    assert shown(page, "now") == opened
    assert page.evaluate(f"window.mobisimServe.byId.get({edge}).feature.properties.b") == "fail"

    apply_track(page, server, edge)
    wait_figure(page, "toets_bike", edited["toets_bike"])
    final = shown(page, "now")
    page.fill("#save-name", "browser-design")
    page.click("#save")
    page.wait_for_selector("#saved:not([hidden])")
    saved = Path(re.search(r" as (\S+\.toml)", page.inner_text("#saved")).group(1))  # type: ignore[union-attr]
    assert saved.parent == server["folder"].resolve() and saved.exists()
    assert [e for e in page.events if e[0] in ("error", "pageerror", "dialog")] == []

    result = run_scenario(saved, out_dir=tmp_path / "run", progress=False)
    scores = json.loads((tmp_path / "run" / "scores.json").read_text(encoding="utf-8"))
    assert result.scores is not None
    for key, (figure, part) in RUN_FIGURES.items():
        value = scores[figure]["value"] if part is None else scores[figure]["value"][part]
        assert final[key] == pytest.approx(value, abs=1e-9), key


def test_an_edit_that_moves_traffic_says_so_until_it_is_reassigned(page, server) -> None:
    state = server["state"]
    state.traffic.delay = 0.5
    edges = state.session.after.edges
    edge = int(edges.index[edges["name"].astype("string").eq("Noordstraat").fillna(False).to_numpy(bool)][0])
    page.mouse.click(*segment_point(page, edge))
    page.wait_for_function(f"window.mobisimServe.facts && window.mobisimServe.facts.edge_id === {edge}")
    page.select_option("#edit-action", "through_traffic")
    page.click("#apply")
    page.wait_for_selector("#last-edit:not([hidden])")
    assert "≈ approximate" in page.inner_text("#last-edit") and "traffic" in page.inner_text("#last-edit")
    assert page.inner_text("#now-toets_all").startswith("≈")  # the figure says it rests on approximate volumes
    page.wait_for_selector("#traffic-status:not([hidden])", timeout=10000)
    assert "re-assign" in page.inner_text("#traffic-status")
    page.wait_for_selector("#traffic-status", state="hidden", timeout=120000)
    page.wait_for_function("!document.getElementById('now-toets_all').textContent.startsWith('≈')", timeout=10000)
    assert state.traffic.describe()["status"] == "done"
    assert "(≈" not in page.inner_text("#edits")
    assert [e for e in page.events if e[0] in ("error", "pageerror", "dialog")] == []


def test_find_a_street_by_name(page, server) -> None:
    page.fill("#find", "noordstraat")  # case-insensitive
    page.click("#find-form button")
    page.wait_for_function("window.mobisimServe.facts && window.mobisimServe.facts.segment.name === 'Noordstraat'")
    assert "Noordstraat" in page.inner_text("#panel-title")
    page.fill("#find", "Nergensstraat")
    page.click("#find-form button")
    page.wait_for_selector("#message:not([hidden])")
    assert "No street named Nergensstraat" in page.inner_text("#message")
