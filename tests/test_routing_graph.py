"""Unit tests of mobisim.schools.routing: CSR graph, multi-source Dijkstra, tree flows, snapping."""

from __future__ import annotations

import networkx as nx
import numpy as np
import shapely

from mobisim.schools import routing


def _line_graph():
    # 10 - 11 - 12 - 13, plus a longer parallel segment 11-12 and a self-loop at 13
    u = np.array([10, 11, 12, 11, 13])
    v = np.array([11, 12, 13, 12, 13])
    length = np.array([100.0, 50.0, 70.0, 80.0, 5.0])
    return u, v, length


def test_parallel_segments_collapse_to_the_shortest_and_self_loops_drop():
    u, v, length = _line_graph()
    g = routing.build_graph(u, v, length, np.ones(5, bool))
    assert list(g.node_ids) == [10, 11, 12, 13]
    assert len(g.pair_a) == 3
    # the link 11-12 is realised by edge row 1 (50 m), not row 3 (80 m)
    assert g.edge_of(np.array([1]), np.array([2]))[0] == 1
    assert g.edge_of(np.array([2]), np.array([1]))[0] == 1  # order within the pair is irrelevant
    assert g.edge_of(np.array([0]), np.array([3]))[0] == -1  # no such link


def test_subgraph_rechooses_parallel_segment_among_kept_ones():
    u, v, length = _line_graph()
    full = routing.build_graph(u, v, length, np.ones(5, bool))
    keep = np.array([True, False, True, True, True])  # the 50 m segment fails
    sub = routing.build_graph(u, v, length, keep, node_ids=full.node_ids)
    assert sub.edge_of(np.array([1]), np.array([2]))[0] == 3
    tree = routing.multi_source(sub, np.array([0]))
    assert tree.dist[3] == 100 + 80 + 70


def test_unusable_node_cuts_every_link_through_it():
    u, v, length = _line_graph()
    full = routing.build_graph(u, v, length, np.ones(5, bool))
    sub = routing.build_graph(u, v, length, np.ones(5, bool), node_ids=full.node_ids,
                              node_usable=np.array([True, True, False, True]))
    tree = routing.multi_source(sub, np.array([0]))
    assert np.isinf(tree.dist[2]) and np.isinf(tree.dist[3])
    assert tree.dist[1] == 100


def test_multi_source_matches_networkx_on_a_random_graph():
    rng = np.random.default_rng(7)
    n_nodes, n_edges = 300, 900
    u = rng.integers(0, n_nodes, n_edges) + 1000
    v = rng.integers(0, n_nodes, n_edges) + 1000
    length = rng.uniform(1, 100, n_edges)
    # plus one link of its own that no source reaches (the random part is connected)
    u, v, length = np.append(u, 5000), np.append(v, 5001), np.append(length, 10.0)
    n_edges += 1
    g = routing.build_graph(u, v, length, np.ones(n_edges, bool))
    sources = np.array([0, 17, 123])
    tree = routing.multi_source(g, sources)

    G = nx.Graph()
    for a, b, w in zip(u, v, length):
        if a != b and (not G.has_edge(a, b) or G[a][b]["weight"] > w):
            G.add_edge(a, b, weight=w)
    dist = nx.multi_source_dijkstra_path_length(G, set(g.node_ids[sources]), weight="weight")
    for i, node in enumerate(g.node_ids):
        assert np.isclose(tree.dist[i], dist.get(node, np.inf))
    # the nearest source really is at that distance
    reach = np.isfinite(tree.dist)
    src_dist = {s: nx.single_source_dijkstra_path_length(G, g.node_ids[s], weight="weight") for s in sources}
    for i in np.flatnonzero(reach):
        assert np.isclose(src_dist[sources[tree.source[i]]][g.node_ids[i]], tree.dist[i])
    assert (~reach).sum() == 2 and (tree.source[~reach] == -1).all()


def test_tree_flow_equals_path_walking():
    rng = np.random.default_rng(3)
    n_nodes, n_edges = 200, 500
    u = rng.integers(0, n_nodes, n_edges)
    v = rng.integers(0, n_nodes, n_edges)
    g = routing.build_graph(u, v, rng.uniform(1, 50, n_edges), np.ones(n_edges, bool))
    tree = routing.multi_source(g, np.array([0, 5]))
    weight = rng.uniform(0, 3, g.n) * (rng.random(g.n) < 0.5)
    flow = routing.tree_flow(tree.pred, weight)
    expected = weight.copy()  # walk every node's path to its root (the slow, obvious way)
    for i in range(g.n):
        j = tree.pred[i]
        while j >= 0:
            expected[j] += weight[i]
            j = tree.pred[j]
    assert np.allclose(flow, expected)


def test_path_flow_equals_tree_flow_on_the_paths_it_walks():
    rng = np.random.default_rng(11)
    n_nodes, n_edges = 300, 700
    u, v = rng.integers(0, n_nodes, n_edges), rng.integers(0, n_nodes, n_edges)
    g = routing.build_graph(u, v, rng.uniform(1, 50, n_edges), np.ones(n_edges, bool))
    tree = routing.multi_source(g, np.array([0, 9, 40]))
    start = rng.choice(g.n, 25)  # a few weighted nodes, with repeats and roots among them
    start[:2] = [0, 9]
    w = rng.uniform(0.5, 3, len(start))
    nodes, flow = routing.path_flow(tree.pred, start, w)
    full = routing.tree_flow(tree.pred, np.bincount(start, weights=w, minlength=g.n))
    want = np.flatnonzero((full > 0) & (tree.pred >= 0))  # every node below a tree edge that carries weight
    assert len(want) > 25
    assert np.array_equal(nodes, want)
    assert np.allclose(flow, full[want])
    assert (tree.pred[nodes] >= 0).all()


def test_path_flow_of_nothing():
    nodes, flow = routing.path_flow(np.array([routing.NO_PRED, 0, 1]), np.zeros(0, np.int64), np.zeros(0))
    assert len(nodes) == 0 and len(flow) == 0


def test_tree_depth_of_a_chain():
    pred = np.array([routing.NO_PRED, 0, 1, 2, routing.NO_PRED])
    assert list(routing.tree_depth(pred)) == [0, 1, 2, 3, 0]


def test_snap_respects_candidates():
    xy = np.array([[0.0, 0.0], [10.0, 0.0], [100.0, 0.0]])
    pts = shapely.points([[1.0, 0.0], [60.0, 0.0]])
    node, d = routing.snap(pts, xy, np.array([False, True, True]))
    assert list(node) == [1, 2]
    assert np.allclose(d, [9.0, 40.0])
    node, d = routing.snap(pts, xy, np.zeros(3, bool))
    assert list(node) == [-1, -1] and np.isinf(d).all()
