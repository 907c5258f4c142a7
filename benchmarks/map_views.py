"""Screenshots of every view of the city map, and its size: what a reviewer looks at.

Renders the map of a run (or takes the ``map.html`` of a run folder), opens it in headless
Chromium with every network request blocked (the offline basemap only), and writes one PNG per
view into a folder, plus a close-up at street zoom of a searched street (labels, panel). Prints
the map's size against the 5 MB target and the time the page takes to open.

Usage::

    python benchmarks/map_views.py SHOTS_DIR                         # runs scenarios/volt-2026.toml
    python benchmarks/map_views.py SHOTS_DIR --run-folder maps/volt-2026   # an existing run's map.html
    python benchmarks/map_views.py SHOTS_DIR --scenario FILE --osm CITY.osm.bz2 --street "Laan van Meerdervoort"
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, SHARED

TARGET_MB = 5.0
CHROMIUM = "/usr/bin/chromium"


def render(scenario: Path, osm: list[Path], out: Path) -> Path:
    """Run ``scenario`` into ``out`` (self-contained map) and return its ``map.html``."""
    from mobisim.pipeline import run_scenario

    t0 = time.perf_counter()
    result = run_scenario(scenario, osm_override=osm or None, out_dir=out, self_contained=True, progress=False)
    print(f"run: {time.perf_counter() - t0:.1f} s")
    return result.paths["map"]


def screenshots(path: Path, shots: Path, street: str) -> list[Path]:
    """One PNG per view of ``path`` into ``shots``, and one of ``street`` found by the search."""
    from playwright.sync_api import sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        t0 = time.perf_counter()
        page.goto(path.resolve().as_uri())
        page.wait_for_function("window.mobisimApp && window.mobisimApp.ready === true", timeout=120_000)
        print(f"page open: {time.perf_counter() - t0:.1f} s (offline, headless Chromium)")
        views = page.eval_on_selector_all("#mobisim-view option", "os => os.map(o => o.value)")
        for i, view in enumerate(views):
            t0 = time.perf_counter()
            page.select_option("#mobisim-view", view)
            page.wait_for_timeout(800)
            written.append(shots / f"{i + 1:02d}-{view}.png")
            page.screenshot(path=written[-1])
            print(f"view {view:<16} {time.perf_counter() - t0:5.1f} s  {written[-1]}")
        page.select_option("#mobisim-view", views[0])
        page.fill("#mobisim-search-input", street)
        page.press("#mobisim-search-input", "Enter")
        page.wait_for_timeout(1200)
        written.append(shots / f"{len(views) + 1:02d}-search.png")
        page.screenshot(path=written[-1])
        print(f"search {street!r}: {page.evaluate('location.hash')}")
        # street zoom at the searched street's middle: street names, the halo and the panel
        page.evaluate("() => window.mobisimMap.setZoom(17, {animate: false})")
        page.wait_for_timeout(1200)
        written.append(shots / f"{len(views) + 2:02d}-street-zoom.png")
        page.screenshot(path=written[-1])
        browser.close()
    if errors:
        print("page errors:", *errors, sep="\n  ")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shots", type=Path, help="folder for the screenshots")
    parser.add_argument("--run-folder", type=Path, help="take the map.html of this run folder instead of running")
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios" / "volt-2026.toml")
    parser.add_argument("--osm", type=Path, action="append", default=[],
                        help=f"OSM file(s) (default: the scenario's; e.g. {SHARED / 'den-haag-city-2021.osm.bz2'})")
    parser.add_argument("--street", default="Laan van Meerdervoort", help="street to search for the close-up")
    args = parser.parse_args(argv)
    if args.run_folder:
        path = args.run_folder / "map.html"
    else:
        path = render(args.scenario, args.osm, Path(tempfile.mkdtemp(prefix="map-views-")))
    size = path.stat().st_size / 1e6
    print(f"map.html: {size:.2f} MB (target ≤ {TARGET_MB:.0f} MB: {'met' if size <= TARGET_MB else 'NOT met'})")
    screenshots(path, args.shots, args.street)
    return 0


if __name__ == "__main__":
    sys.exit(main())
