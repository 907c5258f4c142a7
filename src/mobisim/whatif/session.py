"""A what-if session: a scenario's evaluated *after*, and one edit at a time re-scored locally.

:meth:`Session.build` runs the scenario's before and after as ``mobisim run`` does
(:func:`mobisim.pipeline.today.run_before`, the steps of :func:`~mobisim.pipeline.today.run_after`)
and keeps what an edit re-uses: the unjudged scenario network (the interventions applied, today's
traffic), the judged after, the look-ups of :class:`~mobisim.whatif.scope.Index`, the calming
plan's inputs, the school routes' prebuilt structures and the toets figures' sums.

:meth:`Session.apply` takes one intervention (the models of scenario files) and judges again only
what it can change (:mod:`mobisim.whatif.scope`): it applies the edit to the rows it selects,
judges the regime of their whole streets, orders the calming plan again, judges the toets of the
segments and crossings whose speed or attributes changed, re-runs the child-safe school routes
and updates the figures by difference. The session's frames then hold the edited scenario.

Traffic: the volumes stay those of the full run. An edit that changes what the drivers see (a
limit, a closure, a fietsstraat, a redesign of a street whose limit changes) would move traffic;
its result says ``approximate`` with the reason (a warm-started re-assignment is the next step).
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mobisim.load.inputs import Inputs
from mobisim.network import Network
from mobisim.pipeline.steps import apply_interventions, evaluate_rules, evaluate_schools, programme_on
from mobisim.pipeline.today import run_before
from mobisim.rules.driven_speed import ENFORCED_BASES
from mobisim.scenario import Scenario
from mobisim.scenario.interventions import Crossing, InterventionModel, normalise_names, select_edges, select_node
from mobisim.scenario.interventions import apply_interventions as apply_edits
from mobisim.score.result import rate
from mobisim.whatif import rejudge
from mobisim.whatif.schools import Prebuilt, safe_pass
from mobisim.whatif.scope import Index, ends, region, sub_network
from mobisim.whatif.tally import Tally

__all__ = ["EditResult", "Session"]

#: Columns of the traffic model's volumes: an edit keeps the full run's (see the module docstring).
TRAFFIC_COLUMNS = ("daily_traffic", "daily_traffic_source")
#: Segment columns whose change moves traffic (what :func:`mobisim.traffic.car_links` reads).
ROUTE_COLUMNS = ("proposed_maxspeed", "maxspeed", "through_traffic", "bicycle_road")
#: School-route columns of the after network rewritten after an edit.
SCHOOL_EDGE_COLUMNS = {"school_route_children_safe": "edge_children_safe", "weakest_link_children": "edge_weakest"}


@dataclass
class EditResult:
    """What one edit changed.

    Attributes
    ----------
    edit
        The intervention applied (its id filled in).
    figures, figures_before
        The headline figures after and before the edit (:meth:`Session.figures`).
    segments, crossings
        How many segments and crossings were judged again.
    changed_segments, changed_crossings
        The ``edge_id`` / node ids whose toets verdict changed.
    approximate
        The traffic volumes are those of the full run while the edit moves traffic.
    reason
        Why the result is approximate (``None`` when exact).
    seconds
        Wall time per stage.
    """

    edit: InterventionModel
    figures: dict[str, Any]
    figures_before: dict[str, Any]
    segments: int
    crossings: int
    changed_segments: list[int]
    changed_crossings: list[int]
    approximate: bool
    reason: str | None
    seconds: dict[str, float] = field(default_factory=dict)


def _copy(net: Network) -> Network:
    out = copy.copy(net)
    out.edges, out.nodes = net.edges.copy(), net.nodes.copy()
    out.edges.attrs = dict(net.edges.attrs)
    return out


def _python_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its Arrow-backed text columns held as Python strings.

    An Arrow array is immutable: writing a few rows rebuilds the whole column, a Python-backed
    one is written in place, which is what an edit does to a few hundred rows of 70,000.
    """
    out = frame.copy()
    out.attrs = dict(frame.attrs)
    for col in frame.columns:
        dtype = frame[col].dtype
        if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
            out[col] = frame[col].astype(pd.StringDtype("python", na_value=dtype.na_value))
    return out


