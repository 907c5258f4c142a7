"""The 8-jarigen-toets builds its texts lazily (only for the rows whose rule uses them) and the
texts are unchanged by that: a recorded set of rows covering every bike and walk rule, painted
lanes serving one direction, parking beside a lane and bus roads (``data/toets_texts_golden.json``,
recorded from the eager implementation) gives the same verdicts, rules, reasons and fixes."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mobisim.rules import toets
from mobisim.rules.textkit import fmt
from mobisim.rules.toets import Fmt, Lazy, Select, T, ToetsSettings, segment_toets, select
from mobisim.rules.toets import bike as bike_module

NUMERIC = ("maxspeed", "lanes", "lanes_per_direction", "cycleway_width_left",
           "cycleway_width_right", "daily_traffic")


@pytest.fixture(scope="module")
def golden(data_dir):
    return json.loads((data_dir / "toets_texts_golden.json").read_text(encoding="utf-8"))


def _frame(rows: list[dict]) -> pd.DataFrame:
    f = pd.DataFrame(rows)
    for c in NUMERIC:
        f[c] = pd.to_numeric(f[c]).astype("float64")
    return f


def test_texts_match_the_recorded_rows(golden):
    got = segment_toets(_frame(golden["rows"]), ToetsSettings()).reset_index(drop=True)
    got = json.loads(got.to_json(orient="records"))
    assert len(got) == len(golden["expected"])
    for i, (g, e) in enumerate(zip(got, golden["expected"], strict=True)):
        assert g == e, i


def test_recorded_rows_cover_every_rule(golden):
    exp = pd.DataFrame(golden["expected"])
    assert set(exp["toets_bike_rule"].dropna()) == {
        "B1-path", "B2-sidepath", "B2-separated", "B3-living-street", "B4-fietsstraat",
        "B5-painted-lane-50", "B6-mixed-fast", "B7-lts", "B8-mixed-30"}
    assert {"W1-path", "W2-living-street", "W3-footways", "W4-quiet-30", "W5-one-side-30",
            "W6-one-side-fast", "W7-no-footway", "W8-footway-assumed",
            "W10-no-footway-plausible"} <= set(exp["toets_walk_rule"])
    reasons = " ".join(exp["toets_bike_reason"].dropna())
    assert "serves only" in reasons and "beside parking" in reasons and "buses/day" in reasons


def test_lazy_texts_are_built_only_for_the_rows_chosen():
    seen: list[np.ndarray] = []

    def record(idx):
        seen.append(np.asarray(idx).copy())
        return np.asarray([f"r{i}" for i in idx], dtype=object)

    n = 10
    cond = np.arange(n) % 3 == 0
    out = select([cond], [T("a ", Lazy(record), " ", Fmt(np.arange(n) * 1.0))], "-", n)
    assert out.tolist() == ["a r0 0", "-", "-", "a r3 3", "-", "-", "a r6 6", "-", "-", "a r9 9"]
    assert [s.tolist() for s in seen] == [[0, 3, 6, 9]]
    # a lazy select inside a lazy text sees the global row numbers of the rows asked for
    seen.clear()
    inner = Select([np.arange(n) >= 6], [Lazy(record)], "low")
    out = select([np.arange(n) % 2 == 0], [T("<", inner, ">")], None, n)
    assert out.tolist() == ["<low>", None, "<low>", None, "<low>", None, "<r6>", None, "<r8>", None]
    assert [s.tolist() for s in seen] == [[6, 8]]


def test_no_lane_texts_without_painted_lanes(monkeypatch):
    """A city without painted lanes builds no lane text at all (the early return)."""
    def boom(*a, **k):
        raise AssertionError("lane text built without a lane")

    monkeypatch.setattr(bike_module, "strings_at", boom)
    edges = pd.DataFrame({"highway": ["residential", "tertiary"], "maxspeed": [30.0, 50.0],
                          "mode_bike": [True, True], "mode_walk": [True, True],
                          "mode_drive": [True, True], "cycleway_left": ["none", "none"],
                          "cycleway_right": ["none", "track"],
                          "cycle_separated_right": [False, True]})
    dirs = toets.bike_directions(edges, np.array([30.0, 50.0]), np.ones(2), np.array([1, 3]),
                                 ToetsSettings())
    text, partial, other = toets.lane_texts(edges, dirs, np.zeros(2, dtype=bool), np.array([1, 3]),
                                            ToetsSettings())
    assert text.tolist() == ["", ""] and not partial.any() and other.tolist() == ["", ""]


def test_fmt_formats_whole_numbers_and_missing():
    assert fmt(np.array([30.0, np.nan, 49.6, 30.0, -0.4, np.inf])).tolist() == [
        "30", "?", "50", "30", "0", "?"]
    assert fmt(np.array([1.25, np.nan]), "{:.1f}").tolist() == ["1.2", "?"]
