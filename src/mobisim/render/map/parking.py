"""The parking layer: street space freed by the permit cap (:mod:`mobisim.parking`; off at start)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from mobisim.frames import column
from mobisim.render.map.layer import MapLayer
from mobisim.render.map.styles import line
from mobisim.render.map.values import column_text, text

__all__ = ["parking_layer"]


def parking_layer(parking: gpd.GeoDataFrame) -> MapLayer:
    """Segments giving up street parking (``mobisim.parking.allocate_freed``)."""
    freed = pd.to_numeric(column(parking, "freed_spaces", 0.0), errors="coerce").fillna(0.0)
    return MapLayer(
        key="parking_freed",
        title="Parking space freed",
        frame=parking,
        category=pd.Series("freed", index=parking.index),
        styles={"freed": line("#35978f", 5, 0.9, label="street parking freed by the permit cap")},
        fields=[("Street", column_text(parking, "street")), ("Wijk", column_text(parking, "wijk")),
                ("Spaces freed", text(freed, decimals=1)),
                ("Of spaces", column_text(parking, "parking_spaces", decimals=1)),
                ("From year", column_text(parking, "first_year")),
                ("Why here", column_text(parking, "priority_reason"))],
        show=False,
    )
