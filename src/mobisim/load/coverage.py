"""What the data can say: coverage of each tag family in a loaded network.

A rule that depends on a tag family the input does not carry *at all* cannot fail on its absence:
the whole-city 2021 file, for instance, has no ``cycleway*``, ``sidewalk``, ``lanes`` or
``maxspeed`` tags and no crossing or signal nodes (``shared/osm/README.md``). The criteria of
:mod:`mobisim.rules` read :func:`data_coverage` to report such cases as *unknown*, and the report and
``mobisim network --summary`` open with the same figures ("Data used and its limits").

Coverage is measured once, on the network as loaded (before any scenario intervention adds
attributes), and kept with it (:attr:`mobisim.network.Network.coverage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mobisim.network import Network

__all__ = ["Family", "FAMILIES", "data_coverage", "carries", "coverage_rows"]


@dataclass(frozen=True)
class Family:
    """A tag family: what it is, what reads it and what stands in when it is missing."""

    key: str
    label: str
    used_for: str
    when_missing: str


#: The families measured, in the order the data box shows them.
FAMILIES: tuple[Family, ...] = (
    Family("maxspeed", "speed limits (maxspeed)", "today's limit of every road",
           "class default (RVV 1990, Den Haag's 30 zones): see tags.DEFAULT_MAXSPEED"),
    Family("lanes", "lanes", "8-jarigen-toets (LTS), crossings, road diets",
           "class default: 1 lane per direction, 2 on a one-way primary carriageway"),
    Family("cycleway", "cycleway* tags on roads", "C1 separate cycle path, toets",
           "only cycle paths drawn as their own ways are seen (by geometry); C1 is unknown, not fail"),
    Family("cycle_paths", "separate cycle paths (own ways)", "C1 by geometry, school routes",
           "C1 unknown"),
    Family("sidewalk", "sidewalk tags", "toets on foot",
           "footways assumed on both sides of urban streets with frontage (toets setting); none in "
           "tunnels, on motorways, trunk and slip roads: unknown there"),
    Family("width", "carriageway width", "calming proposals, LTS lane rules",
           "unknown: no width-based proposal"),
    Family("crossings", "crossing and signal nodes", "C4 crossable, toets crossings",
           "crossings found where roads meet; protection unknown, so C4 failures become unknown"),
    Family("buildings", "building outlines", "C3 façade distance (noise, air), homes of school routes",
           "residential landuse as a proxy; C3 unknown away from it"),
    Family("landuse", "residential landuse", "C3 façade proxy without buildings", "C3 unknown"),
    Family("sensitive_sites", "schools, childcare, playgrounds, care sites", "C2 sensitive sites",
           "C2 unknown"),
)


def _share(km: pd.Series, mask: np.ndarray) -> float:
    total = float(km.sum())
    return float(km[mask].sum()) / total if total > 0 else 0.0


def _starts(edges: pd.DataFrame, column: str, *prefixes: str) -> np.ndarray:
    text = edges[column].astype("string").fillna("")
    hit = np.zeros(len(edges), dtype=bool)
    for p in prefixes:
        hit |= text.str.startswith(p).to_numpy(dtype=bool)
    return hit


def data_coverage(net: Network) -> dict[str, dict[str, Any]]:
    """Coverage of every tag family of :data:`FAMILIES` in ``net``.

    Parameters
    ----------
    net : mobisim.network.Network
        A loaded, tagged network (its columns are those of :data:`mobisim.network.SCHEMA`).

    Returns
    -------
    dict
        Per family key: ``share`` (of motor-road km carrying the family, or ``None`` for
        families counted as objects), ``count`` (objects: nodes, buildings, sites, km of paths),
        ``status`` (``"full"`` ≥ 95 %, ``"partial"``, ``"none"``), ``label``, ``used_for`` and
        ``when_missing``.
    """
    e = net.edges
    roads = e["is_road"].fillna(False).to_numpy(dtype=bool)
    km = (e["length"].astype(float) / 1000.0)[roads]
    er = e[roads]
    shares = {
        "maxspeed": _share(km, _starts(er, "maxspeed_source", "tag", "layer")),
        "lanes": _share(km, _starts(er, "lanes_source", "tag")),
        "cycleway": _share(km, _starts(er, "cycleway_source", "tag")),
        "sidewalk": _share(km, _starts(er, "sidewalk_source", "tag")),
        "width": _share(km, _starts(er, "width_source", "tag")),
    }
    nodes = net.nodes
    crossing_nodes = (nodes["highway"].astype("string").eq("crossing").fillna(False) | nodes["crossing"].notna()
                      | nodes["signals"].fillna(False).astype(bool))
    paths = e["is_cycleway"].fillna(False).to_numpy(dtype=bool)
    kinds = net.features["kind"].astype("string")
    counts = {
        "crossings": int(crossing_nodes.sum()),
        "cycle_paths": round(float(e.loc[paths, "length"].sum()) / 1000.0, 1) if paths.any() else 0,
        "buildings": len(net.buildings),
        "landuse": len(net.landuse),
        "sensitive_sites": int(kinds.isin(["school", "kindergarten", "playground", "care"]).fillna(False).sum()),
    }
    out: dict[str, dict[str, Any]] = {}
    for fam in FAMILIES:
        share = shares.get(fam.key)
        count = counts.get(fam.key)
        if share is not None:
            status = "full" if share >= 0.95 else "partial" if share > 0 else "none"
        else:
            status = "present" if count else "none"
        out[fam.key] = {"share": None if share is None else round(share, 4), "count": count, "status": status,
                        "label": fam.label, "used_for": fam.used_for, "when_missing": fam.when_missing}
    return out


def carries(coverage: dict[str, dict[str, Any]], family: str) -> bool:
    """Whether the data carries ``family`` anywhere (``True`` when coverage was not measured)."""
    entry = coverage.get(family)
    return True if entry is None else entry["status"] != "none"


def coverage_rows(coverage: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The data box as a table: family, coverage, what reads it, what stands in when missing."""
    rows = []
    for key, c in coverage.items():
        if c["share"] is not None:
            have = f"{100.0 * c['share']:.0f} % of road km"
        elif key == "cycle_paths":
            have = f"{c['count']:,} km" if c["count"] else "none"
        else:
            have = f"{c['count']:,}" if c["count"] else "none"
        rows.append({"data": c["label"], "in this input": have, "used for": c["used_for"],
                     "when missing": c["when_missing"] if c["status"] != "full" else ""})
    return pd.DataFrame(rows, columns=["data", "in this input", "used for", "when missing"])
