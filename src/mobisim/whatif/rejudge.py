"""Judging again the rows an edit can change, on sub-networks, as the run's *after* judges them.

The steps of :func:`mobisim.pipeline.steps.evaluate_rules` for the scenario (with the programme):
the 30/50 regime on the scenario's streets at today's traffic (:func:`regime_rows`), the driven
speeds with the calming plan ordered again over kept per-segment arrays (:class:`PlanInputs`,
:func:`driven_rows`), and the toets at the driven speeds (:func:`toets_rows`). Each returns the
new columns of the rows it judged; :mod:`mobisim.whatif.session` writes them into its frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mobisim.load.areas import inside
from mobisim.network import Network
from mobisim.rules.driven_speed import candidates_for_plan, driven_speeds, plan_redesign, redesigned_by
from mobisim.rules.junctions import junction_fixes
from mobisim.rules.noise import estimate_daily_traffic
from mobisim.rules.regime import JUNCTION_COLUMNS, REGIME_COLUMNS, evaluate_regime
from mobisim.rules.toets.crossings import NODE_COLUMNS, classify_crossings
from mobisim.rules.toets.segments import SEGMENT_COLUMNS, segment_toets
from mobisim.scenario import Scenario
from mobisim.whatif.scope import ends

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["Judged", "PlanInputs", "driven_rows", "regime_rows", "toets_rows"]

#: The criteria columns whose verdicts decide a junction fix beside the regime.
_NEAR50 = ("c1_cycle_path", "c2_sensitive_sites", "c3_air_noise")


def _passes(frame: pd.DataFrame, col: str) -> np.ndarray:
    return frame[col].astype("string").eq("pass").fillna(False).to_numpy(bool)


def regime_rows(sub: Network, rows: pd.Index, kept: pd.DataFrame, sc: Scenario, air_layer: gpd.GeoDataFrame | None
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The regime of the segments ``rows`` and the junction fixes at their ends, judged on ``sub``.

    ``sub`` holds ``rows`` (whole streets) and every segment meeting at their ends
    (:func:`mobisim.whatif.scope.sub_network`). Its other segments are judged on part of their
    street, so their regime is taken from ``kept`` (the session's after) where a junction fix
    reads it.

    Returns
    -------
    edges : DataFrame
        :data:`~mobisim.rules.regime.REGIME_COLUMNS` of ``rows``.
    nodes : DataFrame
        :data:`~mobisim.rules.regime.JUNCTION_COLUMNS` of the ends of ``rows``.
    """
    # the regime reads the crossings at today's limits; the segments' toets is judged later, at
    # the driven speeds (what :func:`mobisim.rules.evaluate` runs first, but the crossings alone)
    crossing = classify_crossings(sub, sc.toets, speed_column="maxspeed")
    # the other segments only complete the crossings: outside the area judged, no criteria on them
    own = sub.edges.index.isin(rows)
    sub.edges = sub.edges.assign(in_area=own & inside(sub.edges))
    sub.nodes = sub.nodes.drop(columns=[c for c in NODE_COLUMNS if c in sub.nodes.columns]).join(crossing)
    sub.edges.attrs["toets_speed_column"] = "maxspeed"
    evaluate_regime(sub, sc.rules, toets_settings=sc.toets, air_layer=air_layer, junctions=False)
    e = sub.edges
    other = e.index.difference(rows)
    cols = ["regime", *_NEAR50, "c4_crossable"]
    mixed = e[cols].copy()
    mixed.loc[other, cols] = kept.loc[other, cols]
    near50 = _passes(mixed, "c1_cycle_path") & _passes(mixed, "c2_sensitive_sites") \
        & _passes(mixed, "c3_air_noise") & ~_passes(mixed, "c4_crossable")
    fifty = mixed["regime"].astype("string").eq("50").fillna(False).to_numpy(bool) | near50
    fix, reason = junction_fixes(e, sub.nodes, fifty, sub.nodes[NODE_COLUMNS], sc.rules, sc.toets)
    nodes = pd.DataFrame({JUNCTION_COLUMNS[0]: pd.array(fix, dtype="string"),
                          JUNCTION_COLUMNS[1]: pd.array(reason, dtype="string")}, index=sub.nodes.index)
    return e.loc[rows, REGIME_COLUMNS], nodes.loc[ends(e, np.flatnonzero(own))]


