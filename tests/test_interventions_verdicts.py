"""Each intervention type changes the verdicts it should: the hand-written street fixture runs
through the loader, the interventions and the rules (30/50 regime, 8-jarigen-toets).

Fixture ``tests/data/scenario_streets.osm``: a two-lane 50 km/h distributor "Laan van Nieuw
Oost-Indië" (ways 100, 104; nodes 1-2-3-9) with a primary school beside it, "Schoolstraat"
(30) and "Korte Straat" (50) off it, and two footways.
"""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from mobisim import rules
from mobisim.load import load_network
from mobisim.scenario import load_scenario
from mobisim.scenario.interventions import Intervention, apply_interventions

ADAPTER = TypeAdapter(list[Intervention])
LAAN = "Laan van Nieuw Oost-Indië"


@pytest.fixture(scope="module")
def net(data_dir):
    return load_network([data_dir / "scenario_streets.osm"], cache=False)


def _run(net, *items):
    out = apply_interventions(net, ADAPTER.validate_python(list(items)))
    return rules.evaluate(out)


@pytest.fixture(scope="module")
def today(net):
    return _run(net)


def _edges(n, name=None, way=None):
    e = n.edges
    mask = e["is_road"] & ((e["name"] == name) if name else (e["way_id"] == way))
    rows = e[mask.fillna(False).astype(bool)]
    assert len(rows), f"no road segment of {name or way}"  # an empty selection would pass any .all()
    return rows


def test_fixture_verdicts_today(today):
    laan = _edges(today, LAAN)
    assert len(laan) == 3 and (laan["maxspeed"] == 50).all()
    assert (laan["toets_bike"] == "fail").all()
    assert (_edges(today, "Korte Straat")["toets_bike"] == "fail").all()
    assert today.nodes.loc[[2, 3], "toets_crossing"].tolist() == ["fail", "fail"]


def test_set_speed_makes_the_street_pass_the_bike_toets(today, net):
    out = _run(net, {"type": "set_speed", "street": "korte straat", "maxspeed": 30, "id": "ks30"})
    ks = _edges(out, "Korte Straat")
    assert (ks["toets_bike"] == "pass").all() and (ks["lts_bike"] == 1).all()
    assert (ks["maxspeed_source"] == "intervention:ks30").all()
    assert ks["regime_reason"].str.startswith("already 30").all()
    # the crossing of Korte Straat at its footway end is now across a 30-road
    assert today.nodes.loc[5, "toets_crossing"] == "fail" and out.nodes.loc[5, "toets_crossing"] == "pass"
    # other streets keep their verdicts
    assert (_edges(out, LAAN)["toets_bike"] == "fail").all()


def test_add_cycle_track_passes_bike_toets_and_criterion_c1(today, net):
    out = _run(net, {"type": "add_cycle_track", "street": LAAN, "side": "both", "id": "fietspad"})
    laan, before = _edges(out, LAAN), _edges(today, LAAN)
    assert (before["c1_cycle_path"] != "pass").all() and (laan["c1_cycle_path"] == "pass").all()
    assert (laan["toets_bike"] == "pass").all() and (laan["lts_bike"] == 1).all()
    assert (laan["cycle_separated_source"] == "intervention:fietspad").all()
    # one side only is not enough for a two-way street
    one = _edges(_run(net, {"type": "add_cycle_track", "street": LAAN, "side": "left"}), LAAN)
    assert (one["toets_bike"] == "fail").all()


