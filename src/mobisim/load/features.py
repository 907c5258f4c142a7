"""Points of interest the rules need, classified from raw OSM tags.

Kinds (column ``kind``): ``school``, ``kindergarten``, ``playground``, ``care`` (care institutions
whose residents or patients are vulnerable road users: hospitals, nursing and care homes, social
facilities for elderly or disabled people), ``health`` (GPs, clinics, physiotherapists, pharmacies,
dentists: visited, not lived in, so not "care institutions" in the sense of the 30/50 rule),
``parking`` (car parks), ``parking_space`` (single spaces), ``bicycle_parking``. Residential landuse
and buildings are kept in their own frames.

:func:`build_features` turns the tagged nodes and areas of every input file into the frames
``features``, ``buildings``, ``landuse`` and ``activities`` of :class:`mobisim.network.Network`.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import CRS, column
from mobisim.load.osmread import NODE_KEYS, RawOSM

#: Care institutions (the programme's "zorginstelling"): places where vulnerable people live or stay.
CARE_AMENITIES = ("hospital", "nursing_home", "social_facility")
CARE_HEALTHCARE = ("hospital", "nursing_home")
#: ``social_facility=*`` values that are services, not places where people live or stay.
NOT_CARE_SOCIAL_FACILITY = ("food_bank", "soup_kitchen", "outreach", "clothing_bank", "dairy_kitchen")
#: Health services people visit (not care institutions): kind ``health``.
HEALTH_AMENITIES = ("clinic", "doctors", "dentist", "pharmacy")
HEALTH_HEALTHCARE = ("clinic", "doctor", "physiotherapist", "centre", "dentist", "pharmacy", "alternative")

#: Name patterns that mark a primary school (basisschool) in the Netherlands: "basisschool", and the
#: denominational prefixes OBS/PCBS/RKBS/KBS/CBS/IBS (openbare / protestants-christelijke /
#: rooms-katholieke / katholieke / christelijke / islamitische basisschool), "Montessorischool",
#: "Daltonschool", "Jenaplanschool", "Vrije School" (these are nearly all primary in Den Haag).
PRIMARY_NAME = (
    r"basisschool|\bbs\b|\bobs\b|\bpcbs\b|\brkbs\b|\bkbs\b|\bcbs\b|\bibs\b|\bsbo\b|"
    r"montessori|dalton|jenaplan|vrije school|kindcentrum|\bikc\b"
)
#: Name patterns of the primary department of a school whose name also says otherwise ("The British
#: School … Junior School", "International School … Primary"): these win over :data:`SECONDARY_NAME`.
JUNIOR_NAME = r"junior school|primary school|primary department|lower school|elementary school|\bprimary\b"
#: Name patterns of secondary, vocational and higher education (not primary).
SECONDARY_NAME = (
    r"college|lyceum|gymnasium|\bmavo\b|\bhavo\b|\bvwo\b|\bvmbo\b|\bmbo\b|\broc\b|hogeschool|"
    r"universiteit|university|academie|academy|praktijkonderwijs|scholengemeenschap|\bisk\b|"
    r"international school|british school|american school|\bvso\b|"
    # schools that teach something else than primary education (music, dance, hotel, driving, …)
    r"hotelschool|hotel school|muziekschool|music school|gitaar|guitar|dansschool|dance school|balletschool|"
    r"lyc[eé]e|conservatorium|theaterschool|rijschool|taalschool|language school|kookschool|zwemschool"
)


def classify(tags: pd.DataFrame) -> pd.DataFrame:
    """Kind and sub-kind of each tagged object.

    Parameters
    ----------
    tags
        Raw tags with columns ``amenity``, ``leisure``, ``healthcare`` (``social_facility`` when
        present).

    Returns
    -------
    pandas.DataFrame
        ``kind`` (NA when the object is not a point of interest) and ``subkind``.
    """
    amenity = tags["amenity"].astype("string")
    leisure = tags["leisure"].astype("string")
    healthcare = tags["healthcare"].astype("string")
    social = column(tags, "social_facility").astype("string")
    service_only = amenity.eq("social_facility").fillna(False) & social.isin(NOT_CARE_SOCIAL_FACILITY).fillna(False)
    care = (amenity.isin(CARE_AMENITIES).fillna(False) | healthcare.isin(CARE_HEALTHCARE).fillna(False)) & ~service_only
    conditions = [
        amenity.eq("school").fillna(False),
        amenity.isin(["kindergarten", "childcare"]).fillna(False),
        leisure.eq("playground").fillna(False),
        care,
        amenity.isin(HEALTH_AMENITIES).fillna(False) | healthcare.isin(HEALTH_HEALTHCARE).fillna(False),
        amenity.eq("parking").fillna(False),
        amenity.eq("parking_space").fillna(False),
        amenity.eq("bicycle_parking").fillna(False),
    ]
    kinds = ["school", "kindergarten", "playground", "care", "health", "parking", "parking_space",
             "bicycle_parking"]
    kind = np.select([c.to_numpy(dtype=bool) for c in conditions], kinds, default="")
    subkind = amenity.mask(amenity.eq("social_facility").fillna(False) & social.notna(),
                           "social_facility:" + social).fillna(healthcare).fillna(leisure)
    return pd.DataFrame(
        {"kind": pd.Series(kind, index=tags.index).replace("", pd.NA).astype("string"),
         "subkind": subkind},
        index=tags.index,
    )


def is_primary_school(tags: pd.DataFrame) -> pd.DataFrame:
    """Whether a school is a primary school (basisschool), with how that was told.

    In order: ``isced:level`` (contains level 0/1 and no 2/3 → primary; only ≥ 2 → not);
    ``school=primary`` / ``school=secondary``; the name (:data:`PRIMARY_NAME`,
    :data:`SECONDARY_NAME`); otherwise assumed primary, since about 9 in 10 school sites in Dutch
    cities are primary schools (source ``default:school_assumed_primary``).

    Returns
    -------
    pandas.DataFrame
        ``primary_school`` (bool) and ``primary_source``.
    """
    isced = tags["isced:level"].astype("string").str.lower()
    school = tags["school"].astype("string").str.lower()
    name = tags["name"].astype("string").str.lower()
    isced_primary = isced.str.contains(r"\b[01]\b", regex=True).fillna(False)
    isced_higher = isced.str.contains(r"\b[2-8]\b", regex=True).fillna(False)
    name_junior = name.str.contains(JUNIOR_NAME, regex=True).fillna(False)
    name_primary = name.str.contains(PRIMARY_NAME, regex=True).fillna(False) | name_junior
    name_secondary = name.str.contains(SECONDARY_NAME, regex=True).fillna(False) & ~name_junior
    # a name that says secondary, higher or another kind of school wins over one that sounds
    # primary ("Montessori Lyceum", "Dalton College")
    conds = [
        isced.notna() & isced_primary,
        isced.notna() & isced_higher,
        school.eq("primary").fillna(False),
        school.isin(["secondary", "higher", "vocational"]).fillna(False),
        name_secondary,
        name_primary,
    ]
    values = [True, False, True, False, False, True]
    sources = ["tag:isced:level", "tag:isced:level", "tag:school", "tag:school", "name:secondary",
               "name:basisschool"]
    conds_np = [c.to_numpy(dtype=bool) for c in conds]
    primary = np.select(conds_np, values, default=True).astype(bool)
    source = np.select(conds_np, sources, default="default:school_assumed_primary")
    return pd.DataFrame({"primary_school": primary, "primary_source": source}, index=tags.index)


#: ``amenity=*`` values that are destinations of car trips (services people visit or work at);
#: street furniture (benches, waste baskets, post boxes), parking and bicycle parking are not.
DESTINATION_AMENITIES: frozenset[str] = frozenset(
    {"restaurant", "cafe", "fast_food", "bar", "pub", "ice_cream", "food_court", "bank", "pharmacy",
     "doctors", "dentist", "clinic", "hospital", "nursing_home", "social_facility", "school", "college",
     "university", "kindergarten", "childcare", "library", "place_of_worship", "community_centre",
     "cinema", "theatre", "arts_centre", "townhall", "courthouse", "police", "fire_station",
     "post_office", "marketplace", "fuel", "car_wash", "car_rental", "veterinary", "nightclub",
     "events_venue", "conference_centre", "exhibition_centre", "embassy", "music_school",
     "driving_school", "language_school", "prep_school", "studio", "public_building"}
)

#: Landuse classes whose area attracts trips (jobs, shops) without a point of interest for each.
ACTIVITY_LANDUSE: tuple[str, ...] = ("commercial", "retail", "industrial")

ACTIVITY_COLUMNS = ["activity", "subkind", "area_m2", "geometry"]


def activities(objects: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Destinations of car trips: what the traffic model's attractions are made of.

    Parameters
    ----------
    objects
        Tagged OSM points and areas in EPSG:28992, with the ``shop``, ``office``, ``tourism``,
        ``amenity`` and ``landuse`` tag columns where present.

    Returns
    -------
    geopandas.GeoDataFrame
        One point per destination: ``activity`` (``shop``, ``office``, ``amenity``, ``tourism``,
        or ``landuse_<class>`` for commercial, retail and industrial landuse), ``subkind`` (the tag
        value), ``area_m2`` (the landuse area; 0 for points of interest). Areas stand at their
        representative point. A shop inside a landuse polygon counts twice on purpose: the
        landuse stands for the jobs behind it, the shop for its visitors.
    """
    def col(name: str) -> pd.Series:
        return column(objects, name).astype("string")

    amenity, landuse = col("amenity"), col("landuse")
    polygon = objects.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    conditions = [
        col("shop").notna().to_numpy(),
        col("office").notna().to_numpy(),
        amenity.isin(DESTINATION_AMENITIES).fillna(False).to_numpy(),
        col("tourism").isin(["hotel", "museum", "attraction", "hostel", "guest_house", "zoo",
                             "theme_park", "gallery", "aquarium"]).fillna(False).to_numpy(),
        landuse.isin(ACTIVITY_LANDUSE).fillna(False).to_numpy() & polygon,
    ]
    kind = np.select(conditions, ["shop", "office", "amenity", "tourism", "landuse"], default="")
    keep = kind != ""
    if not keep.any():
        return gpd.GeoDataFrame({c: [] for c in ACTIVITY_COLUMNS[:-1]}, geometry=[], crs=objects.crs)
    sub = objects[keep]
    kind = kind[keep]
    subkind = np.select(
        [kind == "shop", kind == "office", kind == "amenity", kind == "tourism"],
        [col("shop")[keep].to_numpy(dtype=object), col("office")[keep].to_numpy(dtype=object),
         amenity[keep].to_numpy(dtype=object), col("tourism")[keep].to_numpy(dtype=object)],
        default=landuse[keep].to_numpy(dtype=object))
    activity = np.where(kind == "landuse", np.char.add("landuse_", subkind.astype(str)), kind)
    area = np.where(kind == "landuse", sub.geometry.area.to_numpy(), 0.0)
    return gpd.GeoDataFrame(
        {"activity": pd.array(activity, dtype="string"), "subkind": pd.array(subkind, dtype="string"),
         "area_m2": area},
        geometry=sub.geometry.representative_point().to_numpy(), crs=objects.crs,
    ).reset_index(drop=True)


