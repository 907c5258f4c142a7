"""Shrinking resident parking permits: supply, the yearly cap, which spaces go, their re-use.

The programme caps resident permits in the centre and the pre-war wijken and lowers the cap by
2 % a year; the freed spaces are redesigned (bike parking, green, play space, meeting places,
terraces); larger cars pay more (see :mod:`mobisim.parking.tariff`).

Steps (each a small function on whole frames):

1. :func:`parking_supply` — on-street spaces per street segment, from OSM parking tags where
   mapped, from individually mapped ``amenity=parking_space`` features, and otherwise estimated
   from the kerb length by road class. Adds ``parking_spaces`` and ``parking_source`` to the edges.
2. :func:`supply_by_area` — per wijk: on-street spaces by source, surface lots and garages
   (RDW capacities) counted separately.
3. :func:`distribute_permits` — base-year permits per wijk: the counts known per wijk
   (``base_permits``; Rustenburg en Oostbroek ≈ 2,500) and the rest of the city's permit count
   (``permits_city``, ≈ 110,000) spread over the other wijken in proportion to on-street supply ×
   occupancy, whole permits summing exactly to the city count (largest remainder).
4. :func:`cap_table` — base-year permits per capped area and the cap falling by ``cap_rate`` a year:
   ``cap_t = floor(base × (1 − r)^(t − base_year))``; freed spaces per year and cumulatively.
5. :func:`allocate_freed` — the freed spaces land on real streets by a documented priority.
6. :func:`reuse` — the freed spaces split over bike parking, green, play, meeting places and
   terraces.
7. :func:`mobisim.parking.tariff.tariff_revenue` — the large-car tariff at the €60 / €64 permit prices,
   and :func:`mobisim.parking.tariff.finance_comparison` against the €2.0 M/yr finance line, year by year.
8. :func:`headline_figures` — the figures shown everywhere (spaces freed, area, bikes, revenue),
   computed once, as whole numbers, each with a low / central / high range from the permit count
   (``permits_uncertainty``) and the permit price (``tariff.price_uncertainty``).

:func:`evaluate_parking` runs them all and returns a :class:`ParkingResult`.

Supply estimate (documented assumptions)
----------------------------------------
* Kerb length per side = segment length minus the exclusions at its ends: 5 m at a junction
  (RVV 1990 art. 24: no parking within 5 m of an intersection) and 5 m at a pedestrian crossing
  (RVV 1990 art. 23: no stopping on a pedestrian crossing nor within 5 m before it; applied to
  both approaches because traffic comes from both sides). Where both apply, the larger one.
* Spaces per side = ``floor(kerb / metres_per_space)``: parallel 5.5 m, diagonal 3.0 m,
  perpendicular 2.5 m per space along the kerb (CROW ASVV 2021 parking bay dimensions: parallel
  bays 5.0–6.0 m long, perpendicular bays 2.4–2.5 m wide).
* Sides with parking by road class when the street carries no parking tag (assumption of this
  model, typical of Den Haag streets): residential/unclassified/road both sides, tertiary both
  sides, secondary one side, living_street one side (a woonerf only has marked bays), primary
  none; motorways, trunks, all ``*_link`` roads and non-roads are out of scope.
* Individually mapped spaces (``amenity=parking_space``) within ``space_snap_m`` of a segment
  replace the estimate on that segment (the mapper counted them); segments with a mapped
  on-street parking tag keep the tag's figure; spaces with ``access=private/no`` and spaces
  farther from any road are not counted. Surface lots (``amenity=parking``; capacity from the
  tag, else area / ``lot_m2_per_space``) and garages (RDW) are counted separately, per wijk.
* One withdrawn permit frees one on-street space (the Amsterdam practice: a space is removed
  for each permit the cap takes out; shared/reference/safety-criteria.md, Parking).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from mobisim.errors import InputFileError, NotFoundError, ScenarioError
from mobisim.load.areas import CRS, assign_areas, load_wijken, select_areas
from mobisim.load.paths import shared_osm_dir
from mobisim.parking.tariff import CENTRE_WIJKEN, TariffSettings, finance_comparison, tariff_revenue
from mobisim.settings_base import Settings

__all__ = [
    "VOLT_AREAS",
    "ReuseMix",
    "ParkingSettings",
    "ParkingResult",
    "parking_settings",
    "parking_supply",
    "supply_by_area",
    "base_permits",
    "distribute_permits",
    "cap_table",
    "allocate_freed",
    "freed_by_street",
    "reuse",
    "load_garages",
    "load_parking_spaces",
    "evaluate_parking",
    "headline_figures",
    "centre_prices",
]

REF = "shared/reference/safety-criteria.md, Parking"

DEFAULT_PERMITS_CITY = 110_000
"""Resident permits in Den Haag: about 110,000 households hold one (""" + REF + """)."""

PERMIT_COUNTS: dict[str, int] = {"Rustenburg en Oostbroek": 2_500}
"""Resident permits known per wijk. Rustenburg en Oostbroek: about 2,500 permits for 5,600 cars
when paid parking started (Omroep West 2007; """ + REF + """). A 2007 figure: the count
today is not published with the reference."""

VOLT_AREAS: list[str] = [
    # stadsdeel Centrum ("the city centre")
    "Centrum", "Stationsbuurt", "Zeeheldenkwartier", "Archipelbuurt", "Willemspark",
    "Schildersbuurt", "Transvaalkwartier", "Groente- en Fruitmarkt",
    # wijken built mostly before 1940 ("the pre-war districts")
    "Duinoord", "Geuzen- en Statenkwartier", "Belgisch Park", "Scheveningen",
    "Bomen- en Bloemenbuurt", "Regentessekwartier", "Valkenboskwartier", "Vruchtenbuurt",
    "Bezuidenhout", "Benoordenhout", "Laakkwartier en Spoorwijk", "Rustenburg en Oostbroek",
]
"""Default capped areas: the wijken of stadsdeel Centrum plus the wijken whose housing is
mostly pre-war (built before 1940). The selection of pre-war wijken is this model's reading of
the programme (by predominant construction period), not a list published with it: set
``parking.areas`` in the scenario to change it."""

OUT_OF_SCOPE_HIGHWAY = {
    "motorway", "trunk", "motorway_link", "trunk_link", "primary_link", "secondary_link", "tertiary_link",
}
"""Road classes without on-street parking in this model (besides every non-road)."""

ON_STREET_VALUES = {
    "lane", "street_side", "on_kerb", "half_on_kerb", "shoulder", "yes", "parallel", "diagonal",
    "perpendicular", "marked", "inline", "orthogonal",
}
"""``parking:<side>`` / ``parking:lane:<side>`` values that mean on-street parking on that side."""

NO_PARKING_VALUES = {"no", "separate", "no_parking", "no_stopping", "fire_lane", "none", "no_standing"}
"""Values that mean no on-street parking on that side (``separate``: mapped as its own area)."""

PRIORITY_RULES = ("school_route", "supply_density", "crossing_sight_line")
"""Rule ids :func:`allocate_freed` can order by."""


class ReuseMix(Settings):
    """How the freed spaces are redesigned: shares summing to 1, or percentages summing to 100."""

    bike_parking: float = Field(0.30, ge=0, le=100, description="Share for bike parking.")
    green: float = Field(0.40, ge=0, le=100, description="Share for green (trees, planting, unpaving).")
    play: float = Field(0.10, ge=0, le=100, description="Share for play space.")
    meeting: float = Field(0.10, ge=0, le=100, description="Share for meeting places (benches, squares).")
    terraces: float = Field(0.10, ge=0, le=100, description="Share for terraces.")

    @model_validator(mode="after")
    def _sums_to_whole(self) -> ReuseMix:
        values = self.model_dump()
        total = sum(values.values())
        if math.isclose(total, 100.0, abs_tol=1e-6):
            for key, value in values.items():
                object.__setattr__(self, key, value / 100.0)
        elif not math.isclose(total, 1.0, abs_tol=1e-6):
            parts = ", ".join(f"{k}={v:g}" for k, v in values.items())
            raise ValueError(f"reuse_mix must sum to 1 (or 100 %), got {total:g} ({parts})")
        return self


class ParkingSettings(Settings):
    """Every input of the parking model, with documented defaults (``ParkingSettings()``)."""

    areas: list[str] = Field(
        default_factory=lambda: list(VOLT_AREAS),
        description="Capped wijken by name or WK0518nn code (case and accents do not matter). "
        "Default: the centre and the pre-war wijken (see VOLT_AREAS).",
    )
    base_year: int = Field(2026, ge=1900, le=2200, description="Year the cap starts (cap = base permits).")
    horizon: int = Field(2030, ge=1900, le=2200, description="Last year of the yearly table (programme horizon).")
    horizon_long: int | None = Field(None, ge=1900, le=2200,
                                     description="Optional long horizon (e.g. 2040); None = stop at `horizon`.")
    cap_rate: float = Field(
        0.02, ge=0, lt=1, description="Yearly fall of the cap, a fraction (0.02 = 2 %/yr, compounding). Source: the "
        "programme (issue 5); compare Amsterdam's 1.1 % per half year (" + REF + ").",
    )
    permits_city: int = Field(
        DEFAULT_PERMITS_CITY, ge=0, le=1_000_000,
        description="Resident permits held in the whole city in the base year, spread over the wijken "
        "(see base_permits, occupancy). Source: Den Haag, about 110,000 households hold a resident "
        "permit (" + REF + "). Equal to tariff.permits_citywide (set either; both must agree).",
    )
    permits_uncertainty: float = Field(
        0.10, ge=0, lt=1,
        description="Relative uncertainty of the permit counts for the low/high range (0.10 = ±10 %). "
        "Assumption: the source says 'about 110,000' and 'about 2,500' (a 2007 figure).",
    )
    base_permits: dict[str, Annotated[int, Field(ge=0, le=1_000_000)]] = Field(
        default_factory=lambda: dict(PERMIT_COUNTS),
        description="Base-year permits known per wijk (name or WK0518nn code → count); these wijken keep "
        "their count and the rest of permits_city is spread over the others. Default: Rustenburg en "
        "Oostbroek 2,500 (Omroep West 2007; " + REF + "). Setting it replaces the default "
        "entry (repeat it to keep it).",
    )
    occupancy: float = Field(
        0.90, ge=0, le=1.5,
        description="Permits per on-street space of a wijk, as a weight: permits_city is spread over the "
        "wijken in proportion to on-street spaces × occupancy, so only the ratio between wijken matters. "
        "Default 0.90 everywhere — Den Haag's parking strategy 2021-2030 treats 90 % occupancy as the "
        "problem threshold (" + REF + "); no occupancy per wijk is published with the reference "
        "(set occupancy_by_wijk).",
    )
    occupancy_by_wijk: dict[str, Annotated[float, Field(ge=0, le=1.5)]] = Field(
        default_factory=dict,
        description="Occupancy weight per wijk (name or code → permits per on-street space, 0–1.5), "
        "overriding `occupancy`; 0 = no resident permits there (no paid parking). Default: none.",
    )
    reuse_mix: ReuseMix = Field(
        default_factory=ReuseMix,
        description="Re-use of freed space (assumption; Den Haag: freed space goes to bike facilities or "
        "greenery; " + REF + ").",
    )
    bikes_per_space: float = Field(
        12.0, gt=0, le=50, description="Bikes parked on one car space. Source: Den Haag debate estimate (" + REF + ")."
    )
    space_area_m2: float = Field(
        12.5, gt=0, le=100, description="Public space of one car space, m² (2.5 m × 5.0 m bay; CROW ASVV 2021)."
    )
    metres_per_space: float = Field(
        5.5, ge=1, le=20, description="Kerb length per parallel space, m (CROW ASVV 2021: parallel bay 5.0–6.0 m)."
    )
    metres_per_space_diagonal: float = Field(
        3.0, ge=1, le=20, description="Kerb length per diagonal space, m (CROW ASVV 2021, 45–60° bays)."
    )
    metres_per_space_perpendicular: float = Field(
        2.5, ge=1, le=20, description="Kerb length per perpendicular space, m (CROW ASVV 2021: bay width 2.4–2.5 m)."
    )
    junction_exclusion_m: float = Field(
        5.0, ge=0, le=100, description="No parking within this distance of an intersection. Source: RVV 1990 art. 24."
    )
    crossing_exclusion_m: float = Field(
        5.0, ge=0, le=100,
        description="No stopping within this distance before a pedestrian crossing. Source: RVV 1990 art. 23.",
    )
    sides_by_class: dict[str, Annotated[int, Field(ge=0, le=2)]] = Field(
        default_factory=lambda: {
            "residential": 2, "unclassified": 2, "road": 2, "tertiary": 2, "secondary": 1,
            "living_street": 1, "primary": 0, "service": 0, "busway": 0,
        },
        description="Sides with parking by highway class where no parking tag is mapped (assumption: typical "
        "Den Haag street profiles). Classes not listed: 0.",
    )
    space_snap_m: float = Field(
        15.0, ge=0, le=500, description="A mapped parking space this close to a road segment counts as on-street there."
    )
    lot_m2_per_space: float = Field(
        25.0, ge=5, le=200,
        description="Gross surface-lot area per space incl. aisles, m², for lots without capacity "
        "(CROW ASVV 2021: 20–30 m²).",
    )
    priority: list[Literal["school_route", "supply_density", "crossing_sight_line"]] = Field(
        default_factory=lambda: list(PRIORITY_RULES),
        description="Order in which segments give up their spaces: school-route segments (most children first), "
        "then the most spaces per metre, then segments ending at a crossing (sight lines).",
    )
    density_step: float = Field(
        0.01, ge=0.0001, le=1,
        description="Spaces per metre are rounded to this step before sorting, so near-equal streets tie and the "
        "next rule decides.",
    )
    tariff: TariffSettings = Field(default_factory=TariffSettings, description="Large-car tariff (mobisim.parking.tariff).")
    garages_path: Path | None = Field(
        None, description="Garage capacities (RDW open parking data, GeoJSON with `capacity_total`); None = "
        "the shared den-haag-rdw-parking.geojson when present and `shared_layers` is on.",
    )
    spaces_path: Path | None = Field(
        None, description="Extra amenity=parking_space layer (GeoJSON with `capacity`); None = the shared "
        "den-haag-parking-spaces.geojson when present and `shared_layers` is on.",
    )
    shared_layers: bool = Field(
        True, description="Use the shared garage and parking-space files when no path is given."
    )
    exclude_bridges_tunnels: bool = Field(
        True, description="No on-street parking on segments tagged bridge/tunnel (when the edges carry those columns)."
    )

    @field_validator("cap_rate", mode="before")
    @classmethod
    def _rate_in_range(cls, v: Any) -> Any:
        if isinstance(v, (int, float)) and not isinstance(v, bool) and not (0 <= v < 1):
            raise ValueError(f"cap_rate must be >= 0 and < 1 (a fraction per year, 0.02 = 2 %), got {v:g}")
        return v

    @field_validator("areas")
    @classmethod
    def _areas_not_empty(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("areas is empty: name at least one wijk (name or WK0518nn code)")
        return v

    @model_validator(mode="after")
    def _one_city_count(self) -> ParkingSettings:
        """``permits_city`` and ``tariff.permits_citywide`` are one figure: set either."""
        city_set = "permits_city" in self.model_fields_set
        tariff_set = "permits_citywide" in self.tariff.model_fields_set
        if city_set and tariff_set and self.permits_city != self.tariff.permits_citywide:
            raise ValueError(
                f"permits_city ({self.permits_city}) and tariff.permits_citywide "
                f"({self.tariff.permits_citywide}) differ: set one of them"
            )
        if tariff_set and not city_set:
            object.__setattr__(self, "permits_city", self.tariff.permits_citywide)
        else:
            object.__setattr__(self, "tariff", self.tariff.model_copy(update={"permits_citywide": self.permits_city}))
        return self

    @model_validator(mode="after")
    def _years_ordered(self) -> ParkingSettings:
        if self.horizon <= self.base_year:
            raise ValueError(f"horizon ({self.horizon}) must be after base_year ({self.base_year})")
        if self.horizon_long is not None and self.horizon_long <= self.horizon:
            raise ValueError(f"horizon_long ({self.horizon_long}) must be after horizon ({self.horizon})")
        return self

    @property
    def years(self) -> range:
        """Years of the table: base year to the long horizon when set, else to the horizon."""
        return range(self.base_year, (self.horizon_long or self.horizon) + 1)


def parking_settings(data: dict[str, Any] | None, where: str = "parking") -> ParkingSettings:
    """Build :class:`ParkingSettings` from a mapping; a bad value becomes one clear line.

    Parameters
    ----------
    data : dict or None
        The scenario's ``parking`` mapping (None → defaults).
    where : str
        Place named in the error (e.g. ``"scenarios/volt.yaml: parking"``).

    Raises
    ------
    mobisim.errors.ScenarioError
        ``<where>.<key>: <problem>`` for the first invalid field.
    """
    try:
        return ParkingSettings(**(data or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        place = f"{where}.{loc}" if loc else where
        raise ScenarioError(f"{place}: {msg}") from None


# --------------------------------------------------------------------------------------------
# supply


def _side_spaces(value: pd.Series, kerb: pd.Series, estimate_side: pd.Series, s: ParkingSettings) -> tuple[pd.Series, pd.Series]:
    """Spaces on one side and whether the figure comes from a tag."""
    val = value.astype("string").str.lower()
    on = val.isin(ON_STREET_VALUES).fillna(False).astype(bool)
    off = val.isin(NO_PARKING_VALUES).fillna(False).astype(bool)
    tagged = on | off
    per_space = pd.Series(s.metres_per_space, index=kerb.index)
    per_space = per_space.mask((val == "diagonal").fillna(False).astype(bool), s.metres_per_space_diagonal)
    per_space = per_space.mask(val.isin(["perpendicular", "orthogonal"]).fillna(False).astype(bool), s.metres_per_space_perpendicular)
    spaces = np.floor(kerb / per_space + 1e-9)
    parked = on | (~tagged & estimate_side)
    return spaces.where(parked, 0.0).astype(float), tagged


CROSSING_KINDS = ("zebra", "zebra+island", "island", "uncontrolled", "path_meets_road")
"""``crossing_kind`` values (from :mod:`mobisim.rules.toets`) that count as a pedestrian crossing here.
Plain junctions are left out: the junction exclusion already covers them."""


def crossing_nodes(nodes: gpd.GeoDataFrame) -> pd.Series:
    """Boolean per node: a pedestrian crossing (exclusion zone and sight-line priority).

    Tagged crossings (``highway=crossing``, a ``crossing`` tag other than ``no``, ``zebra``)
    and, when the toets step has run, ``is_crossing`` nodes whose ``crossing_kind`` is one of
    :data:`CROSSING_KINDS` (a path meeting the road, an island …) — not every junction.
    """
    def col(name: str) -> pd.Series:
        if name in nodes:
            return nodes[name].astype("string")
        return pd.Series(pd.NA, index=nodes.index, dtype="string")

    tagged = (col("highway") == "crossing").fillna(False) | (col("crossing").notna() & (col("crossing") != "no")).fillna(False)
    if "zebra" in nodes:
        tagged |= nodes["zebra"].fillna(False).astype(bool)
    if "is_crossing" in nodes and "crossing_kind" in nodes:
        tagged |= (nodes["is_crossing"].fillna(False).astype(bool) & col("crossing_kind").isin(CROSSING_KINDS).fillna(False))
    return tagged.astype(bool)


def with_crossings(net: Any) -> gpd.GeoDataFrame:
    """``net.nodes`` with the crossing columns of the 8-jarigen-toets (``is_crossing``,
    ``crossing_kind``), found with :func:`mobisim.rules.toets.classify_crossings` when the toets has
    not run yet, so the supply is the same whether or not it ran (``mobisim parking`` and
    ``mobisim run`` give the same figures). ``net.nodes`` itself is left unchanged."""
    nodes = net.nodes
    if "is_crossing" in nodes and "crossing_kind" in nodes:
        return nodes
    if not {"u", "v", "is_road", "highway"} <= set(net.edges.columns):
        return nodes  # a bare frame (no road model): tagged crossings only
    from mobisim.rules.toets import classify_crossings

    found = classify_crossings(net)[["is_crossing", "crossing_kind"]]
    return nodes.assign(is_crossing=found["is_crossing"], crossing_kind=found["crossing_kind"])


def eligible_segments(edges: gpd.GeoDataFrame, settings: ParkingSettings | None = None) -> pd.Series:
    """Segments that can carry on-street parking.

    Motor roads (``is_road``) except motorways, trunks and all links; bridges and tunnels are
    left out too when the edges carry ``bridge`` / ``tunnel`` columns and
    ``settings.exclude_bridges_tunnels`` is on (no kerb parking on a bridge deck or in a tunnel).
    """
    s = settings or ParkingSettings()
    is_road = edges["is_road"].fillna(False).astype(bool) if "is_road" in edges else pd.Series(True, index=edges.index)
    ok = is_road & ~edges["highway"].astype("string").isin(OUT_OF_SCOPE_HIGHWAY).fillna(False).astype(bool)
    if s.exclude_bridges_tunnels:
        for col in ("bridge", "tunnel"):
            if col in edges:
                value = edges[col].astype("string").str.lower()
                ok &= (value.isna() | value.isin(["no", "false", "0"])).fillna(True).astype(bool)
    return ok


def end_exclusions(edges: gpd.GeoDataFrame, nodes: gpd.GeoDataFrame, settings: ParkingSettings) -> tuple[pd.Series, pd.Series]:
    """Metres excluded at the ``u`` and ``v`` end of every segment (junction / crossing)."""
    road = eligible_segments(edges, settings)
    if "is_cycleway" in edges:
        road = road | edges["is_cycleway"].fillna(False).astype(bool)
    degree = pd.concat([edges.loc[road, "u"], edges.loc[road, "v"]]).value_counts()
    crossing = crossing_nodes(nodes)
    crossing_ids = crossing.index[crossing.to_numpy()]

    def at(end: pd.Series) -> pd.Series:
        junction = end.map(degree).fillna(0).to_numpy() >= 3
        cross = end.isin(crossing_ids).to_numpy()
        ex = np.maximum(np.where(junction, settings.junction_exclusion_m, 0.0), np.where(cross, settings.crossing_exclusion_m, 0.0))
        return pd.Series(ex, index=end.index)

    return at(edges["u"]), at(edges["v"])


def load_parking_spaces(path: Path | str) -> gpd.GeoDataFrame:
    """Read an ``amenity=parking_space`` layer (e.g. ``den-haag-parking-spaces.geojson``) in EPSG:28992.

    Returns columns ``osm_type``, ``osm_id``, ``capacity`` (float, NaN unknown), ``access``, ``geometry``.
    """
    p = Path(path)
    if not p.exists():
        raise InputFileError(f"parking-space layer not found: {p}")
    try:
        gdf = gpd.read_file(p)
    except Exception as exc:
        raise InputFileError(f"cannot read parking-space layer {p}: {exc}") from None
    gdf = gdf.replace({"N/A": None}) if len(gdf) else gdf
    for col in ("osm_type", "osm_id", "capacity", "access"):
        if col not in gdf:
            gdf[col] = pd.NA
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    return gdf.to_crs(CRS)[["osm_type", "osm_id", "capacity", "access", "geometry"]]


def _mapped_spaces(features: gpd.GeoDataFrame | None, spaces: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Parking-space features from the network and the optional layer, deduplicated by OSM id."""
    frames = []
    if features is not None and len(features) and "kind" in features:
        f = features[features["kind"] == "parking_space"]
        if len(f):
            f = f.assign(access=f["access"] if "access" in f else pd.NA)
            frames.append(f.reindex(columns=["osm_type", "osm_id", "capacity", "access", "geometry"]))
    if spaces is not None and len(spaces):
        frames.append(spaces.to_crs(CRS).reindex(columns=["osm_type", "osm_id", "capacity", "access", "geometry"]))
    if not frames:
        return gpd.GeoDataFrame({"osm_type": [], "osm_id": [], "capacity": [], "access": [], "private": []},
                                geometry=[], crs=CRS)
    out = pd.concat(frames, ignore_index=True)
    key = out["osm_type"].astype("string") + "/" + out["osm_id"].astype("string")
    out = out[key.isna() | ~key.duplicated()]
    out["capacity"] = pd.to_numeric(out["capacity"], errors="coerce").fillna(1.0).astype(float)
    out["private"] = out["access"].astype("string").isin(["private", "no"]).fillna(False).astype(bool)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=CRS).reset_index(drop=True)


