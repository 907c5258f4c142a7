"""What-if sessions: undo, the traffic after a route-changing edit, and re-assignment.

Undo must give back the state before the edit bit for bit (every frame value and dtype, the
figures, the school routes, the traffic); a series of random edits undone in full gives the
session as built, and so the figures of a fresh build. After a route-changing edit the volumes
move at once by the detour approximation; :meth:`Session.reassign` then equals a full run of the
edited scenario, volumes included. On the hand-written grid (``render_scenario.toml``).
"""

from __future__ import annotations

import copy
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_whatif import ALL, assert_same, random_edit, with_plan

from mobisim.errors import NotFoundError
from mobisim.load.inputs import Inputs, load_inputs
from mobisim.pipeline.steps import evaluate_schools
from mobisim.pipeline.today import run_after, run_before
from mobisim.scenario import Scenario, load_scenario
from mobisim.scenario.interventions import MODELS
from mobisim.whatif import NothingToUndoError, Session


@pytest.fixture(scope="module")
def grid(data_dir: Path) -> tuple[Scenario, Inputs, Session]:
    sc = with_plan(load_scenario(data_dir / "render_scenario.toml"), 0.1)
    inputs = load_inputs(sc, None, parking=False)
    return sc, inputs, Session.build(sc, inputs)


@pytest.fixture
def session(grid) -> Session:
    """A fresh copy of the grid's session (built once)."""
    return copy.deepcopy(grid[2])


def _state(s: Session) -> dict:
    """Copies of everything an edit may change."""
    return {"frames": [f.copy() for f in (s.after.edges, s.after.nodes, s.base.edges, s.base.nodes)],
            "figures": s.figures(), "sums": dict(s.tally.sums), "pending": list(s.pending),
            "plan": [a.copy() for a in (s.plan.cand, s.plan.excess, s.plan.volume)],
            "redesigned": s.redesigned.copy(), "count": s.count}


def _assert_state(s: Session, want: dict) -> None:
    got = _state(s)
    for a, b in zip(got["frames"], want["frames"]):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert got["figures"] == want["figures"]  # bit for bit, not approximately
    assert got["sums"] == want["sums"] and got["pending"] == want["pending"] and got["count"] == want["count"]
    for a, b in zip(got["plan"], want["plan"]):
        assert np.array_equal(a, b, equal_nan=True)
    assert np.array_equal(got["redesigned"], want["redesigned"])


def _full(sc: Scenario, inputs: Inputs, session: Session):
    edited = sc.model_copy(update={"interventions": [*sc.interventions, *session.edits]})
    full = run_after(run_before(sc, inputs, []), edited, inputs, [])
    return full, evaluate_schools(full, edited, inputs)


def _volumes(frame: pd.DataFrame) -> np.ndarray:
    return pd.to_numeric(frame["daily_traffic"], errors="coerce").to_numpy(float, na_value=np.nan)


def test_each_undo_gives_back_the_state_before_its_edit(grid, session) -> None:
    sc, _, _ = grid
    rng = random.Random(3)
    kinds: set[str] = set()
    for _ in range(10):
        want = _state(session)
        result = session.apply(random_edit(rng, session.after.edges, session.after.nodes, ALL))
        kinds.add(result.traffic)
        assert session.edits[-1] is result.edit
        undone = session.undo()
        assert undone.edit is result.edit and undone.figures == result.figures_before
        _assert_state(session, want)
        assert not session.edits
    assert "approximate" in kinds  # route-changing edits were undone too


def test_random_edits_undone_in_full_equal_a_fresh_build(grid, session) -> None:
    sc, inputs, _ = grid
    want = _state(session)
    rng = random.Random(11)
    for k in range(12):
        session.apply(random_edit(rng, session.after.edges, session.after.nodes, ALL))
        if k == 5:
            session.reassign()  # undone with the edit before it
    assert len(session.edits) == 12
    while session.edits:
        session.undo()
    _assert_state(session, want)
    assert session.figures() == Session.build(sc, inputs).figures()
    with pytest.raises(NothingToUndoError, match="nothing to undo"):
        session.undo()


def test_a_failed_edit_leaves_the_session_as_it_was(session) -> None:
    want = _state(session)
    with pytest.raises(NotFoundError):
        session.apply(MODELS["set_speed"].model_validate({"type": "set_speed", "street": "No Such Street",
                                                          "maxspeed": 30}))
    _assert_state(session, want)
    assert session.edits == []


