"""The outcomes of the 30/50 rule in the scores and the report: tiers, deciding criteria, C3
sensitivity, the data box, and only the area judged counted.

Runs the whole pipeline once on the hand-written render fixture (the wijk polygons of the shared
folder give the default area; ``shared_osm`` skips, with the reason, when it is absent).
"""

from __future__ import annotations

import json
import types
from pathlib import Path

import numpy as np
import pytest

from mobisim import pipeline, rules
from mobisim.render import report
from mobisim.scenario import Scenario


@pytest.fixture(scope="module")
def run(tmp_path_factory, data_dir: Path, shared_osm):
    out = tmp_path_factory.mktemp("maps") / "tiers-test"
    # the class table of daily traffic, not the traffic model: the fixture's few homes give its
    # roads too little traffic for any noise limit to bite, and this module tests the tiers
    sc = Scenario.model_validate({"name": "tiers-test", "programme": True, "traffic": {"enabled": False}})
    osm = [data_dir / "render_city.osm", data_dir / "render_buildings.osm"]
    return pipeline.run_scenario(sc, osm_override=osm, out_dir=out, progress=False)


def _judged(edges):
    return edges[edges["regime_tier"].notna().to_numpy()]


def test_every_judged_road_has_exactly_one_outcome_with_its_reason(run):
    e = _judged(run.after.edges)
    assert len(e) > 0
    assert set(e["regime_tier"].unique()) <= set(rules.TIERS)
    shown = e[e["regime_tier"] == "50_if_shown"]
    to30 = e[e["regime_tier"] == "to_30"]
    # the render fixture has roads going to 30 but none "50 if shown" (that outcome is checked on
    # Twijfellaan in test_rules_tiers): the "to 30" loop below must run over real roads
    assert len(to30) > 0
    # 50 if shown: proposed 30, rule R5-50-if-shown, no failing criterion, the missing evidence named
    assert (shown["proposed_maxspeed"] == 30).all()
    assert (shown["regime_rule"] == "R5-50-if-shown").all()
    crit = ["c1_cycle_path", "c2_sensitive_sites", "c3_air_noise", "c4_crossable"]
    assert not (shown[crit] == "fail").any(axis=None)
    assert shown["regime_missing"].str.len().gt(0).all()
    # to 30: the deciding criteria are exactly the failing ones
    for _, row in to30.iterrows():
        failing = {c.split("_")[0].upper() for c in crit if row[c] == "fail"}
        assert set(row["regime_deciding"].split("+")) == failing


def test_scores_count_km_per_outcome_of_the_area_judged(run):
    scores = json.loads((run.out_dir / "scores.json").read_text())
    tiers = scores["regime_tiers"]["value"]
    e = _judged(run.after.edges)
    for tier in rules.TIERS:
        km = float(e.loc[e["regime_tier"] == tier, "length"].sum()) / 1000.0
        assert tiers[tier] == pytest.approx(km, abs=1e-3)
    # km by deciding criteria adds up to the tiers
    by = {}
    for row in tiers["by_criteria"]:
        by[row["tier"]] = by.get(row["tier"], 0.0) + row["km"]
    for tier in rules.TIERS:
        assert by.get(tier, 0.0) == pytest.approx(tiers[tier], abs=1e-2)
    # the headline figure at 50 carries a range up to "50 if shown"
    head = scores["headline"]["km_50"]
    assert head["range"][1] - head["range"][0] == pytest.approx(tiers["50_if_shown"], abs=1e-6)


def test_sensitivity_at_the_runs_own_limits_reproduces_the_run(run):
    e = run.after.edges
    rs = rules.RuleSettings()
    sens = rules.c3_sensitivity(e, [rs.noise_threshold_lden_db], [rs.air_limit_ugm3])
    tiers = rules.tier_lengths(e)
    assert len(sens) == 2
    for _, row in sens.iterrows():
        for tier in rules.TIERS:
            assert row[f"{tier}_km"] == pytest.approx(tiers[tier], abs=5e-4)  # tier_lengths rounds to m


def test_a_looser_noise_limit_never_sends_more_roads_to_30(run):
    sens = rules.c3_sensitivity(run.after.edges, [40.0, 53.0, 63.0, 70.0, 90.0], [20.0])
    noise = sens[sens["varied"] == "noise"]
    assert np.all(np.diff(noise["to_30_km"].to_numpy()) <= 1e-9)
    assert np.all(np.diff(noise["fail_km"].to_numpy()) <= 1e-9)
    # on this fixture the noise level is known (buildings), so the limit changes the answer
    assert noise["fail_km"].iloc[0] > noise["fail_km"].iloc[-1]


def test_report_opens_with_the_data_box_and_explains_the_outcomes(run):
    md = (run.out_dir / "report.md").read_text()  # Dutch, the council's language
    assert md.index("## De vraag en het antwoord") < md.index("## Wat de gegevens wel en niet kunnen zeggen")
    box = md[md.index("## Wat de gegevens wel en niet kunnen zeggen"):md.index("\n# ")]
    for label in ("snelheidslimieten (maxspeed)", "fietspaden", "oversteekplaatsen en verkeerslichten", "gebouwen"):
        assert label in box
    # the inputs with the date of their data (the hand-written fixtures state none)
    assert "render\\_city.osm (datum niet vermeld in het bestand)" in box
    for title in ("De 50-wegen van vandaag: 50 houden, 50 als aangetoond, of 30",
                  "Elk criterium op de 50-wegen van vandaag", "Hoe het antwoord meebeweegt met de grens voor geluid",
                  "De 50-wegen van vandaag die 30 worden, per straat"):
        assert f"## {title}" in md


def test_report_lists_only_the_area_judged(run):
    """A segment outside the area is in the network but in no report table."""
    e = run.after.edges.copy()
    inside = e["in_area"].to_numpy(dtype=bool)
    assert inside.any()
    judged = _judged(e)
    target = judged.index[0]
    name = "Buitengemeentestraat"
    e.loc[target, "name"] = name
    net = types.SimpleNamespace(edges=e, nodes=run.after.nodes, sources=[], coverage={})
    assert name in report.roads_losing_fifty(report.ReportNetwork.of(net).edges)["street"].tolist()
    e.loc[target, "in_area"] = False
    assert name not in report.roads_losing_fifty(report.ReportNetwork.of(net).edges)["street"].tolist()
