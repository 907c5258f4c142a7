"""``mobisim parking``: the yearly permit cap, freed spaces by street and the large-car tariff."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import typer

from mobisim.cli._app import app, check_output_file, user_errors, writing
from mobisim.frames import CRS, attribution
from mobisim.render.format import central_range, fixed_columns

if TYPE_CHECKING:
    from mobisim.parking import ParkingResult, ParkingSettings


def _fmt(df: pd.DataFrame, decimals: dict[str, int] | None = None) -> str:
    """A table with thousands separators: whole numbers unless ``decimals`` names the column."""
    return fixed_columns(df, decimals).to_string()


@app.command("parking")
@user_errors
def parking(
    osm: list[Path] | None = typer.Option(None, "--osm", help="OSM file(s) replacing the scenario's: the street file (XML/bz2/PBF/GraphML) first, then feature files; default: the scenario's data.osm and data.buildings (or its place)."),
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
    from mobisim.load.areas import load_wijken, select_areas
    from mobisim.load.inputs import load_inputs, osm_paths
    from mobisim.load.parking_data import load_garages, load_parking_spaces, parking_layers
    from mobisim.parking import evaluate_parking
    from mobisim.scenario import Scenario, load_scenario

    for path, option in ((export, "--export"), (csv, "--csv")):
        if path is not None:
            check_output_file(path, option)  # before any work
    sc = load_scenario(scenario) if scenario is not None else Scenario(name="parking")
    settings = sc.parking
    osm_paths(sc, osm or None)  # a missing street file is named first
    wijk_frame = load_wijken(wijken)
    select_areas(wijk_frame, settings.areas)  # the areas are checked before the (slow) network load
    garage_frame = load_garages(garages) if garages is not None else None
    space_frame = load_parking_spaces(spaces) if spaces is not None else None
    if no_spaces:
        space_frame = gpd.GeoDataFrame(geometry=[], crs=CRS)
    garage_frame, space_frame = parking_layers(settings, garages=garage_frame, spaces=space_frame)
    inputs = load_inputs(sc, osm or None, parking=False)  # the run's files (street, features) or place
    result = evaluate_parking(inputs.net, settings, wijken=wijk_frame, garages=garage_frame, spaces=space_frame)
    credit = attribution(inputs.net.sources)
    _print_supply(result, ", ".join(map(str, inputs.net.sources)) or "input", credit)
    _print_permits(result, settings)
    _print_cap(result, settings)
    _print_tariff(result, settings)
    for note in result.notes:
        print(f"note: {note}")
    if export is not None:
        _export(result, export, credit)
    if csv is not None:
        _write_csv(result, settings, csv)


def _print_supply(result: ParkingResult, source: str, credit: str) -> None:
    """On- and off-street supply in the wijken."""
    city = result.city
    print(f"Parking supply ({source}; {credit})")
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


def _print_permits(result: ParkingResult, settings: ParkingSettings) -> None:
    """The base year's permits: city, known per wijk, and in the capped wijken."""
    head, permits = result.headline, result.permits
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
    print(f"Cap base in the capped wijken: {central_range(head['cap_base'])} permits "
          f"= {capped['permits'].sum() / max(permits['permits'].sum(), 1):.0%} of the city's")
    print(_fmt(table, {"permits_per_space": 2}))


def _print_cap(result: ParkingResult, settings: ParkingSettings) -> None:
    """The cap and the freed spaces per area and year, and their re-use."""
    cap, head = result.cap, result.headline
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
    print(f"\nBy {head['year']}: {central_range(head['spaces_freed'])} spaces freed, "
          f"{central_range(head['area_m2'])} m² of street, {central_range(head['bikes'])} bikes")
    print(f"  {head['basis']['bikes']}; {head['basis']['range']}")


def _print_tariff(result: ParkingResult, settings: ParkingSettings) -> None:
    """The large-car tariff against the programme's finance table."""
    tariff = settings.tariff
    print("\nLarge-car tariff vs the programme's finance table (€/yr; permit price €"
          f"{tariff.price_eur_per_year:g}, centre €{tariff.centre_price_eur_per_year or tariff.price_eur_per_year:g}"
          ", 2019 prices)")
    cols = ["permits", "price_eur", "surcharge_eur", "programme_surcharge_eur", "alignment_eur", "programme_alignment_eur",
            "price_increase_needed_eur", "surcharge_factor_needed"]
    print(_fmt(result.tariff[cols], {"price_eur": 2, "price_increase_needed_eur": 2, "surcharge_factor_needed": 2}))
    print(f"\nLarge-car revenue against the €{tariff.programme_surcharge_eur / 1e6:.1f} M/yr finance line "
          f"(low / central / high: ±{settings.permits_uncertainty:.0%} permits, ±{tariff.price_uncertainty:.0%} price)")
    print(_fmt(result.finance))


def _export(result: ParkingResult, export: Path, credit: str) -> None:
    """The freed spaces by segment and by street as a GeoPackage."""
    from mobisim.parking import freed_by_street
    from mobisim.render.outputs import write_gpkg

    streets = freed_by_street(result.freed)
    layers = {"parking_freed": result.freed, "parking_freed_streets": streets}
    layers = {k: v.assign(attribution=credit) for k, v in layers.items()}
    with writing(export):
        write_gpkg(export, layers)
    print(f"wrote {export} (layers parking_freed: {len(result.freed)} segments, "
          f"parking_freed_streets: {len(streets)} streets)")


def _write_csv(result: ParkingResult, settings: ParkingSettings, csv: Path) -> None:
    """The yearly cap table, per area and in total, with the re-use of the freed spaces."""
    from mobisim.parking import reuse
    from mobisim.render.outputs import write_text

    totals = result.totals.reset_index()[["year", "cap", "permits", "freed", "freed_cumulative"]]
    totals.insert(1, "code", "total")
    totals.insert(2, "name", "TOTAL")
    table = pd.concat([result.cap.drop(columns="on_street_spaces"), totals], ignore_index=True)
    table = table.join(reuse(table["freed_cumulative"], settings).drop(columns="freed_spaces"))
    with writing(csv):
        write_text(csv, table.round(2).to_csv(index=False))
    print(f"wrote {csv}")
