"""Tag parsing: every maxspeed form, lanes, oneway, cycleway sides, sidewalks, modes, provenance."""

from __future__ import annotations

import pandas as pd
import pytest

from mobisim.load.osmread import WAY_KEYS
from mobisim.load.tags import parse_speed_tokens, tag_ways


def ways(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(WAY_KEYS), dtype=object)


@pytest.mark.parametrize(
    ("raw", "kmh", "form"),
    [
        ("50", 50, "tag"),
        ("30 km/h", 30, "tag"),
        ("30 mph", 48, "tag:mph"),
        ("20mph", 32, "tag:mph"),
        ("NL:zone30", 30, "tag:zone"),
        ("NL:zone:30", 30, "tag:zone"),
        ("NL:30", 30, "tag:zone"),
        ("NL:urban", 50, "tag:named"),
        ("NL:rural", 80, "tag:named"),
        ("NL:living_street", 15, "tag:named"),
        ("walk", 6, "tag:named"),
        ("30;50", 50, "tag:list-max"),
        ("['30', '50']", 50, "tag:list-max"),
    ],
)
def test_parse_speed_tokens_forms(raw: str, kmh: int, form: str) -> None:
    speed, how = parse_speed_tokens(pd.Series([raw], dtype=object))
    assert speed.iloc[0] == kmh
    assert how.iloc[0] == form


@pytest.mark.parametrize("raw", ["none", "signals", "variable", None])
def test_parse_speed_tokens_without_a_number_gives_na(raw: str | None) -> None:
    speed, how = parse_speed_tokens(pd.Series([raw], dtype=object))
    assert pd.isna(speed.iloc[0]) and pd.isna(how.iloc[0])


def test_maxspeed_provenance_and_dutch_defaults() -> None:
    out = tag_ways(
        ways(
            {"highway": "residential", "maxspeed": "NL:zone30"},
            {"highway": "residential", "zone:maxspeed": "NL:30"},
            {"highway": "residential", "maxspeed:type": "NL:urban"},
            {"highway": "residential", "maxspeed:forward": "50", "maxspeed:backward": "30"},
            {"highway": "residential"},
            {"highway": "living_street"},
            {"highway": "secondary"},
            {"highway": "unclassified", "zone:traffic": "NL:rural"},
            {"highway": "cycleway"},
            {"highway": "residential", "maxspeed": "none"},
        )
    )
    assert out["maxspeed"].tolist()[:8] == [30, 30, 50, 50, 30, 15, 50, 80]
    assert out["maxspeed_source"].tolist() == [
        "tag:zone", "tag:zone", "tag:maxspeed:type", "tag:directional",
        "default:residential:urban", "default:living_street:urban", "default:secondary:urban",
        "default:unclassified:rural", "not_applicable", "default:residential:urban",
    ]
    assert pd.isna(out["maxspeed"].iloc[8])
    assert not out["builtup"].iloc[7]


def test_lanes_per_direction_and_dual_carriageway_default() -> None:
    out = tag_ways(
        ways(
            {"highway": "secondary", "lanes": "4"},
            {"highway": "secondary", "lanes": "3", "oneway": "yes"},
            {"highway": "primary", "oneway": "yes"},
            {"highway": "tertiary", "lanes:forward": "2", "lanes:backward": "1"},
            {"highway": "residential"},
            {"highway": "footway"},
        )
    )
    assert out["lanes_per_direction"].tolist()[:5] == [2, 3, 2, 2, 1]
    assert out["lanes_backward"].tolist()[:5] == [2, 0, 0, 1, 1]
    assert out["lanes_source"].tolist() == [
        "tag", "tag", "default:dual_carriageway", "tag:lanes:forward/backward",
        "default:residential", "not_applicable",
    ]


def test_oneway_forms() -> None:
    out = tag_ways(
        ways(
            {"highway": "residential", "oneway": "yes"},
            {"highway": "residential", "oneway": "-1"},
            {"highway": "primary", "junction": "roundabout"},
            {"highway": "residential"},
            {"highway": "primary", "junction": "roundabout", "oneway": "no"},
        )
    )
    assert out["oneway"].tolist() == [True, True, True, False, False]
    assert out["oneway_reverse"].tolist() == [False, True, False, False, False]
    assert out["oneway_source"].tolist() == ["tag", "tag", "default:roundabout", "default:two_way", "tag"]


def test_cycleway_sides_specific_key_wins_and_sidepath() -> None:
    out = tag_ways(
        ways(
            {"highway": "secondary", "cycleway": "lane", "cycleway:right": "track"},
            {"highway": "secondary", "cycleway:both": "separate"},
            {"highway": "tertiary", "bicycle": "use_sidepath"},
            {"highway": "residential", "cycleway:left": "opposite_lane"},
            {"highway": "secondary", "cycleway:left": "track", "cycleway:left:oneway": "no"},
            {"highway": "residential"},
        )
    )
    assert out["cycleway_left"].tolist() == ["lane", "separate", "separate", "lane", "track", "none"]
    assert out["cycleway_right"].tolist() == ["track", "separate", "separate", "none", "none", "none"]
    assert out["cycleway_source"].tolist() == ["tag"] * 5 + ["none"]
    assert out["cycle_track_twoway"].tolist() == [False, False, False, False, True, False]
    # use_sidepath: cyclists must take the separate path, so the road itself is closed to them
    assert not out["mode_bike"].iloc[2]


def test_sidewalk_and_parking_sides() -> None:
    out = tag_ways(
        ways(
            {"highway": "residential", "sidewalk": "both", "parking:both": "lane"},
            {"highway": "residential", "sidewalk:left": "yes", "sidewalk:right": "no",
             "parking:lane:right": "parallel"},
            {"highway": "residential"},
        )
    )
    assert out["sidewalk"].tolist() == ["both", "left", "none"]
    assert out["sidewalk_source"].tolist() == ["tag", "tag", "none"]
    assert out["parking_left"].tolist()[0] == "lane" and out["parking_right"].tolist()[1] == "parallel"
    assert pd.isna(out["parking_left"].iloc[2])


def test_mode_profile_by_class_and_access_tags() -> None:
    out = tag_ways(
        ways(
            {"highway": "motorway"},
            {"highway": "footway"},
            {"highway": "footway", "bicycle": "designated"},
            {"highway": "cycleway"},
            {"highway": "residential", "access": "private"},
            {"highway": "pedestrian", "bicycle": "yes"},
        )
    )
    assert out["mode_walk"].tolist() == [False, True, True, True, False, True]
    assert out["mode_bike"].tolist() == [False, False, True, True, False, True]
    assert out["mode_drive"].tolist() == [True, False, False, False, False, False]
    assert out["is_cycleway"].tolist() == [False, False, True, True, False, False]
