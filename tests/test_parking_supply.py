"""On-street parking supply per segment and per wijk, on hand-made GeoJSON fixtures.

The fixture network (``tests/data/parking_edges.geojson``, ``parking_nodes.geojson``, RD New,
straight segments of known length) and the expected figures, worked out by hand with the
defaults (5.5 m per parallel space, 3.0 m diagonal, 5 m exclusion at junctions and crossings):

wijk Noordkwartier (WK051891)
  e0 residential 100 m, untagged, ends: dead end / junction (node 2, three roads) → kerb 95 m,
     floor(95 / 5.5) = 17 per side × 2 sides = 34 (estimate). The footway at node 1 is no junction.
  e1 residential 100 m, parking left=no right=lane, ends: junction / zebra → kerb 90 m → 16 (tag)
  e2 secondary 100 m, untagged, one side → kerb 95 m → 17 (estimate)
  e3 motorway_link → out of scope; e4 footway → not a road
  e9 tertiary 100 m, parking=separate both sides → 0 (tag)
  → 67 spaces: 16 from tags, 51 estimated
wijk Île-Zuid (WK051892)
  e5 residential 60 m with mapped parking spaces: capacities 2 + (none → 1) + 1 = 4; a private
     space (5) and a space 200 m away (3) do not count → 4 (parking_space)
  e6 living_street 57 m, diagonal both sides, no junctions → floor(57 / 3) = 19 × 2 = 38 (tag)
  e7 residential 100 m, no exclusions → 18 × 2 = 36; e8 100 m ending at a crossing → 17 × 2 = 34
  → 112 spaces
"""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest

from mobisim.load.areas import load_wijken
from mobisim.load.parking_data import load_garages, load_parking_spaces
from mobisim.parking import (
    ParkingSettings,
    city_summary,
    parking_supply,
    supply_by_area,
    surface_lots,
)


def test_supply_per_segment_by_hand(parking_net):
    sup = parking_supply(parking_net)
    assert sup["parking_spaces"].to_dict() == {
        0: 34.0, 1: 16.0, 2: 17.0, 3: 0.0, 4: 0.0, 5: 4.0, 6: 38.0, 7: 36.0, 8: 34.0, 9: 0.0,
    }
    assert sup["parking_source"].tolist() == [
        "estimate", "tag", "estimate", "not_applicable", "not_applicable",
        "parking_space", "tag", "estimate", "estimate", "tag",
    ]
    assert sup.loc[1, ["parking_spaces_left", "parking_spaces_right"]].tolist() == [0.0, 16.0]
    assert sup.loc[[0, 1, 2, 7, 8], "parking_kerb_m"].tolist() == [95.0, 90.0, 95.0, 100.0, 95.0]
    assert sup["near_crossing"].tolist() == [False, True, False, False, False, False, False, False, True, False]


def test_exclusion_and_bay_length_are_settings(parking_net):
    s = ParkingSettings(junction_exclusion_m=0.0, crossing_exclusion_m=0.0, metres_per_space=5.0)
    sup = parking_supply(parking_net, s)
    assert sup.loc[0, "parking_spaces"] == 40.0  # 100 / 5 per side, both sides
    assert sup.loc[1, "parking_spaces"] == 20.0


def test_sides_by_class_setting(parking_net):
    s = ParkingSettings(sides_by_class={"residential": 1, "secondary": 0})
    sup = parking_supply(parking_net, s)
    assert sup.loc[0, "parking_spaces"] == 17.0
    assert sup.loc[2, "parking_spaces"] == 0.0
    assert sup.loc[1, "parking_spaces"] == 16.0  # the tag still decides on e1


def test_mapped_tag_beats_mapped_spaces(parking_net):
    parking_net.edges.loc[5, "parking_right"] = "lane"  # 60 m, no junctions → 10 spaces from the tag
    sup = parking_supply(parking_net)
    assert sup.loc[5, "parking_spaces"] == 10.0 + 10.0  # left side still estimated (residential)
    assert sup.loc[5, "parking_source"] == "tag+estimate"


def test_extra_parking_space_layer_is_deduplicated(parking_net, tmp_path):
    # the same OSM object (node/500) in the layer and in parking_net.features counts once
    layer = parking_net.features[parking_net.features["kind"] == "parking_space"].iloc[[0]].copy()
    path = tmp_path / "spaces.geojson"
    layer.to_file(path, driver="GeoJSON")
    spaces = load_parking_spaces(path)
    assert parking_supply(parking_net, spaces=spaces).loc[5, "parking_spaces"] == 4.0


