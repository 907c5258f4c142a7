"""Signs only vs the calming plan, year by year, on the hand-written fixture city.

The year-by-year figures are the run re-judged in-process (:mod:`mobisim.score.effects`); the horizon
row must repeat the run's own figures, and a redesigned street can only help.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mobisim import pipeline
from mobisim.rules import driven_speed as ds
from mobisim.scenario import Scenario
from mobisim.score import effects


@pytest.fixture(scope="module")
def osm(data_dir: Path) -> list[Path]:
    return [data_dir / "render_city.osm", data_dir / "render_buildings.osm"]


def _run(tmp_path_factory, osm, name: str, plan: ds.CalmingPlan):
    # programme on: the 30/50 rule lowers the limits the calming plan then redesigns
    sc = Scenario(name=name, programme=True, calming_plan=plan, base_year=2026, horizon=2030)
    out = tmp_path_factory.mktemp("maps") / name
    return pipeline.run_scenario(sc, osm_override=osm, out_dir=out, progress=False)


@pytest.fixture(scope="module")
def with_plan(tmp_path_factory, osm, shared_osm):
    # 0.3 km a year: the fixture's lowered roads are redesigned over several years
    return _run(tmp_path_factory, osm, "plan", ds.CalmingPlan(enabled=True, start_year=2027, km_per_year=0.3))


@pytest.fixture(scope="module")
def signs_only(tmp_path_factory, osm, shared_osm):
    return _run(tmp_path_factory, osm, "signs", ds.CalmingPlan(enabled=False))


def test_plan_redesigns_year_by_year(with_plan):
    c = with_plan.scores["calming"]["value"]
    years = c["years"]
    assert [y["year"] for y in years] == [2026, 2027, 2028, 2029, 2030]
    km = [y["redesigned_km"] for y in years]
    assert km[0] == 0 and km == sorted(km) and km[-1] > 0
    assert c["plan"]["to_redesign_km"] >= km[-1]
    # each year's redesign is at most one year's pace plus the last street begun (whole streets)
    e = with_plan.after.edges
    year = e["redesign_year"].dropna()
    assert year.min() == 2027
    assert (e.loc[year.index, "driven_speed_basis"].where(year <= 2030, "later") != "sign only").all()


def test_horizon_row_is_the_run_and_redesign_only_helps(with_plan):
    c = with_plan.scores["calming"]["value"]
    head = with_plan.scores["headline"]
    last = c["years"][-1]
    assert last["children_safe"]["value"] == head["children_safe"]["value"]
    assert last["crossings"]["value"] == head["safe_crossings"]["value"]
    assert last["fatal_serious_change"]["value"] == head["fatal_serious_change"]["value"]
    # the run's range brackets its central figure
    lo, hi = head["fatal_serious_change"]["range"]
    assert lo <= head["fatal_serious_change"]["value"] <= hi
    # more redesign: fewer crashes, at least as many safe crossings
    fs = [y["fatal_serious_change"]["value"] for y in c["years"]]
    assert fs == sorted(fs, reverse=True) and fs[-1] < fs[0]
    cross = [y["crossings"]["value"] for y in c["years"]]
    assert cross == sorted(cross)
    assert head["fatal_serious_change"]["signs_only"] == c["signs_only"]["fatal_serious_change"]["value"]


def test_in_process_state_equals_the_run(with_plan):
    """Judging the horizon again in-process gives the run's own figures (no drift between paths)."""
    run = with_plan
    sc = Scenario(name="plan", programme=True, calming_plan=ds.CalmingPlan(enabled=True, start_year=2027,
                                                                            km_per_year=0.3))
    from mobisim import schools
    from mobisim.rules.toets import ToetsSettings
    from mobisim.score import ScoreSettings

    ss = sc.schools
    inputs = effects.EffectInputs(toets=ToetsSettings(), schools=ss, driven=ds.DrivenSpeedSettings(),
                                  plan=sc.calming_plan, scores=ScoreSettings(), base_year=2026, horizon=2030,
                                  limit_column="proposed_maxspeed", school_points=schools.school_points(run.after, ss),
                                  origins=run.schools_after.origins)
    mask = ds.redesigned_by(run.after.edges["redesign_year"], 2030)
    state = effects.judge_state(run.after, inputs, redesigned=mask, case="central")
    assert state.crossings == run.scores["toets_after"]["value"]["crossings"]
    assert state.toets_all == run.scores["toets_after"]["value"]["all"]
    assert state.children_safe == pytest.approx(run.scores["school_children_safe_after"]["value"], abs=1e-6)


def test_signs_only_scenario_matches_the_plan_s_signs_only_row(with_plan, signs_only):
    plan_row = with_plan.scores["calming"]["value"]["signs_only"]
    head = signs_only.scores["headline"]
    assert signs_only.scores["calming"]["value"]["plan"]["redesigned_by_horizon_km"] == 0
    assert head["safe_crossings"]["value"] == plan_row["crossings"]["value"]
    assert head["fatal_serious_change"]["value"] == pytest.approx(plan_row["fatal_serious_change"]["value"], abs=1e-6)
    # the plan beats signs only
    assert with_plan.scores["headline"]["fatal_serious_change"]["value"] < head["fatal_serious_change"]["value"]
    assert not np.isnan(head["fatal_serious_change"]["value"])
