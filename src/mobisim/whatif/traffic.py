"""Traffic after an edit: a fast detour approximation at once, the real assignment on request.

**The approximation** (:meth:`Flows.detour`, in :meth:`mobisim.whatif.Session.apply`). The car
links of the evaluated after (:func:`mobisim.traffic.car_links`, as the run's traffic step builds
them) carry peak-hour flows taken from the segments' modelled volumes
(``daily_traffic_carriageway`` × ``peak_hour_share``; a two-way segment's split half and half)
and the BPR congested times of the model (``t0 · (1 + α (v/c)^β)``). An edit that closes links or
makes them slower (a closure, a lower limit, a fietsstraat's capacity, a redesign's driven speed)
re-routes their flow, street piece by street piece (the edited links between junctions):

- the piece's flow ``f`` leaves it for the fastest path between its ends on the other links at
  their congested times (:func:`scipy.sparse.csgraph.dijkstra`);
- a closed piece sends all of ``f``; a slower one the share ``x`` that equalises the two routes'
  BPR times (``T_piece((1 − x) f) = T_detour(x f)``; none when the detour is not faster);
- the zones, the demand and every other route are kept; traffic drawn *to* a faster street is not
  estimated, and a piece without a way round (a dead end) keeps its flow.

The segments whose volume changed get the new figure and their toets is judged again; the
result says ``approximate``. **The assignment** (:class:`Assignment`, in
:meth:`~mobisim.whatif.Session.reassign`, or prepared, run and committed apart so that edits go
on while it runs): the run's traffic step on the edited network, so its figures equal a full run.
AequilibraE (1.x) cannot start from a previous equilibrium (``add_preload`` is a fixed background
load, not a warm start) and the gravity demand rests on the free-flow skims an edit changes, so
the model runs whole; an edited state assigned before is read from the traffic cache.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from mobisim.network import Network
from mobisim.scenario import Scenario
from mobisim.whatif.journal import Journal

__all__ = ["Assignment", "Flows", "changed_volumes", "route_key", "volume", "write_volumes"]

#: A detour slower than this (minutes) is no way round.
_MAX_DETOUR_MIN = 15.0
#: Starts per shortest-path search (scipy returns a dense row per start).
_SOURCES_PER_SEARCH = 32


def _links(edges: pd.DataFrame, sc: Scenario, today: pd.Series, *, bridges: bool = True) -> pd.DataFrame:
    """The car links of ``edges`` as the run's traffic step builds them (``bridges``: with the
    virtual links across gaps in the data, :func:`mobisim.traffic.supply.bridge_gaps`)."""
    from mobisim.pipeline.steps import limit_column
    from mobisim.pipeline.traffic import speed_response
    from mobisim.traffic import car_links

    net = Network.__new__(Network)  # the drivers' response reads the segments alone
    net.edges = edges
    return car_links(edges, sc.traffic, limit_column=limit_column(sc),
                     speed_response=speed_response(net, sc, None), today_limits=today.reindex(edges.index),
                     bridges=bridges)


@dataclass
class Piece:
    """Edited links between two junctions: their positions, the ends and the peak-hour flow."""

    links: list[int]
    start: int
    end: int
    flow: float


@dataclass
class Flows:
    """The car links of the session's after with what the detour approximation reads.

    Attributes
    ----------
    links : pandas.DataFrame
        :func:`mobisim.traffic.car_links` of the after (``edge_pos``, ``a_node``, ``b_node``…).
    t0, cap : numpy.ndarray
        Free-flow minutes and capacity per link, as edited.
    open : numpy.ndarray
        The link is still driven (an edit closed it otherwise).
    node : numpy.ndarray
        ``a_node``/``b_node`` as positions 0…n−1 (two columns).
    """

    links: pd.DataFrame
    t0: np.ndarray
    cap: np.ndarray
    open: np.ndarray
    node: np.ndarray
    n_nodes: int
    alpha: float
    beta: float
    share: float

    @classmethod
    def build(cls, edges: pd.DataFrame, sc: Scenario, today: pd.Series) -> Flows:
        """The links of ``edges`` (the evaluated after) and the model's settings."""
        links = _links(edges, sc, today)
        codes, uniques = pd.factorize(np.concatenate([links["a_node"].to_numpy(), links["b_node"].to_numpy()]))
        ts = sc.traffic
        return cls(links=links, t0=links["free_flow_time"].to_numpy(float).copy(),
                   cap=links["capacity"].to_numpy(float).copy(), open=np.ones(len(links), bool),
                   node=codes.reshape(2, -1).T.copy(), n_nodes=len(uniques), alpha=float(ts.bpr_alpha),
                   beta=float(ts.bpr_beta), share=float(ts.peak_hour_share))

    def flow(self, edges: pd.DataFrame) -> np.ndarray:
        """Peak-hour vehicles per link from the segments' modelled volumes (two-way: half each)."""
        pos = self.links["edge_pos"].to_numpy()
        real = pos >= 0
        daily = pd.to_numeric(edges["daily_traffic_carriageway"], errors="coerce").to_numpy(float, na_value=np.nan) \
            if "daily_traffic_carriageway" in edges.columns else np.full(len(edges), np.nan)
        per = np.bincount(pos[real], minlength=len(edges))
        out = np.zeros(len(pos))
        out[real] = np.nan_to_num(daily[pos[real]]) / np.maximum(per[pos[real]], 1) * self.share
        return out

    def times(self, flow: np.ndarray, t0: np.ndarray | None = None, cap: np.ndarray | None = None) -> np.ndarray:
        """BPR congested minutes at ``flow``."""
        t0 = self.t0 if t0 is None else t0
        cap = self.cap if cap is None else cap
        return t0 * (1.0 + self.alpha * (flow / np.maximum(cap, 1e-9)) ** self.beta)

    def keep(self, idx: np.ndarray) -> tuple[np.ndarray, ...]:
        """The link attributes an edit of ``idx`` rewrites (for undo)."""
        return idx, self.t0[idx].copy(), self.cap[idx].copy(), self.open[idx].copy()

    def put_back(self, kept: tuple[np.ndarray, ...]) -> None:
        """Restore what :meth:`keep` kept."""
        idx = kept[0]
        self.t0[idx], self.cap[idx], self.open[idx] = kept[1], kept[2], kept[3]

    def edited(self, edges: pd.DataFrame, rows: np.ndarray, sc: Scenario, today: pd.Series) -> np.ndarray:
        """Take the links of the segments at ``rows`` as they are now; return the link positions
        whose time or capacity changed or that closed."""
        idx = np.flatnonzero(np.isin(self.links["edge_pos"].to_numpy(), rows))
        new = _links(edges.iloc[rows], sc, today, bridges=False)
        key = pd.MultiIndex.from_arrays([rows[new["edge_pos"].to_numpy()], new["reverse"].to_numpy()])
        old = self.links.iloc[idx]
        at = key.get_indexer(pd.MultiIndex.from_arrays([old["edge_pos"].to_numpy(), old["reverse"].to_numpy()]))
        t0 = np.where(at >= 0, new["free_flow_time"].to_numpy(float)[np.maximum(at, 0)], self.t0[idx])
        cap = np.where(at >= 0, new["capacity"].to_numpy(float)[np.maximum(at, 0)], self.cap[idx])
        is_open = at >= 0
        changed = (t0 != self.t0[idx]) | (cap != self.cap[idx]) | (is_open != self.open[idx])
        self.t0[idx], self.cap[idx], self.open[idx] = t0, cap, is_open
        return idx[changed]

    def pieces(self, idx: np.ndarray, flow: np.ndarray) -> list[Piece]:
        """The edited links ``idx`` joined into pieces between junctions (a node with a link not
        edited, or a fork), each with its mean flow."""
        edited = np.zeros(len(self.t0), bool)
        edited[idx] = True
        other = np.bincount(self.node[~edited].ravel(), minlength=self.n_nodes)
        out_of: dict[int, list[int]] = {}
        into: dict[int, list[int]] = {}
        for i in map(int, idx):
            out_of.setdefault(int(self.node[i, 0]), []).append(i)
            into.setdefault(int(self.node[i, 1]), []).append(i)

        def passing(n: int) -> bool:  # a node inside a piece: no other link, no fork
            return other[n] == 0 and len(out_of.get(n, [])) <= 2 and len(into.get(n, [])) <= 2

        pieces = []
        for i in map(int, idx):
            a, b = int(self.node[i, 0]), int(self.node[i, 1])
            if passing(a) and any(int(self.node[j, 0]) != b for j in into.get(a, [])):
                continue  # inside a piece: followed from the piece's start
            path, cur = [i], i
            while passing(int(self.node[cur, 1])) and len(path) < len(idx):
                nxt = [j for j in out_of.get(int(self.node[cur, 1]), []) if self.node[j, 1] != self.node[cur, 0]]
                if not nxt:
                    break
                cur = nxt[0]
                path.append(cur)
            pieces.append(Piece(path, a, int(self.node[cur, 1]), float(flow[path].mean())))
        return pieces

    def detour(self, edges: pd.DataFrame, idx: np.ndarray, old_t0: np.ndarray, old_cap: np.ndarray
               ) -> tuple[np.ndarray, int]:
        """The new peak-hour flow per link after the edited links ``idx`` (with their attributes
        before, ``old_t0``/``old_cap``, aligned with ``idx``) shed flow; and how many closed pieces
        kept their flow for want of a way round (a slower piece without a faster way round keeps
        it too, as it should)."""
        flow = self.flow(edges)
        before = self.times(flow[idx], old_t0, old_cap)
        slower = ~self.open[idx] | (self.times(flow[idx], self.t0[idx], self.cap[idx]) > before + 1e-12)
        idx = idx[slower]
        new = flow.copy()
        stuck = 0
        if not len(idx):
            return new, 0
        pieces = [p for p in self.pieces(idx, flow) if p.flow > 0 and p.start != p.end]
        if not pieces:
            return new, 0
        weight = np.where(self.open, self.times(flow), np.inf)
        weight[idx] = np.inf  # a piece's way round does not use the edited links
        graph, pairs = self._graph(weight)
        for p, dist, pred in self._searches(graph, pieces):
            if not np.isfinite(dist[p.end]):
                stuck += not self.open[p.links].all()  # an open piece: no faster way round
                continue
            path = _path(pred, p.start, p.end, pairs)
            x = 1.0 if not self.open[p.links].all() else self._share(p, path, flow)
            new[p.links] -= x * p.flow
            new[path] += x * p.flow
        return np.maximum(new, 0.0), stuck

    def _searches(self, graph: csr_matrix, pieces: list[Piece]) -> Iterator[tuple[Piece, np.ndarray, np.ndarray]]:
        """Each piece with the distances and predecessors of a search from its start on ``graph``.

        A closed piece looks for a way round up to :data:`_MAX_DETOUR_MIN`; a slower one only
        as far as its own time at its whole flow (a longer way round takes none of it:
        :meth:`_share`). The starts go in batches of :data:`_SOURCES_PER_SEARCH` of similar reach.
        """
        reach: dict[int, float] = {}
        for p in pieces:
            closed = not self.open[p.links].all()
            own = _MAX_DETOUR_MIN if closed else \
                float(self.times(np.full(len(p.links), p.flow), self.t0[p.links], self.cap[p.links]).sum())
            reach[p.start] = max(reach.get(p.start, 0.0), min(own * (1 + 1e-9), _MAX_DETOUR_MIN))
        starts = np.array(sorted(reach, key=reach.__getitem__), dtype=np.int64)
        row: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for chunk in np.array_split(starts, int(np.ceil(len(starts) / _SOURCES_PER_SEARCH))):
            dist, pred = dijkstra(graph, indices=chunk, return_predecessors=True,
                                  limit=max(reach[int(c)] for c in chunk))
            row |= {int(c): (dist[k], pred[k]) for k, c in enumerate(chunk)}
        for p in pieces:
            yield p, *row[p.start]

    def _share(self, p: Piece, path: np.ndarray, flow: np.ndarray) -> float:
        """The share of a slower piece's flow that moves to ``path``: the two routes' times equal."""
        def gap(x: float) -> float:
            own = self.times(np.full(len(p.links), (1 - x) * p.flow), self.t0[p.links], self.cap[p.links]).sum()
            return float(own - self.times(flow[path] + x * p.flow, self.t0[path], self.cap[path]).sum())

        if gap(0.0) <= 0:
            return 0.0
        if gap(1.0) >= 0:
            return 1.0
        lo, hi = 0.0, 1.0
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if gap(mid) > 0 else (lo, mid)
        return 0.5 * (lo + hi)

    def _graph(self, weight: np.ndarray) -> tuple[csr_matrix, _Pairs]:
        """The link graph at ``weight`` (parallel links: the fastest) and the link of each pair."""
        ok = np.isfinite(weight)
        order = np.flatnonzero(ok)[np.argsort(weight[ok], kind="stable")]
        a, b = self.node[order, 0], self.node[order, 1]
        pair = a.astype(np.int64) * self.n_nodes + b
        _, first = np.unique(pair, return_index=True)
        keep = order[first]
        w = np.maximum(weight[keep], 1e-9)
        graph = csr_matrix((w, (self.node[keep, 0], self.node[keep, 1])), shape=(self.n_nodes, self.n_nodes))
        return graph, _Pairs(key=pair[first], link=keep, n_nodes=self.n_nodes)

    def volumes(self, edges: pd.DataFrame, flow: np.ndarray) -> np.ndarray:
        """Daily vehicles per segment on its own carriageway from the link ``flow`` (NaN: no link)."""
        pos = self.links["edge_pos"].to_numpy()
        real = (pos >= 0) & self.open
        out = np.full(len(edges), np.nan)
        sums = np.bincount(pos[real], weights=flow[real] / self.share, minlength=len(edges))
        out[np.unique(pos[real])] = sums[np.unique(pos[real])]
        return out


