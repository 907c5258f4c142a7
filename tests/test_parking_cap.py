"""The permit cap over time, the allocation of freed spaces to streets, re-use and bad input.

Fixture supply (see test_parking_supply.py): Noordkwartier 67 on-street spaces, Île-Zuid 112,
Leeg Veld none. The tests give the fixture city 160 permits: spread by supply (occupancy 0.9 in
both), 160 × 67/179 = 59.89 and 160 × 112/179 = 100.11 → 59 + 100 = 159, and the one permit left
goes to the larger remainder (0.89): 60 and 100.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from pydantic import ValidationError

from mobisim.errors import NotFoundError, ScenarioError
from mobisim.load.areas import load_wijken
from mobisim.load.parking_data import load_garages
from mobisim.parking import (
    ParkingSettings,
    ReuseMix,
    cap_table,
    evaluate_parking,
    parking_settings,
    reuse,
)

AREAS = ["Noordkwartier", "WK051892"]


def run(data_dir, net, **kw):
    wijken = load_wijken(data_dir / "parking_wijken.geojson")
    kw.setdefault("shared_layers", False)  # the fixture lies inside Den Haag: keep real layers out
    kw.setdefault("permits_city", 160)  # the fixture's "city": see the module docstring
    return evaluate_parking(net, ParkingSettings(areas=AREAS, **kw), wijken=wijken,
                            garages=load_garages(data_dir / "parking_garages.geojson")), net


def supply(**spaces):
    return pd.DataFrame({"name": list(spaces), "on_street_spaces": list(spaces.values())},
                        index=pd.Index([f"WK05189{i}" for i in range(len(spaces))], name="code"))


# --- compounding -------------------------------------------------------------------------------

def test_cap_compounds_minus_two_percent():
    s = ParkingSettings(areas=["A"], base_permits={"A": 1000})
    t = cap_table(supply(A=2000.0), s)
    # 1000 × 0.98^k: 1000, 980, 960.4, 941.192, 922.368 → floored
    assert t["cap"].tolist() == [1000, 980, 960, 941, 922]
    assert t["freed"].tolist() == [0, 20, 20, 19, 19]
    assert t["freed_cumulative"].tolist() == [0, 20, 40, 59, 78]
    assert (t["permits"] == t["cap"]).all()


def test_cap_is_compound_not_linear():
    s = ParkingSettings(areas=["A"], base_permits={"A": 100_000}, horizon_long=2040)
    t = cap_table(supply(A=1.0), s).set_index("year")
    assert t.loc[2040, "cap"] == math.floor(100_000 * 0.98 ** 14)  # 75,360, linear would be 72,000
    assert t.loc[2040, "cap"] > 100_000 * (1 - 0.02 * 14)
    assert list(t.index) == list(range(2026, 2041))


def test_exact_products_are_not_floored_down():
    # 100 × 0.98 is 98.00000000000001 or 97.9999… in binary; the cap must be 98, then 96.04 → 96
    s = ParkingSettings(areas=["A"], base_permits={"A": 100})
    assert cap_table(supply(A=500.0), s)["cap"].tolist() == [100, 98, 96, 94, 92]


def test_zero_rate_keeps_the_cap():
    s = ParkingSettings(areas=["A"], cap_rate=0.0, permits_city=45)
    t = cap_table(supply(A=50.0), s)
    assert t["cap"].tolist() == [45] * 5 and t["freed_cumulative"].max() == 0


def test_default_base_from_city_count_and_per_area_freed(data_dir, parking_net):
    result, _ = run(data_dir, parking_net)
    cap = result.cap.pivot(index="year", columns="code", values="cap")
    # 160 permits spread by supply: 60 → 60, 58.8, 57.62, 56.47, 55.34; 100 → 100 … 92.24
    assert cap["WK051891"].tolist() == [60, 58, 57, 56, 55]
    assert cap["WK051892"].tolist() == [100, 98, 96, 94, 92]
    freed = result.cap.pivot(index="year", columns="code", values="freed")
    assert freed["WK051891"].tolist() == [0, 2, 1, 1, 1]
    assert result.totals.loc[2030, "freed_cumulative"] == 13


def test_base_permits_override_by_name(data_dir, parking_net):
    result, _ = run(data_dir, parking_net, base_permits={"île-zuid": 50})
    base = result.cap[result.cap["year"] == 2026].set_index("code")["cap"]
    # Île-Zuid keeps its count; the other 110 of the 160 go to Noordkwartier (Leeg Veld has no supply)
    assert base.to_dict() == {"WK051891": 110, "WK051892": 50}
    assert result.permits.loc["WK051892", "permits_source"] == "count"
    assert result.permits.loc["WK051893", "permits"] == 0


# --- which spaces go first -----------------------------------------------------------------------

def test_allocation_by_supply_density(data_dir, parking_net):
    result, _ = run(data_dir, parking_net)
    freed = result.freed.set_index("edge_id")
    # Noordkwartier: e0 has 34 spaces / 100 m, e2 17, e1 16 → all 5 from e0
    # Île-Zuid: e6 has 38 / 57 m = 0.67 per m, the most → all 8 from e6
    assert freed["freed_spaces"].to_dict() == {0: 5.0, 6: 8.0}
    assert freed.loc[0, ["freed_2027", "freed_2028", "freed_2030"]].tolist() == [2.0, 3.0, 5.0]
    assert freed.loc[0, "first_year"] == 2027
    assert freed.loc[0, "priority_rule"] == "supply_density"
    assert "34.0 spaces per 100 m" in freed.loc[0, "priority_reason"]


def test_school_route_segments_go_first(data_dir, parking_net):
    net = parking_net
    net.edges["school_route_children"] = 0.0
    net.edges.loc[2, "school_route_children"] = 40.0  # e2 (17 spaces) on a school route
    result, _ = run(data_dir, net=net)
    freed = result.freed.set_index("edge_id")
    assert freed.loc[2, "freed_spaces"] == 5.0 and 0 not in freed.index
    assert freed.loc[2, "priority_rule"] == "school_route"
    assert freed.loc[2, "priority_reason"].startswith("school route of 40 children")


def test_freed_spill_over_to_the_next_segment(data_dir, parking_net):
    # base 100 in Noordkwartier → 100, 98, 96, 94, 92: 8 freed; e0 first (34) … make e0 small
    net = parking_net
    net.edges.loc[0, "length"] = 13.0  # 13 − 5 (junction at v) = 8 m → 1 space per side = 2
    result, _ = run(data_dir, net=net, base_permits={"Noordkwartier": 100})
    freed = result.freed[result.freed["code"] == "WK051891"].set_index("edge_id")
    # densities: e0 2/13 = 0.15, e2 0.17, e1 0.16 → e2 (17) takes all 8
    assert freed["freed_spaces"].to_dict() == {2: 8.0}
    result, _ = run(data_dir, net=net, base_permits={"Noordkwartier": 1000}, permits_city=1100)
    freed = result.freed[result.freed["code"] == "WK051891"].set_index("edge_id")
    # 78 freed by 2030 > 35 spaces: e2 17, then e1 16, then e0 2
    assert freed["freed_spaces"].to_dict() == {2: 17.0, 1: 16.0, 0: 2.0}
    assert freed["priority_rank"].tolist() == [1, 2, 3]
    assert any("exceed" in n and "Noordkwartier" in n for n in result.notes)


def test_crossing_priority_is_configurable(data_dir, parking_net):
    result, _ = run(data_dir, parking_net, priority=["crossing_sight_line", "supply_density"])
    freed = result.freed.set_index("edge_id")
    # segments ending at a crossing first: e1 in the north (16 ≥ 5), e8 in the south (34 ≥ 8)
    assert freed["freed_spaces"].to_dict() == {1: 5.0, 8: 8.0}
    assert "pedestrian crossing" in freed.loc[8, "priority_reason"]
    assert freed.loc[8, "priority_rule"] == "crossing_sight_line"


# --- re-use -------------------------------------------------------------------------------------

def test_reuse_split_by_hand():
    s = ParkingSettings(reuse_mix=ReuseMix(bike_parking=0.2, green=0.5, play=0.1, meeting=0.1, terraces=0.1))
    r = reuse(pd.Series([10.0], index=["x"]), s).loc["x"]
    assert r["freed_m2"] == 125.0  # 10 × 12.5 m²
    assert r["bike_parking_spaces"] == 2.0 and r["bikes"] == 24.0  # 12 bikes per car space
    assert r["green_m2"] == 62.5 and r["play_m2"] == 12.5 and r["terraces_m2"] == 12.5


def test_reuse_mix_in_percent():
    mix = ReuseMix(bike_parking=20, green=50, play=10, meeting=10, terraces=10)
    assert mix.bike_parking == pytest.approx(0.2) and mix.green == pytest.approx(0.5)


# --- bad input ---------------------------------------------------------------------------------

def test_unknown_wijk_is_a_clear_error(data_dir, parking_net):
    with pytest.raises(NotFoundError, match="unknown wijk 'Zuidkwartier'.*closest: Noordkwartier"):
        evaluate_parking(parking_net, ParkingSettings(areas=["Zuidkwartier"]),
                         wijken=load_wijken(data_dir / "parking_wijken.geojson"))


def test_unknown_wijk_in_base_permits(data_dir, parking_net):
    with pytest.raises(NotFoundError, match="base_permits names .Leeg Veldje., which is not a wijk"):
        run(data_dir, parking_net, base_permits={"Leeg Veldje": 10})


def test_negative_rate_is_rejected():
    with pytest.raises(ValidationError, match="cap_rate must be >= 0 and < 1"):
        ParkingSettings(cap_rate=-0.02)
    with pytest.raises(ValidationError, match="cap_rate"):
        ParkingSettings(cap_rate=1.0)


def test_mix_not_summing_to_whole_is_rejected():
    with pytest.raises(ValidationError, match=r"reuse_mix must sum to 1 \(or 100 %\), got 90"):
        ReuseMix(bike_parking=30, green=30, play=10, meeting=10, terraces=10)


def test_scenario_errors_are_one_line_with_the_key():
    with pytest.raises(ScenarioError) as info:
        parking_settings({"cap_rate": -0.1}, where="volt.yaml: parking")
    assert str(info.value) == "volt.yaml: parking.cap_rate: cap_rate must be >= 0 and < 1 (a fraction per year, 0.02 = 2 %), got -0.1"
    with pytest.raises(ScenarioError, match=r"parking.reuse_mix: reuse_mix must sum"):
        parking_settings({"reuse_mix": {"bike_parking": 0.5, "green": 0.6, "play": 0, "meeting": 0, "terraces": 0}})
    with pytest.raises(ScenarioError, match="parking.cap_rat"):
        parking_settings({"cap_rat": 0.02})  # typo: extra keys are forbidden


def test_horizon_must_follow_base_year():
    with pytest.raises(ValidationError, match="horizon"):
        ParkingSettings(base_year=2030, horizon=2026)


def test_freed_by_street_sums_segments(data_dir, parking_net):
    from mobisim.parking import freed_by_street

    result, _ = run(data_dir, parking_net, base_permits={"Île-Zuid": 1000}, permits_city=1060)
    # 1000 → 922 by 2030: 78 freed; by density e6 Schuinhof (38), e7 Lange Laan (36), e8 Lange Laan (4 of 34)
    south = result.freed[result.freed["code"] == "WK051892"].set_index("edge_id")
    assert south["freed_spaces"].to_dict() == {6: 38.0, 7: 36.0, 8: 4.0}
    streets = freed_by_street(result.freed)
    south_streets = streets[streets["code"] == "WK051892"].set_index("street")
    assert south_streets.loc["Lange Laan", ["segments", "freed_spaces"]].tolist() == [2, 40.0]
    assert south_streets.loc["Schuinhof", "freed_spaces"] == 38.0
    assert south_streets.loc["Lange Laan", "geometry"].length == pytest.approx(200.0)
