"""The server's one what-if session, its lock, and what the API reads and changes.

:class:`ServeState` holds the :class:`mobisim.whatif.Session` of the opened scenario and serialises
every change to it with one lock (edits, undo, the traffic re-assignment of
:class:`~mobisim.serve.traffic.TrafficJob`). It keeps what the page needs besides the session:
today's figures and verdicts (the before of ``mobisim run``), the scenario's figures as opened,
the edits in order with their words, the street layer's geometry (text, built once) and
properties, and a log of the properties changed per version so a page that polls gets the
segments it must recolour (:meth:`ServeState.changes`).

Every method is blocking (pandas work): the app calls them in a worker thread.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mobisim.errors import MobisimError
from mobisim.serve import geojson
from mobisim.serve.edits import edit_intervention, save_path, scenario_text
from mobisim.serve.evidence import TODAY_COLUMNS, edge_at, segment_facts
from mobisim.serve.traffic import DELAY_S, TrafficJob

if TYPE_CHECKING:
    from mobisim.load.inputs import Inputs
    from mobisim.network import Network
    from mobisim.scenario import Scenario
    from mobisim.scenario.interventions import InterventionModel
    from mobisim.schools import SchoolRoutes
    from mobisim.whatif import Session

__all__ = ["Applied", "Opened", "ServeState", "rounded", "today_state"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Opened:
    """Where the session came from: the scenario file, the ``[data]`` keys the command line
    replaced (``--osm``), and the folder edits are saved in."""

    scenario: Path
    data: dict[str, Any] = field(default_factory=dict)
    save_dir: Path | None = None

    @property
    def folder(self) -> Path:
        """The save folder: ``--save-dir``, else the scenario's own folder."""
        return self.save_dir if self.save_dir is not None else self.scenario.absolute().parent


@dataclass(frozen=True)
class Applied:
    """One edit applied: the intervention, in words, and whether its figures are approximate."""

    intervention: InterventionModel
    words: str
    approximate: bool
    reason: str | None


def rounded(figures: dict[str, Any]) -> dict[str, Any]:
    """Figures rounded as ``scores.json`` gives them: shares to 6 decimals, counts of children whole
    (:meth:`mobisim.whatif.Session.rounded`)."""
    from mobisim.score.result import rate

    return {k: v if not isinstance(v, float) else round(v) if k.startswith("children_") and "share" not in k
            else rate(v, 1.0) for k, v in figures.items()}


def today_state(sc: Scenario, inputs: Inputs,
                before: tuple[Network, SchoolRoutes | None] | None = None) -> tuple[dict[str, Any], pd.DataFrame]:
    """Today's headline figures and verdicts, as ``mobisim run`` judges its before.

    The figures of :meth:`mobisim.whatif.Session.figures` of today's judged network
    (:func:`mobisim.pipeline.today.run_before`, its school routes; ``before`` when the session
    kept them, :attr:`mobisim.whatif.Session.before`) over the area judged, as ``scores.json``
    gives ``toets_before``, and the segments' :data:`~mobisim.serve.evidence.TODAY_COLUMNS`.
    """
    from mobisim.load.areas import inside
    from mobisim.whatif.tally import Tally

    if before is None:
        from mobisim.pipeline.steps import evaluate_schools
        from mobisim.pipeline.today import run_before

        net = run_before(sc, inputs, []).net
        before = (net, evaluate_schools(net, sc, inputs, []))
    net, schools = before
    edges, nodes = net.edges, net.nodes
    tally = Tally.build(edges[inside(edges)], nodes[inside(nodes)])  # as scores.json: the area judged
    out: dict[str, Any] = {f"toets_{k}": v for k, v in tally.rates().items()}
    out["toets_crossings_rated"] = int(tally.sums["rated"])
    out["toets_crossings_passed"] = int(tally.sums["ok"])
    if schools is not None:
        s = schools.scores
        out |= {"children_safe": s["children_safe"], "children_routed": s["children_routed"],
                "children_safe_share": s["share_safe"]}
    return rounded(out), edges[[c for c in TODAY_COLUMNS if c in edges.columns]].copy()