def parking_supply(
    net: Any, settings: ParkingSettings | None = None, spaces: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """On-street parking spaces per street segment.

    Parameters
    ----------
    net : mobisim.network.Network
        Needs ``edges`` (``u``, ``v``, ``highway``, ``length``, ``is_road``, ``parking_left``,
        ``parking_right``) and ``nodes``; uses ``features`` of kind ``parking_space``.
    settings : ParkingSettings, optional
    spaces : geopandas.GeoDataFrame, optional
        Extra ``amenity=parking_space`` layer (:func:`load_parking_spaces`), merged with
        ``net.features`` by OSM id.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``net.edges``: ``parking_spaces`` (float), ``parking_spaces_left``,
        ``parking_spaces_right`` (NaN where the figure comes from mapped spaces, which have no
        side), ``parking_kerb_m`` (kerb per side after exclusions),
        ``parking_source`` (``tag``, ``estimate``, ``tag+estimate``, ``parking_space``,
        ``not_applicable``), ``parking_mapped_spaces`` (mapped spaces snapped to the segment)
        and ``near_crossing`` (an end of the segment is a crossing). Assign them to the edges
        with ``net.edges[cols] = parking_supply(net)`` (:func:`evaluate_parking` does).
    """
    s = settings or ParkingSettings()
    edges, nodes = net.edges, with_crossings(net)
    ok = eligible_segments(edges, s)
    ex_u, ex_v = end_exclusions(edges, nodes, s)
    kerb = (edges["length"].astype(float) - ex_u - ex_v).clip(lower=0.0).where(ok, 0.0)
    sides = edges["highway"].astype("string").map(s.sides_by_class).fillna(0).astype(int).where(ok, 0)
    nan = pd.Series(pd.NA, index=edges.index, dtype="string")
    left_val = edges["parking_left"] if "parking_left" in edges else nan
    right_val = edges["parking_right"] if "parking_right" in edges else nan
    # right side first: a one-sided street class parks on the right of the way direction
    right, right_tag = _side_spaces(right_val, kerb, sides >= 1, s)
    left, left_tag = _side_spaces(left_val, kerb, sides >= 2, s)
    total = left + right
    source = pd.Series("estimate", index=edges.index, dtype="string")
    source = source.mask(left_tag & right_tag, "tag").mask(left_tag ^ right_tag, "tag+estimate")
    on_tag = (left_val.astype("string").str.lower().isin(ON_STREET_VALUES).fillna(False)
              | right_val.astype("string").str.lower().isin(ON_STREET_VALUES).fillna(False)).astype(bool)

    mapped = pd.Series(0.0, index=edges.index)
    pts = _mapped_spaces(getattr(net, "features", None), spaces)
    pts = pts[~pts["private"]]
    if len(pts) and ok.any():
        cand = gpd.GeoDataFrame({"edge": edges.index[ok]}, geometry=edges.geometry[ok].values, crs=edges.crs)
        p = gpd.GeoDataFrame({"capacity": pts["capacity"].to_numpy()}, geometry=pts.geometry.representative_point().values, crs=CRS)
        hit = gpd.sjoin_nearest(p, cand, how="inner", max_distance=s.space_snap_m)
        hit = hit[~hit.index.duplicated()]
        mapped = mapped.add(hit.groupby("edge")["capacity"].sum(), fill_value=0.0).reindex(edges.index).fillna(0.0)
    use_mapped = ok & (mapped > 0) & ~on_tag
    total = total.mask(use_mapped, mapped)
    left = left.mask(use_mapped, np.nan)
    right = right.mask(use_mapped, np.nan)
    source = source.mask(use_mapped, "parking_space").mask(~ok, "not_applicable")
    crossing = crossing_nodes(nodes)
    cids = crossing.index[crossing.to_numpy()]
    return pd.DataFrame(
        {
            "parking_spaces": total.where(ok, 0.0).astype(float),
            "parking_spaces_left": left.where(ok, 0.0).astype(float),
            "parking_spaces_right": right.where(ok, 0.0).astype(float),
            "parking_kerb_m": kerb.astype(float),
            "parking_source": source,
            "parking_mapped_spaces": mapped.where(ok, 0.0).astype(float),
            "near_crossing": (edges["u"].isin(cids) | edges["v"].isin(cids)).astype(bool),
        },
        index=edges.index,
    )


def load_garages(path: Path | str | None = None) -> gpd.GeoDataFrame:
    """Off-street garages (RDW open parking data) in EPSG:28992.

    Parameters
    ----------
    path : path, optional
        Default ``<shared osm>/den-haag-rdw-parking.geojson``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``type``, ``capacity_total`` (float, NaN where RDW gives none), ``geometry``.
    """
    p = Path(path) if path is not None else shared_osm_dir() / "den-haag-rdw-parking.geojson"
    if not p.exists():
        raise InputFileError(f"garage file not found: {p}")
    try:
        gdf = gpd.read_file(p)
    except Exception as exc:
        raise InputFileError(f"cannot read garage file {p}: {exc}") from None
    for col in ("name", "type", "capacity_total"):
        if col not in gdf:
            gdf[col] = pd.NA
    gdf["capacity_total"] = pd.to_numeric(gdf["capacity_total"], errors="coerce").astype(float)
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    return gdf.to_crs(CRS)[["name", "type", "capacity_total", "geometry"]]


def surface_lots(features: gpd.GeoDataFrame | None, settings: ParkingSettings) -> gpd.GeoDataFrame:
    """Surface parking lots (``kind == "parking"``) with a capacity (tag, else area / m² per space)."""
    if features is None or not len(features) or "kind" not in features:
        return gpd.GeoDataFrame({"capacity": [], "capacity_source": []}, geometry=[], crs=CRS)
    lots = features[features["kind"] == "parking"].copy()
    cap = pd.to_numeric(lots["capacity"], errors="coerce") if "capacity" in lots else pd.Series(np.nan, index=lots.index)
    area = lots.geometry.area
    est = np.floor(area / settings.lot_m2_per_space).where(area > 0)
    lots["capacity_source"] = pd.Series("tag", index=lots.index).where(cap.notna(), pd.Series("estimate:area", index=lots.index).where(est.notna(), "unknown"))
    lots["capacity"] = cap.fillna(est).astype(float)
    return gpd.GeoDataFrame(lots[["capacity", "capacity_source", "geometry"]], geometry="geometry", crs=CRS)


def supply_by_area(
    edges: gpd.GeoDataFrame,
    wijken: gpd.GeoDataFrame,
    lots: gpd.GeoDataFrame | None = None,
    garages: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Parking supply per wijk.

    Parameters
    ----------
    edges : geopandas.GeoDataFrame
        With the :func:`parking_supply` columns and ``wijk_code``.
    wijken : geopandas.GeoDataFrame
        All wijken (:func:`mobisim.load.areas.load_wijken`).
    lots, garages : geopandas.GeoDataFrame, optional
        Surface lots (:func:`surface_lots`) and garages (:func:`load_garages`).

    Returns
    -------
    pandas.DataFrame
        Index ``code``; ``name``, ``on_street_spaces``, ``spaces_tag``, ``spaces_estimate``
        (incl. the estimated side of ``tag+estimate`` segments), ``spaces_parking_space``,
        ``road_km``, ``lot_spaces``, ``lots``, ``lots_no_capacity``, ``garage_spaces``,
        ``garages``, ``garages_no_capacity``.
    """
    e = edges[edges["parking_source"] != "not_applicable"]
    src = e["parking_source"]
    by = e["wijk_code"]
    out = pd.DataFrame(index=pd.Index(wijken["code"], name="code"))
    out["name"] = wijken["name"].to_numpy()
    out["on_street_spaces"] = e.groupby(by)["parking_spaces"].sum()
    tag_part = e["parking_spaces"].where(src == "tag", 0.0)
    est_part = e["parking_spaces"].where(src == "estimate", 0.0)
    mixed = src == "tag+estimate"
    left_tagged = e["parking_left"].astype("string").str.lower().isin(ON_STREET_VALUES | NO_PARKING_VALUES).fillna(False).astype(bool) if "parking_left" in e else pd.Series(False, index=e.index)
    tag_part = tag_part + e["parking_spaces_left"].where(mixed & left_tagged, 0.0) + e["parking_spaces_right"].where(mixed & ~left_tagged, 0.0)
    est_part = est_part + e["parking_spaces_left"].where(mixed & ~left_tagged, 0.0) + e["parking_spaces_right"].where(mixed & left_tagged, 0.0)
    out["spaces_tag"] = tag_part.groupby(by).sum()
    out["spaces_estimate"] = est_part.groupby(by).sum()
    out["spaces_parking_space"] = e["parking_spaces"].where(src == "parking_space", 0.0).groupby(by).sum()
    out["road_km"] = e.groupby(by)["length"].sum() / 1000.0
    out["lot_spaces"] = 0.0
    out["lots"] = 0
    out["lots_no_capacity"] = 0
    if lots is not None and len(lots):
        lot_code = assign_areas(lots, wijken)
        out["lot_spaces"] = lots["capacity"].groupby(lot_code).sum()
        out["lots"] = lots["capacity"].groupby(lot_code).size()
        out["lots_no_capacity"] = lots["capacity"].isna().groupby(lot_code).sum()
    out["garage_spaces"] = 0.0
    out["garages"] = 0
    out["garages_no_capacity"] = 0
    if garages is not None and len(garages):
        g_code = assign_areas(garages, wijken)
        out["garage_spaces"] = garages["capacity_total"].groupby(g_code).sum()
        out["garages"] = garages["capacity_total"].groupby(g_code).size()
        out["garages_no_capacity"] = garages["capacity_total"].isna().groupby(g_code).sum()
    num = out.columns.drop("name")
    out[num] = out[num].fillna(0)
    counts = ["lots", "lots_no_capacity", "garages", "garages_no_capacity"]
    out[counts] = out[counts].astype(int)
    return out


# --------------------------------------------------------------------------------------------
# cap over time


def _resolve_names(
    keys: list[str], wijken: pd.DataFrame, setting: str, strict: bool
) -> tuple[list[str], list[str]]:
    """Codes of the wijken named by ``keys`` (names or codes; case and accents ignored).

    Returns the code per key (``""`` where a key names no wijk) and the keys naming none.
    ``strict``: a key naming no wijk raises :class:`~mobisim.errors.NotFoundError` naming the
    setting; otherwise it is returned among the unknown keys (the untouched defaults, which
    name real Den Haag wijken, on a wijk file that lacks them).
    """
    frame = wijken if "code" in wijken else wijken.reset_index()
    frame = frame[["code", "name"]].reset_index(drop=True)
    codes: list[str] = []
    unknown: list[str] = []
    for key in keys:  # a handful of scenario keys
        try:
            codes.append(str(select_areas(frame, [key])["code"].iloc[0]))
        except NotFoundError as exc:
            if strict:
                raise NotFoundError(f"parking.{setting} names {key!r}, which is not a wijk of the wijk file: {exc}") from None
            codes.append("")
            unknown.append(key)
    return codes, unknown


def _per_wijk(values: dict[str, Any], wijken: pd.DataFrame, setting: str, strict: bool) -> dict[str, Any]:
    """A per-wijk setting keyed by code (see :func:`_resolve_names`)."""
    codes, _ = _resolve_names(list(values), wijken, setting, strict)
    return {code: value for code, value in zip(codes, values.values()) if code}


def distribute_permits(
    supply: pd.DataFrame, settings: ParkingSettings | None = None, *, factor: float = 1.0
) -> pd.DataFrame:
    """Base-year resident permits per wijk, from the city's permit count.

    Wijken with a known count (``settings.base_permits``) keep it; the rest of the city count
    (``settings.permits_city`` minus the known counts) is spread over the other wijken in
    proportion to ``on_street_spaces × occupancy`` (``occupancy_by_wijk``, else ``occupancy``).
    The shares are made whole permits by the largest-remainder method, so the wijken sum
    exactly to the city count.

    Parameters
    ----------
    supply : pandas.DataFrame
        Index ``code``; columns ``name`` and ``on_street_spaces`` — normally every wijk of the
        city (:func:`supply_by_area`), since the city count is spread over the rows given.
    settings : ParkingSettings, optional
    factor : float
        Scales every count (city and per wijk) before rounding: ``1 ± permits_uncertainty``
        gives the low and high ends of the range.

    Returns
    -------
    pandas.DataFrame
        Index ``code``; ``name``, ``on_street_spaces``, ``occupancy`` (the weight used),
        ``permits`` (int), ``permits_source`` (``count`` — a known count, ``distributed`` — a
        share of the city count, ``none`` — no supply or weight 0) and ``permits_per_space``
        (NaN without supply). ``attrs["undistributed"]`` holds the permits left over when no
        wijk carries any weight.

    Raises
    ------
    mobisim.errors.ScenarioError
        The known counts exceed the city count.
    mobisim.errors.NotFoundError
        A wijk set in the scenario (``base_permits``, ``occupancy_by_wijk``) names no wijk.
    """
    s = settings or ParkingSettings()
    out = supply[["name", "on_street_spaces"]].copy()
    out.index.name = "code"
    known = _per_wijk(s.base_permits, out, "base_permits", strict=s.base_permits != PERMIT_COUNTS)
    occ = _per_wijk(s.occupancy_by_wijk, out, "occupancy_by_wijk", strict=True)
    out["occupancy"] = pd.Series(occ, dtype=float).reindex(out.index).fillna(s.occupancy)
    has_count = out.index.isin(list(known))
    counts = np.floor(pd.Series(known, dtype=float).reindex(out.index).fillna(0.0) * factor + 0.5)
    total = math.floor(s.permits_city * factor + 0.5)
    rest = total - float(counts.sum())
    if rest < 0:
        raise ScenarioError(
            f"parking.base_permits: the counts per wijk ({counts.sum():,.0f}) exceed the city's permits "
            f"(parking.permits_city = {total:,})"
        )
    weight = (out["on_street_spaces"].astype(float).clip(lower=0.0) * out["occupancy"]).where(~has_count, 0.0)
    raw = rest * weight / weight.sum() if weight.sum() > 0 else weight * 0.0
    share = np.floor(raw + 1e-9)
    left = int(round(rest - share.sum())) if weight.sum() > 0 else 0
    if left > 0:  # largest remainder: the wijken closest to the next permit get one more
        order = np.argsort(-(raw - share).to_numpy(), kind="stable")[:left]
        share.iloc[order] += 1.0
    out["permits"] = counts.where(has_count, share).astype(np.int64)
    source = pd.Series("distributed", index=out.index, dtype="string").where(weight > 0, "none")
    out["permits_source"] = source.mask(has_count, "count")
    spaces = out["on_street_spaces"].astype(float)
    out["permits_per_space"] = out["permits"] / spaces.where(spaces > 0)
    out.attrs["undistributed"] = int(rest) if weight.sum() <= 0 else 0
    return out


def base_permits(supply: pd.DataFrame, settings: ParkingSettings) -> pd.Series:
    """Base-year permits per area: the ``base_permits`` column of ``supply`` when present, else
    :func:`distribute_permits` over the rows of ``supply``.

    Parameters
    ----------
    supply : pandas.DataFrame
        Index ``code``, columns ``name`` and ``on_street_spaces`` and optionally ``base_permits``
        (:func:`evaluate_parking` passes the capped areas with their share of the city count).
    """
    if "base_permits" in supply:
        return supply["base_permits"].astype(np.int64).rename("base_permits")
    return distribute_permits(supply, settings)["permits"].rename("base_permits")


def cap_table(supply: pd.DataFrame, settings: ParkingSettings | None = None) -> pd.DataFrame:
    """Yearly permit cap per area.

    ``cap_t = floor(base × (1 − r)^(t − base_year) + 1e-9)`` — the cap is floored to whole
    permits (the 1e-9 keeps exact products such as 100 × 0.98 from flooring to 97 by binary
    rounding). Permits follow the cap (natural turnover; Amsterdam's cap also falls that way).
    One withdrawn permit frees one on-street space.

    Parameters
    ----------
    supply : pandas.DataFrame
        Index ``code`` of the capped areas; columns ``name``, ``on_street_spaces`` and optionally
        ``base_permits`` (the base-year permits; without it :func:`base_permits` spreads
        ``settings.permits_city`` over these rows).
    settings : ParkingSettings, optional

    Returns
    -------
    pandas.DataFrame
        One row per (year, area): ``year``, ``code``, ``name``, ``on_street_spaces``, ``cap``,
        ``permits``, ``freed``, ``freed_cumulative``.
    """
    s = settings or ParkingSettings()
    base = base_permits(supply, s)
    years = np.array(list(s.years))
    factor = (1.0 - s.cap_rate) ** (years - s.base_year)
    caps = np.floor(np.outer(factor, base.to_numpy(dtype=float)) + 1e-9).astype(np.int64)
    table = pd.DataFrame(caps, index=pd.Index(years, name="year"), columns=pd.Index(base.index, name="code"))
    long = table.stack().rename("cap").reset_index()
    long["name"] = long["code"].map(supply["name"])
    long["on_street_spaces"] = long["code"].map(supply["on_street_spaces"]).astype(float)
    long["permits"] = long["cap"]
    long["freed_cumulative"] = long["code"].map(base).astype(np.int64) - long["cap"]
    long = long.sort_values(["code", "year"])
    long["freed"] = long.groupby("code")["freed_cumulative"].diff().fillna(0).astype(np.int64)
    cols = ["year", "code", "name", "on_street_spaces", "cap", "permits", "freed", "freed_cumulative"]
    return long.sort_values(["year", "code"])[cols].reset_index(drop=True)


def yearly_totals(cap: pd.DataFrame) -> pd.DataFrame:
    """Sum :func:`cap_table` over the areas: one row per year."""
    return cap.groupby("year")[["cap", "permits", "freed", "freed_cumulative"]].sum()


# --------------------------------------------------------------------------------------------
# which spaces go first


def allocate_freed(edges: gpd.GeoDataFrame, cap: pd.DataFrame, settings: ParkingSettings | None = None) -> gpd.GeoDataFrame:
    """Put the freed spaces of each area on real street segments, by the documented priority.

    Segments of an area are ordered by the rules in ``settings.priority``:

    * ``school_route`` — ``school_route_children`` descending (segments on school routes first;
      skipped when the column is absent);
    * ``supply_density`` — spaces per metre of segment, rounded to ``density_step``,
      descending (the fullest kerbs first, where removing spaces frees the most contiguous space);
    * ``crossing_sight_line`` — segments ending at a pedestrian crossing first (sight lines).

    Ties keep the edge order. Each area's cumulative freed spaces are taken from the segments in
    that order, all of a segment's spaces before the next one.

    Parameters
    ----------
    edges : geopandas.GeoDataFrame
        With ``parking_spaces``, ``parking_source``, ``near_crossing`` and ``wijk_code``.
    cap : pandas.DataFrame
        From :func:`cap_table`.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per segment that gives up spaces by the last year: ``edge_id``, ``code``,
        ``wijk``, ``street``, ``highway``, ``parking_spaces``, ``freed_spaces``, ``first_year``,
        ``freed_<year>`` (cumulative per year), ``priority_rank``, ``priority_rule``,
        ``priority_reason``, ``geometry``.
    """
    s = settings or ParkingSettings()
    areas = cap["code"].unique()
    e = edges[edges["wijk_code"].isin(areas) & (edges["parking_spaces"] > 0)].copy()
    e["edge_id"] = e.index
    e = e.rename_axis(None)
    e["_children"] = e["school_route_children"].fillna(0.0).astype(float) if "school_route_children" in e else 0.0
    e["_density"] = np.round(e["parking_spaces"] / e["length"].where(e["length"] > 0) / s.density_step).fillna(0.0) * s.density_step
    e["_crossing"] = e["near_crossing"].astype(bool) if "near_crossing" in e else False
    keys = {"school_route": "_children", "supply_density": "_density", "crossing_sight_line": "_crossing"}
    order = ["wijk_code"] + [keys[r] for r in s.priority] + ["edge_id"]
    e = e.sort_values(order, ascending=[True] + [False] * len(s.priority) + [True], kind="mergesort")
    e["priority_rank"] = e.groupby("wijk_code").cumcount() + 1
    before = e.groupby("wijk_code")["parking_spaces"].cumsum() - e["parking_spaces"]
    wide = cap.pivot(index="code", columns="year", values="freed_cumulative")
    years = list(wide.columns)
    first_year = pd.Series(pd.NA, index=e.index, dtype="Int64")
    for year in years:  # a handful of years, each a whole-column operation
        total = e["wijk_code"].map(wide[year]).astype(float)
        e[f"freed_{year}"] = (total - before).clip(lower=0.0).clip(upper=e["parking_spaces"])
        first_year = first_year.mask(first_year.isna() & (e[f"freed_{year}"] > 0), year)
    e["freed_spaces"] = e[f"freed_{years[-1]}"]
    e["first_year"] = first_year
    e = e[e["freed_spaces"] > 0]
    # the rule that put the segment where it is: the first rule in the priority order that applies
    applies = {"school_route": e["_children"] > 0, "crossing_sight_line": e["_crossing"].astype(bool),
               "supply_density": pd.Series(True, index=e.index)}
    rules = list(s.priority) + ["supply_density"]
    e["priority_rule"] = np.select([applies[r].to_numpy() for r in rules], rules, default="supply_density")
    school = e["_children"] > 0
    per100 = (e["parking_spaces"] / e["length"] * 100).round(1).astype(str)
    reason = "school route of " + e["_children"].round(0).astype(int).astype(str) + " children; "
    reason = reason.where(school, "")
    reason = reason + per100 + " spaces per 100 m"
    reason = reason + pd.Series(np.where(e["_crossing"], "; ends at a pedestrian crossing (sight line)", ""), index=e.index)
    e["priority_reason"] = reason
    e["wijk"] = e["wijk_code"].map(cap.drop_duplicates("code").set_index("code")["name"])
    e["street"] = e["name"] if "name" in e else pd.NA
    cols = (["edge_id", "wijk_code", "wijk", "street", "highway", "parking_spaces", "parking_source", "freed_spaces",
             "first_year"] + [f"freed_{y}" for y in years] + ["priority_rank", "priority_rule", "priority_reason", "geometry"])
    out = gpd.GeoDataFrame(e[cols].rename(columns={"wijk_code": "code"}), geometry="geometry", crs=edges.crs)
    return out.reset_index(drop=True)


def freed_by_street(freed: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Freed spaces summed per street and wijk (segments dissolved into one geometry).

    Parameters
    ----------
    freed : geopandas.GeoDataFrame
        From :func:`allocate_freed`.

    Returns
    -------
    geopandas.GeoDataFrame
        ``code``, ``wijk``, ``street`` (NA for unnamed segments, kept as one group per wijk),
        ``segments``, ``parking_spaces``, ``freed_spaces``, ``first_year``, ``geometry``.
    """
    if freed.empty:
        return freed.iloc[0:0][["code", "wijk", "street", "parking_spaces", "freed_spaces", "first_year", "geometry"]]
    agg = {"edge_id": "count", "parking_spaces": "sum", "freed_spaces": "sum", "first_year": "min"}
    cols = ["code", "wijk", "street", "edge_id", "parking_spaces", "freed_spaces", "first_year", "geometry"]
    out = freed[cols].dissolve(by=["code", "wijk", "street"], aggfunc=agg, dropna=False).reset_index()
    out = out.rename(columns={"edge_id": "segments"}).sort_values(["code", "freed_spaces"], ascending=[True, False])
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# re-use


def reuse(freed: pd.Series, settings: ParkingSettings | None = None) -> pd.DataFrame:
    """Split freed spaces over the re-use mix.

    Parameters
    ----------
    freed : pandas.Series
        Freed car spaces (any index, e.g. per area or per year).

    Returns
    -------
    pandas.DataFrame
        Same index; ``freed_spaces``, ``freed_m2`` (× ``space_area_m2``), ``bike_parking_spaces``
        (whole car spaces: ``freed × reuse_mix.bike_parking`` rounded half up), ``bikes``
        (``bike_parking_spaces × bikes_per_space``), ``green_m2``, ``play_m2``, ``meeting_m2``,
        ``terraces_m2`` (the area split proportionally).
    """
    s = settings or ParkingSettings()
    mix = s.reuse_mix
    f = freed.astype(float)
    m2 = f * s.space_area_m2
    bike_spaces = np.floor(f * mix.bike_parking + 0.5 + 1e-9)
    return pd.DataFrame(
        {
            "freed_spaces": f,
            "freed_m2": m2,
            "bike_parking_spaces": bike_spaces,
            "bikes": bike_spaces * s.bikes_per_space,
            "green_m2": m2 * mix.green,
            "play_m2": m2 * mix.play,
            "meeting_m2": m2 * mix.meeting,
            "terraces_m2": m2 * mix.terraces,
        },
        index=freed.index,
    )


# --------------------------------------------------------------------------------------------
# all together


@dataclass
class ParkingResult:
    """Everything :func:`evaluate_parking` computes.

    Attributes
    ----------
    supply : pandas.DataFrame
        Per wijk (all wijken), see :func:`supply_by_area`.
    city : dict
        Whole-city totals: on-street spaces, shares from tags / mapped spaces / estimates,
        surface-lot and garage spaces.
    cap : pandas.DataFrame
        :func:`cap_table` for the capped areas.
    totals : pandas.DataFrame
        :func:`yearly_totals` with the re-use of the cumulative freed spaces.
    freed : geopandas.GeoDataFrame
        :func:`allocate_freed`.
    reuse : pandas.DataFrame
        :func:`reuse` of each area's freed spaces at the last year.
    tariff : pandas.DataFrame
        :func:`mobisim.parking.tariff.tariff_revenue` with the permits lowered by the cap, at the
        permit-weighted mean price (``price_eur``).
    areas : geopandas.GeoDataFrame
        The capped wijken.
    notes : list of str
        Caveats (missing layers, supply shortfalls, defaults skipped, …).
    permits : pandas.DataFrame
        :func:`distribute_permits` for every wijk, with ``capped`` (bool) and ``price_eur``
        (the wijk's permit price).
    finance : pandas.DataFrame
        :func:`mobisim.parking.tariff.finance_comparison`: large-car revenue low / central / high
        against the programme's €2.0 M/yr line, per year.
    headline : dict
        :func:`headline_figures`: the figures every output prints (whole numbers), each
        ``{"low", "central", "high"}``.
    settings : ParkingSettings or None
        The settings the result was computed with.
    """

    supply: pd.DataFrame
    city: dict[str, float]
    cap: pd.DataFrame
    totals: pd.DataFrame
    freed: gpd.GeoDataFrame
    reuse: pd.DataFrame
    tariff: pd.DataFrame
    areas: gpd.GeoDataFrame
    notes: list[str] = field(default_factory=list)
    permits: pd.DataFrame = field(default_factory=pd.DataFrame)
    finance: pd.DataFrame = field(default_factory=pd.DataFrame)
    headline: dict[str, Any] = field(default_factory=dict)
    settings: ParkingSettings | None = None


def city_summary(supply: pd.DataFrame, edges: gpd.GeoDataFrame) -> dict[str, float]:
    """Whole-network totals (all edges, inside a wijk or not) and the share per source."""
    e = edges[edges["parking_source"] != "not_applicable"]
    total = float(e["parking_spaces"].sum())
    inside = float(supply["on_street_spaces"].sum())
    tag = float(supply["spaces_tag"].sum())
    mapped = float(supply["spaces_parking_space"].sum())
    est = float(supply["spaces_estimate"].sum())
    denom = inside or 1.0
    return {
        "on_street_spaces_network": total,
        "on_street_spaces_in_wijken": inside,
        "spaces_tag": tag,
        "spaces_parking_space": mapped,
        "spaces_estimate": est,
        "share_tag": tag / denom,
        "share_parking_space": mapped / denom,
        "share_estimate": est / denom,
        "road_km": float(supply["road_km"].sum()),
        "lot_spaces": float(supply["lot_spaces"].sum()),
        "lots": float(supply["lots"].sum()),
        "lots_no_capacity": float(supply["lots_no_capacity"].sum()),
        "garage_spaces": float(supply["garage_spaces"].sum()),
        "garages": float(supply["garages"].sum()),
        "garages_no_capacity": float(supply["garages_no_capacity"].sum()),
    }


def _optional_layer(path: Path | None, shared_name: str, s: ParkingSettings, reader: Any) -> gpd.GeoDataFrame | None:
    """Read ``path``; without one, the shared file when present and allowed; else None."""
    if path is not None:
        return reader(path)
    shared = shared_osm_dir() / shared_name
    return reader(shared) if (s.shared_layers and shared.exists()) else None


def evaluate_parking(
    net: Any,
    settings: ParkingSettings | None = None,
    *,
    wijken: gpd.GeoDataFrame | None = None,
    garages: gpd.GeoDataFrame | None = None,
    spaces: gpd.GeoDataFrame | None = None,
) -> ParkingResult:
    """Run the parking model on a network.

    Adds ``parking_spaces``, ``parking_spaces_left/right``, ``parking_kerb_m``,
    ``parking_source``, ``parking_mapped_spaces``, ``near_crossing`` and ``wijk_code`` to
    ``net.edges`` (in place).

    Parameters
    ----------
    net : mobisim.network.Network
    settings : ParkingSettings, optional
    wijken : geopandas.GeoDataFrame, optional
        Default :func:`mobisim.load.areas.load_wijken`.
    garages : geopandas.GeoDataFrame, optional
        :func:`load_garages`; None: ``settings.garages_path`` or the shared file (see the
        settings); an empty frame: no garages.
    spaces : geopandas.GeoDataFrame, optional
        Extra ``amenity=parking_space`` layer (:func:`load_parking_spaces`); None: as for garages.

    Raises
    ------
    mobisim.errors.NotFoundError
        An area in ``settings.areas`` names no wijk.
    """
    s = settings or ParkingSettings()
    wijken = load_wijken() if wijken is None else wijken.to_crs(CRS)
    areas = select_areas(wijken, s.areas)  # fail early on an unknown wijk
    notes: list[str] = []
    if garages is None:
        garages = _optional_layer(s.garages_path, "den-haag-rdw-parking.geojson", s, load_garages)
    if spaces is None:
        spaces = _optional_layer(s.spaces_path, "den-haag-parking-spaces.geojson", s, load_parking_spaces)
    if garages is None:
        notes.append("no garage file: off-street garages not counted")
    sup = parking_supply(net, s, spaces=spaces)
    for col in sup.columns:
        net.edges[col] = sup[col]
    net.edges["wijk_code"] = assign_areas(net.edges, wijken)
    lots = surface_lots(getattr(net, "features", None), s)
    by_area = supply_by_area(net.edges, wijken, lots, garages)
    codes = list(areas["code"])
    capped = by_area.loc[codes]
    empty = capped.index[capped["on_street_spaces"] <= 0].tolist()
    if empty:
        notes.append("no on-street supply in the network for " + ", ".join(capped.loc[empty, "name"])
                     + " (outside the loaded area?)")
    notes += _permit_notes(by_area, s)
    prices = centre_prices(by_area, s.tariff)

    u, up = s.permits_uncertainty, s.tariff.price_uncertainty
    runs = {k: _permit_run(by_area, codes, prices, s, pf, qf)
            for k, (pf, qf) in {"central": (1.0, 1.0), "low": (1 - u, 1 - up), "high": (1 + u, 1 + up)}.items()}
    dist, cap, totals, tariff = runs["central"]
    if dist.attrs.get("undistributed"):
        notes.append(f"{dist.attrs['undistributed']:,} of the city's permits could not be spread: no wijk has "
                     "on-street supply with a weight above 0")
    totals = totals.join(reuse(totals["freed_cumulative"], s).drop(columns="freed_spaces"))
    freed = allocate_freed(net.edges, cap, s)
    last = cap[cap["year"] == cap["year"].max()].set_index("code")
    re = reuse(last["freed_cumulative"], s)
    re.insert(0, "name", last["name"])
    allocated = freed.groupby("code")["freed_spaces"].sum().reindex(re.index).fillna(0.0)
    re["allocated_spaces"] = allocated
    short = re.index[re["allocated_spaces"] + 1e-9 < re["freed_spaces"]]
    if len(short):
        notes.append("freed spaces exceed the mapped/estimated supply in " + ", ".join(re.loc[short, "name"]))
    finance = finance_comparison(tariff, runs["low"][3], runs["high"][3], s.tariff)
    permits = dist.assign(capped=dist.index.isin(codes), price_eur=prices)
    city = city_summary(by_area, net.edges)
    headline = headline_figures({k: (r[1], r[2]) for k, r in runs.items()}, finance, s)
    return ParkingResult(by_area, city, cap, totals, freed, re, tariff, areas, notes,
                         permits=permits, finance=finance, headline=headline, settings=s)


def centre_prices(supply: pd.DataFrame, tariff: TariffSettings) -> pd.Series:
    """The resident permit price of every wijk: the centre price in ``tariff.centre_areas``,
    ``tariff.price_eur_per_year`` elsewhere.

    Parameters
    ----------
    supply : pandas.DataFrame
        Index ``code``; column ``name`` (every wijk).
    tariff : mobisim.parking.tariff.TariffSettings

    Returns
    -------
    pandas.Series
        Price per year in €, index ``code``.
    """
    price = pd.Series(float(tariff.price_eur_per_year), index=supply.index, name="price_eur")
    if tariff.centre_price_eur_per_year is None:
        return price
    codes, _ = _resolve_names(list(tariff.centre_areas), supply, "tariff.centre_areas",
                              strict=list(tariff.centre_areas) != CENTRE_WIJKEN)
    return price.mask(price.index.isin([c for c in codes if c]), float(tariff.centre_price_eur_per_year))


def _permit_notes(supply: pd.DataFrame, s: ParkingSettings) -> list[str]:
    """Caveats on the permit base: skipped default counts, wijken without supply."""
    notes = []
    if s.base_permits == PERMIT_COUNTS:
        _, unknown = _resolve_names(list(s.base_permits), supply, "base_permits", strict=False)
        if unknown:
            notes.append("default permit count skipped (wijk not in the wijk file): " + ", ".join(unknown))
    no_supply = supply.index[supply["on_street_spaces"] <= 0]
    if len(no_supply) and s.permits_city == DEFAULT_PERMITS_CITY:
        notes.append(f"the city's {s.permits_city:,} permits are spread over the wijken with on-street supply in "
                     f"the network only; none in {len(no_supply)} of {len(supply)} wijken ("
                     + ", ".join(supply.loc[no_supply, "name"].astype(str)[:5])
                     + (", …" if len(no_supply) > 5 else "") + "): set parking.permits_city for a partial network")
    return notes


def _permit_run(
    supply: pd.DataFrame, codes: list[str], prices: pd.Series, s: ParkingSettings, permit_factor: float,
    price_factor: float,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The permit base, the cap, its totals and the tariff at scaled permit counts and prices.

    In-process on the evaluated supply: no network work, so the low and high ends cost little.
    """
    dist = distribute_permits(supply, s, factor=permit_factor)
    capped = supply.loc[codes, ["name", "on_street_spaces"]].assign(base_permits=dist.loc[codes, "permits"])
    cap = cap_table(capped, s)
    totals = yearly_totals(cap)
    # permits per wijk and year: the capped wijken follow the cap, the others keep their base
    cap_wide = cap.pivot(index="year", columns="code", values="cap").astype(float)
    per_wijk = pd.DataFrame(np.tile(dist["permits"].to_numpy(dtype=float), (len(cap_wide), 1)),
                            index=cap_wide.index, columns=dist.index)
    per_wijk[cap_wide.columns] = cap_wide
    permits = per_wijk.sum(axis=1)
    price = prices.reindex(per_wijk.columns).astype(float) * price_factor
    mean_price = (per_wijk @ price) / permits.where(permits > 0)
    mean_price = mean_price.fillna(float(s.tariff.price_eur_per_year) * price_factor)
    tariff = tariff_revenue(s.tariff, permits_by_year=permits.rename_axis("year"), price_by_year=mean_price)
    return dist, cap, totals, tariff


def headline_figures(
    runs: dict[str, tuple[pd.DataFrame, pd.DataFrame]], finance: pd.DataFrame, settings: ParkingSettings
) -> dict[str, Any]:
    """The parking figures every output prints, computed once, as whole numbers with a range.

    Parameters
    ----------
    runs : dict
        ``{"low" | "central" | "high": (cap, totals)}`` — :func:`cap_table` and
        :func:`yearly_totals` at the low, central and high permit counts.
    finance : pandas.DataFrame
        :func:`mobisim.parking.tariff.finance_comparison`.
    settings : ParkingSettings

    Returns
    -------
    dict
        ``year`` (the last year of the table), ``permits_city``, ``cap_base`` (permits in the
        capped wijken in the base year), ``spaces_freed`` (by ``year``), ``area_m2``,
        ``bike_parking_spaces``, ``bikes`` (on the bike-parking share of the freed space:
        :func:`reuse`), ``large_car_revenue_eur`` (in ``year``) — each ``{"low", "central",
        "high"}`` of ints — plus ``programme_eur`` (the finance line in ``year``), ``basis``
        (what the figures rest on: ``permits``, ``range``, ``bikes``, ``price``) and ``estimate``
        (the same as one line).
    """
    s = settings
    out: dict[str, Any] = {}
    year = None
    figures: dict[str, dict[str, int]] = {k: {} for k in (
        "permits_city", "cap_base", "spaces_freed", "area_m2", "bike_parking_spaces", "bikes")}
    for key in ("low", "central", "high"):
        cap, totals = runs[key]
        year = int(totals.index.max())
        freed = totals["freed_cumulative"].iloc[-1:].astype(float)
        use = reuse(freed, s).iloc[0]
        figures["cap_base"][key] = int(cap.loc[cap["year"] == s.base_year, "cap"].sum())
        figures["spaces_freed"][key] = int(round(use["freed_spaces"]))
        figures["area_m2"][key] = int(round(use["freed_m2"]))
        figures["bike_parking_spaces"][key] = int(round(use["bike_parking_spaces"]))
        figures["bikes"][key] = int(round(use["bikes"]))
    u = s.permits_uncertainty
    figures["permits_city"] = {"low": math.floor(s.permits_city * (1 - u) + 0.5), "central": s.permits_city,
                               "high": math.floor(s.permits_city * (1 + u) + 0.5)}
    out["year"] = year
    out.update(figures)
    row = finance.loc[year] if year in finance.index else None
    out["large_car_revenue_eur"] = (
        {k: int(round(float(row[f"revenue_{k}_eur"]))) for k in ("low", "central", "high")} if row is not None else None
    )
    out["programme_eur"] = int(round(float(row["programme_eur"]))) if row is not None else None
    custom = s.base_permits != PERMIT_COUNTS or s.permits_city != DEFAULT_PERMITS_CITY
    basis = {
        "permits": ("permit counts set in the scenario (parking.permits_city / base_permits), spread over the "
                    "wijken by on-street supply × occupancy" if custom else
                    f"estimate: the city's ~{s.permits_city:,} permits (Den Haag) less the known per-wijk counts, "
                    "spread over the wijken by on-street supply × occupancy ("
                    + ("set per wijk in the scenario" if s.occupancy_by_wijk else f"an assumed {s.occupancy:g} everywhere")
                    + ")"),
        "range": f"low/high: ±{u:.0%} permits and ±{s.tariff.price_uncertainty:.0%} permit price (assumptions)",
        "bikes": f"bikes = the {s.reuse_mix.bike_parking:.0%} bike-parking share of the freed spaces × "
                 f"{s.bikes_per_space:g} bikes per car space (Den Haag debate estimate)",
        "price": f"permit price €{s.tariff.price_eur_per_year:g}, centre €"
                 f"{(s.tariff.centre_price_eur_per_year or s.tariff.price_eur_per_year):g} (2019 prices)",
    }
    out["basis"] = basis
    out["estimate"] = "; ".join(basis.values())
    return out
