"""Look up a named street of a fixture network in tests (``from edge_lookup import street, one``)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def street(net: Any, name: str) -> pd.DataFrame:
    """The segments named ``name``; fails the test when the fixture has none."""
    rows = net.edges[net.edges["name"] == name]
    assert len(rows), f"{name} missing from the fixture"
    return rows


def segment(net: Any, name: str) -> pd.Series:
    """The one segment named ``name``; fails the test unless there is exactly one."""
    rows = net.edges[net.edges["name"] == name]
    assert len(rows) == 1, name
    return rows.iloc[0]


def one(net: Any, name: str, column: str) -> Any:
    """The single value of ``column`` over the street's segments; fails the test when they differ."""
    values = street(net, name)[column].unique()
    assert len(values) == 1, (name, column, values)
    return values[0]
