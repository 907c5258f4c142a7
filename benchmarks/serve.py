"""Benchmark ``mobisim serve`` on the whole city in headless Chromium: start-up, page, edit and undo round trips.

Builds the server's state as ``mobisim serve`` does (:meth:`mobisim.serve.ServeState.build`),
serves it with uvicorn on a free loopback port and opens the page in Debian's Chromium
(Playwright). Then, for ``--edits`` random road segments failing the bike toets (seeded), it
clicks the segment, picks *cycle track* in the edit menu and times the click on *Apply* until the
page has recoloured the map, updated the scores and re-read the panel; then three undos. Prints
the times, the process's peak memory and any page error or request that left the server (there
must be none). The re-assignment is held off (``--reassign-after`` one hour) so it does not run
during the edits.

Usage: ``python benchmarks/serve.py [--osm FILE] [--scenario FILE] [--edits N] [--seed S]
[--screenshot PNG]``
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import city_args, city_parser, rss_mb, timed

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The page coordinates of the middle of a segment, zoomed in on it.
POINT = """(id) => { const app = window.mobisimServe, ll = app.byId.get(id).getLatLngs();
  const mid = L.latLng((ll[0].lat + ll[1].lat) / 2, (ll[0].lng + ll[1].lng) / 2);
  app.map.setView(mid, 18, {animate: false});
  const p = app.map.latLngToContainerPoint(mid), r = app.map.getContainer().getBoundingClientRect();
  return [p.x + r.left, p.y + r.top]; }"""
#: The page is done with a change: not busy, Apply enabled, a newer version shown.
DONE = ("(v) => document.getElementById('busy').hidden && !document.getElementById('apply').disabled"
        " && window.mobisimServe.version > v")


def _serve(state):
    """Serve ``state`` with uvicorn on a free loopback port, in a thread; the server and its URL."""
    import uvicorn

    from mobisim.cli.serve import bind
    from mobisim.serve import create_app

    sock = bind("127.0.0.1", 0)
    srv = uvicorn.Server(uvicorn.Config(create_app(state), log_level="warning", lifespan="off"))
    threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not srv.started:
        time.sleep(0.05)
    return srv, f"http://127.0.0.1:{sock.getsockname()[1]}/"


def _segments(state, n: int, seed: int) -> list[int]:
    """``n`` random road segments in the area that fail the bike toets."""
    from mobisim.frames import flags

    e = state.session.after.edges
    fail = e["toets_bike"].eq("fail").fillna(False).to_numpy(bool)
    pool = e.index[flags(e, "is_road") & flags(e, "in_area") & fail]
    return random.Random(seed).sample(sorted(map(int, pool)), min(n, len(pool)))


def _line(label: str, times: list[float]) -> None:
    print(f"{label:<44} median {statistics.median(times):6.2f} s   worst {max(times):6.2f} s   ({len(times)} runs)",
          flush=True)


def _browse(url: str, edges: list[int], screenshot: Path | None) -> None:
    """Open the page, apply a cycle track on each of ``edges``, undo three; print the times."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors, external = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url)
                   else (external.append(r.request.url), r.abort()))
        t = time.perf_counter()
        page.goto(url)
        page.wait_for_function("window.mobisimServe && window.mobisimServe.ready && window.mobisimServe.count > 0",
                               timeout=180_000)
        print(f"{'page ready':<44} {time.perf_counter() - t:8.2f} s", flush=True)
        trips = []
        for edge in edges:
            page.mouse.click(*page.evaluate(POINT, edge))
            page.wait_for_function(f"window.mobisimServe.facts && window.mobisimServe.facts.edge_id === {edge}",
                                   timeout=60_000)
            page.select_option("#edit-action", "cycleway")
            page.select_option("#edit-value", "track")
            version = page.evaluate("window.mobisimServe.version")
            t = time.perf_counter()
            page.click("#apply")
            page.wait_for_function(DONE, arg=version, timeout=60_000)
            trips.append(time.perf_counter() - t)
        _line("edit round trip (Apply → map, scores, panel)", trips)
        if screenshot is not None:
            page.screenshot(path=str(screenshot))
        undos = []
        for _ in range(min(3, len(edges))):
            version = page.evaluate("window.mobisimServe.version")
            t = time.perf_counter()
            page.click("#undo")
            page.wait_for_function("(v) => window.mobisimServe.version > v", arg=version, timeout=60_000)
            undos.append(time.perf_counter() - t)
        _line("undo round trip", undos)
        print(f"page errors: {len(errors)} {errors[:3]}; requests leaving the server: {len(external)}", flush=True)
        browser.close()


def main() -> None:
    p = city_parser(__doc__)
    p.add_argument("--edits", type=int, default=10)
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--screenshot", type=Path, default=None, help="a PNG of the page after the edits")
    args = city_args(p)
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM}: not found (apt-get install chromium)")
    from mobisim.load.inputs import load_inputs
    from mobisim.scenario import load_scenario
    from mobisim.serve import Opened, ServeState

    sc = load_scenario(args.scenario)
    inputs, _ = timed("load the inputs", load_inputs, sc, [args.osm], parking=False)
    with tempfile.TemporaryDirectory() as saved:
        state, _ = timed("build the server's state (ready)", ServeState.build, sc, inputs,
                         Opened(scenario=args.scenario, save_dir=Path(saved)), reassign_after=3600.0)
        srv, url = _serve(state)
        try:
            _browse(url, _segments(state, args.edits, args.seed), args.screenshot)
        finally:
            srv.should_exit = True
    print(f"peak RSS: {rss_mb():,.0f} MB", flush=True)


if __name__ == "__main__":
    main()
