"""Large-car tariff: classes by mass/fuel (Paris thresholds) and revenue vs the finance table."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from mobisim.parking.tariff import TariffSettings, VehicleClass, classify_vehicles, tariff_revenue


def test_paris_thresholds_classify_vehicles():
    cars = pd.DataFrame(
        {
            "fuel": ["petrol", "hybrid", "electric", "electric", "petrol", "diesel"],
            "mass_t": [1.6, 1.59, 1.9, 2.0, 1.2, 2.4],
        }
    )
    got = classify_vehicles(cars).tolist()
    assert got == ["large_combustion", "standard", "standard", "large_electric", "standard", "large_combustion"]


def test_length_threshold_class():
    s = TariffSettings(classes={
        "long": VehicleClass(min_length_m=4.8, factor=2.0, share=0.2),
        "rest": VehicleClass(share=0.8),
    })
    cars = pd.DataFrame({"fuel": ["petrol", "electric"], "mass_t": [1.0, 1.0], "length_m": [4.9, 4.5]})
    assert classify_vehicles(cars, s).tolist() == ["long", "rest"]


def test_revenue_by_hand():
    s = TariffSettings(
        classes={"large": VehicleClass(min_mass_t=1.6, factor=3.0, visitor_factor=3.0, share=0.1),
                 "rest": VehicleClass(share=0.9)},
        permits_citywide=10_000, price_eur_per_year=100.0, aligned_price_eur_per_year=150.0,
        visitor_hours_per_year=1_000.0, visitor_rate_eur_per_hour=4.0,
    )
    t = tariff_revenue(s, years=range(2026, 2030))
    assert t.loc[2026, "base_eur"] == 1_000_000.0
    # before 2028 there is no surcharge and no alignment
    assert t.loc[2027, ["surcharge_eur", "alignment_eur", "programme_surcharge_eur"]].tolist() == [0.0, 0.0, 0.0]
    # from 2028: 10,000 × 100 × 0.1 × (3 − 1) = 200,000; visitors 1,000 h × €4 × 0.1 × 2 = 800
    assert t.loc[2028, "surcharge_eur"] == pytest.approx(200_000.0)
    assert t.loc[2028, "visitor_surcharge_eur"] == pytest.approx(800.0)
    assert t.loc[2028, "alignment_eur"] == pytest.approx(500_000.0)  # 10,000 × €50
    assert t.loc[2028, "surcharge_gap_eur"] == pytest.approx(200_800.0 - 2_000_000.0)
    assert t.loc[2028, "alignment_gap_eur"] == pytest.approx(500_000.0 - 1_200_000.0)
    # €1.2 M over 10,000 permits = €120 each; factor reaching €2.0 M: 1 + (2e6 − 800) / (10,000 × 100 × 0.1)
    assert t.loc[2028, "price_increase_needed_eur"] == pytest.approx(120.0)
    assert t.loc[2028, "surcharge_factor_needed"] == pytest.approx(1 + (2_000_000 - 800) / 100_000)


def test_revenue_follows_the_permit_count():
    permits = pd.Series([1000.0, 900.0], index=pd.Index([2028, 2029], name="year"))
    t = tariff_revenue(TariffSettings(price_eur_per_year=10.0), permits_by_year=permits)
    # default mix: 12 % and 3 % at factor 3 → €10 × 0.15 × 2 = €3 extra per permit
    assert t["surcharge_eur"].tolist() == pytest.approx([3000.0, 2700.0])


def test_fleet_mix_must_sum_to_one():
    with pytest.raises(ValidationError, match="fleet shares must sum to 1, got 0.9"):
        TariffSettings(classes={"a": VehicleClass(share=0.5), "b": VehicleClass(share=0.4)})


def test_unknown_fuel_is_rejected():
    with pytest.raises(ValidationError, match="fuels"):
        VehicleClass(fuels=["steam"], share=1.0)
