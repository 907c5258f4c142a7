"""Hover a map point in headless Chromium and read its tooltip (shared by the browser tests)."""

from __future__ import annotations

from typing import Any


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