@dataclass
class PlanInputs:
    """The calming plan's per-segment inputs of the after network (:func:`driven_speed_step`).

    ``l0`` today's limit, ``cand`` in the plan's reach, ``excess`` the sign-only speed above
    the new limit, ``volume`` the daily traffic it weighs, ``kids`` today's school-route children;
    ``keys`` the plan's street of each segment and ``length`` its metres (an edit changes neither).
    """

    l0: np.ndarray
    cand: np.ndarray
    excess: np.ndarray
    volume: np.ndarray
    kids: np.ndarray
    keys: np.ndarray
    length: np.ndarray

    def keep(self, pos: np.ndarray) -> tuple[np.ndarray, ...]:
        """The inputs :meth:`take` rewrites at ``pos``, to :meth:`put_back` on undo."""
        return pos, self.cand[pos].copy(), self.excess[pos].copy(), self.volume[pos].copy()

    def put_back(self, kept: tuple[np.ndarray, ...]) -> None:
        """Restore what :meth:`keep` kept."""
        pos, self.cand[pos], self.excess[pos], self.volume[pos] = kept[0], kept[1], kept[2], kept[3]

    def take(self, edges: pd.DataFrame, nodes: pd.DataFrame, pos: np.ndarray, sc: Scenario) -> pd.DataFrame:
        """Compute the inputs of the segments ``edges`` (at positions ``pos``) again; return their
        sign-only driven speeds."""
        l0 = self.l0[pos]
        l1 = pd.to_numeric(edges[_limit(sc)], errors="coerce").to_numpy(dtype=float)
        sign = driven_speeds(edges, nodes, l0, l1, sc.driven_speed)
        self.cand[pos] = candidates_for_plan(edges, nodes, l0, l1, sc.driven_speed) & inside(edges)
        s = sc.scores
        self.volume[pos] = estimate_daily_traffic(edges, s.exposure_vehicles_per_day, s.exposure_other_vehicles_per_day)
        self.excess[pos] = pd.to_numeric(sign["driven_speed"], errors="coerce").to_numpy(dtype=float) - l1
        return sign


def _limit(sc: Scenario) -> str:
    return "proposed_maxspeed" if sc.programme else "maxspeed"


def plan_years(plan: PlanInputs, sc: Scenario) -> np.ndarray:
    """The calming plan's redesign year per segment (NaN: not planned), ordered city-wide.

    :func:`~mobisim.rules.driven_speed.plan_redesign` on the candidates alone (the others are
    not planned; the order and the ties are the same), on the street keys and lengths kept in
    ``plan``.
    """
    year = np.full(len(plan.l0), np.nan)
    pos = np.flatnonzero(plan.cand)
    if len(pos):
        year[pos] = plan_redesign(pd.DataFrame({"length": plan.length[pos]}), np.ones(len(pos), bool),
                                  sc.calming_plan, children=plan.kids[pos], excess_kmh=plan.excess[pos],
                                  traffic=plan.volume[pos], keys=plan.keys[pos])
    return year


def driven_rows(edges: pd.DataFrame, nodes: pd.DataFrame, l0: np.ndarray, redesigned: np.ndarray,
                sc: Scenario) -> pd.DataFrame:
    """``driven_speed``, ``driven_speed_basis`` and ``driven_speed_reason`` of ``edges`` (with
    today's limits ``l0`` and the plan's ``redesigned`` mask, aligned with them)."""
    l1 = pd.to_numeric(edges[_limit(sc)], errors="coerce").to_numpy(dtype=float)
    return driven_speeds(edges, nodes, l0, l1, sc.driven_speed, redesigned=redesigned)


def toets_rows(sub: Network, rows: pd.Index, nodes: np.ndarray, sc: Scenario,
               speed_column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The segment toets of ``rows`` and the crossing toets of ``nodes``, judged on ``sub``
    (which holds every segment meeting at ``nodes`` and the nodes near them)."""
    seg = segment_toets(sub.edges.loc[rows], sc.toets, speed_column=speed_column)
    crossing = classify_crossings(sub, sc.toets, speed_column=speed_column)
    return seg[SEGMENT_COLUMNS], crossing.loc[nodes, NODE_COLUMNS]


def redesigned(year: np.ndarray, sc: Scenario) -> np.ndarray:
    """The segments redesigned by the scenario's horizon."""
    return redesigned_by(year, int(sc.horizon))


@dataclass
class Judged:
    """The toets judged again after an edit: node positions and ids, the ids whose verdict
    changed, and whether nothing the school routes read changed (``same``)."""

    node_pos: np.ndarray
    nodes: np.ndarray
    changed_segments: list[int]
    changed_crossings: list[int]
    same: bool