# ------------------------------------------------------------------------------ the frames


def _tagged_objects(raws: Sequence[RawOSM]) -> gpd.GeoDataFrame:
    """Every tagged node and area of every input, as one frame of tags in EPSG:28992."""
    point_frames, area_frames = [], []
    for raw in raws:
        pts = raw.nodes
        point_frames.append(
            pts.assign(osm_type="node", osm_id=pts["node_id"],
                       geometry=gpd.points_from_xy(pts["lon"], pts["lat"], crs="EPSG:4326"))
        )
        ar = raw.areas
        area_frames.append(ar.assign(geometry=gpd.GeoSeries.from_wkb(ar["wkb"].tolist(), crs="EPSG:4326")
                                     if len(ar) else gpd.GeoSeries([], crs="EPSG:4326")))
    columns = ["osm_type", "osm_id", *NODE_KEYS, "geometry"]
    allobj = pd.concat([f.reindex(columns=columns) for f in point_frames + area_frames], ignore_index=True)
    return gpd.GeoDataFrame(allobj, geometry="geometry", crs="EPSG:4326").to_crs(CRS)


def _points_of_interest(allobj: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The ``features`` frame: kind, sub-kind, name, id, capacity, primary school (data model)."""
    kinds = classify(allobj)
    poi = allobj[kinds["kind"].notna().to_numpy()]
    features = gpd.GeoDataFrame(
        {
            "kind": kinds.loc[poi.index, "kind"].astype(str),
            "subkind": kinds.loc[poi.index, "subkind"].astype("string"),
            "name": poi["name"].astype("string"),
            "osm_type": poi["osm_type"].astype(str),
            "osm_id": poi["osm_id"].astype(np.int64),
            "capacity": pd.to_numeric(poi["capacity"], errors="coerce").astype("Int64"),
        },
        geometry=poi.geometry, crs=CRS,
    )
    primary = is_primary_school(poi)
    is_school = features["kind"].eq("school").to_numpy()
    features["primary_school"] = primary["primary_school"].to_numpy() & is_school
    features["primary_source"] = np.where(is_school, primary["primary_source"].to_numpy(), "not_a_school")
    return features.reset_index(drop=True)


def _buildings(allobj: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Building outlines: ``osm_id``, ``building``, ``levels``, ``height`` (m), ``area`` (m²)."""
    is_building = allobj["building"].notna() & allobj.geom_type.isin(["Polygon", "MultiPolygon"])
    b = allobj[is_building.to_numpy()]
    return gpd.GeoDataFrame(
        {
            "osm_id": b["osm_id"].astype(np.int64).to_numpy(),
            "building": b["building"].astype("string").to_numpy(),
            "levels": pd.to_numeric(b["building:levels"], errors="coerce").round().astype("Int64").to_numpy(),
            "height": pd.to_numeric(b["height"].astype("string").str.extract(r"([\d.]+)")[0],
                                    errors="coerce").to_numpy(),
            "area": b.geometry.area.to_numpy(),
        },
        geometry=b.geometry.to_numpy(), crs=CRS,
    )


def _residential_landuse(allobj: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Residential landuse polygons: ``osm_id``, ``landuse``."""
    is_res = allobj["landuse"].eq("residential").fillna(False) & allobj.geom_type.isin(["Polygon", "MultiPolygon"])
    lu = allobj[is_res.to_numpy()]
    return gpd.GeoDataFrame(
        {"osm_id": lu["osm_id"].astype(np.int64).to_numpy(), "landuse": "residential"},
        geometry=lu.geometry.to_numpy(), crs=CRS,
    )


def build_features(raws: Sequence[RawOSM]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame,
                                                    gpd.GeoDataFrame]:
    """Points of interest, buildings, residential landuse and trip destinations from every input file.

    Parameters
    ----------
    raws
        Every input file as read (the street file and the extra feature files).

    Returns
    -------
    features, buildings, landuse, activities : geopandas.GeoDataFrame
        In EPSG:28992; see ``docs/data-model.md``.
    """
    allobj = _tagged_objects(raws)
    return _points_of_interest(allobj), _buildings(allobj), _residential_landuse(allobj), activities(allobj)
