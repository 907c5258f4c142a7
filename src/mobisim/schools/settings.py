"""Settings of the school-route analysis (:class:`SchoolSettings`, the ``[schools]`` section).

Kept apart from the algorithms so that :mod:`mobisim.scenario` imports only the settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from mobisim.settings_base import Settings


class SchoolSettings(Settings):
    """Settings of the school-route analysis (every field has a documented default)."""

    mode: Literal["bike", "walk"] = Field(
        "bike",
        description=(
            "Travel mode of the children: the graph uses mode_<mode> and the safe network "
            "toets_<mode>. Source: programme text (children cycling to school on their own)."
        ),
    )
    children_total: float = Field(
        46_000.0,
        gt=0, le=10_000_000,
        description=(
            "Primary-school children living in the area, spread over residential floor area. "
            "Default for Den Haag is an ESTIMATE: about 8-9 % of ~548,000 inhabitants (CBS "
            "StatLine, bevolking 1 januari 2021, gemeente 's-Gravenhage) are aged 4-11; Den Haag "
            "in Cijfers reports pupil numbers of the same order (~45-50 thousand in basisonderwijs). "
            "Set it per scenario from Den Haag in Cijfers / DUO when exact figures matter."
        ),
    )
    schools_csv: Path | None = Field(
        None,
        description=(
            "Optional CSV with the scenario's own primary schools (columns name, lat, lon in "
            "WGS84); replaces the schools found in OSM. Source: scenario input."
        ),
    )
    school_register: Path | None = Field(
        None,
        description=(
            "The municipality's register of school buildings (Den Haag open data "
            "\"schoolgebouwen\", or any point file with the fields bestemming, brinnummer, school, "
            "lesruimte): its primary-school buildings (`register_uses`) replace the schools found "
            "in OSM, which mix in music schools, lyceums and hotel schools. Relative to the "
            "scenario file. Source: ../shared/osm/den-haag-schoolgebouwen.geojson (© Gemeente Den Haag)."
        ),
    )
    register_uses: list[str] = Field(
        default_factory=lambda: ["BO"], min_length=1,
        description="Values of the register's `bestemming` that are primary-school buildings (BO = "
        "basisonderwijs; `BO-Voorschool` is a pre-school at one). Source: the register's README.",
    )
    class_size: float = Field(
        23.0, gt=0, le=40,
        description="Pupils per classroom, for a register building's pupils (classrooms × this, then "
        "scaled to children_total). Source: DUO/CBS, mean group size in Dutch primary schools ≈ 23. "
        "A building without a classroom count gets the median.",
    )
    wijken_path: Path | None = Field(
        None,
        description=(
            "Wijk polygons (fields code, name) for per-wijk scores. None: den-haag-wijken.geojson "
            "from $MOBISIM_SHARED_OSM when set (per-wijk scores are skipped with a note when it is "
            "not there), else ../shared/osm from the working directory (mobisim.load.paths); missing: "
            "skipped with a note. Source: shared/osm/README.md."
        ),
    )
    max_detour_factor: float = Field(
        1.5,
        ge=1.0, le=10,
        description=(
            "A child-safe route counts only when it is at most this many times the shortest "
            "route to the nearest school. Source: project assumption (no published norm); PCT "
            "school model (Goodman et al. 2019) shows cycling falling off steeply with distance."
        ),
    )
    crossing_rule: Literal["any_use", "along_road_passes"] = Field(
        "any_use",
        description=(
            "When a route is blocked by a failing crossing node. 'any_use': any route that uses the "
            "node (conservative; also a child riding along the crossed road's cycle track past a "
            "side street). 'along_road_passes': only routes that cross there — entering or leaving "
            "by an edge that is not the crossed road (the fastest road at the node, same street); "
            "riding along that road through the node is allowed when its segments pass the toets. "
            "Source: 8-jarigen-toets asks whether a child can cross the road; project choice."
        ),
    )
    max_snap_distance_m: float = Field(
        300.0,
        gt=0, le=5000,
        description=(
            "Homes farther than this from any usable network node are left out (no route). "
            "Source: project assumption (the city file covers the municipality + 300 m)."
        ),
    )
    start_avoid_classes: list[str] = Field(
        default=["primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link",
                 "trunk", "trunk_link", "motorway", "motorway_link", "busway"],
        description=(
            "Homes and schools never attach to a node of a segment of these highway classes (main "
            "roads: their nodes are crossings or junctions a child would first have to cross); they "
            "attach to the nearest node of a side street or path, or to the nearest node of any kind "
            "when none lies within max_snap_distance_m. Class-based on purpose: the attachment must "
            "not depend on the toets verdicts, or a safety improvement could move homes and lower "
            "the safe share. Source: project choice (the classes with a centre line, ToetsSettings)."
        ),
    )
    min_building_area_m2: float = Field(
        30.0,
        ge=0, le=100_000,
        description="Smaller building footprints (sheds, garages) are not homes. Source: project assumption.",
    )
    default_levels: float = Field(
        1.0,
        gt=0, le=100,
        description=(
            "Levels assumed where building:levels is missing (1,408 of 188,493 buildings in the "
            "2021 file carry it; shared/osm/README.md). Source: conservative default."
        ),
    )
    storey_height_m: float = Field(
        3.0,
        ge=1, le=10,
        description=(
            "Floor-to-floor height that turns a building height into levels where building:levels "
            "is missing. Source: Bouwbesluit 2012 minimum clear height 2.6 m plus floor ≈ 3 m "
            "(typical Dutch housing)."
        ),
    )
    generic_buildings: Literal["landuse", "all"] = Field(
        "landuse",
        description=(
            "Where a generic building (building=yes) counts as a home: inside residential "
            "landuse, or everywhere. Source: project assumption (the 2021 file has no building types)."
        ),
    )
    grid_spacing_m: float = Field(
        50.0,
        ge=5, le=1000,
        description="Grid spacing for residential landuse without buildings (5–1000 m: the grid has "
        "area / spacing² points, and a run refuses more than 10 million). Source: project assumption.",
    )
    grid_floor_area_ratio: float = Field(
        1.0,
        gt=0, le=20,
        description=(
            "Floor area per m² of residential land where no buildings are mapped (floor space "
            "index; Dutch urban residential areas range ~0.5-2). Source: project assumption."
        ),
    )
    clip_homes_to_wijken: bool = Field(
        True,
        description=(
            "Keep only homes inside the wijk polygons (the municipality) when they are available: "
            "children_total counts the municipality's children, the OSM extract has a 300 m "
            "margin. Schools outside stay valid destinations. Source: shared/osm/README.md."
        ),
    )
    top_n: int = Field(
        10,
        ge=1, le=1000,
        description="Weakest links listed and fixed in the what-if. Source: issue 4 (top 10).",
    )
