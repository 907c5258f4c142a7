"""The views of ``map.html``: one story each, shown one at a time with its own legend.

A view is a list of layer keys (:class:`mobisim.render.map.MapLayer.key`); the page shows the
layers of the view chosen and hides the rest. A view none of whose layers the map has is left
out; a layer no view names gets a view of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mobisim.render.map.layer import MapLayer

__all__ = ["View", "VIEWS", "map_views"]


@dataclass(frozen=True)
class View:
    """One story of the map.

    Parameters
    ----------
    key : str
        Short id (in the permalink: ``#view=<key>``).
    title : str
        Shown in the view switcher.
    layers : tuple of str
        The layer keys shown, bottom to top.
    """

    key: str
    title: str
    layers: tuple[str, ...]


#: The views in switcher order (the first one present opens the map).
VIEWS: tuple[View, ...] = (
    View("changes", "What changed between the two runs", ("diff_regime", "diff_toets")),
    View("regime", "30/50: which roads keep 50 and why", ("speed_regime", "junction_fixes")),
    View("toets", "The 8-year-old test (8-jarigen-toets)", ("toets_pass", "toets_fail", "toets_crossings")),
    View("schools", "School routes and weakest links", ("school_wijken", "school_routes", "weakest_links", "sites")),
    View("plan", "The plan to 100 %: fixes by year", ("plan", "plan_crossings")),
    View("parking", "Parking space freed", ("parking_freed",)),
    View("traffic", "Traffic with the scenario and rat runs", ("traffic_after", "rat_runs")),
    View("traffic_today", "Traffic today", ("traffic_before",)),
    View("traffic_change", "Where traffic moves", ("traffic_change",)),
    View("driven_speed", "Signs or redesign: driven speed on the lowered roads", ("driven_speed",)),
)


def map_views(layers: Sequence[MapLayer], views: Sequence[View] = VIEWS) -> list[View]:
    """The views of a map with these layers.

    Parameters
    ----------
    layers
        The map's layers.
    views
        The views known (:data:`VIEWS`).

    Returns
    -------
    list of View
        Each view with only the layers the map has (views without any left out), then one view
        per layer no view names.
    """
    present = [layer.key for layer in layers]
    out = []
    for view in views:
        keys = tuple(k for k in view.layers if k in present)
        if keys:
            out.append(View(view.key, view.title, keys))
    named = {k for view in out for k in view.layers}
    out += [View(layer.key, layer.title, (layer.key,)) for layer in layers if layer.key not in named]
    return out