def _write(frame: pd.DataFrame, new: pd.DataFrame, columns: list[str] | None = None) -> None:
    """Write the rows of ``new`` into ``frame`` (in place, by position), creating missing columns."""
    pos = frame.index.get_indexer(new.index)
    for col in columns if columns is not None else list(new.columns):
        if col not in frame.columns:
            dtype = new[col].dtype
            if isinstance(dtype, pd.StringDtype):
                dtype = pd.StringDtype("python", na_value=dtype.na_value)
            elif not isinstance(dtype, pd.api.extensions.ExtensionDtype):
                dtype = np.dtype(object)  # as a scenario's own new column: missing elsewhere
            frame[col] = pd.Series(None if dtype == np.dtype(object) else pd.NA, index=frame.index, dtype=dtype)
        frame.isetitem(frame.columns.get_loc(col), _put(frame[col], pos, new[col]))


def _put(column: pd.Series, pos: np.ndarray, values: pd.Series) -> pd.Series:
    """``column`` with ``values`` at positions ``pos`` (in place where its array allows)."""
    try:
        column.array[pos] = values.array
        return column
    except (TypeError, ValueError, NotImplementedError):
        out = column.copy()
        out.iloc[pos] = values.to_numpy()
        return out


def _changed_columns(new: pd.DataFrame, old: pd.DataFrame) -> list[str]:
    """The columns of ``new`` whose values differ from ``old`` (same rows)."""
    return [c for c in new.columns if c not in old.columns or not new[c].equals(old[c])]