def test_supply_by_area_and_off_street(parking_net, data_dir):
    wijken = load_wijken(data_dir / "parking_wijken.geojson")
    sup = parking_supply(parking_net)
    edges = parking_net.edges.join(sup)
    from mobisim.load.areas import assign_areas

    edges["wijk_code"] = assign_areas(edges, wijken)
    lots = surface_lots(parking_net.features, ParkingSettings())
    garages = load_garages(data_dir / "parking_garages.geojson")
    by = supply_by_area(edges, wijken, lots, garages)
    north, south, empty = by.loc["WK051891"], by.loc["WK051892"], by.loc["WK051893"]
    assert (north["on_street_spaces"], north["spaces_tag"], north["spaces_estimate"]) == (67.0, 16.0, 51.0)
    assert (south["on_street_spaces"], south["spaces_tag"], south["spaces_parking_space"]) == (112.0, 38.0, 4.0)
    assert south["spaces_estimate"] == 70.0
    assert empty["on_street_spaces"] == 0.0
    # lot without capacity: 20 m × 50 m / 25 m² = 40; the lot in the south has capacity=120
    assert (north["lot_spaces"], south["lot_spaces"]) == (40.0, 120.0)
    assert (north["lots"], north["lots_no_capacity"]) == (1, 0)
    # garages: 300 + unknown in the north, 150 in the south, the one outside every wijk is left out
    assert (north["garage_spaces"], north["garages"], north["garages_no_capacity"]) == (300.0, 2, 1)
    assert (south["garage_spaces"], south["garages"]) == (150.0, 1)
    city = city_summary(by, edges)
    assert city["on_street_spaces_in_wijken"] == 179.0
    assert city["share_tag"] + city["share_parking_space"] + city["share_estimate"] == pytest.approx(1.0)
    assert city["share_tag"] == pytest.approx(54 / 179)


def test_tag_plus_estimate_split_by_side(parking_net, data_dir):
    wijken = load_wijken(data_dir / "parking_wijken.geojson")
    parking_net.edges.loc[0, "parking_left"] = "no"  # e0: left tagged no, right estimated 17
    edges = parking_net.edges.join(parking_supply(parking_net))
    from mobisim.load.areas import assign_areas

    edges["wijk_code"] = assign_areas(edges, wijken)
    by = supply_by_area(edges, wijken)
    assert edges.loc[0, "parking_source"] == "tag+estimate"
    assert by.loc["WK051891", ["spaces_tag", "spaces_estimate"]].tolist() == [16.0, 34.0]


def test_missing_parking_columns_fall_back_to_estimates(parking_net):
    parking_net.edges = parking_net.edges.drop(columns=["parking_left", "parking_right", "is_cycleway"])
    sup = parking_supply(parking_net)
    assert sup.loc[1, "parking_spaces"] == 32.0  # 16 per side, both sides estimated
    assert set(sup["parking_source"]) == {"estimate", "parking_space", "not_applicable"}


@pytest.mark.integration
def test_whole_city_supply(shared_osm):
    """Whole-city figures on the real 2021 network: plausible totals, shares add up."""
    from mobisim.load import load_network
    from mobisim.parking import evaluate_parking

    parking_net = load_network([shared_osm / "den-haag-city-2021.osm.bz2"])
    wijken = load_wijken(shared_osm / "den-haag-wijken.geojson")
    result = evaluate_parking(
        parking_net, ParkingSettings(), wijken=wijken,
        garages=load_garages(shared_osm / "den-haag-rdw-parking.geojson"),
        spaces=load_parking_spaces(shared_osm / "den-haag-parking-spaces.geojson"),
    )
    city = result.city
    assert city["share_tag"] + city["share_parking_space"] + city["share_estimate"] == pytest.approx(1.0)
    # the 2021 file carries no parking tags (README): everything is estimated or mapped spaces
    assert city["share_tag"] == 0.0 and city["share_estimate"] > 0.5
    # Den Haag: about 110,000 resident permits; on-street supply must be of that order
    assert 80_000 < city["on_street_spaces_in_wijken"] < 400_000
    # RDW: 7,283 places in the 20 garages with a capacity; two P+R lie outside the wijken
    assert 0 < city["garage_spaces"] <= 7_283
    cap = result.cap
    assert sorted(cap["year"].unique()) == [2026, 2027, 2028, 2029, 2030]
    assert cap["code"].nunique() == len(ParkingSettings().areas)
    assert (cap.groupby("code")["cap"].diff().dropna() <= 0).all()
    assert result.freed["freed_spaces"].sum() == pytest.approx(result.reuse["freed_spaces"].sum())
    assert pd.api.types.is_float_dtype(parking_net.edges["parking_spaces"])