def test_a_closure_moves_traffic_at_once_and_undo_restores_the_volumes(session) -> None:
    before = _volumes(session.after.edges)
    closed = session.apply(MODELS["close_through_traffic"].model_validate(
        {"type": "close_through_traffic", "street": "Noordstraat"}))
    assert closed.traffic == "approximate" and closed.approximate and "detour" in closed.reason
    assert session.pending == [closed.reason]
    now = _volumes(session.after.edges)
    moved = {int(i) for i in session.after.edges.index[~np.isclose(now, before, equal_nan=True)]}
    assert moved and set(closed.volumes) == moved
    named = session.after.edges["name"].eq("Noordstraat").fillna(False).to_numpy(bool)
    others = ~named & ~np.isclose(now, before, equal_nan=True)
    assert others.any()  # the flow went round, onto other streets
    undone = session.undo()
    assert np.array_equal(_volumes(session.after.edges), before, equal_nan=True)
    assert set(undone.volumes) == moved and session.pending == []


def test_reassign_after_a_closure_equals_the_full_run(grid, session) -> None:
    sc, inputs, _ = grid
    assert session.reassign() is None  # nothing pending
    session.apply(MODELS["close_through_traffic"].model_validate(
        {"type": "close_through_traffic", "street": "Noordstraat"}))
    result = session.reassign()
    assert result is not None and result.traffic == "reassigned" and session.pending == []
    full, schools = _full(sc, inputs, session)
    assert_same(session, full, schools)
    assert np.array_equal(_volumes(session.after.edges), _volumes(full.edges), equal_nan=True)
    assert session.reassign() is None


def test_route_changing_edits_after_reassign_equal_the_full_run(grid, session) -> None:
    sc, inputs, _ = grid
    rng = random.Random(29)
    moved = 0
    for _ in range(8):
        result = session.apply(random_edit(rng, session.after.edges, session.after.nodes,
                                           ("set_speed", "fietsstraat", "close_through_traffic", "calm")))
        if result.approximate:
            moved += 1
            assert session.reassign() is not None
        full, schools = _full(sc, inputs, session)
        assert_same(session, full, schools)
        assert np.array_equal(_volumes(session.after.edges), _volumes(full.edges), equal_nan=True)
    assert moved >= 3


def test_an_assignment_run_apart_lands_after_an_edit_that_moves_no_traffic(grid, session) -> None:
    """Prepared, then a crossing edit (drivers see nothing new), then run and committed: the
    session equals the full run of both edits, volumes included; undo takes back both."""
    sc, inputs, _ = grid
    session.apply(MODELS["close_through_traffic"].model_validate(
        {"type": "close_through_traffic", "street": "Noordstraat"}))
    job = session.assignment()
    assert job is not None
    rng = random.Random(5)
    crossing = session.apply(random_edit(rng, session.after.edges, session.after.nodes, ("crossing",)))
    assert crossing.traffic == "kept" and session.pending  # the closure still waits
    job.run()
    result = session.commit(job)
    assert result is not None and result.traffic == "reassigned" and session.pending == []
    full, schools = _full(sc, inputs, session)
    assert_same(session, full, schools)
    assert np.array_equal(_volumes(session.after.edges), _volumes(full.edges), equal_nan=True)
    session.undo()  # the crossing and the assignment: the closure alone, approximate again
    assert session.pending and len(session.edits) == 1
    assert session.commit(job) is not None  # drivers see what they saw when it was prepared
    full, schools = _full(sc, inputs, session)
    assert_same(session, full, schools)
    assert np.array_equal(_volumes(session.after.edges), _volumes(full.edges), equal_nan=True)


def test_an_assignment_made_stale_by_a_route_edit_is_not_written(grid, session) -> None:
    session.apply(MODELS["close_through_traffic"].model_validate(
        {"type": "close_through_traffic", "street": "Noordstraat"}))
    job = session.assignment()
    assert job is not None
    limit = session.apply(MODELS["set_speed"].model_validate({"type": "set_speed", "street": "Hoofdweg",
                                                              "maxspeed": 15}))
    assert limit.approximate
    job.run()
    want = _state(session)
    assert session.commit(job) is None
    _assert_state(session, want)
    assert len(session.pending) == 2
    assert session.reassign() is not None and session.pending == []
