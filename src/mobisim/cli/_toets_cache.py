"""Keep what the fast path of ``mobisim toets`` needs, when the command has judged (or read) a network.

:class:`Remembered` notes the identity of the files a command line rests on *before* the command
reads them, and :meth:`Remembered.keep` — once the evaluated network is in hand — writes its answer
index (:func:`write_answer_index`, when missing) and the fast key, provided no file changed
meanwhile. Failing to write either only means the next call answers the slow way again.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from mobisim.cli import _toets_index as index
from mobisim.cli._toets_report import crossing_records, segment_columns
from mobisim.errors import MobisimError

if TYPE_CHECKING:
    from mobisim.network import Network
    from mobisim.scenario import Scenario

__all__ = ["Remembered", "write_answer_index"]


def _grid(edges: Any) -> tuple[list[float], list[tuple[float, float]], bool]:
    """The lon/lat grid over the segments (about :data:`~mobisim.cli._toets_index.GRID_MARGIN` degrees,
    1.1 km, around them), its points in their CRS, as :func:`mobisim.cli.toets.select_at` projects a
    point, and whether every point outside it is more than 500 m from every segment (its border
    points lie at least 650 m, more than 500 m plus half a cell, from the segments' bounds)."""
    from pyproj import Transformer

    minx, miny, maxx, maxy = edges.total_bounds
    to_crs = Transformer.from_crs(4326, edges.crs, always_xy=True)
    rim_x = np.concatenate([np.linspace(minx, maxx, 9), np.full(9, maxx), np.linspace(minx, maxx, 9), np.full(9, minx)])
    rim_y = np.concatenate([np.full(9, miny), np.linspace(miny, maxy, 9), np.full(9, maxy), np.linspace(miny, maxy, 9)])
    rim_lon, rim_lat = to_crs.transform(rim_x, rim_y, direction="INVERSE")  # the bounds' rim: curved a little
    west, east, south, north = min(rim_lon), max(rim_lon), min(rim_lat), max(rim_lat)
    step, margin = index.GRID_STEP, index.GRID_MARGIN
    margin_lon = margin / max(np.cos(np.radians(max(abs(south), abs(north)) + margin)), 0.05)
    lon0, lat0 = np.floor((west - margin_lon) / step) * step, np.floor((south - margin) / step) * step
    nlon = int(np.ceil((east + margin_lon - lon0) / step)) + 1
    nlat = int(np.ceil((north + margin - lat0) / step)) + 1
    lons, lats = np.meshgrid(lon0 + step * np.arange(nlon), lat0 + step * np.arange(nlat))
    x, y = (np.asarray(v) for v in to_crs.transform(lons, lats))
    border = np.ones(x.shape, dtype=bool)
    border[1:-1, 1:-1] = False
    gap = np.hypot(np.maximum(np.maximum(minx - x, x - maxx), 0), np.maximum(np.maximum(miny - y, y - maxy), 0))
    far = bool((gap[border] >= 650).all())
    points = list(zip(x.ravel().tolist(), y.ravel().tolist()))
    return [float(lon0), float(lat0), nlon, nlat, step], points, far


def _names(edges: pd.DataFrame) -> tuple[list[str | None], list[tuple[str, str]]]:
    """Each segment's folded name, and the names in the network's order (each once) with their fold,
    as :func:`mobisim.names.closest_names` sees them."""
    from mobisim.names import fold_names

    folded = fold_names(edges["name"])
    per_segment = [None if v is pd.NA else str(v) for v in folded.tolist()]
    unique = pd.unique(pd.Series(list(edges["name"].dropna()), dtype="string").dropna())
    return per_segment, list(zip(unique.tolist(), fold_names(pd.Series(unique, dtype="string")).tolist()))


def write_answer_index(path: Path, net: Network) -> None:
    """Write the answer index of a judged network (:func:`mobisim.cli._toets_index.write_index`)."""
    from mobisim.rules import TIER_LABELS, TIERS

    edges = net.edges
    is_road = (edges["is_road"].fillna(False).astype(bool).to_numpy() if "is_road" in edges.columns
               else np.ones(len(edges), dtype=bool))
    folded, names = _names(edges)
    points, owner = shapely.get_coordinates(edges.geometry.to_numpy(), return_index=True)
    ends = np.cumsum(np.bincount(owner, minlength=len(edges)))
    coords = [part.ravel().tolist() for part in np.split(points, ends[:-1])]
    grid_meta, grid, far = _grid(edges)
    meta = {"format": index.INDEX_FORMAT, "crs": edges.crs.to_json(), "tiers": list(TIERS),
            "tier_labels": dict(TIER_LABELS), "grid": grid_meta, "outside_is_far": far}
    lookup = list(zip(edges["way_id"].astype(int).tolist(), folded, is_road.tolist(), coords))
    index.write_index(path, meta, segment_columns(edges), lookup, crossing_records(net.nodes), names, grid)


def _chain(scenario: Path | None) -> list[Path] | None:
    """The scenario file and the files it extends (``[]`` without one; ``None`` when unreadable:
    the command then says what is wrong, and nothing is kept)."""
    if scenario is None:
        return []
    from mobisim.scenario.files import load_raw

    try:
        return load_raw(Path(scenario))[2]
    except MobisimError:
        return None


@dataclass
class Remembered:
    """A plain ``mobisim toets`` command line, and the identity of the files it rests on."""

    dataset: str
    chain: list[list[str]] | None
    files: dict[str, Any] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    taken_ns: int = 0

    @classmethod
    def start(cls, scenario: Path | None, osm: Sequence[Path] | None, speed_limits: Path | None,
              speed_limits_column: str | None) -> Remembered:
        """Note the command line and its scenario files' content (before the scenario is read)."""
        chain = _chain(scenario)
        try:
            digests = None if chain is None else index.chain_digests(chain)
        except OSError:
            digests = None
        return cls(index.dataset_id(scenario, osm, speed_limits, speed_limits_column), digests)

    def before_judging(self, sc: Scenario, osm: Sequence[Path] | None, speed_limits: Path | None) -> None:
        """Note the data files' identity (before the evaluated network's key reads them)."""
        from mobisim.pipeline.today import verdict_candidates

        try:
            candidates = verdict_candidates(sc, osm, speed_limits)
        except MobisimError:
            candidates = []
        self.taken_ns = time.time_ns()
        self.files = {str(Path(p).absolute()): index.file_state(p) for _, p in candidates}
        self.sources = [str(p) for role, p in candidates if role == "osm"]  # as a cached entry names them

    def keep(self, net: Network, key: str | None, notes: Sequence[str]) -> None:
        """Write the answer index (when missing) and the fast key, if nothing changed meanwhile."""
        if key is None or self.chain is None or not self.files or len(net.edges) == 0:
            return
        if any(index.file_state(p) != s for p, s in self.files.items()):
            return
        try:
            if index.chain_digests([Path(p) for p, _ in self.chain]) != self.chain:
                return
            target = index.index_path(key)
            if not target.is_file():
                write_answer_index(target, net)
                index.evict()
        except (OSError, sqlite3.Error):
            return
        index.write_record(self.dataset, {"index": target.name, "verdicts_key": key, "sources": self.sources,
                                          "notes": [str(n) for n in notes], "files": self.files,
                                          "chain": self.chain}, self.taken_ns)
