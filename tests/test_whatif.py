"""What-if sessions (:mod:`mobisim.whatif`): one edit re-scored locally equals a full run of the edited scenario.

Random single edits (seeded) are applied one after another to a session; after each, every
segment's and crossing's toets verdict and rule, the regime, the driven speed and the children-safe
share are compared with :func:`mobisim.pipeline.today.run_after` of the scenario with the edits so
far (the same steps as ``mobisim run``). On the hand-written grid (``render_scenario.toml``) and on
the Scheveningen file (skipped when absent).

With the traffic model on, an edit that changes what drivers see moves the volumes by the detour
approximation and says ``approximate``; :meth:`Session.reassign` then runs the assignment again,
after which the session must equal the full run too (volumes included). Every edit type is also
compared with ``[traffic] enabled = false``, where nothing is approximate.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mobisim.frames import edge_ends, flags
from mobisim.load.inputs import Inputs, load_inputs
from mobisim.pipeline.steps import evaluate_schools
from mobisim.pipeline.today import run_after, run_before
from mobisim.scenario import Scenario, load_scenario
from mobisim.scenario.interventions import MODELS, InterventionModel
from mobisim.whatif import Session

SCHEVENINGEN = Path(__file__).resolve().parents[2] / "shared" / "osm" / "scheveningen-2025.osm.bz2"
EDGE_COLUMNS = ["toets_bike", "toets_bike_rule", "toets_walk", "toets_walk_rule", "toets_pass", "regime",
                "regime_rule", "proposed_maxspeed", "driven_speed", "driven_speed_basis", "redesign_year"]
NODE_COLUMNS = ["toets_crossing", "toets_crossing_rule", "junction_fix"]
LOCAL = ("add_cycle_track", "crossing", "calm")
ALL = (*LOCAL, "set_speed", "fietsstraat", "close_through_traffic")


def random_edit(rng: random.Random, edges: pd.DataFrame, nodes: pd.DataFrame,
                kinds: tuple[str, ...]) -> InterventionModel:
    """One random intervention of ``kinds``: mostly on a road above 30 km/h (by way) or at a
    failing crossing, where an edit changes verdicts; else on any motor road or road node."""
    roads = edges[flags(edges, "is_road")]
    fast = roads[pd.to_numeric(roads["maxspeed"], errors="coerce").fillna(0).to_numpy() > 30]
    kind = rng.choice(kinds)
    if kind == "crossing":
        at_roads = edge_ends(roads, np.ones(len(roads), bool))
        failing = nodes.index[nodes["toets_crossing"].eq("fail").fillna(False).to_numpy(bool)]
        pool = failing if len(failing) and rng.random() < 0.8 else at_roads
        kinds_ = rng.sample(["signals", "zebra", "island"], rng.randint(1, 2))
        return MODELS["crossing"].model_validate({"type": "crossing", "node": int(rng.choice(sorted(pool))),
                                                  "kind": kinds_})
    pool = fast if len(fast) and rng.random() < 0.8 else roads
    where = {"way": int(rng.choice(sorted(pool["way_id"].dropna().astype(int).unique())))}
    extra = {
        "add_cycle_track": lambda: {"side": rng.choice(["both", "left", "right"]), "twoway": rng.random() < 0.3},
        "calm": lambda: {"measure": rng.choice(["redesign", "hump", "table"])},
        "set_speed": lambda: {"maxspeed": rng.choice([15, 30, 50, 70])},
        "fietsstraat": dict,
        "close_through_traffic": lambda: {"daily_traffic": float(rng.choice([0, 300, 500, 2000]))},
    }[kind]()
    return MODELS[kind].model_validate({"type": kind, **where, **extra})


def assert_same(session: Session, full, schools_full) -> None:
    """Every compared column of the session's after equals the full run's (to 1e-9 for numbers)."""
    for frame, ref, cols in ((session.after.edges, full.edges, EDGE_COLUMNS),
                             (session.after.nodes, full.nodes, NODE_COLUMNS)):
        assert frame.index.equals(ref.index)
        for col in cols:
            if col not in ref.columns:
                continue
            got, want = frame[col], ref[col]
            if pd.api.types.is_numeric_dtype(want) and not pd.api.types.is_bool_dtype(want):
                a = pd.to_numeric(got, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                b = pd.to_numeric(want, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                bad = ~((np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= 1e-9))
            else:
                bad = (got.astype("string").fillna("<NA>") != want.astype("string").fillna("<NA>")).to_numpy()
            assert not bad.any(), (col, list(frame.index[bad][:5]), got[bad].head().tolist(), want[bad].head().tolist())
    if schools_full is not None:
        got_share = session.figures()["children_safe_share"]
        assert abs(got_share - schools_full.scores["share_safe"]) <= 1e-9


def check_edits(sc: Scenario, inputs: Inputs, kinds: tuple[str, ...], n: int, seed: int) -> tuple[int, int]:
    """Apply ``n`` random edits to a session and compare each with a full run (after
    :meth:`Session.reassign` where the edit moved traffic); (exact at once, re-assigned)."""
    rng = random.Random(seed)
    session = Session.build(sc, inputs)
    before = run_before(sc, inputs, [])
    edits: list[InterventionModel] = []
    exact = approximate = 0
    for _ in range(n):
        edit = random_edit(rng, session.after.edges, session.after.nodes, kinds)
        result = session.apply(edit)
        edits.append(result.edit)
        if result.approximate:
            approximate += 1
            assert result.reason and "traffic" in result.reason
            assert session.reassign() is not None  # the full run re-assigned the volumes too
        else:
            exact += 1
        edited = sc.model_copy(update={"interventions": [*sc.interventions, *edits]})
        full = run_after(before, edited, inputs, [])
        assert_same(session, full, evaluate_schools(full, edited, inputs))
        if session.modelled:
            got, want = (pd.to_numeric(f["daily_traffic"], errors="coerce").to_numpy(float, na_value=np.nan)
                         for f in (session.after.edges, full.edges))
            assert np.array_equal(got, want, equal_nan=True)
    return exact, approximate


def with_plan(sc: Scenario, km_per_year: float) -> Scenario:
    """``sc`` with the calming plan on at a pace that redesigns about half its streets by the
    horizon, so an edit that adds or removes a street shifts the redesign of others."""
    plan = sc.calming_plan.model_copy(update={"enabled": True, "km_per_year": km_per_year})
    return sc.model_copy(update={"calming_plan": plan})


@pytest.fixture(scope="module")
def grid(data_dir: Path) -> tuple[Scenario, Inputs]:
    sc = with_plan(load_scenario(data_dir / "render_scenario.toml"), 0.1)  # 0.6 km to redesign
    return sc, load_inputs(sc, None, parking=False)


def test_session_equals_the_full_run_before_any_edit(grid) -> None:
    sc, inputs = grid
    session = Session.build(sc, inputs)
    before = run_before(sc, inputs, [])
    full = run_after(before, sc, inputs, [])
    assert_same(session, full, evaluate_schools(full, sc, inputs))


def test_random_local_edits_equal_the_full_run(grid) -> None:
    sc, inputs = grid
    exact, approximate = check_edits(sc, inputs, LOCAL, n=40, seed=17)
    print("exact", exact, "approximate", approximate)
    assert exact >= 30


def test_every_edit_type_equals_the_full_run_without_traffic(grid) -> None:
    sc, inputs = grid
    still = sc.model_copy(update={"traffic": sc.traffic.model_copy(update={"enabled": False})})
    exact, approximate = check_edits(still, inputs, ALL, n=36, seed=5)
    assert (exact, approximate) == (36, 0)


def test_every_edit_type_equals_the_full_run_after_reassign(grid) -> None:
    sc, inputs = grid
    exact, approximate = check_edits(sc, inputs, ALL, n=12, seed=41)
    assert exact + approximate == 12 and approximate >= 3


def test_an_edit_that_moves_traffic_says_approximate(grid) -> None:
    sc, inputs = grid
    session = Session.build(sc, inputs)
    closed = session.apply(MODELS["close_through_traffic"].model_validate(
        {"type": "close_through_traffic", "street": "Noordstraat"}))
    assert closed.approximate and "through_traffic" in closed.reason
    assert session.after.edges.loc[session.after.edges["name"] == "Noordstraat", "daily_traffic"].eq(500).all()


needs_scheveningen = pytest.mark.skipif(not SCHEVENINGEN.exists(),
                                        reason=f"{SCHEVENINGEN} not present (the shared OSM extract)")


@pytest.fixture(scope="module")
def scheveningen(data_dir: Path) -> tuple[Scenario, Inputs]:
    sc = with_plan(load_scenario(data_dir / "render_scenario.toml").model_copy(update={"interventions": []}),
                   3.0)  # 23 km to redesign: the horizon falls mid-plan
    return sc, load_inputs(sc, [SCHEVENINGEN], parking=False)


@needs_scheveningen
def test_random_edits_on_scheveningen_equal_the_full_run(scheveningen) -> None:
    sc, inputs = scheveningen
    exact, _ = check_edits(sc, inputs, ALL, n=30, seed=2025)
    assert exact >= 30


def _street_shifting_the_plan(session: Session, sc: Scenario) -> tuple[str, np.ndarray]:
    """A street whose leaving the calming plan flips the redesign (by the horizon) of segments
    outside the region of the edit, and those segments' positions."""
    from mobisim.rules.driven_speed import plan_redesign, redesigned_by
    from mobisim.whatif.scope import region

    e, plan = session.base.edges, session.plan
    names = e["name"].astype("string")
    for name in sorted(names[plan.cand].dropna().unique()):
        own = names.eq(name).fillna(False).to_numpy(bool)
        year = plan_redesign(e, plan.cand & ~own, sc.calming_plan, children=plan.kids, excess_kmh=plan.excess,
                             traffic=plan.volume)
        flips = np.flatnonzero(redesigned_by(year, int(sc.horizon)) != session.redesigned)
        outside = np.setdiff1d(flips, region(session.index, e, np.flatnonzero(own), np.zeros(0, np.int64), 0).rows)
        if len(outside):
            return str(name), outside
    raise AssertionError("no street shifts the plan beyond its region")


@needs_scheveningen
def test_a_calmed_street_moves_the_plan_of_streets_far_away(scheveningen) -> None:
    sc, inputs = scheveningen
    session = Session.build(sc, inputs)
    name, outside = _street_shifting_the_plan(session, sc)
    old = session.after.edges["driven_speed_basis"].iloc[outside].copy()
    edit = MODELS["calm"].model_validate({"type": "calm", "street": name})
    session.apply(edit)
    assert not session.after.edges["driven_speed_basis"].iloc[outside].equals(old)
    edited = sc.model_copy(update={"interventions": [edit.model_copy(update={"id": "whatif-1"})]})
    full = run_after(run_before(sc, inputs, []), edited, inputs, [])
    assert_same(session, full, None)
