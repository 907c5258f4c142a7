"""The detour approximation's searches (:meth:`mobisim.whatif.traffic.Flows.detour`) on lattices.

A slowed street sheds the share of its flow that equalises its time with the fastest way round;
a way round slower than the street at its whole flow takes none, so the search from a slowed
piece stops there. Random lattices (seeded) check that this bounded search moves exactly the
volumes that searching every way round up to the approximation's bound moves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import dijkstra

from mobisim.whatif import traffic
from mobisim.whatif.traffic import Flows


def lattice(rng: np.random.Generator, n: int) -> tuple[Flows, pd.DataFrame]:
    """An ``n × n`` lattice of two-way streets: a link each way per segment, random times,
    capacities and volumes."""
    ids = np.arange(n * n).reshape(n, n)
    a = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])  # east–west, then north–south
    b = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    m = len(a)
    links = pd.DataFrame({"edge_pos": np.tile(np.arange(m), 2), "reverse": np.repeat([False, True], m),
                          "a_node": np.concatenate([a, b]), "b_node": np.concatenate([b, a])})
    flows = Flows(links=links, t0=np.tile(rng.uniform(0.2, 1.0, m), 2), cap=np.tile(rng.uniform(400, 1600, m), 2),
                  open=np.ones(2 * m, bool), node=links[["a_node", "b_node"]].to_numpy(), n_nodes=n * n,
                  alpha=0.15, beta=4.0, share=0.1)
    edges = pd.DataFrame({"daily_traffic_carriageway": rng.uniform(500, 15000, m)})
    return flows, edges


def slow_street(rng: np.random.Generator, flows: Flows, n: int, factor: float) -> tuple[np.ndarray, ...]:
    """Slow (or close, ``factor`` 0) a run of an east–west street; its links and their old attributes."""
    row, start = rng.integers(0, n), rng.integers(0, n - 3)
    segs = row * (n - 1) + start + np.arange(3)
    idx = np.flatnonzero(np.isin(flows.links["edge_pos"].to_numpy(), segs))
    old_t0, old_cap = flows.t0[idx].copy(), flows.cap[idx].copy()
    if factor == 0:
        flows.open[idx] = False
    else:
        flows.t0[idx] *= factor
    return idx, old_t0, old_cap


def unbounded(self, graph, pieces):
    """Every piece searched up to the approximation's bound (what the search did before)."""
    starts = np.unique([p.start for p in pieces])
    dist, pred = dijkstra(graph, indices=starts, return_predecessors=True, limit=traffic._MAX_DETOUR_MIN)
    row = {int(s): k for k, s in enumerate(starts)}
    for p in pieces:
        yield p, dist[row[p.start]], pred[row[p.start]]


@pytest.mark.parametrize("factor", [1.5, 3.0, 8.0, 0.0])
def test_bounded_searches_move_what_every_way_round_moves(factor, monkeypatch) -> None:
    moved = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        flows, edges = lattice(rng, 7)
        idx, old_t0, old_cap = slow_street(rng, flows, 7, factor)
        got, stuck = flows.detour(edges, idx, old_t0, old_cap)
        with monkeypatch.context() as m:
            m.setattr(Flows, "_searches", unbounded)
            want, stuck_wide = flows.detour(edges, idx, old_t0, old_cap)
        assert np.allclose(got, want, rtol=0, atol=1e-9) and stuck == stuck_wide == 0
        moved += not np.allclose(got, flows.flow(edges))
    assert moved >= 6  # most slowed streets shed flow onto the lattice
