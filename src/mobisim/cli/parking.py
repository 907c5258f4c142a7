"""``mobisim parking``: the yearly permit cap, freed spaces by street and the large-car tariff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import typer

from mobisim.cli._app import app, check_output_file, user_errors, writing
from mobisim.errors import InputFileError, MobisimError


def _scenario(path: Path) -> tuple[Any, str | None]:
    """Parking settings and the street file of a scenario (validated by :func:`load_scenario`)."""
    from mobisim.scenario import load_scenario

    sc = load_scenario(path)
    osm = sc.data.osm[0] if sc.data is not None and sc.data.osm else None
    return sc.parking, (str(osm) if osm else None)


def _fmt(df: pd.DataFrame, decimals: dict[str, int] | None = None) -> str:
    """A table with thousands separators: whole numbers unless ``decimals`` names the column."""
    decimals = decimals or {}
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            d = decimals.get(col, 0)
            out[col] = out[col].map(lambda v, d=d: "" if pd.isna(v) else f"{v:,.{d}f}")
    return out.to_string()


def _range(fig: dict[str, int] | None, unit: str = "") -> str:
    """``central (low–high)`` of a headline figure."""
    if not fig:
        return "n/a"
    return f"{unit}{fig['central']:,} (range {unit}{fig['low']:,}–{unit}{fig['high']:,})"


@app.command("parking")
@user_errors
def parking(
    osm: Path | None = typer.Option(None, "--osm", help="Street file (OSM XML/bz2/PBF/GraphML); default: the scenario's data.osm."),
    scenario: Path | None = typer.Option(None, "--scenario", help="Scenario file; its `parking` section sets the cap, areas, mix and tariff."),
    csv: Path | None = typer.Option(None, "--csv", help="Write the yearly cap table (per area and total) as CSV."),
    export: Path | None = typer.Option(None, "--export", help="Write the freed spaces by street as a GeoPackage (layer parking_freed)."),
    wijken: Path | None = typer.Option(None, "--wijken", help="Wijk polygons (default: den-haag-wijken.geojson from $MOBISIM_SHARED_OSM or ../shared/osm)."),
    garages: Path | None = typer.Option(None, "--garages", help="Garage capacities (default: parking.garages_path, else the shared den-haag-rdw-parking.geojson when present)."),
    spaces: Path | None = typer.Option(None, "--spaces", help="Extra amenity=parking_space layer (default: parking.spaces_path, else the shared den-haag-parking-spaces.geojson when present)."),
    no_spaces: bool = typer.Option(False, "--no-spaces", help="Do not use an extra parking-space layer."),
) -> None:
    """Cap resident permits in the scenario's wijken, falling by the yearly rate; show which
    streets give up their spaces, how the space is re-used and what the large-car tariff earns."""
    from mobisim import ATTRIBUTION
    from mobisim.load.areas import load_wijken
    from mobisim.parking import (
        ParkingSettings,
        evaluate_parking,
        freed_by_street,
        load_garages,
        load_parking_spaces,
        reuse,
    )

    for path, option in ((export, "--export"), (csv, "--csv")):
        if path is not None:
            check_output_file(path, option)  # before any work
    if scenario is not None:
        settings, scenario_osm = _scenario(scenario)
    else:
        settings, scenario_osm = ParkingSettings(), None
    source = osm or (Path(scenario_osm) if scenario_osm else None)
    if source is None:
        raise MobisimError("no street data: give --osm FILE or data.osm in the scenario")
    if not Path(source).exists():
        raise InputFileError(f"street file not found: {source}")
    wijk_frame = load_wijken(wijken)
    garage_frame = load_garages(garages) if garages is not None else None
    space_frame = load_parking_spaces(spaces) if spaces is not None else None
    if no_spaces:
        space_frame = gpd.GeoDataFrame(geometry=[], crs="EPSG:28992")
    # check the areas before the (slow) network load
    from mobisim.load.areas import select_areas

    select_areas(wijk_frame, settings.areas)

    from mobisim.load import load_network

    net = load_network([source])
    result = evaluate_parking(net, settings, wijken=wijk_frame, garages=garage_frame, spaces=space_frame)

    attribution = ATTRIBUTION + (" · © OpenMapTiles" if "den-haag-city-2021" in Path(source).name else "")
    city = result.city
    print(f"Parking supply ({source}; {attribution})")
    print(
        f"  on-street spaces in the wijken: {city['on_street_spaces_in_wijken']:,.0f} "
        f"(tags {city['share_tag']:.1%}, mapped spaces {city['share_parking_space']:.1%}, "
        f"estimates {city['share_estimate']:.1%}) on {city['road_km']:,.1f} km of road"
    )
    print(
        f"  off-street: surface lots {city['lot_spaces']:,.0f} ({city['lots']:.0f} lots, {city['lots_no_capacity']:.0f} "
        f"without capacity), garages {city['garage_spaces']:,.0f} "
        f"({city['garages']:.0f} garages, {city['garages_no_capacity']:.0f} without capacity)"
    )
    cap = result.cap
    head = result.headline
    permits = result.permits
    capped = permits[permits["capped"]]
    print(f"\nResident permits in the base year ({settings.base_year}): {head['permits_city']['central']:,} in the city "
          f"(parking.permits_city)")
    print(f"  {head['basis']['permits']}")
    counted = permits[permits["permits_source"] == "count"]
    if len(counted):
        print("  known per wijk (parking.base_permits): "
              + ", ".join(f"{n} {v:,}" for n, v in zip(counted["name"], counted["permits"])))
    table = capped[["name", "on_street_spaces", "permits", "permits_source", "permits_per_space", "price_eur"]]
    table = table.set_index("name").sort_index()
    table.loc["TOTAL capped"] = [capped["on_street_spaces"].sum(), capped["permits"].sum(), "",
                                 capped["permits"].sum() / max(capped["on_street_spaces"].sum(), 1.0), float("nan")]
    table.loc["whole city"] = [permits["on_street_spaces"].sum(), permits["permits"].sum(), "",
                               permits["permits"].sum() / max(permits["on_street_spaces"].sum(), 1.0), float("nan")]
    table = table.astype({"on_street_spaces": float, "permits": float, "permits_per_space": float, "price_eur": float})
    print(f"Cap base in the capped wijken: {_range(head['cap_base'])} permits "
          f"= {capped['permits'].sum() / max(permits['permits'].sum(), 1):.0%} of the city's")
    print(_fmt(table, {"permits_per_space": 2}))
    wide = cap.pivot(index="name", columns="year", values="cap")
    wide.loc["TOTAL"] = wide.sum()
    print(f"\nPermit cap per area (cap rate {settings.cap_rate:.1%}/yr, base year {settings.base_year})")
    print(wide.to_string())
    freed_wide = cap.pivot(index="name", columns="year", values="freed_cumulative")
    freed_wide.loc["TOTAL"] = freed_wide.sum()
    print("\nSpaces freed per area (cumulative)")
    print(freed_wide.to_string())
    print("\nYearly totals and re-use of the freed spaces (cumulative; spaces, bikes and m² rounded to whole numbers)")
    print(_fmt(result.totals))
    print(f"\nBy {head['year']}: {_range(head['spaces_freed'])} spaces freed, {_range(head['area_m2'])} m² of street, "
          f"{_range(head['bikes'])} bikes")
    print(f"  {head['basis']['bikes']}; {head['basis']['range']}")
    print("\nLarge-car tariff vs the programme's finance table (€/yr; permit price €"
          f"{settings.tariff.price_eur_per_year:g}, centre €{settings.tariff.centre_price_eur_per_year or settings.tariff.price_eur_per_year:g}"
          ", 2019 prices)")
    cols = ["permits", "price_eur", "surcharge_eur", "programme_surcharge_eur", "alignment_eur", "programme_alignment_eur",
            "price_increase_needed_eur", "surcharge_factor_needed"]
    print(_fmt(result.tariff[cols], {"price_eur": 2, "price_increase_needed_eur": 2, "surcharge_factor_needed": 2}))
    print(f"\nLarge-car revenue against the €{settings.tariff.programme_surcharge_eur / 1e6:.1f} M/yr finance line "
          f"(low / central / high: ±{settings.permits_uncertainty:.0%} permits, ±{settings.tariff.price_uncertainty:.0%} price)")
    print(_fmt(result.finance))
    for note in result.notes:
        print(f"note: {note}")

    if export is not None:
        from mobisim.render.outputs import write_gpkg

        streets = freed_by_street(result.freed)
        layers = {"parking_freed": result.freed, "parking_freed_streets": streets}
        layers = {k: v.assign(attribution=attribution) for k, v in layers.items()}
        with writing(export):
            write_gpkg(export, layers)
        print(f"wrote {export} (layers parking_freed: {len(result.freed)} segments, "
              f"parking_freed_streets: {len(streets)} streets)")
    if csv is not None:
        from mobisim.render.outputs import write_text

        totals = result.totals.reset_index()[["year", "cap", "permits", "freed", "freed_cumulative"]]
        totals.insert(1, "code", "total")
        totals.insert(2, "name", "TOTAL")
        table = pd.concat([cap.drop(columns="on_street_spaces"), totals], ignore_index=True)
        table = table.join(reuse(table["freed_cumulative"], settings).drop(columns="freed_spaces"))
        with writing(csv):
            write_text(csv, table.round(2).to_csv(index=False))
        print(f"wrote {csv}")
