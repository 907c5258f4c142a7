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

Traffic: an edit that changes what the drivers see (a limit, a closure, a fietsstraat, a
redesign of a street whose limit changes) moves traffic. :meth:`Session.apply` then re-routes the
flow of the edited links at once (:meth:`mobisim.whatif.traffic.Flows.detour`, documented there),
judges the toets of the segments whose volume changed again and says ``traffic="approximate"``;
:meth:`Session.reassign` runs the traffic model on the edited network (what a full run does) and
re-scores the segments it moves: ``traffic="reassigned"`` (or in three steps, the model without
the caller's lock: :meth:`Session.assignment`, its ``run()``, :meth:`Session.commit`).

Undo: every write of an edit goes through a :class:`~mobisim.whatif.journal.Journal` that keeps
the old values (and the session's own state before the edit); :meth:`Session.undo` puts them
back, so the figures after an undo equal those before the edit, bit for bit. A re-assignment
belongs to the last edit's journal: undoing that edit undoes the re-assignment too.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from mobisim.load.inputs import Inputs
from mobisim.network import Network
from mobisim.pipeline.steps import apply_interventions, evaluate_rules, evaluate_schools, programme_on
from mobisim.pipeline.today import run_before
from mobisim.rules.driven_speed import ENFORCED_BASES, plan_street_keys
from mobisim.scenario import Scenario
from mobisim.scenario.interventions import Crossing, InterventionModel, normalise_names, select_edges, select_node
from mobisim.scenario.interventions import apply_interventions as apply_edits
from mobisim.schools import SchoolRoutes
from mobisim.score.result import rate
from mobisim.whatif import rejudge
from mobisim.whatif.journal import Clock, Journal, changed_columns, differs, python_strings
from mobisim.whatif.result import EditResult, NothingToUndoError
from mobisim.whatif.schools import Prebuilt, safe_pass
from mobisim.whatif.scope import Index, ends, region, sub_network
from mobisim.whatif.tally import Tally
from mobisim.whatif.traffic import Assignment, Flows, changed_volumes, route_key, volume, write_volumes

__all__ = ["EditResult", "NothingToUndoError", "Session"]

#: The volume columns: on the after, the model's (moved by the detour approximation, or :meth:`Session.reassign`).
TRAFFIC_COLUMNS = ("daily_traffic", "daily_traffic_source")
#: Segment columns whose change moves traffic (what :func:`mobisim.traffic.car_links` reads).
ROUTE_COLUMNS = ("proposed_maxspeed", "maxspeed", "through_traffic", "bicycle_road")
#: Columns the traffic step writes (:func:`mobisim.traffic.write_traffic`).
MODEL_COLUMNS = ("daily_traffic", "daily_traffic_source", "daily_traffic_carriageway", "traffic_through_min",
                 "rat_run", "rat_run_fix", "daily_traffic_before", "traffic_change")
#: School-route columns of the after network rewritten after an edit.
SCHOOL_EDGE_COLUMNS = {"school_route_children_safe": "edge_children_safe", "weakest_link_children": "edge_weakest"}


def _copy(net: Network) -> Network:
    out = copy.copy(net)
    out.edges, out.nodes = net.edges.copy(), net.nodes.copy()
    out.edges.attrs = dict(net.edges.attrs)
    return out


class Session:
    """The evaluated after of a scenario, re-scored one edit at a time (see the module docstring).

    Build it with :meth:`build`; :meth:`apply` an edit, :meth:`undo` it, :meth:`reassign` the
    traffic; read :attr:`edits`, :attr:`after`, :attr:`schools` and :meth:`figures`.

    Attributes
    ----------
    edits : list
        The edits applied, in order (their ids filled in).
    pending : list of str
        Why the traffic is approximate: one reason per route-changing edit not yet re-assigned.
    """

    def __init__(self, sc: Scenario, inputs: Inputs, base: Network, after: Network, today: pd.DataFrame | None,
                 plan: rejudge.PlanInputs, schools: Prebuilt | None, notes: list[str]) -> None:
        from mobisim.load.coverage import data_coverage

        self.sc, self.inputs, self.base, self.after, self.today = sc, inputs, base, after, today
        #: Today's judged network and school routes as :meth:`build` judged them (``mobisim run``'s
        #: before), for a caller that shows today's figures; set it to ``None`` to free them.
        self.before: tuple[Network, SchoolRoutes | None] | None = None
        self.modelled = today is not None
        self.notes = notes
        self.edits: list[InterventionModel] = []
        self.pending: list[str] = []
        self._journals: list[Journal] = []
        self._j = Journal()  # the build's writes are not undone
        self.base.coverage = base.coverage or data_coverage(base)
        self.index = Index.build(base)
        self.folded = normalise_names(base.edges["name"]) if "name" in base.edges.columns else None
        self.plan = plan
        self.redesigned = rejudge.redesigned(rejudge.plan_years(plan, sc), sc)
        self.prebuilt = schools
        self.schools = safe_pass(schools, after) if schools is not None else None
        if self.schools is not None:
            from mobisim.schools.evaluate import add_route_columns

            add_route_columns(after, self.schools)
        self.tally = Tally.build(after.edges, after.nodes)
        self.radius = float(sc.toets.signal_search_radius_m)
        self.count = 0
        modelled = today is not None and "daily_traffic_carriageway" in after.edges.columns
        self.flows = Flows.build(after.edges, sc, today["maxspeed"]) if modelled and today is not None else None

    @classmethod
    def build(cls, sc: Scenario, inputs: Inputs) -> Session:
        """Evaluate the scenario's before and after as ``mobisim run`` does, and keep its state."""
        notes: list[str] = []
        before = run_before(sc, inputs, notes)
        schools_before = evaluate_schools(before.net, sc, inputs, notes)
        edges = before.net.edges
        children = edges["school_route_children"] if "school_route_children" in edges.columns else None
        base = apply_interventions(before.base, sc)
        base.edges, base.nodes = python_strings(base.edges), python_strings(base.nodes)
        after = _copy(base)
        evaluate_rules(after, sc, inputs, proposal=programme_on(sc), traffic_before=edges if before.modelled else None,
                       notes=notes, limits_before=edges["maxspeed"], children=children)
        l0 = pd.to_numeric(edges["maxspeed"].reindex(base.edges.index), errors="coerce").to_numpy(dtype=float)
        kids = np.zeros(len(l0)) if children is None else \
            pd.to_numeric(children.reindex(base.edges.index), errors="coerce").fillna(0).to_numpy(dtype=float)
        n = len(l0)
        plan = rejudge.PlanInputs(l0=l0, cand=np.zeros(n, bool), excess=np.zeros(n), volume=np.zeros(n), kids=kids,
                                  keys=plan_street_keys(base.edges), length=base.edges["length"].to_numpy(float))
        plan.take(cls._planned(base.edges, after.edges, sc), base.nodes, np.arange(n), sc)
        schools = cls._prebuilt(after, sc, inputs)
        after.edges, after.nodes = python_strings(after.edges), python_strings(after.nodes)
        today = edges[["maxspeed", "daily_traffic"]].copy() if before.modelled else None
        session = cls(sc, inputs, base, after, today, plan, schools, notes)
        session.before = (before.net, schools_before)
        return session

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
            cols = changed_columns(new, frames[0].loc[new.index])
            self._j.write(frames[0], new, cols)
            kept = [c for c in cols if not (self.modelled and c in TRAFFIC_COLUMNS)]
            self._j.write(frames[1], new, kept)
        if self.modelled and len(rows):  # a figure of its own (a closure's destination traffic) wins
            own = done.edges["daily_traffic_source"].astype("string").str.startswith("intervention:").fillna(False)
            if own.any():
                self._j.write(self.after.edges, done.edges.loc[own.to_numpy()], list(TRAFFIC_COLUMNS))

    def _regime(self, rows: np.ndarray, nodes: np.ndarray) -> None:
        """The regime of the segments at ``rows`` (whole streets) and the junction fixes at ``nodes``."""
        idx = self.base.edges.index[rows]
        if programme_on(self.sc):
            sub = sub_network(self.base, self.index, nodes, self.radius, rows=rows)
            reg_e, reg_n = rejudge.regime_rows(sub, idx, self.after.edges, self.sc, self.inputs.air_layer)
            self._j.write(self.after.edges, reg_e)
            self._j.write(self.after.nodes, reg_n)
            return
        from mobisim.rules.today import today_regime

        sub = copy.copy(self.after)
        sub.edges = self.after.edges.loc[idx].copy()
        cols = ["regime", "proposed_maxspeed", "regime_rule", "regime_reason"]
        self._j.write(self.after.edges, today_regime(sub, self.sc.rules).edges[cols])

    def _driven(self, rows: np.ndarray) -> np.ndarray:
        """The calming plan again and the driven speeds of the segments whose speed can change;
        returns their positions (``rows`` and the segments whose redesign by the horizon flipped)."""
        a = self.after.edges
        sub = self._planned(self.base.edges.iloc[rows], a.iloc[rows], self.sc)
        self._j.state.setdefault("plan", []).append(self.plan.keep(rows))
        sign = self.plan.take(sub, self.base.nodes, rows, self.sc)
        year = rejudge.plan_years(self.plan, self.sc)
        red = rejudge.redesigned(year, self.sc)
        flips = np.flatnonzero(red != self.redesigned)
        self.redesigned = red
        self._j.update(a, "redesign_year", pd.array(year, dtype="Float64").astype("Int64"))
        self._j.write(a, pd.DataFrame({"driven_speed_sign_only": sign["driven_speed"]}))
        both = np.union1d(rows, flips)
        judged = a.iloc[both]
        self._j.write(a, rejudge.driven_rows(judged, self.after.nodes, self.plan.l0[both], red[both], self.sc))
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
        return (f"the edit changes what drivers see ({', '.join(moved)}): traffic volumes re-routed by the "
                "detour approximation, not re-assigned (reassign() or a full run gives the assignment)")

    def _toets(self, rows: np.ndarray, speed_before: pd.Series) -> rejudge.Judged:
        """The toets of the segments at ``rows`` and of the crossings at their ends."""
        from mobisim.rules.toets.crossings import NODE_COLUMNS
        from mobisim.rules.toets.segments import SEGMENT_COLUMNS

        a = self.after
        nodes = ends(a.edges, rows)
        idx = a.edges.index[rows]
        speed = a.edges.attrs.get("toets_speed_column", "maxspeed")
        old_seg = a.edges.loc[idx, SEGMENT_COLUMNS]
        old_cross = a.nodes.loc[nodes, NODE_COLUMNS]
        sub = sub_network(a, self.index, nodes, self.radius, rows=rows)
        seg, cross = rejudge.toets_rows(sub, idx, nodes, self.sc, speed)
        self._j.write(a.edges, seg)
        self._j.write(a.nodes, cross)
        seg_diff, cross_diff = differs(seg, old_seg), differs(cross, old_cross)
        seg_changed = seg_diff[["toets_bike", "toets_walk"]].any(axis=1).to_numpy()
        cross_changed = cross_diff["toets_crossing"].to_numpy()
        # what the school routes read: the verdicts and their texts, the speed along a crossing
        same = not (seg_diff.to_numpy().any() or cross_diff.to_numpy().any()
                    or differs(a.edges.loc[idx, [speed]], speed_before.loc[idx].to_frame(speed)).to_numpy().any())
        return rejudge.Judged(node_pos=a.nodes.index.get_indexer(nodes), nodes=nodes,
                       changed_segments=[int(i) for i in idx[seg_changed]],
                       changed_crossings=[int(i) for i in nodes[cross_changed]], same=same)

    def _rescore(self, rows: np.ndarray, speed: pd.Series, clock: Clock) -> rejudge.Judged:
        """The toets of ``rows`` (and the crossings at their ends), the tally, then the school routes."""
        done = self._toets(rows, speed)
        self._j.state.setdefault("tally", []).append(self.tally.keep(rows, done.node_pos))
        self.tally.update(self.after.edges, rows, self.after.nodes, done.node_pos)
        clock.lap("toets")
        if self.prebuilt is not None and not done.same:  # else the school routes are those of before
            self.schools = safe_pass(self.prebuilt, self.after)
            for col, attr in SCHOOL_EDGE_COLUMNS.items():
                self._j.update(self.after.edges, col, getattr(self.schools, attr).to_numpy())
            self._j.update(self.after.nodes, "weakest_link_children", self.schools.node_weakest.to_numpy())
        clock.lap("schools")
        return done

    def _detour(self, rows: np.ndarray, reason: str) -> tuple[np.ndarray, str | None]:
        """Re-route the flow of the car links of ``rows`` the edit closed or slowed
        (:meth:`Flows.detour`) and write the segments' new volumes; their positions and the
        reason (``None``: the car links the model reads did not change, so neither do its volumes)."""
        fl, a = self.flows, self.after.edges
        if fl is None or self.today is None:
            return np.zeros(0, dtype=np.int64), reason
        kept = fl.keep(np.flatnonzero(np.isin(fl.links["edge_pos"].to_numpy(), rows)))
        self._j.state.setdefault("flows", []).append(kept)
        changed = fl.edited(a, rows, self.sc, self.today["maxspeed"])
        if not len(changed):
            return np.zeros(0, dtype=np.int64), None
        at = np.searchsorted(kept[0], changed)
        flow, stuck = fl.detour(a, changed, kept[1][at], kept[2][at])
        vol = fl.volumes(a, flow)
        moved = write_volumes(self._j, a, vol)
        note = f"; {stuck} closed piece(s) have no way round and keep their flow" if stuck else ""
        return moved, reason + note

    def apply(self, edit: InterventionModel) -> EditResult:
        """Apply one intervention and re-score what it can change (see the module docstring).

        On any failure the session is left as it was.

        Raises
        ------
        NotFoundError
            The street, way or node the edit names is not in the network.
        """
        j = self._begin(Journal())
        try:
            result = self._apply(edit)
        except BaseException:
            self._rollback(j)
            raise
        self.edits.append(result.edit)
        self._journals.append(j)
        return result

    def _apply(self, edit: InterventionModel) -> EditResult:
        self.count += 1
        if edit.id is None:
            edit = edit.model_copy(update={"id": f"whatif-{self.count}"})
        before, vol0, clock = self.figures(), volume(self.after.edges), Clock()
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
        if reason is not None:
            moved, reason = self._detour(judged, reason)
            self.pending.extend([reason] if reason else [])
            judged = np.union1d(judged, moved)
            clock.lap("traffic")
        done = self._rescore(judged, speed, clock)
        return EditResult(edit=iv, figures=self.figures(), figures_before=before, segments=len(judged),
                          crossings=len(done.nodes), changed_segments=done.changed_segments,
                          changed_crossings=done.changed_crossings, traffic="kept" if reason is None else "approximate",
                          reason=reason, volumes=changed_volumes(self.after.edges, vol0), seconds=clock.laps)

    def reassign(self) -> EditResult | None:
        """Bring the traffic up to date after edits that move it: the traffic model on the edited
        network (as a full run), then the toets, tally and school routes of the segments whose
        volume changed. ``None`` when nothing is pending.

        :meth:`assignment`, :meth:`Assignment.run <mobisim.whatif.traffic.Assignment.run>` and
        :meth:`commit` in one; a server runs the middle step without its lock. The
        re-assignment belongs to the last edit: :meth:`undo` undoes both.

        Raises
        ------
        MobisimError
            The traffic model failed (the session is left as it was).
        """
        job = self.assignment()
        if job is None:
            return None
        job.run()  # may fail: nothing written yet
        return self.commit(job)

    def assignment(self) -> Assignment | None:
        """A re-assignment of the current state to run apart (``None`` when nothing is pending)."""
        if not self.pending or self.today is None:
            return None
        return Assignment.prepare(self.after, self.base.edges, self.today, self.sc, self._route_key())

    def _route_key(self) -> str:
        return route_key(self.after.edges, self.base.edges, (*ROUTE_COLUMNS, "driven_speed_basis"), TRAFFIC_COLUMNS)

    def commit(self, job: Assignment) -> EditResult | None:
        """Write a finished :class:`~mobisim.whatif.traffic.Assignment` and re-score what it moved.

        ``None`` (nothing written) when nothing is pending, or when an edit since
        :meth:`assignment` changed what drivers see (the assignment is stale: prepare another).
        An edit that did not (a crossing, a cycle track) keeps it valid.
        """
        if not self.pending or self.today is None or job.key != self._route_key():
            return None
        clock = Clock()
        net = job.net
        self._begin(self._journals[-1])
        before, vol0 = self.figures(), volume(self.after.edges)
        a = self.after.edges
        cols = [c for c in MODEL_COLUMNS if c in net.edges.columns]
        diff = differs(net.edges[cols], a[cols]).to_numpy()
        self._j.write(a, net.edges.iloc[np.flatnonzero(diff.any(axis=1))], cols)
        self.after.traffic = net.traffic
        self.flows = Flows.build(a, self.sc, self.today["maxspeed"])
        self.pending = []
        moved = np.flatnonzero(diff[:, [cols.index(c) for c in TRAFFIC_COLUMNS]].any(axis=1))
        clock.lap("write")
        speed = a[a.attrs.get("toets_speed_column", "maxspeed")].copy()
        done = self._rescore(moved, speed, clock)
        seconds = {"assignment": job.seconds or 0.0, **clock.laps}
        return EditResult(edit=self.edits[-1], figures=self.figures(), figures_before=before, segments=len(moved),
                          crossings=len(done.nodes), changed_segments=done.changed_segments,
                          changed_crossings=done.changed_crossings, traffic="reassigned",
                          volumes=changed_volumes(self.after.edges, vol0), seconds=seconds)

    def undo(self) -> EditResult:
        """Revert the last edit exactly (and the re-assignment after it, if any).

        Every frame value, the tally, the calming plan's state, the school routes and the
        pending traffic are those before the edit; the figures equal, bit for bit.

        Raises
        ------
        NothingToUndoError
            No edit has been applied (or every one is undone).
        """
        if not self.edits:
            raise NothingToUndoError("what-if: nothing to undo (no edit has been applied)")
        clock = Clock()
        before, vol0 = self.figures(), volume(self.after.edges)
        j, edit = self._journals.pop(), self.edits.pop()
        a, n = self.after.edges, self.after.nodes
        seg = np.union1d(j.positions(a, "toets_bike"), j.positions(a, "toets_walk"))
        cross = j.positions(n, "toets_crossing")
        old_seg, old_cross = a[["toets_bike", "toets_walk"]].iloc[seg], n[["toets_crossing"]].iloc[cross]
        self._rollback(j)
        clock.lap("undo")
        seg_changed = differs(a[["toets_bike", "toets_walk"]].iloc[seg], old_seg).any(axis=1).to_numpy()
        cross_changed = differs(n[["toets_crossing"]].iloc[cross], old_cross).any(axis=1).to_numpy()
        return EditResult(edit=edit, figures=self.figures(), figures_before=before, segments=len(seg),
                          crossings=len(cross), changed_segments=[int(i) for i in a.index[seg[seg_changed]]],
                          changed_crossings=[int(i) for i in n.index[cross[cross_changed]]],
                          traffic="approximate" if self.pending else "kept",
                          reason="; ".join(self.pending) or None, volumes=changed_volumes(self.after.edges, vol0), seconds=clock.laps)

    def _begin(self, j: Journal) -> Journal:
        """Make ``j`` the journal of the writes that follow; keep the state they may replace."""
        self._j = j
        for k, v in {"count": self.count, "redesigned": self.redesigned, "schools": self.schools,
                     "pending": list(self.pending), "flows_obj": self.flows,
                     "after_traffic": self.after.traffic}.items():
            j.state.setdefault(k, v)
        return j

    def _rollback(self, j: Journal) -> None:
        """Put back every write of ``j`` and the state it kept."""
        j.restore()
        st = j.state
        self.count, self.redesigned, self.schools = st["count"], st["redesigned"], st["schools"]
        self.pending, self.flows, self.after.traffic = st["pending"], st["flows_obj"], st["after_traffic"]
        for kept in reversed(st.get("tally", [])):
            self.tally.put_back(kept)
        for plan in reversed(st.get("plan", [])):
            self.plan.put_back(plan)
        if self.flows is not None:
            for links in reversed(st.get("flows", [])):
                self.flows.put_back(links)
        self._j = Journal()
