"""Read map.html back in the tests: its data (parsed from the page) and, in headless Chromium, the
tooltip under the mouse (shared by the map and browser tests)."""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np


def page_data(page: str) -> dict[str, Any]:
    """The data of the page script (``var data = …;`` of ``templates/map_app.js``)."""
    text = re.search(r"\nvar data = (.*);\nvar offline = ", page).group(1)  # type: ignore[union-attr]
    return json.loads(text)


def segment_streets(data: dict[str, Any]) -> list[str]:
    """The street name of every segment of the shared table (``""`` when unnamed)."""
    names: list[str] = []
    for name, count in data["segments"]["streets"]:
        names += [name] * count
    return names + [""] * (len(data["segments"]["h"]) - len(names))


def layer_rows(page: str, key: str) -> list[dict[str, Any]]:
    """The features of one layer as dicts: ``style`` (its legend label), ``Street`` for a layer on the
    shared segments, ``g`` (its geometry), and one entry per tooltip field."""
    data = page_data(page)
    layer = next(ld for ld in data["layers"] if ld["key"] == key)
    streets = segment_streets(data) if layer.get("shared") else None
    rows = []
    for k, g in zip(layer["k"], np.cumsum(layer["g"]).tolist()):
        combo = layer["combos"][k]
        row = {"style": layer["styles"][combo[0]].get("label"), "g": g}
        row |= {label: layer["lookups"][i][combo[i + 1]] for i, label in enumerate(layer["labels"])}
        if streets is not None:
            row["Street"] = streets[g]
        rows.append(row)
    return rows


def tooltip_at(page: Any, x: float, y: float, what: str, attempts: int = 6) -> str:
    """The text of the Leaflet tooltip shown when the mouse rests at ``(x, y)``.

    The canvas redraws asynchronously and Leaflet throttles hit-testing: on a busy machine the
    first hover can come too early, so the mouse moves away and back, waiting a little longer each
    time, before the test fails naming ``what`` was hovered.
    """
    for attempt in range(attempts):
        page.wait_for_timeout(300 + 300 * attempt)
        page.mouse.move(x - 40, y - 40, steps=2)
        page.mouse.move(x, y, steps=4)
        tip = page.query_selector(".leaflet-tooltip")
        if tip is None:
            try:
                tip = page.wait_for_selector(".leaflet-tooltip", state="visible", timeout=1500)
            except Exception:  # playwright's TimeoutError: try again
                continue
        return tip.inner_text()
    raise AssertionError(f"no tooltip appeared over {what}")


def show_feature(page: Any, key: str, where: str = "true", offset: float = 0.0) -> tuple[float, float]:
    """Open the view of layer ``key``, show only that layer, centre its first feature matching
    ``where`` at zoom 18 and return its point on the page (``offset`` px to the right).

    ``where`` is a JavaScript expression of ``f`` (the GeoJSON feature; ``f.properties.street`` is
    the street of a segment) and ``layer`` (the Leaflet layer).
    """
    page.mouse.move(1, 1)  # the map's corner: a previous tooltip closes ...
    # ... unless a line of the zoomed-in view runs through the corner: close it from the map too
    page.evaluate("() => window.mobisimMap.eachLayer(l => { if (l.closeTooltip) l.closeTooltip(); })")
    return page.evaluate(
        """([key, where, offset]) => {
            const app = window.mobisimApp, map = window.mobisimMap;
            app.setView(app.viewOf(key));
            const layers = window.mobisimLayers, layer = layers[key];
            Object.entries(layers).forEach(([k, l]) => { if (k !== key) map.removeLayer(l); });
            const test = new Function('f', 'layer', 'return ' + where);
            const f = layer.getLayers().find(l => test(l.feature, layer));
            const ll = f.getLatLngs ? f.getLatLngs() : [f.getLatLng()];
            const a = ll[0], b = ll[Math.min(1, ll.length - 1)];
            const mid = L.latLng((a.lat + b.lat) / 2, (a.lng + b.lng) / 2);
            map.setView(mid, 18, {animate: false});
            const p = map.latLngToContainerPoint(mid), r = map.getContainer().getBoundingClientRect();
            return [p.x + r.left + offset, p.y + r.top];
        }""",
        [key, where, offset],
    )


def panel_at(page: Any, x: float, y: float, what: str) -> tuple[str, str]:
    """The tooltip at ``(x, y)`` and the side panel's text after a click there."""
    tip = tooltip_at(page, x, y, what)
    page.mouse.click(x, y)
    page.wait_for_selector("#mobisim-panel:not([hidden])", timeout=5000)
    return tip, page.inner_text("#mobisim-panel")


def watched_page(browser: Any, allowed: tuple[str, ...], *, dialogs: bool = True,
                 console: tuple[str, ...] | None = None) -> Any:
    """A new 1280×800 page that records console messages (of the types ``console``; all when
    ``None``) and page errors in ``page.events`` (and dismissed dialogs with ``dialogs``) and aborts
    every request whose URL does not start with one of ``allowed``, recording it in
    ``page.external`` (the page must work offline)."""
    pg = browser.new_page(viewport={"width": 1280, "height": 800})
    pg.events = []
    pg.external = []
    pg.on("console", lambda m: pg.events.append((m.type, m.text)) if console is None or m.type in console else None)
    pg.on("pageerror", lambda e: pg.events.append(("pageerror", str(e))))
    if dialogs:
        pg.on("dialog", lambda d: (pg.events.append(("dialog", d.message)), d.dismiss()))

    def route(r: Any) -> None:
        if r.request.url.startswith(allowed):
            r.continue_()
        else:
            pg.external.append(r.request.url)
            r.abort()

    pg.route("**/*", route)
    return pg
