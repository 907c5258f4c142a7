"""The toets figures of the headline kept as per-row parts and their sums, updated by difference.

:func:`mobisim.score.toets.toets_rates` sums lengths over verdict masks and counts crossings;
:class:`Tally` keeps each row's part and the sums, so an edit changes only the rows it judged
again (:meth:`Tally.update`) and :meth:`Tally.rates` gives the same shares without a pass over
the city.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from mobisim.frames import edge_ends, flags, numbers
from mobisim.load.areas import inside

__all__ = ["Kept", "Tally"]

#: Per-segment parts: (name, verdict column, verdict or None for "rated", pass).
_SEGMENT_PARTS = ("evaluated", "passed", "bike_eval", "bike_pass", "walk_eval", "walk_pass")
_NODE_PARTS = ("rated", "ok")


def _is(frame: pd.DataFrame, name: str, verdict: str) -> np.ndarray:
    return frame[name].eq(verdict).fillna(False).to_numpy(bool)


def _rated(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].ne("n/a").fillna(False).to_numpy(bool)


def segment_parts(edges: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each segment's masks of :func:`mobisim.score.toets.toets_rates`, inside the area judged
    (``scores.json`` rates :func:`mobisim.pipeline.scoring.in_area` rows only)."""
    ins = inside(edges)
    bike_eval, walk_eval = _rated(edges, "toets_bike") & ins, _rated(edges, "toets_walk") & ins
    evaluated = bike_eval | walk_eval
    return {"evaluated": evaluated, "passed": flags(edges, "toets_pass") & evaluated,
            "bike_eval": bike_eval, "bike_pass": _is(edges, "toets_bike", "pass") & ins,
            "walk_eval": walk_eval, "walk_pass": _is(edges, "toets_walk", "pass") & ins}


def node_parts(nodes: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each node's crossing masks (rated, passed)."""
    rated = flags(nodes, "is_crossing") & _rated(nodes, "toets_crossing") & inside(nodes)
    return {"rated": rated, "ok": rated & _is(nodes, "toets_crossing", "pass")}


class Kept(NamedTuple):
    """The parts and sums an update rewrites (:meth:`Tally.keep`)."""

    rows: np.ndarray
    node_pos: np.ndarray
    seg: dict[str, np.ndarray]
    node: dict[str, np.ndarray]
    sums: dict[str, float]


@dataclass
class Tally:
    """Per-row parts and sums of the toets figures of one judged network.

    ``length`` and ``school`` (on a school route) do not change with an edit; the masks do.
    """

    length: np.ndarray
    school: np.ndarray
    on_school: np.ndarray
    seg: dict[str, np.ndarray]
    node: dict[str, np.ndarray]
    sums: dict[str, float]

    @classmethod
    def build(cls, edges: pd.DataFrame, nodes: pd.DataFrame) -> Tally:
        """The parts and sums of ``edges``/``nodes`` (with ``school_route_children``)."""
        length = edges["length"].astype(float).to_numpy(float)
        school = numbers(edges, "school_route_children") > 0
        on_school = np.isin(nodes.index.to_numpy(), edge_ends(edges, school & inside(edges)))
        tally = cls(length=length, school=school, on_school=on_school, seg=segment_parts(edges),
                    node=node_parts(nodes), sums={})
        tally.sums = tally._sum(np.arange(len(edges)), np.arange(len(nodes)))
        return tally

    def _sum(self, rows: np.ndarray, nodes: np.ndarray) -> dict[str, float]:
        L, sch = self.length[rows], self.school[rows]
        out = {k: float(L[v[rows]].sum()) for k, v in self.seg.items()}
        out |= {f"school_{k}": float(L[v[rows] & sch].sum()) for k, v in self.seg.items() if k in ("evaluated", "passed")}
        on = self.on_school[nodes]
        out |= {k: float(v[nodes].sum()) for k, v in self.node.items()}
        out |= {f"school_{k}": float((v[nodes] & on).sum()) for k, v in self.node.items()}
        return out

    def keep(self, rows: np.ndarray, node_pos: np.ndarray) -> Kept:
        """What :meth:`update` of ``rows`` and ``node_pos`` rewrites, to :meth:`put_back` on undo."""
        return Kept(rows, node_pos, {k: v[rows].copy() for k, v in self.seg.items()},
                    {k: v[node_pos].copy() for k, v in self.node.items()}, dict(self.sums))

    def put_back(self, kept: Kept) -> None:
        """Restore what :meth:`keep` kept (the sums exactly as they were, not by difference)."""
        for k, v in kept.seg.items():
            self.seg[k][kept.rows] = v
        for k, v in kept.node.items():
            self.node[k][kept.node_pos] = v
        self.sums = dict(kept.sums)

    def update(self, edges: pd.DataFrame, rows: np.ndarray, nodes: pd.DataFrame, node_pos: np.ndarray) -> None:
        """Take the verdicts of the segments at ``rows`` and the nodes at ``node_pos`` again."""
        old = self._sum(rows, node_pos)
        for k, v in segment_parts(edges.iloc[rows]).items():
            self.seg[k][rows] = v
        for k, v in node_parts(nodes.iloc[node_pos]).items():
            self.node[k][node_pos] = v
        new = self._sum(rows, node_pos)
        for k in self.sums:
            self.sums[k] += new[k] - old[k]

    def rates(self) -> dict[str, float | None]:
        """The shares of :func:`mobisim.score.toets.toets_rates` (``None`` where nothing is rated)."""
        s = self.sums

        def rate(a: float, b: float) -> float | None:
            return a / b if b > 0 else None

        return {"all": rate(s["passed"], s["evaluated"]),
                "school_routes": rate(s["school_passed"], s["school_evaluated"]),
                "bike": rate(s["bike_pass"], s["bike_eval"]), "walk": rate(s["walk_pass"], s["walk_eval"]),
                "crossings": rate(s["ok"], s["rated"]),
                "crossings_school_routes": rate(s["school_ok"], s["school_rated"])}