class ServeState:
    """The session of one server and what its API reads (see the module docstring)."""

    def __init__(self, session: Session, opened: Opened, today: tuple[dict[str, Any], pd.DataFrame] | None,
                 reassign_after: float = DELAY_S) -> None:
        self.session = session
        self.opened = opened
        self.lock = threading.Lock()
        self.log_lock = threading.Lock()  # the layer's properties and their log: read while the session works
        self.today_figures: dict[str, Any] | None = today[0] if today is not None else None
        self.today_edges: pd.DataFrame | None = today[1] if today is not None else None
        self.scenario_figures = rounded(session.figures())
        self.edits: list[Applied] = []
        self.geometry = geojson.StreetGeometry.build(session.after.edges)
        self.props = geojson.street_properties(session.after.edges)
        self.version = 0
        self.log: list[tuple[int, pd.DataFrame]] = []
        self.traffic = TrafficJob(self, reassign_after)
        self._layer: tuple[int, bytes, bytes | None] | None = None

    @classmethod
    def build(cls, sc: Scenario, inputs: Inputs, opened: Opened, progress: Progress | None = None,
              reassign_after: float = DELAY_S) -> ServeState:
        """Judge today and the scenario (:meth:`mobisim.whatif.Session.build`) and hold them
        (``reassign_after``: seconds without an edit before traffic is re-assigned)."""
        from mobisim.whatif import Session

        say = progress or (lambda _text: None)
        t = time.perf_counter()
        session = Session.build(sc, inputs)
        today = today_state(sc, inputs, session.before)
        session.before = None  # only today's figures and verdict columns are kept
        say(f"today and the scenario judged, what-if session ready ({time.perf_counter() - t:.1f} s)")
        t = time.perf_counter()
        state = cls(session, opened, today, reassign_after)
        say(f"street layer ready: {len(state.props):,} segments ({time.perf_counter() - t:.1f} s)")
        return state

    # -- reading ---------------------------------------------------------------------------------

    def streets(self, compressed: bool = False) -> bytes:
        """The street layer as GeoJSON (UTF-8), gzip-compressed when ``compressed``; both are made
        again only after a change (the city's layer: 15 MB of text, 1.2 MB compressed)."""
        with self.log_lock:
            if self._layer is None or self._layer[0] != self.version:
                self._layer = (self.version, geojson.feature_collection(self.geometry, self.props).encode(), None)
            version, text, packed = self._layer
            if not compressed:
                return text
            if packed is None:
                packed = gzip.compress(text, compresslevel=6)
                self._layer = (version, text, packed)
            return packed

    def street(self, edge_id: int | None = None, at: str | None = None) -> dict[str, Any]:
        """The facts of one segment (by ``edge_id``, else nearest to ``at``)."""
        with self.lock:
            if edge_id is None:
                if not at:
                    raise MobisimError("street: give an edge id (/api/street/ID) or ?at=LAT,LON")
                edge_id = edge_at(self.session.after, at)
            facts = segment_facts(self.session.after, edge_id, self.today_edges)
            with self.log_lock:
                facts["properties"] = geojson.records(self.props.loc[[edge_id]])[0]
            return facts

    def _edit_list(self) -> list[dict[str, Any]]:
        pending = bool(self.session.pending)
        return [{"id": a.intervention.ident(), "type": a.intervention.type, "words": a.words,
                 "approximate": a.approximate and pending, "reason": a.reason if pending else None}
                for a in self.edits]

    def scores(self) -> dict[str, Any]:
        """Today's, the scenario's and the current figures, the edits and the session's notes."""
        with self.lock:
            return self._scores()

    def _scores(self) -> dict[str, Any]:
        sc = self.session.sc
        return {"scenario": sc.name, "file": self.opened.scenario.name, "today": self.today_figures,
                "scenario_figures": self.scenario_figures, "current": rounded(self.session.figures()),
                "edits": self._edit_list(), "approximate": bool(self.session.pending),
                "reason": "; ".join(self.session.pending) or None,
                "traffic": self.traffic.describe(), "version": self.version}

    def changes(self, since: int) -> dict[str, Any]:
        """The segments whose properties changed after version ``since`` (their new properties);
        answered while the session works (a re-assignment running)."""
        with self.log_lock:
            frames = [f for v, f in self.log if v > since]
            merged = pd.concat(frames) if frames else self.props.iloc[:0]
            merged = merged[~merged.index.duplicated(keep="last")]
            return {"version": self.version, "segments": geojson.records(merged)}

    # -- changing (the caller holds the lock) ------------------------------------------------------

    def record(self) -> pd.DataFrame:
        """Take the session's properties again; log and return the rows that changed."""
        new = geojson.street_properties(self.session.after.edges)
        with self.log_lock:
            changed = geojson.changed_properties(self.props, new)
            self.props = new
            self.version += 1
            self.log.append((self.version, changed))
        return changed

    def _result(self, result: Any, changed: pd.DataFrame, words: str) -> dict[str, Any]:
        """The answer of an edit or undo: figures before → after, changed segments, traffic."""
        return {"edit": words, "figures_before": rounded(result.figures_before), "figures": rounded(result.figures),
                "changed_segments": list(map(int, result.changed_segments)),
                "changed_crossings": list(map(int, result.changed_crossings)),
                "segments": geojson.records(changed), "approximate": bool(result.approximate),
                "reason": result.reason, "traffic": result.traffic,
                "seconds": round(sum(result.seconds.values()), 3), "scores": self._scores()}

    def edit(self, payload: Any) -> dict[str, Any]:
        """Apply one edit (:func:`mobisim.serve.edits.edit_intervention`) and re-score."""
        with self.lock:
            taken = {iv.ident() for iv in self.session.sc.interventions} | {a.intervention.ident()
                                                                             for a in self.edits}
            iv, words = edit_intervention(payload, self.session.after.edges, taken)
            result = self.session.apply(iv)
            self.edits.append(Applied(result.edit, words, bool(result.approximate), result.reason))
            changed = self.record()
            out = self._result(result, changed, words)
        self._traffic(result.approximate)
        out["scores"]["traffic"] = self.traffic.describe()
        return out

    def _traffic(self, approximate: bool) -> None:
        """(Re)start the wait before the re-assignment when the traffic is approximate or a
        re-assignment waits (an edit postpones it)."""
        if approximate or self.traffic.describe()["status"] == "waiting":
            self.traffic.start()

    def undo(self) -> dict[str, Any]:
        """Revert the last edit (:meth:`mobisim.whatif.Session.undo`)."""
        with self.lock:
            if not self.edits:
                raise MobisimError("undo: there is no edit to undo")
            result = self.session.undo()
            words = self.edits.pop().words
            out = self._result(result, self.record(), f"undone: {words}")
        self._traffic(result.approximate)  # the edits left may still move traffic: assign it again
        out["scores"]["traffic"] = self.traffic.describe()
        return out

    def save(self, payload: Any) -> dict[str, Any]:
        """Write the edits as a scenario file that ``extends`` the opened one."""
        from mobisim.cli._app import writing

        with self.lock:
            if not self.edits:
                raise MobisimError("save: there are no edits to save")
            target = save_path(payload, self.opened.folder)
            text = scenario_text([a.intervention for a in self.edits], target, scenario=self.opened.scenario,
                                 data=self.opened.data, words=[a.words for a in self.edits])
            with writing(target):
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "x", encoding="utf-8") as handle:  # never over an existing file
                    handle.write(text)
            return {"saved": str(target), "name": target.name, "edits": len(self.edits),
                    "run": f"mobisim run {target}", "approximate": bool(self.session.pending)}
