"""School routes on the real Den Haag data (skipped when ../shared/osm is absent)."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def city(shared_osm):
    from mobisim.load import load_network

    net = load_network([shared_osm / "den-haag-city-2021.osm.bz2", shared_osm / "den-haag-city-2021-buildings.osm.bz2"])
    from mobisim.rules.toets import evaluate_toets

    evaluate_toets(net)
    return net


def test_whole_city_school_routes(city):
    from mobisim.load.register import load_wijken_optional
    from mobisim.schools import SchoolSettings, evaluate_school_routes, fix_weakest_links

    s = SchoolSettings()
    r = evaluate_school_routes(city, s, wijken=load_wijken_optional(s)[0])
    sc = r.scores
    assert sc["n_schools"] > 50
    # all homes in the municipality get a route; almost all children are routed
    assert sc["children_total"] == pytest.approx(s.children_total)
    assert sc["children_routed"] > 0.97 * s.children_total
    assert 0 <= sc["share_safe"] <= sc["share_safe_any_detour"] <= 1
    # per wijk: the 44 wijken, children in nearly all of them
    assert len(r.per_wijk) == 44 and (r.per_wijk["children"] > 0).sum() >= 40
    # ranking is by children, descending, and every listed link fails the toets
    wl = r.weakest_links
    assert np.all(np.diff(wl["children"].to_numpy()) <= 1e-9)
    segs = wl.loc[wl["element"] == "segment", "id"]
    assert len(segs) and (city.edges.loc[segs, "toets_bike"] == "fail").all()
    # school-route intensity never exceeds the children routed; the busiest edge is near a school
    assert city.edges["school_route_children"].max() <= sc["children_routed"] + 1e-6
    fixed = fix_weakest_links(city, 10, r)
    after = evaluate_school_routes(fixed, s, schools=r.schools[["name", "geometry"]],
                                   origins=r.origins[["children", "geometry"]], wijken=None, write_columns=False)
    assert after.scores["share_safe"] >= sc["share_safe"]
