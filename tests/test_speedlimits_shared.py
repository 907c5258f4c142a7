"""Integration: class defaults against real tags, and a newer OSM extract as a speed-limit layer
(skipped without ../shared/osm)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mobisim.load import load_network, read_speed_limits
from mobisim.load.speedlimits import SCHEVENINGEN_2025, apply_speed_limits, default_vs_tagged

pytestmark = pytest.mark.integration


def test_scheveningen_figures_match_the_constant(shared_osm: Path) -> None:
    """SCHEVENINGEN_2025 is what default_vs_tagged measures on the file it names."""
    path = shared_osm / SCHEVENINGEN_2025.file
    if not path.exists():
        pytest.skip(f"{path} not found")
    fig = default_vs_tagged(load_network([path]))
    measured = {k: round(fig[k], 1) for k in ("km_tagged", "km_50_tags", "km_50_defaults", "km_30_tags",
                                              "km_30_defaults")}
    measured["share_agree"] = round(fig["share_agree"], 3)
    expected = {k: getattr(SCHEVENINGEN_2025, k) for k in measured}
    assert measured == expected


def test_the_2025_extract_sets_the_2021_city_limits(shared_osm: Path) -> None:
    """The tagged Scheveningen extract, given as a layer, covers its own roads in the city file."""
    city = load_network([shared_osm / "den-haag-city-2021.osm.bz2"])
    layer = read_speed_limits(shared_osm / SCHEVENINGEN_2025.file)
    net, match = apply_speed_limits(city, layer)
    source = f"layer:{SCHEVENINGEN_2025.file}"
    roads = net.edges["is_road"].to_numpy(dtype=bool)
    from_layer = roads & (net.edges["maxspeed_source"] == source).to_numpy()
    km_layer = net.edges.loc[from_layer, "length"].sum() / 1000
    # the city file has no maxspeed tags: every road the extract covers takes its limit; the
    # extract's tagged roads are 72.6 km
    assert km_layer == pytest.approx(SCHEVENINGEN_2025.km_tagged, abs=1.0)
    assert match.segments_tagged_kept == 0 and match.rows_used / match.rows > 0.85
    km50 = net.edges.loc[from_layer & (net.edges["maxspeed"] == 50).to_numpy(), "length"].sum() / 1000
    assert km50 == pytest.approx(SCHEVENINGEN_2025.km_50_tags, abs=1.0)