def test_crossing_signals_and_island_pass_the_crossing_toets(today, net):
    out = _run(net, {"type": "crossing", "node": 2, "kind": "signals"},
               {"type": "crossing", "at": [52.08003, 4.29602], "kind": "island", "id": "island-3"})
    assert out.nodes.loc[2, "toets_crossing"] == "pass" and out.nodes.loc[3, "toets_crossing"] == "pass"
    assert "signal" in out.nodes.loc[2, "toets_crossing_reason"]
    assert "island" in out.nodes.loc[3, "toets_crossing_reason"]
    assert out.nodes.loc[3, "crossing_source"] == "intervention:island-3"
    # a zebra alone on a two-lane 50-road is not child-safe (Dutch practice: island or signals)
    zebra = _run(net, {"type": "crossing", "node": 2, "kind": "zebra"})
    assert zebra.nodes.loc[2, "toets_crossing"] == "fail"
    # C4 on the segment between the two upgraded crossings now passes
    seg = _edges(out, way=100)
    between = seg[(seg["u"].isin([2, 3])) & (seg["v"].isin([2, 3]))]
    assert len(between) and (between["c4_crossable"] == "pass").all()


def test_a_fietsstraat_passes_only_where_the_cars_are_few_enough_to_be_guests(net):
    # way 104 is a busy secondary (~10,000 vehicles/day assumed): at 30 km/h mixed traffic is
    # LTS 2; a fietsstraat sign does not change that traffic (CROW: fietsstraten carry little motor
    # traffic), so it fails until the through traffic is taken out; then it is LTS 1 as a fietsstraat
    speed = _edges(_run(net, {"type": "set_speed", "way": 104, "maxspeed": 30}), way=104)
    sign = _edges(_run(net, {"type": "fietsstraat", "way": 104}), way=104)
    assert (speed["toets_bike"] == "fail").all()
    assert (sign["maxspeed"] == 30).all() and sign["bicycle_road"].all()
    assert (sign["toets_bike"] == "fail").all() and (sign["toets_bike_rule"] != "B4-fietsstraat").all()
    calm = _edges(_run(net, {"type": "fietsstraat", "way": 104},
                       {"type": "close_through_traffic", "way": 104, "daily_traffic": 2000}), way=104)
    assert (calm["toets_bike"] == "pass").all() and (calm["lts_bike"] == 1).all()
    assert (calm["toets_bike_rule"] == "B4-fietsstraat").all()
    assert "at most 2,500 motor vehicles/day" in calm["toets_bike_reason"].iloc[0]


def test_close_through_traffic_flags_and_keeps_access(net):
    out = _run(net, {"type": "close_through_traffic", "street": "Korte Straat", "daily_traffic": 300})
    ks = _edges(out, "Korte Straat")
    assert (~ks["through_traffic"]).all() and ks["mode_drive"].all()
    assert (ks["daily_traffic"] == 300).all()
    assert (ks["daily_traffic_source"] == "intervention:close_through_traffic-1").all()


def test_close_through_traffic_lowers_the_volume_the_toets_reads(net):
    # way 104 at 30 km/h still carries ~10,000 vehicles/day: mixed traffic fails for a child;
    # closed to through traffic (300/day left) the same 30 km/h street passes (LTS 1)
    speed = {"type": "set_speed", "way": 104, "maxspeed": 30}
    closed = {"type": "close_through_traffic", "way": 104, "daily_traffic": 300}
    only_speed = _edges(_run(net, speed), way=104)
    both = _edges(_run(net, speed, closed), way=104)
    assert (only_speed["toets_bike"] == "fail").all()
    assert (both["toets_bike"] == "pass").all() and (both["lts_bike"] == 1).all()


def test_convert_parking_feeds_the_parking_score(net):
    from mobisim.score import parking_space

    out = _run(net, {"type": "convert_parking", "street": LAAN, "spaces": 30, "use": "greenery"})
    converted = out.edges["parking_converted_spaces"].sum()
    assert converted == pytest.approx(30)
    assert parking_space(0, spaces_converted=converted)["value"]["spaces_freed"] == 30


def test_scenario_file_interventions_apply(data_dir, net):
    sc = load_scenario(data_dir / "scenario_variants" / "scenario_child.toml")
    out = rules.evaluate(apply_interventions(net, sc.interventions))
    assert out.nodes.loc[2, "crossing_source"] == "intervention:zebra-laan"
    assert out.nodes.loc[2, "toets_crossing"] == "pass"  # zebra + island
    assert (_edges(out, "Korte Straat")["maxspeed_source"] == "intervention:set_speed-2").all()
