"""The permit base from a permit count, the tariff at the real prices, the finance comparison and
one bikes figure in scores.json and the report.

Hand-made supply frames (no network) for the distribution; the parking fixture network
(Noordkwartier 67 on-street spaces, Île-Zuid 112, Leeg Veld none; see test_parking_supply.py)
for the end-to-end figures.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from pydantic import ValidationError

from mobisim.errors import NotFoundError, ScenarioError
from mobisim.load.areas import load_wijken
from mobisim.parking import ParkingSettings, distribute_permits, evaluate_parking, reuse
from mobisim.parking.tariff import TariffSettings, VehicleClass, finance_comparison, tariff_revenue
from mobisim.render.report import parking_section
from mobisim.score import parking_space

AREAS = ["Noordkwartier", "WK051892"]


def supply(**spaces: float) -> pd.DataFrame:
    return pd.DataFrame({"name": list(spaces), "on_street_spaces": [float(v) for v in spaces.values()]},
                        index=pd.Index([f"WK05189{i}" for i in range(len(spaces))], name="code"))


def run(data_dir, net, **kw):
    kw.setdefault("shared_layers", False)
    kw.setdefault("permits_city", 160)
    kw.setdefault("areas", AREAS)
    garages = gpd.GeoDataFrame({"capacity_total": []}, geometry=[], crs="EPSG:28992")
    return evaluate_parking(net, ParkingSettings(**kw), wijken=load_wijken(data_dir / "parking_wijken.geojson"),
                            garages=garages)


# --- the permit base ----------------------------------------------------------------------------

def test_city_count_is_spread_by_supply_and_sums_exactly():
    s = ParkingSettings(areas=["A"], permits_city=1000, base_permits={})
    d = distribute_permits(supply(A=100, B=300, C=0), s)
    # 1000 × 100/400 and × 300/400; C has no supply
    assert d["permits"].tolist() == [250, 750, 0]
    assert d["permits_source"].tolist() == ["distributed", "distributed", "none"]
    # three equal wijken: 33.33 each → 33 + 33 + 33, the one left over to the first (stable order)
    d = distribute_permits(supply(A=10, B=10, C=10), ParkingSettings(permits_city=100, base_permits={}))
    assert d["permits"].sum() == 100 and sorted(d["permits"]) == [33, 33, 34]


def test_occupancy_per_wijk_weighs_the_spread():
    s = ParkingSettings(permits_city=1000, base_permits={}, occupancy_by_wijk={"A": 0.5})
    d = distribute_permits(supply(A=100, B=300), s)
    # weights 100 × 0.5 = 50 and 300 × 0.9 = 270: 156.25 and 843.75 → 156 + 843 = 999, +1 to B (.75)
    assert d["permits"].tolist() == [156, 844]
    zero = distribute_permits(supply(A=100, B=300), ParkingSettings(permits_city=1000, base_permits={},
                                                                    occupancy_by_wijk={"B": 0}))
    assert zero["permits"].tolist() == [1000, 0]


def test_a_known_count_wins_and_the_rest_is_spread():
    s = ParkingSettings(permits_city=1000, base_permits={"b": 200})  # name, any case
    d = distribute_permits(supply(A=100, B=300, C=100), s)
    assert d.loc["WK051891", "permits"] == 200 and d.loc["WK051891", "permits_source"] == "count"
    # 800 over A and C, 100 spaces each
    assert d["permits"].tolist() == [400, 200, 400] and d["permits"].sum() == 1000


def test_counts_above_the_city_total_are_an_error():
    with pytest.raises(ScenarioError, match=r"counts per wijk \(1,200\) exceed the city's permits"):
        distribute_permits(supply(A=100, B=100), ParkingSettings(permits_city=1000, base_permits={"A": 1200}))


def test_default_rustenburg_count_applies_in_den_haag_and_is_skipped_elsewhere():
    frame = supply(**{"Rustenburg en Oostbroek": 5556, "Elders": 10_000})
    d = distribute_permits(frame, ParkingSettings())
    assert d["permits"].tolist() == [2_500, 107_500]
    # a wijk file without Rustenburg: the default entry is skipped, a scenario entry must exist
    assert distribute_permits(supply(Elders=10), ParkingSettings())["permits"].tolist() == [110_000]
    with pytest.raises(NotFoundError, match="base_permits names 'Nergens'"):
        distribute_permits(supply(Elders=10), ParkingSettings(base_permits={"Nergens": 5}))


def test_cap_base_is_the_capped_share_of_the_city_count(data_dir, parking_net):
    r = run(data_dir, parking_net, areas=["Noordkwartier"])
    # 160 × 67/179 = 59.89 → 60 in Noordkwartier (capped); Île-Zuid keeps its 100, uncapped
    assert r.permits["permits"].sum() == 160
    assert r.headline["cap_base"]["central"] == 60
    assert r.cap.loc[r.cap["year"] == 2026, "cap"].tolist() == [60]
    # the city's permits fall only by the capped wijk's freed permits: 60 → 55 by 2030
    assert r.tariff.loc[2030, "permits"] == 100 + 55


def test_permit_settings_are_validated():
    with pytest.raises(ValidationError, match="permits_city"):
        ParkingSettings(permits_city=-1)
    with pytest.raises(ValidationError, match="finite"):
        TariffSettings(price_eur_per_year=float("nan"))
    with pytest.raises(ValidationError, match="occupancy_by_wijk"):
        ParkingSettings(occupancy_by_wijk={"A": 3.0})
    with pytest.raises(ValidationError, match="differ: set one of them"):
        ParkingSettings(permits_city=100, tariff={"permits_citywide": 200})
    assert ParkingSettings(tariff={"permits_citywide": 200}).permits_city == 200


# --- the tariff at the real prices --------------------------------------------------------------

def test_tariff_at_sixty_euro_by_hand():
    s = TariffSettings(classes={"large": VehicleClass(min_mass_t=1.6, factor=3.0, share=0.15),
                                "rest": VehicleClass(share=0.85)})
    assert s.price_eur_per_year == 60.0
    t = tariff_revenue(s, permits_by_year=pd.Series([1_000.0], index=pd.Index([2028], name="year")))
    # 1,000 permits × €60 × 0.15 × (3 − 1) = €18,000
    assert t.loc[2028, "surcharge_eur"] == pytest.approx(18_000.0)
    assert t.loc[2028, "base_eur"] == pytest.approx(60_000.0)


def test_centre_price_is_weighted_by_the_permits(data_dir, parking_net):
    r = run(data_dir, parking_net, tariff={"centre_areas": ["Île-Zuid"]})
    assert r.permits["price_eur"].to_dict() == {"WK051891": 60.0, "WK051892": 64.0, "WK051893": 60.0}
    # 2028 caps: Noordkwartier 57 at €60, Île-Zuid 96 at €64; default mix 0.12 + 0.03 at factor 3
    assert r.tariff.loc[2028, "permits"] == 153
    assert r.tariff.loc[2028, "surcharge_eur"] == pytest.approx((57 * 60 + 96 * 64) * 0.15 * 2)


def test_finance_table_per_year(data_dir, parking_net):
    r = run(data_dir, parking_net, tariff={"centre_areas": ["Île-Zuid"]})
    f = r.finance
    assert list(f.index) == [2026, 2027, 2028, 2029, 2030]
    assert f.loc[2027, "programme_eur"] == 0 and f.loc[2028, "programme_eur"] == 2_000_000
    central = (57 * 60 + 96 * 64) * 0.3
    assert f.loc[2028, "revenue_central_eur"] == pytest.approx(central)
    assert f.loc[2028, "difference_eur"] == pytest.approx(central - 2_000_000)
    # low: 144 permits → 54 and 90, capped to 51 and 86 by 2028, at €54 and €57.60
    assert f.loc[2028, "revenue_low_eur"] == pytest.approx((51 * 54 + 86 * 57.6) * 0.3)
    assert (f["revenue_low_eur"] <= f["revenue_central_eur"]).all()
    assert (f["revenue_central_eur"] <= f["revenue_high_eur"]).all()
    assert f.loc[2028, "meets_line"] == "no" and f.loc[2026, "meets_line"] == ""


def test_finance_comparison_verdicts():
    idx = pd.Index([2027, 2028, 2029], name="year")

    def table(rev):
        return pd.DataFrame({"surcharge_eur": rev, "visitor_surcharge_eur": [0.0, 0.0, 0.0],
                             "programme_surcharge_eur": [0.0, 2e6, 2e6]}, index=idx)

    f = finance_comparison(table([0.0, 1.9e6, 2.1e6]), table([0.0, 1.5e6, 1.7e6]), table([0.0, 2.3e6, 2.5e6]))
    assert f["meets_line"].tolist() == ["", "within range", "yes"]
    assert f["difference_eur"].tolist() == pytest.approx([0.0, -1e5, 1e5])


# --- one figure everywhere ----------------------------------------------------------------------

def test_scores_and_report_show_the_same_bikes(data_dir, parking_net):
    r = run(data_dir, parking_net)
    freed = float(r.totals["freed_cumulative"].iloc[-1])  # what a run scores as freed by the cap
    assert freed == 13  # 8 + 5 spaces freed by 2030 (see test_parking_cap.py)
    # 13 × 30 % = 3.9 → 4 whole car spaces for bikes × 12 = 48
    expected = 48
    with_result = parking_space(freed, parking=r)
    settings_only = parking_space(freed)  # how a run without the result calls it: the default settings
    assert with_result["value"]["bike_parking_equivalent"] == expected
    assert settings_only["value"]["bike_parking_equivalent"] == expected
    assert r.headline["bikes"]["central"] == expected
    assert r.totals.loc[2030, "bikes"] == expected
    section = "\n".join(parking_section(r, {"parking": with_result}))
    assert f"**{expected} (range" in section
    # the yearly table in whole numbers: 2030 caps 55 + 92 = 147, 3 freed that year (150 → 147), 13 in all
    row = next(line for line in section.splitlines() if line.startswith("| 2030 | 147 |"))
    assert row.startswith("| 2030 | 147 | 147 | 3 | 13 |") and "| 4 | 48 |" in row and "." not in row
    rng = with_result["value"]["range"]
    assert set(rng["bikes"]) == {"low", "central", "high"}
    assert rng["bikes"]["low"] <= expected <= rng["bikes"]["high"]


def test_reuse_bike_spaces_are_whole():
    r = reuse(pd.Series([13.0, 10.0]), ParkingSettings())
    assert r["bike_parking_spaces"].tolist() == [4.0, 3.0]
    assert r["bikes"].tolist() == [48.0, 36.0]
