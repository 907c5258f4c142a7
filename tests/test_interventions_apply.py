"""Each intervention type changes the attributes it should, with provenance, on a copy.

The frames mirror ``tests/data/scenario_streets.osm`` (built by hand here so these tests do not
depend on the loader); ``test_interventions_verdicts.py`` runs the same file through the loader
and the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter, ValidationError
from pyproj import Transformer
from shapely.geometry import LineString, Point

from mobisim.errors import NotFoundError
from mobisim.scenario.interventions import Intervention, apply_interventions, normalise_names

ADAPTER = TypeAdapter(list[Intervention])

NODES = {1: (52.08, 4.29), 2: (52.08, 4.293), 8: (52.08, 4.2945), 3: (52.08, 4.296),
         9: (52.08, 4.299), 4: (52.078, 4.293), 5: (52.078, 4.296), 10: (52.078, 4.299),
         6: (52.0801, 4.29), 7: (52.0801, 4.293)}
# (u, v, way_id, highway, name, maxspeed, is_road)
EDGES = [
    (1, 2, 100, "secondary", "Laan van Nieuw Oost-Indië", 50, True),
    (2, 8, 100, "secondary", "Laan van Nieuw Oost-Indië", 50, True),
    (8, 3, 100, "secondary", "Laan van Nieuw Oost-Indië", 50, True),
    (3, 9, 104, "secondary", "Laan van Nieuw Oost-Indië", 50, True),
    (2, 4, 101, "residential", "Schoolstraat", 30, True),
    (3, 5, 102, "residential", "Korte Straat", 50, True),
    (6, 7, 103, "footway", "Laan van Nieuw Oost-Indië", None, False),
    (7, 2, 103, "footway", "Laan van Nieuw Oost-Indië", None, False),
    (5, 10, 105, "footway", "Kerkpad", None, False),
]


@dataclass
class Net:
    edges: gpd.GeoDataFrame
    nodes: gpd.GeoDataFrame


@pytest.fixture
def net() -> Net:
    tr = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    xy = {k: tr.transform(lon, lat) for k, (lat, lon) in NODES.items()}
    nodes = gpd.GeoDataFrame(
        {
            "highway": pd.Series([pd.NA] * len(xy), dtype="string"),
            "crossing": pd.Series([pd.NA] * len(xy), dtype="string"),
            "crossing_island": False, "signals": False, "zebra": False,
        },
        geometry=[Point(p) for p in xy.values()],
        index=pd.Index(list(xy), name="node_id", dtype="int64"),
        crs="EPSG:28992",
    )
    geoms = [LineString([xy[u], xy[v]]) for u, v, *_ in EDGES]
    edges = gpd.GeoDataFrame(
        {
            "u": [e[0] for e in EDGES], "v": [e[1] for e in EDGES],
            "way_id": [e[2] for e in EDGES],
            "highway": pd.Series([e[3] for e in EDGES], dtype="string"),
            "name": pd.Series([e[4] for e in EDGES], dtype="string"),
            "length": [g.length for g in geoms],
            "maxspeed": pd.array([e[5] for e in EDGES], dtype="Int64"),
            "maxspeed_source": pd.Series(["tag"] * 6 + ["not_applicable"] * 3, dtype="string"),
            "is_road": [e[6] for e in EDGES],
            "cycleway_left": "none", "cycleway_right": "none", "cycleway_source": "none",
            "cycle_separated_left": False, "cycle_separated_right": False,
            "cycle_separated_source": "none", "cycle_track_twoway": False,
            "bicycle_road": False, "mode_drive": [e[6] for e in EDGES],
        },
        geometry=geoms,
        index=pd.Index(range(len(EDGES)), name="edge_id", dtype="int64"),
        crs="EPSG:28992",
    )
    return Net(edges=edges, nodes=nodes)


def _apply(net: Net, *items: dict) -> Net:
    return apply_interventions(net, ADAPTER.validate_python(list(items)))


LAAN = [0, 1, 2, 3]  # road segments of the distributor; 6, 7 are the footway of the same name


def test_set_speed_by_name_case_and_accent_insensitive(net):
    out = _apply(net, {"type": "set_speed", "street": "laan van nieuw oost indie", "maxspeed": 30,
                       "id": "laan30"})
    e = out.edges
    assert e.loc[LAAN, "maxspeed"].tolist() == [30] * 4
    assert (e.loc[LAAN, "maxspeed_source"] == "intervention:laan30").all()
    assert e.loc[LAAN, "interventions"].tolist() == ["laan30"] * 4
    # the footway of the same name and other streets are untouched
    assert e.loc[[6, 7], "maxspeed"].isna().all()
    assert e.loc[5, "maxspeed"] == 50 and e.loc[5, "maxspeed_source"] == "tag"
    # the input is not modified
    assert net.edges.loc[0, "maxspeed"] == 50
    assert "interventions" not in net.edges.columns


def test_set_speed_by_way_and_default_id(net):
    out = _apply(net, {"type": "set_speed", "way": [104], "maxspeed": 30})
    assert out.edges.loc[3, "maxspeed"] == 30
    assert out.edges.loc[3, "maxspeed_source"] == "intervention:set_speed-1"
    assert out.edges.loc[[0, 1, 2], "maxspeed"].tolist() == [50, 50, 50]


def test_add_cycle_track_sides(net):
    out = _apply(net, {"type": "add_cycle_track", "street": "Korte Straat", "side": "right", "id": "ct"})
    e = out.edges
    assert e.loc[5, "cycleway_right"] == "track" and bool(e.loc[5, "cycle_separated_right"])
    assert e.loc[5, "cycleway_left"] == "none" and not bool(e.loc[5, "cycle_separated_left"])
    assert e.loc[5, "cycle_separated_source"] == "intervention:ct"
    assert e.loc[5, "cycleway_source"] == "intervention:ct"
    both = _apply(net, {"type": "add_cycle_track", "way": 100, "twoway": True}).edges
    assert both.loc[[0, 1, 2], ["cycle_separated_left", "cycle_separated_right"]].all().all()
    assert both.loc[[0, 1, 2], "cycle_track_twoway"].all()
    assert not both.loc[3, "cycle_separated_left"]


def test_fietsstraat(net):
    out = _apply(net, {"type": "fietsstraat", "street": "Korte Straat"})
    e = out.edges
    assert bool(e.loc[5, "bicycle_road"]) and e.loc[5, "maxspeed"] == 30
    assert e.loc[5, "bicycle_road_source"] == "intervention:fietsstraat-1"
    assert e.loc[5, "maxspeed_source"] == "intervention:fietsstraat-1"
    assert not e.loc[4, "bicycle_road"] and e.loc[4, "bicycle_road_source"] == "none"


def test_close_through_traffic_keeps_access(net):
    out = _apply(net, {"type": "close_through_traffic", "street": "Schoolstraat", "id": "knip"})
    e = out.edges
    assert not e.loc[4, "through_traffic"] and e.loc[4, "through_traffic_source"] == "intervention:knip"
    assert bool(e.loc[4, "mode_drive"])  # residents still drive in
    assert e.drop(index=4)["through_traffic"].all()


def test_convert_parking_spreads_spaces_by_length(net):
    out = _apply(net, {"type": "convert_parking", "street": "Laan van Nieuw Oost-Indië",
                       "spaces": 40, "use": "bike_parking"})
    e = out.edges
    spaces = e["parking_converted_spaces"]
    assert spaces.sum() == pytest.approx(40)
    share = e.loc[LAAN, "length"] / e.loc[LAAN, "length"].sum()
    assert np.allclose(spaces[LAAN], 40 * share)
    assert (e.loc[LAAN, "parking_converted_use"] == "bike_parking").all()
    assert spaces.drop(index=LAAN).eq(0).all()


def test_crossing_by_node_and_by_location(net):
    out = _apply(
        net,
        {"type": "crossing", "node": 8, "kind": ["zebra", "island"], "id": "zebra8"},
        # 10 m or so from node 3, nearest road node; the footway-only node 6 is never chosen
        {"type": "crossing", "at": [52.08005, 4.29605], "kind": "signals"},
    )
    n = out.nodes
    assert bool(n.loc[8, "zebra"]) and bool(n.loc[8, "crossing_island"]) and not n.loc[8, "signals"]
    assert n.loc[8, "crossing"] == "zebra" and n.loc[8, "highway"] == "crossing"
    assert n.loc[8, "crossing_source"] == "intervention:zebra8"
    assert bool(n.loc[3, "signals"]) and n.loc[3, "crossing"] == "traffic_signals"
    assert n.loc[3, "crossing_source"] == "intervention:crossing-2"
    assert n.drop(index=[3, 8])["crossing_source"].eq("none").all()


def test_crossing_upgrade_keeps_existing_features(net):
    out = _apply(net, {"type": "crossing", "node": 8, "kind": "zebra"},
                 {"type": "crossing", "node": 8, "kind": "island"})
    assert bool(out.nodes.loc[8, "zebra"]) and bool(out.nodes.loc[8, "crossing_island"])
    assert out.nodes.loc[8, "interventions"] == "crossing-1;crossing-2"


def test_later_intervention_wins(net):
    out = _apply(net, {"type": "set_speed", "street": "Korte Straat", "maxspeed": 30, "id": "a"},
                 {"type": "set_speed", "way": 102, "maxspeed": 15, "id": "b"})
    assert out.edges.loc[5, "maxspeed"] == 15
    assert out.edges.loc[5, "maxspeed_source"] == "intervention:b"
    assert out.edges.loc[5, "interventions"] == "a;b"


def test_no_interventions_still_adds_columns(net):
    out = apply_interventions(net, [])
    assert out.edges["through_traffic"].all()
    assert out.edges["parking_converted_spaces"].eq(0).all()
    assert out.edges["interventions"].isna().all()
    assert out.nodes["crossing_source"].eq("none").all()


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"type": "set_speed", "street": "Laan van Nieuw Oost Indi", "maxspeed": 30},
         "street 'Laan van Nieuw Oost Indi' not found in the network; closest matches: Laan van Nieuw Oost-Indië"),
        ({"type": "set_speed", "way": [100, 999], "maxspeed": 30}, "way 999 is not in the network"),
        ({"type": "set_speed", "street": "Kerkpad", "maxspeed": 30}, "Kerkpad has no motor-road segments"),
        ({"type": "crossing", "node": 12345, "kind": "zebra"}, "node 12345 is not in the network"),
        ({"type": "crossing", "at": [52.09, 4.29], "kind": "zebra"}, "no road node within 50 m"),
    ],
)
def test_unknown_selection_raises_not_found(net, item, message):
    with pytest.raises(NotFoundError) as info:
        _apply(net, item)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "item",
    [
        {"type": "set_speed", "maxspeed": 30},  # no selector
        {"type": "set_speed", "street": "A", "way": 1, "maxspeed": 30},  # two selectors
        {"type": "set_speed", "street": "A", "maxspeed": 300},
        {"type": "set_speed", "street": "A", "maxspeed": 30, "speed": 30},  # unknown key
        {"type": "add_cycle_track", "street": "A", "side": "middle"},
        {"type": "crossing", "node": 1, "kind": "bridge"},
        {"type": "crossing", "at": [152.08, 4.29], "kind": "zebra"},
        {"type": "convert_parking", "street": "A", "spaces": 0, "use": "greenery"},
        {"type": "teleport", "street": "A"},
    ],
)
def test_bad_intervention_rejected(item):
    with pytest.raises(ValidationError):
        ADAPTER.validate_python([item])


def test_normalise_names():
    s = pd.Series(["Laan van Nieuw Oost-Indië", "  LAAN  van nieuw oost indie ", None], dtype="string")
    out = normalise_names(s)
    assert out.iloc[0] == out.iloc[1] == "laan van nieuw oost indie"
    assert pd.isna(out.iloc[2])
