"""Raw OSM tag text as typed values: the helpers every tag family of the *tag* step reads with."""

from __future__ import annotations

import pandas as pd

__all__ = ["MOTOR_CLASSES", "clean", "first_int"]

#: ``highway`` classes open to motor traffic (the classes with a ``maxspeed`` and motor lanes).
MOTOR_CLASSES: frozenset[str] = frozenset(
    {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
     "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street",
     "service", "road", "busway", "track"}
)


def clean(series: pd.Series) -> pd.Series:
    """Raw tag column as lower-case stripped strings (NA stays NA)."""
    return series.astype("string").str.strip().str.lower()


def first_int(raw: pd.Series) -> pd.Series:
    """Highest integer of a tag value such as ``2``, ``2;3`` or ``['1', '2']`` (Int64)."""
    text = clean(raw).str.replace(r"[\[\]'\"]", "", regex=True)
    parts = text.str.split(r"\s*[;,|]\s*", regex=True).explode().astype("string")
    nums = parts.str.extract(r"^(\d+)(?:\.\d+)?$")[0].astype("Float64")
    return nums.groupby(level=0).max().astype("Int64").reindex(raw.index)