def test_supply_on_loaded_osm_fixture(data_dir):
    """``parking_streets.osm`` through the real loader; figures by hand from the loaded lengths.

    Noordkwartier: a cross junction (node 2) of four 200 m streets; Zuidweg is split at a zebra
    100 m from the junction; the footway meeting Westweg at node 1 is no junction but a crossing
    (the 8-jarigen-toets's ``path_meets_road``, found here without running the toets, as in
    ``mobisim run``): 5 m off there too.
    """
    import mobisim.load as io
    parking_net = io.load_network([data_dir / "parking_streets.osm"])
    sup = parking_supply(parking_net).join(parking_net.edges[["name", "length", "u", "v"]])
    by_name = sup.groupby("name")
    L = sup.set_index(["name", "u", "v"])["length"]
    per = lambda kerb, m=5.5: math.floor(kerb / m + 1e-9)  # noqa: E731
    # Westweg: parking:both=lane, 5 m off at the junction and 5 m at the footway crossing
    assert by_name["parking_spaces"].sum()["Westweg"] == 2 * per(L["Westweg", 1, 2] - 10)
    assert sup.loc[sup["name"] == "Westweg", "near_crossing"].all()
    assert set(sup.loc[sup["name"] == "Westweg", "parking_source"]) == {"tag"}
    # Oostweg: untagged residential, both sides estimated
    assert by_name["parking_spaces"].sum()["Oostweg"] == 2 * per(L["Oostweg", 2, 3] - 5)
    # Noordweg: secondary, one side
    assert by_name["parking_spaces"].sum()["Noordweg"] == per(L["Noordweg", 2, 4] - 5)
    # Zuidweg: junction + zebra on the first part, zebra only on the second
    assert by_name["parking_spaces"].sum()["Zuidweg"] == 2 * per(L["Zuidweg", 2, 6] - 10) + 2 * per(L["Zuidweg", 6, 5] - 5)
    # Lange Laan: parking:left=no, parking:right=lane, no junction → the tag wins over the
    # mapped space next to it
    assert by_name["parking_spaces"].sum()["Lange Laan"] == per(L["Lange Laan", 11, 12])
    # Hofje: living street, one side
    assert by_name["parking_spaces"].sum()["Hofje"] == per(L["Hofje", 12, 13])
    lots = surface_lots(parking_net.features, ParkingSettings())
    assert lots["capacity"].tolist() == [math.floor(lots.geometry.area.iloc[0] / 25)]  # 40 m × 40 m lot


def test_supply_is_the_same_with_or_without_the_toets(data_dir):
    """``mobisim parking`` (no toets) and ``mobisim run`` (toets first) count the same crossings."""
    import mobisim.load as io
    from mobisim.rules.toets import evaluate_toets

    net = io.load_network([data_dir / "parking_streets.osm"])
    bare = parking_supply(net)
    assert "is_crossing" not in net.nodes  # the network is not changed
    evaluate_toets(net)
    pd.testing.assert_frame_equal(parking_supply(net), bare)


def test_bridges_and_tunnels_carry_no_parking(parking_net):
    parking_net.edges["bridge"] = pd.Series(["yes"] + [pd.NA] * (len(parking_net.edges) - 1), index=parking_net.edges.index, dtype="string")
    sup = parking_supply(parking_net)
    assert sup.loc[0, "parking_spaces"] == 0.0 and sup.loc[0, "parking_source"] == "not_applicable"
    assert parking_supply(parking_net, ParkingSettings(exclude_bridges_tunnels=False)).loc[0, "parking_spaces"] == 34.0


def test_no_mapped_spaces_anywhere(parking_net):
    parking_net.features = parking_net.features[parking_net.features["kind"] != "parking_space"]
    empty = gpd.GeoDataFrame(geometry=[], crs=28992)
    sup = parking_supply(parking_net, spaces=empty)
    assert sup.loc[5, "parking_spaces"] == 20.0  # 60 m, no junctions: 10 per side, estimated
    assert "parking_space" not in set(sup["parking_source"])


def test_toets_crossings_count_but_plain_junctions_do_not(parking_net):
    from mobisim.parking import crossing_nodes

    nodes = parking_net.nodes.copy()
    nodes["is_crossing"] = False
    nodes["crossing_kind"] = pd.Series(pd.NA, index=nodes.index, dtype="string")
    nodes.loc[2, ["is_crossing", "crossing_kind"]] = [True, "junction"]
    nodes.loc[12, ["is_crossing", "crossing_kind"]] = [True, "path_meets_road"]
    got = crossing_nodes(nodes)
    assert got[got].index.tolist() == [3, 12, 13]  # two tagged crossings + the path crossing
    parking_net.nodes = nodes
    sup = parking_supply(parking_net)
    # Lange Laan e7 now loses 5 m at node 12: kerb 95 → 17 per side
    assert sup.loc[7, "parking_spaces"] == 34.0 and sup.loc[7, "near_crossing"]