class Session:
    """The evaluated after of a scenario, re-scored one edit at a time (see the module docstring).

    Build it with :meth:`build`; :meth:`apply` an edit; read :attr:`after`, :attr:`schools` and
    :meth:`figures`.
    """

    def __init__(self, sc: Scenario, inputs: Inputs, base: Network, after: Network, modelled: bool,
                 plan: rejudge.PlanInputs, schools: Prebuilt | None, notes: list[str]) -> None:
        from mobisim.load.coverage import data_coverage

        self.sc, self.inputs, self.base, self.after, self.modelled = sc, inputs, base, after, modelled
        self.notes = notes
        self.base.coverage = base.coverage or data_coverage(base)
        self.index = Index.build(base)
        self.folded = normalise_names(base.edges["name"]) if "name" in base.edges.columns else None
        self.plan = plan
        self.redesigned = rejudge.redesigned(rejudge.plan_years(base.edges, plan, sc), sc)
        self.prebuilt = schools
        self.schools = safe_pass(schools, after) if schools is not None else None
        if self.schools is not None:
            from mobisim.schools.evaluate import add_route_columns

            add_route_columns(after, self.schools)
        self.tally = Tally.build(after.edges, after.nodes)
        self.radius = float(sc.toets.signal_search_radius_m)
        self.count = 0

    @classmethod
    def build(cls, sc: Scenario, inputs: Inputs) -> Session:
        """Evaluate the scenario's before and after as ``mobisim run`` does, and keep its state."""
        notes: list[str] = []
        before = run_before(sc, inputs, notes)
        evaluate_schools(before.net, sc, inputs, notes)
        edges = before.net.edges
        children = edges["school_route_children"] if "school_route_children" in edges.columns else None
        base = apply_interventions(before.base, sc)
        base.edges, base.nodes = _python_strings(base.edges), _python_strings(base.nodes)
        after = _copy(base)
        evaluate_rules(after, sc, inputs, proposal=programme_on(sc), traffic_before=edges if before.modelled else None,
                       notes=notes, limits_before=edges["maxspeed"], children=children)
        l0 = pd.to_numeric(edges["maxspeed"].reindex(base.edges.index), errors="coerce").to_numpy(dtype=float)
        kids = np.zeros(len(l0)) if children is None else \
            pd.to_numeric(children.reindex(base.edges.index), errors="coerce").fillna(0).to_numpy(dtype=float)
        n = len(l0)
        plan = rejudge.PlanInputs(l0=l0, cand=np.zeros(n, bool), excess=np.zeros(n), volume=np.zeros(n), kids=kids)
        plan.take(cls._planned(base.edges, after.edges, sc), base.nodes, np.arange(n), sc)
        schools = cls._prebuilt(after, sc, inputs)
        after.edges, after.nodes = _python_strings(after.edges), _python_strings(after.nodes)
        return cls(sc, inputs, base, after, before.modelled, plan, schools, notes)

    @staticmethod
    def _planned(base: pd.DataFrame, after: pd.DataFrame, sc: Scenario) -> pd.DataFrame:
        """The segments as the calming plan sees them: the scenario network at today's traffic,
        with the limit the regime proposes."""
        if not programme_on(sc):
            return base
        return base.assign(proposed_maxspeed=after["proposed_maxspeed"].reindex(base.index))

    @staticmethod
    def _prebuilt(after: Network, sc: Scenario, inputs: Inputs) -> Prebuilt | None:
        from mobisim.schools import school_points

        s = sc.schools
        points = school_points(after, s, register=inputs.school_register, school_list=inputs.school_list)
        if len(points) == 0:
            return None
        return Prebuilt.build(after, points, s, inputs.school_wijken)

    # ------------------------------------------------------------------------------------------

    def figures(self) -> dict[str, Any]:
        """The headline figures that rest on the toets and the school routes."""
        out: dict[str, Any] = {f"toets_{k}": v for k, v in self.tally.rates().items()}
        out["toets_crossings_rated"] = int(self.tally.sums["rated"])
        out["toets_crossings_passed"] = int(self.tally.sums["ok"])
        if self.schools is not None:
            sc = self.schools.scores
            out |= {"children_safe": sc["children_safe"], "children_routed": sc["children_routed"],
                    "children_safe_share": sc["share_safe"]}
        return out

    def per_wijk(self) -> Any:
        """The child-safe share per wijk of the current state (``None`` without schools or wijken)."""
        if self.prebuilt is None or self.prebuilt.wijken is None or self.schools is None:
            return None
        from mobisim.schools.summary import scores_per_wijk

        return scores_per_wijk(self.schools.origins, self.prebuilt.wijken)

    def rounded(self) -> dict[str, Any]:
        """:meth:`figures` with the shares rounded as ``scores.json`` gives them, the counts whole."""
        return {k: v if not isinstance(v, float) else round(v) if k.startswith("children_") and "share" not in k
                else rate(v, 1.0) for k, v in self.figures().items()}

    def _select(self, iv: InterventionModel) -> tuple[InterventionModel, np.ndarray, np.ndarray, Network]:
        """The edit with its node fixed, the segment positions and node ids it selects, and the
        network of those rows it is applied to."""
        base = self.base
        sub = copy.copy(base)
        if isinstance(iv, Crossing):
            node = select_node(base.nodes, base.edges, iv)
            iv = iv.model_copy(update={"node": node, "at": None})
            sub.edges, sub.nodes = base.edges.iloc[:0], base.nodes.loc[[node]]
            return iv, np.zeros(0, dtype=np.int64), np.array([node], dtype=np.int64), sub
        rows = np.flatnonzero(select_edges(base.edges, iv, self.folded))
        sub.edges, sub.nodes = base.edges.iloc[rows], base.nodes.iloc[:0]
        return iv, rows, np.zeros(0, dtype=np.int64), sub

    def _apply_rows(self, iv: InterventionModel, rows: np.ndarray, sub: Network) -> None:
        """Apply the edit to the rows it selects (``sub``), in the unjudged and the judged frames."""
        done = apply_edits(sub, [iv])
        for new, frames in ((done.edges, (self.base.edges, self.after.edges)),
                            (done.nodes, (self.base.nodes, self.after.nodes))):
            if not len(new):
                continue
            cols = _changed_columns(new, frames[0].loc[new.index])
            _write(frames[0], new, cols)
            kept = [c for c in cols if not (self.modelled and c in TRAFFIC_COLUMNS)]
            _write(frames[1], new, kept)
        if self.modelled and len(rows):  # a figure of its own (a closure's destination traffic) wins
            own = done.edges["daily_traffic_source"].astype("string").str.startswith("intervention:").fillna(False)
            if own.any():
                _write(self.after.edges, done.edges.loc[own.to_numpy()], list(TRAFFIC_COLUMNS))

    def _regime(self, rows: np.ndarray, nodes: np.ndarray) -> None:
        """The regime of the segments at ``rows`` (whole streets) and the junction fixes at ``nodes``."""
        idx = self.base.edges.index[rows]
        if programme_on(self.sc):
            sub = sub_network(self.base, self.index, nodes, self.radius, rows=rows)
            reg_e, reg_n = rejudge.regime_rows(sub, idx, self.after.edges, self.sc, self.inputs.air_layer)
            _write(self.after.edges, reg_e)
            _write(self.after.nodes, reg_n)
            return
        from mobisim.rules.today import today_regime

        sub = copy.copy(self.after)
        sub.edges = self.after.edges.loc[idx].copy()
        cols = ["regime", "proposed_maxspeed", "regime_rule", "regime_reason"]
        _write(self.after.edges, today_regime(sub, self.sc.rules).edges[cols])

    def _driven(self, rows: np.ndarray) -> np.ndarray:
        """The calming plan again and the driven speeds of the segments whose speed can change;
        returns their positions (``rows`` and the segments whose redesign by the horizon flipped)."""
        a = self.after.edges
        sub = self._planned(self.base.edges.iloc[rows], a.iloc[rows], self.sc)
        sign = self.plan.take(sub, self.base.nodes, rows, self.sc)
        year = rejudge.plan_years(self.base.edges, self.plan, self.sc)
        red = rejudge.redesigned(year, self.sc)
        flips = np.flatnonzero(red != self.redesigned)
        self.redesigned = red
        a["redesign_year"] = pd.array(year, dtype="Float64").astype("Int64")
        _write(a, pd.DataFrame({"driven_speed_sign_only": sign["driven_speed"]}))
        both = np.union1d(rows, flips)
        judged = a.iloc[both]
        _write(a, rejudge.driven_rows(judged, self.after.nodes, self.plan.l0[both], red[both], self.sc))
        return both

    def _route_change(self, old: pd.DataFrame, rows: np.ndarray) -> str | None:
        """Why the edit moves traffic (a column the car model reads changed on a car road), or ``None``."""
        if not self.modelled:
            return None
        new = self.after.edges.iloc[rows]
        drive = new["mode_drive"].astype("boolean").fillna(False).to_numpy(bool) if "mode_drive" in new else \
            np.ones(len(new), bool)
        moved = [c for c in ROUTE_COLUMNS if c in new.columns and not new[c][drive].equals(old[c][drive])]
        enforced = [frame["driven_speed_basis"].astype("string").isin(ENFORCED_BASES).fillna(False).to_numpy(bool)
                    & drive for frame in (new, old)]
        if (enforced[0] != enforced[1]).any():
            moved.append("driven_speed_basis (redesigned)")
        if not moved:
            return None
        return (f"the edit changes what drivers see ({', '.join(moved)}): traffic volumes are the full run's, "
                "not re-assigned (a full run gives the re-assigned figures)")

    def _toets(self, rows: np.ndarray, speed_before: pd.Series) -> _Judged:
        """The toets of the segments at ``rows`` and of the crossings at their ends."""
        from mobisim.rules.toets.crossings import NODE_COLUMNS
        from mobisim.rules.toets.segments import SEGMENT_COLUMNS

        a = self.after
        nodes = ends(a.edges, rows)
        idx = a.edges.index[rows]
        speed = a.edges.attrs.get("toets_speed_column", "maxspeed")
        old_seg = _text(a.edges.loc[idx, SEGMENT_COLUMNS])
        old_cross = _text(a.nodes.loc[nodes, NODE_COLUMNS])
        sub = sub_network(a, self.index, nodes, self.radius, rows=rows)
        seg, cross = rejudge.toets_rows(sub, idx, nodes, self.sc, speed)
        _write(a.edges, seg)
        _write(a.nodes, cross)
        seg_diff, cross_diff = _text(seg).ne(old_seg), _text(cross).ne(old_cross)
        seg_changed = seg_diff[["toets_bike", "toets_walk"]].any(axis=1).to_numpy()
        cross_changed = cross_diff["toets_crossing"].to_numpy()
        # what the school routes read: the verdicts and their texts, the speed along a crossing
        same = not (seg_diff.to_numpy().any() or cross_diff.to_numpy().any()
                    or _text(a.edges.loc[idx, [speed]]).ne(_text(speed_before.loc[idx].to_frame(speed))).to_numpy().any())
        return _Judged(node_pos=a.nodes.index.get_indexer(nodes), nodes=nodes,
                       changed_segments=[int(i) for i in idx[seg_changed]],
                       changed_crossings=[int(i) for i in nodes[cross_changed]], same=same)

    def apply(self, edit: InterventionModel) -> EditResult:
        """Apply one intervention and re-score what it can change (see the module docstring).

        Raises
        ------
        NotFoundError
            The street, way or node the edit names is not in the network.
        """
        self.count += 1
        if edit.id is None:
            edit = edit.model_copy(update={"id": f"whatif-{self.count}"})
        before = self.figures()
        clock = _Clock()
        iv, rows, nodes, sub = self._select(edit)
        reg = region(self.index, self.base.edges, rows, nodes, self.radius if len(nodes) else 0.0)
        old = self.after.edges[[c for c in (*ROUTE_COLUMNS, "driven_speed_basis")
                                if c in self.after.edges.columns]].copy()
        speed = self.after.edges[self.after.edges.attrs.get("toets_speed_column", "maxspeed")].copy()
        self._apply_rows(iv, rows, sub)
        clock.lap("apply")
        self._regime(reg.rows, reg.nodes)
        clock.lap("regime")
        judged = self._driven(reg.rows)
        clock.lap("driven_speed")
        reason = self._route_change(old.iloc[judged], judged) if len(judged) else None
        done = self._toets(judged, speed)
        self.tally.update(self.after.edges, judged, self.after.nodes, done.node_pos)
        clock.lap("toets")
        if self.prebuilt is not None and not done.same:  # else the school routes are those of before
            self.schools = safe_pass(self.prebuilt, self.after)
            for col, attr in SCHOOL_EDGE_COLUMNS.items():
                self.after.edges[col] = getattr(self.schools, attr).to_numpy()
            self.after.nodes["weakest_link_children"] = self.schools.node_weakest.to_numpy()
        clock.lap("schools")
        return EditResult(edit=iv, figures=self.figures(), figures_before=before, segments=len(judged),
                          crossings=len(done.nodes), changed_segments=done.changed_segments,
                          changed_crossings=done.changed_crossings,
                          approximate=reason is not None, reason=reason, seconds=clock.laps)


@dataclass
class _Judged:
    """The toets judged again: node positions and ids, the ids whose verdict changed, and whether
    nothing the school routes read changed (``same``)."""

    node_pos: np.ndarray
    nodes: np.ndarray
    changed_segments: list[int]
    changed_crossings: list[int]
    same: bool


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as comparable text (missing as ``"<NA>"``)."""
    return frame.astype("string").fillna("<NA>").astype(object)


class _Clock:
    """Wall time per stage."""

    def __init__(self) -> None:
        self.t = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self.t
        self.t = now