@dataclass
class _Pairs:
    """The link of each node pair of a link graph: ``key`` (``a · n_nodes + b``, sorted) → ``link``."""

    key: np.ndarray
    link: np.ndarray
    n_nodes: int

    def links(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The links from ``a`` to ``b`` (each pair must be in the graph)."""
        return self.link[np.searchsorted(self.key, a.astype(np.int64) * self.n_nodes + b)]


def _path(pred: np.ndarray, start: int, end: int, pairs: _Pairs) -> np.ndarray:
    """The links of the shortest path from ``start`` to ``end`` (``pred``: dijkstra's predecessors)."""
    nodes = [end]
    while nodes[-1] != start:
        nodes.append(int(pred[nodes[-1]]))
    seq = np.array(nodes[::-1], dtype=np.int64)
    return pairs.links(seq[:-1], seq[1:])


@dataclass
class Assignment:
    """A re-assignment of a session's traffic, computed apart from the session.

    :meth:`prepare` takes a private copy of what the traffic step reads (quick: under the
    session's lock), :meth:`run` runs the step on it (slow: without the lock, edits go on) and
    :meth:`mobisim.whatif.Session.commit` writes the result if the session's traffic inputs are
    still ``key``'s (:func:`route_key`); else it is stale and a new one is prepared.

    Attributes
    ----------
    net : Network
        The copy: the session's after with the volumes the step starts from; after :meth:`run`,
        the after with the step's volumes (the run's traffic step, so its figures equal a full run).
    key : str
        :func:`route_key` of the session when prepared.
    seconds : float or None
        How long :meth:`run` took.
    """

    net: Network
    today: pd.DataFrame
    sc: Scenario
    key: str
    seconds: float | None = None

    @classmethod
    def prepare(cls, after: Network, base: pd.DataFrame, today: pd.DataFrame, sc: Scenario, key: str) -> Assignment:
        """The copy of ``after`` to assign: ``base`` holds the volumes the step starts from
        (today's, and the interventions' own figures), ``today`` today's judged edges
        (``maxspeed``, ``daily_traffic``). Nothing is shared with the session's frames (an edit
        writes into their arrays in place)."""
        net = copy.copy(after)
        cols = ["daily_traffic", "daily_traffic_source"]
        net.edges = after.edges.drop(columns=cols).join(base[cols])[after.edges.columns].copy(deep=True)
        net.edges.attrs = dict(after.edges.attrs)
        net.nodes = after.nodes.copy(deep=True)
        return cls(net=net, today=today.copy(deep=True), sc=sc, key=key)

    def run(self) -> None:
        """The run's traffic step on the copy (:func:`mobisim.pipeline.traffic.model_traffic_step`)."""
        import time

        from mobisim.pipeline.steps import limit_column
        from mobisim.pipeline.traffic import model_traffic_step

        t = time.perf_counter()
        model_traffic_step(self.net, self.sc, limit_column=limit_column(self.sc), before=self.today, notes=[])
        self.seconds = time.perf_counter() - t


def route_key(after: pd.DataFrame, base: pd.DataFrame, columns: tuple[str, ...], volumes: tuple[str, ...]) -> str:
    """A fingerprint of the traffic step's inputs an edit can change: ``columns`` of the after
    (what drivers see) and the starting ``volumes`` of the scenario network ``base``."""
    import hashlib

    parts = [after[[c for c in columns if c in after.columns]], base[[c for c in volumes if c in base.columns]]]
    digest = hashlib.sha1()
    for part in parts:
        digest.update(pd.util.hash_pandas_object(part.astype(object), index=True).to_numpy().tobytes())
    return digest.hexdigest()


def volume(edges: pd.DataFrame) -> np.ndarray:
    """``daily_traffic`` as floats (NaN: none)."""
    if "daily_traffic" not in edges.columns:
        return np.full(len(edges), np.nan)
    return pd.to_numeric(edges["daily_traffic"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def changed_volumes(edges: pd.DataFrame, before: np.ndarray) -> dict[int, float]:
    """``edge_id`` → daily volume (:func:`volume`) of the segments whose volume differs from ``before``."""
    now = volume(edges)
    diff = np.flatnonzero(~((now == before) | (np.isnan(now) & np.isnan(before))))
    return {int(i): float(v) for i, v in zip(edges.index[diff], now[diff])}


def write_volumes(j: Journal, edges: pd.DataFrame, vol: np.ndarray) -> np.ndarray:
    """Write the modelled segments' new own-carriageway volumes ``vol`` (NaN: keep) as the
    traffic step writes them (a dual carriageway's road figure twice its half); their positions."""
    src = edges["daily_traffic_source"].astype("string").eq("model").fillna(False).to_numpy(bool)
    now = pd.to_numeric(edges["daily_traffic_carriageway"], errors="coerce").to_numpy(float, na_value=np.nan)
    new = np.round(vol)
    pos = np.flatnonzero(src & np.isfinite(vol) & (new != now))
    if not len(pos):
        return pos
    dual = edges["dual_carriageway"].astype("boolean").fillna(False).to_numpy(bool)[pos] \
        if "dual_carriageway" in edges.columns else np.zeros(len(pos), bool)
    daily = np.round(np.where(dual, 2.0 * vol[pos], vol[pos]))
    out = pd.DataFrame({"daily_traffic": pd.array(daily, dtype="Float64"),
                        "daily_traffic_carriageway": pd.array(new[pos], dtype="Float64")}, index=edges.index[pos])
    if "daily_traffic_before" in edges.columns:
        b = pd.to_numeric(edges["daily_traffic_before"].iloc[pos], errors="coerce").astype("Float64")
        out["traffic_change"] = out["daily_traffic"] - b.set_axis(out.index)
    j.write(edges, out)
    return pos
