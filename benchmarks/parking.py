"""Benchmark and whole-city figures of the parking model on the real Den Haag data.

Run: ``MOBISIM_CACHE_DIR=/tmp/mobisim-cache python benchmarks/parking.py [street file]``

Prints the load time (from the processed-network cache after the first run), the time of each
parking step, the peak RSS, the whole-city supply with the share from tags / mapped spaces /
estimates, the permit base (the city's ~110,000 permits spread over the wijken), the yearly cap
table 2026–2030 for the default (Volt) areas, the tariff against the €2.0 M/yr line and the
headline figures with their low / central / high range.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import pandas as pd

from mobisim.load.areas import assign_areas, load_wijken, select_areas, shared_osm_dir
from mobisim.parking import (
    ParkingSettings,
    allocate_freed,
    cap_table,
    city_summary,
    distribute_permits,
    evaluate_parking,
    load_garages,
    load_parking_spaces,
    parking_supply,
    supply_by_area,
    surface_lots,
)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    shared = shared_osm_dir()
    street = Path(sys.argv[1]) if len(sys.argv) > 1 else shared / "den-haag-city-2021.osm.bz2"
    from mobisim.load import load_network

    t0 = time.perf_counter()
    net = load_network([street])
    t_load = time.perf_counter() - t0
    print(f"load_network {street.name}: {t_load:.1f} s, {len(net.edges):,} edges, {len(net.nodes):,} nodes")

    s = ParkingSettings()
    wijken = load_wijken()
    garages = load_garages()
    spaces = load_parking_spaces(shared / "den-haag-parking-spaces.geojson")

    t = time.perf_counter()
    sup = parking_supply(net, s, spaces=spaces)
    print(f"parking_supply: {time.perf_counter() - t:.2f} s")
    for col in sup.columns:
        net.edges[col] = sup[col]
    t = time.perf_counter()
    net.edges["wijk_code"] = assign_areas(net.edges, wijken)
    print(f"assign_areas (edges → wijk): {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    by = supply_by_area(net.edges, wijken, surface_lots(net.features, s), garages)
    print(f"supply_by_area: {time.perf_counter() - t:.2f} s")
    codes = list(select_areas(wijken, s.areas)["code"])
    t = time.perf_counter()
    dist = distribute_permits(by, s)
    capped = by.loc[codes].assign(base_permits=dist.loc[codes, "permits"])
    cap = cap_table(capped, s)
    freed = allocate_freed(net.edges, cap, s)
    print(f"distribute_permits + cap_table + allocate_freed: {time.perf_counter() - t:.2f} s ({len(freed):,} segments)")
    t = time.perf_counter()
    result = evaluate_parking(net, s, wijken=wijken, garages=garages, spaces=spaces)
    print(f"evaluate_parking (all steps): {time.perf_counter() - t:.2f} s; peak RSS {_rss_mb():,.0f} MB")

    city = city_summary(by, net.edges)
    print("\nWhole-city on-street supply (inside the 44 wijken)")
    print(f"  {city['on_street_spaces_in_wijken']:,.0f} spaces on {city['road_km']:,.0f} km of road "
          f"(whole network incl. the 300 m margin: {city['on_street_spaces_network']:,.0f})")
    print(f"  from tags {city['spaces_tag']:,.0f} ({city['share_tag']:.1%}), mapped parking_space "
          f"{city['spaces_parking_space']:,.0f} ({city['share_parking_space']:.1%}), estimated "
          f"{city['spaces_estimate']:,.0f} ({city['share_estimate']:.1%})")
    print(f"  off-street: surface lots {city['lot_spaces']:,.0f} ({city['lots']:.0f} lots, "
          f"{city['lots_no_capacity']:.0f} without capacity); garages {city['garage_spaces']:,.0f} "
          f"({city['garages']:.0f} garages, {city['garages_no_capacity']:.0f} without capacity)")
    print(f"  segments by source: {net.edges['parking_source'].value_counts().to_dict()}")

    pd.set_option("display.width", 200)
    permits = result.permits
    capped_total = int(permits.loc[permits["capped"], "permits"].sum())
    print(f"\nPermit base: {int(permits['permits'].sum()):,} in the city, {capped_total:,} in the capped wijken "
          f"({capped_total / max(int(permits['permits'].sum()), 1):.0%}); Rustenburg en Oostbroek "
          f"{int(permits.loc[permits['name'] == 'Rustenburg en Oostbroek', 'permits'].sum()):,}")
    print("\nYearly cap 2026–2030, Volt areas (cap rate 2 %/yr, base = the wijk's share of the city's permits)")
    wide = result.cap.pivot(index="name", columns="year", values="cap")
    wide.loc["TOTAL"] = wide.sum()
    print(wide.to_string())
    print("\nTotals with re-use (cumulative)")
    print(result.totals.round(1).to_string())
    print("\nTariff vs finance table")
    print(result.tariff[["permits", "price_eur", "surcharge_eur", "programme_surcharge_eur", "price_increase_needed_eur",
                         "surcharge_factor_needed"]].round(2).to_string())
    print(result.finance.round(0).to_string())
    print("\nHeadline (low / central / high)")
    for key in ("cap_base", "spaces_freed", "area_m2", "bikes", "large_car_revenue_eur"):
        print(f"  {key}: {result.headline[key]}")
    print("\nFirst freed segments per area (top 1)")
    top = result.freed.sort_values(["code", "priority_rank"]).groupby("code").head(1)
    print(top[["wijk", "street", "parking_spaces", "freed_spaces", "first_year", "priority_reason"]].to_string())
    for note in result.notes:
        print("note:", note)


if __name__ == "__main__":
    main()
