"""The traffic model on the real city (integration; skipped without ../shared/osm).

One model run for the module: ``den-haag-city-2021.osm.bz2`` with ``scenarios/volt-2026.toml``
(the default ``[traffic]`` settings), marked to the municipality, then
:func:`mobisim.pipeline.model_traffic_step` (about 1–1.5 minutes cold). The figures are checked
against orders of magnitude from outside the model, not against its own output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mobisim import pipeline
from mobisim.load import load_network
from mobisim.traffic import TrafficSettings
from mobisim.traffic.settings import ACCESS_CLASSES

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]

#: Plausible range of the median modelled segment per class: the documented setting (its
#: sources in mobisim.traffic.settings), not fitted to the model.
PLAUSIBLE_MEDIAN_DAILY: dict[str, tuple[float, float]] = TrafficSettings().plausible_median_daily_by_class

#: The city's main entry routes (name or ref, case-insensitive); each must be among the busiest.
ENTRY_ROUTES: dict[str, dict[str, str]] = {
    "Utrechtsebaan / A12": {"name": "Utrechtsebaan", "ref": "A12"},
    "Rotterdamsebaan": {"name": "Rotterdamsebaan"},
    "Noordelijke Randweg": {"name": "Noordelijke Randweg"},
    "Laan van NOI": {"name": "Laan van Nieuw-Oost-Indië"},
}


@pytest.fixture(scope="module")
def city(shared_osm: Path, tmp_path_factory: pytest.TempPathFactory):
    """The city with today's modelled traffic (one model run for the module)."""
    scenario = REPO / "scenarios" / "volt-2026.toml"
    if not scenario.exists():
        pytest.skip(f"{scenario} not found")
    with pytest.MonkeyPatch.context() as mp:  # the session's cache, as conftest's _isolated_cache
        mp.setenv("MOBISIM_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
        sc = pipeline.as_scenario(scenario)
        inputs = pipeline.read_inputs(sc, parking=False)
        net = load_network([shared_osm / "den-haag-city-2021.osm.bz2"])
        net = pipeline.mark_scope(net, sc, inputs)
        notes: list[str] = []
        model = pipeline.model_traffic_step(net, sc, inputs, notes=notes)
    assert model is not None, notes
    return net, model, notes


def _modelled(e: pd.DataFrame) -> pd.Series:
    return e["daily_traffic_source"].astype("string").eq("model").fillna(False)


def _daily(e: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(e["daily_traffic"], errors="coerce").astype("float64")


def test_the_model_covers_the_city(city):
    net, model, _ = city
    s = model.summary
    assert s["residents"] == pytest.approx(560_000, rel=1e-6)
    assert s["zones"] >= 200 and s["gateways"] >= 5
    # the motorways leave the extract: their ends are gateways
    labels = {str(x).upper() for x in s["gateway_labels"]}
    assert {"A4", "A12", "A13"} <= labels, labels
    e = net.edges
    modelled = _modelled(e).to_numpy()
    q = _daily(e).to_numpy()
    assert np.isfinite(q[modelled]).all() and (q[modelled] >= 0).all()


def test_median_daily_traffic_per_class_is_plausible(city):
    net, _, _ = city
    e = net.edges
    pick = e["in_area"].to_numpy(dtype=bool) & _modelled(e).to_numpy()
    medians = _daily(e)[pick].groupby(e.loc[pick, "highway"].astype(str)).median()
    wrong = {cls: (round(float(medians.get(cls, np.nan))), bounds) for cls, bounds in PLAUSIBLE_MEDIAN_DAILY.items()
             if not bounds[0] <= medians.get(cls, np.nan) <= bounds[1]}
    assert not wrong, f"median outside its plausible range: {wrong}"
    # and the classes are in their order: main roads carry more than the streets they collect
    order = ["residential", "tertiary", "secondary", "primary"]
    assert list(medians[order].rank()) == [1.0, 2.0, 3.0, 4.0], medians[order]


def test_entry_routes_are_among_the_busiest(city):
    net, _, _ = city
    e = net.edges
    modelled = _modelled(e).to_numpy()
    q = _daily(e)
    top5 = q[modelled].quantile(0.95)
    name = e["name"].astype("string").str.casefold()
    ref = e["ref"].astype("string").str.upper().str.replace(" ", "", regex=False)
    found = {}
    for label, keys in ENTRY_ROUTES.items():
        hit = name.eq(keys["name"].casefold()).fillna(False)
        if "ref" in keys:
            hit |= ref.str.split(";").apply(lambda r, want=keys["ref"]: isinstance(r, list) and want in r).astype(bool)
        hit = hit.to_numpy() & modelled
        assert hit.any(), f"{label}: no modelled segment"
        found[label] = float(q[hit].max())
    low = {k: v for k, v in found.items() if v < top5}
    assert not low, f"entry routes below the top 5 % ({top5:,.0f} vehicles/day): {low}"


def test_nearly_every_car_road_in_the_area_is_modelled(city):
    net, _, notes = city
    e = net.edges
    car = e["mode_drive"].to_numpy(dtype=bool) & e["in_area"].to_numpy(dtype=bool)
    km = e["length"].to_numpy(dtype=float)
    share = km[car & _modelled(e).to_numpy()].sum() / km[car].sum()
    assert share >= 0.95, f"{share:.1%} of the car-road km in the area is modelled"
    # the rest keeps the class table, and the notes say why
    rest = e[car & ~_modelled(e).to_numpy()]
    assert set(rest["daily_traffic_source"].astype(str)) <= {"default:class"}
    assert _daily(rest).isna().all()
    assert any("not connected both ways" in n for n in notes), notes


def test_rat_runs_are_only_on_access_roads(city):
    net, model, _ = city
    e = net.edges
    rat = e["rat_run"].to_numpy(dtype=bool)
    assert rat.any(), "no rat run at all in the city"
    assert set(e.loc[rat, "highway"].astype(str)) <= set(ACCESS_CLASSES)
    assert (_daily(e)[rat] >= 1_500).all()  # rat_run_min_daily
    assert (pd.to_numeric(e.loc[rat, "traffic_through_min"]).astype(float) >= 0.5).all()
    assert (e.loc[rat, "rat_run_fix"] == "modal filter (close_through_traffic)").all()
    assert (e.loc[rat, "daily_traffic_source"] == "model").all()
