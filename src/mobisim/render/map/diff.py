"""The layers of ``diff.html`` (``mobisim compare``): the segments whose regime or toets verdict
changed between two runs (:func:`mobisim.render.report.changed_segments`)."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import column
from mobisim.render.map.layer import MapLayer, Style
from mobisim.render.map.styles import ALREADY30, GREEN, PURPLE, RED, TO30, line
from mobisim.render.map.values import column_text, street

__all__ = ["diff_layers"]

_VERDICT_TEXT = {"True": "pass", "False": "fail", "true": "pass", "false": "fail"}


def _plain(label: str) -> str:
    """A label without template/markup characters (layer names pass through folium's Jinja)."""
    return re.sub(r"[{}%<>&\"'\\]", "", str(label))


def _regime_change(sub: pd.DataFrame, color: str) -> tuple[pd.Series, dict[str, Style]]:
    """Category (limit lowered, raised, other change) and styles of the changed regimes."""
    sa = pd.to_numeric(column(sub, "proposed_maxspeed_a"), errors="coerce")
    sb = pd.to_numeric(column(sub, "proposed_maxspeed_b"), errors="coerce")
    cat = pd.Series(np.where(sb < sa, "lower", np.where(sb > sa, "higher", "other")), index=sub.index)
    styles = {"lower": line(GREEN, 4, label="limit lowered"), "higher": line(RED, 4, label="limit raised"),
              "other": line(ALREADY30, 3, label="regime changed, same limit", dash="6 4")}
    return cat, styles


def _toets_change(sub: pd.DataFrame, improved: pd.Series) -> tuple[pd.Series, dict[str, Style]]:
    """Category (now passes, now fails) and styles of the changed toets verdicts."""
    cat = pd.Series(np.where(improved, "better", "worse"), index=sub.index)
    styles = {"better": line(TO30, 4, label="now passes the toets"),
              "worse": line(PURPLE, 4, label="now fails the toets")}
    return cat, styles


def diff_layers(changed: gpd.GeoDataFrame, name_a: str, name_b: str) -> list[MapLayer]:
    """Map layers of the segments whose regime and/or toets verdict changed from run A to run B.

    Parameters
    ----------
    changed
        :func:`mobisim.render.report.changed_segments`: ``change`` (``regime``, ``toets`` or
        both) and the columns of both runs (suffixes ``_a`` and ``_b``).
    name_a, name_b
        The runs' names (in the layer titles and tooltip labels; markup characters removed).

    Returns
    -------
    list of MapLayer
        ``diff_regime`` and ``diff_toets``, those with segments; on at start.
    """
    if changed.empty:
        return []
    verdict_a = column_text(changed, "toets_pass_a").replace(_VERDICT_TEXT)
    verdict_b = column_text(changed, "toets_pass_b").replace(_VERDICT_TEXT)
    name_a, name_b = _plain(name_a), _plain(name_b)
    layers = []
    for key, title, mask, color in [
        ("diff_regime", f"Speed regime changed ({name_a} → {name_b})", changed["change"].str.contains("regime"), RED),
        ("diff_toets", f"Toets verdict changed ({name_a} → {name_b})", changed["change"].str.contains("toets"), PURPLE),
    ]:
        sub = changed[mask.to_numpy()]
        if sub.empty:
            continue
        ta, tb = verdict_a[mask.to_numpy()], verdict_b[mask.to_numpy()]
        cat, styles = (_regime_change(sub, color) if key == "diff_regime"
                       else _toets_change(sub, (ta == "fail") & (tb == "pass")))
        layers.append(MapLayer(
            key=key, title=title, frame=sub, category=cat, styles=styles,
            fields=[("Street", street(sub)),
                    (f"Regime {name_a}", column_text(sub, "regime_a")),
                    (f"Regime {name_b}", column_text(sub, "regime_b")),
                    (f"Limit {name_a}", column_text(sub, "proposed_maxspeed_a", suffix=" km/h")),
                    (f"Limit {name_b}", column_text(sub, "proposed_maxspeed_b", suffix=" km/h")),
                    (f"Toets {name_a}", ta), (f"Toets {name_b}", tb)],
            show=True,
        ))
    return layers
