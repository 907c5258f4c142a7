"""Typed street attributes from raw OSM tags, each with its provenance (the *tag* step).

Every attribute ``x`` gets a companion column ``x_source`` that says where the value came from:
``tag`` (read from OSM), a more specific ``tag:<form>``, or ``default:<rule>`` naming the inference
rule used when the tag is missing. Nothing is filled in silently.

All functions work on whole columns (pandas string methods, ``numpy.select``); none loops over rows.

The families: ``maxspeed`` (:mod:`mobisim.load.speed_tags`, with the Dutch class defaults),
``oneway``, ``lanes``, ``width``, cycle infrastructure per side (:func:`cycleway_sides`),
``sidewalk``, on-street parking, and the per-edge mode profile (:func:`access_modes`);
:func:`tag_ways` puts them together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.load.speed_tags import DEFAULT_MAXSPEED as DEFAULT_MAXSPEED  # re-exported (the tag step's API)
from mobisim.load.speed_tags import DEFAULT_MAXSPEED_RURAL as DEFAULT_MAXSPEED_RURAL
from mobisim.load.speed_tags import NAMED_MAXSPEED as NAMED_MAXSPEED
from mobisim.load.speed_tags import maxspeed, parse_speed_tokens
from mobisim.load.tag_values import MOTOR_CLASSES as MOTOR_CLASSES
from mobisim.load.tag_values import clean, first_int

__all__ = ["CYCLEWAY_VALUES", "DEFAULT_LANES_PER_DIRECTION", "DEFAULT_MAXSPEED", "DEFAULT_MAXSPEED_RURAL",
           "DUAL_CARRIAGEWAY_CLASSES", "MOTOR_CLASSES", "NAMED_MAXSPEED", "access_modes", "cycleway_sides",
           "lanes", "maxspeed", "oneway", "parking_sides", "parse_speed_tokens", "sidewalk", "tag_ways", "width"]

#: Default motor lanes per direction by class when ``lanes`` is missing. A one-way primary, trunk or
#: motorway carriageway is half of a dual carriageway: in Den Haag these are 2 lanes (e.g.
#: Utrechtsebaan, Prinses Beatrixlaan, Koningskade); others get 1 lane per direction.
DEFAULT_LANES_PER_DIRECTION: dict[str, int] = {"motorway": 2, "trunk": 2}
DUAL_CARRIAGEWAY_CLASSES: frozenset[str] = frozenset({"primary", "trunk", "motorway"})

CYCLEWAY_VALUES: tuple[str, ...] = (
    "track", "lane", "shared_lane", "separate", "share_busway", "opposite_lane", "opposite_track",
    "opposite", "no", "none",
)


def oneway(tags: pd.DataFrame) -> pd.DataFrame:
    """Motor-traffic one-way flag with provenance.

    ``oneway=yes/true/1/-1`` is one-way (``-1`` means against the way direction; mobisim reverses such
    segments in :mod:`mobisim.load`, so ``oneway`` then reads forward). Roundabouts and motorways are
    one-way by default (OSM convention).

    Returns
    -------
    pandas.DataFrame
        ``oneway`` (bool), ``oneway_reverse`` (bool), ``oneway_source`` (str).
    """
    raw = clean(tags["oneway"])
    highway = clean(tags["highway"])
    junction = clean(tags["junction"])
    tagged = raw.isin(["yes", "true", "1", "-1", "no", "false", "0", "reversible", "alternating"])
    yes = raw.isin(["yes", "true", "1", "-1"]).fillna(False)
    reverse = raw.eq("-1").fillna(False)
    roundabout = junction.isin(["roundabout", "circular"]).fillna(False)
    motorway = highway.eq("motorway").fillna(False)
    tagged = tagged.fillna(False)
    value = yes | (~tagged & (roundabout | motorway))
    source = np.select(
        [tagged.to_numpy(), roundabout.to_numpy(), motorway.to_numpy()],
        ["tag", "default:roundabout", "default:motorway"],
        default="default:two_way",
    )
    return pd.DataFrame(
        {"oneway": value.astype(bool), "oneway_reverse": reverse.astype(bool), "oneway_source": source}
    )


def lanes(tags: pd.DataFrame, is_oneway: pd.Series) -> pd.DataFrame:
    """Motor lanes in total and per direction, with provenance.

    ``lanes:forward``/``lanes:backward`` win; else ``lanes`` is split over the directions (one-way:
    all forward; two-way: half each, the odd lane counted on both sides as a shared centre lane is
    ignored: ``ceil(lanes / 2)`` per direction); else the class default
    (:data:`DEFAULT_LANES_PER_DIRECTION`, one-way primary/trunk/motorway carriageways 2 lanes,
    everything else 1 per direction).

    Returns
    -------
    pandas.DataFrame
        ``lanes``, ``lanes_forward``, ``lanes_backward``, ``lanes_per_direction`` (Int64) and
        ``lanes_source``.
    """
    highway = clean(tags["highway"])
    total = first_int(tags["lanes"])
    fwd_tag = first_int(tags["lanes:forward"])
    bwd_tag = first_int(tags["lanes:backward"])
    ow = is_oneway.to_numpy()

    has_dir = (fwd_tag.notna() | bwd_tag.notna()).to_numpy()
    has_total = total.notna().to_numpy()
    half_up = (total + 1) // 2
    fwd = np.select(
        [has_dir, has_total & ow, has_total],
        [fwd_tag.fillna(0).to_numpy(dtype=float), total.to_numpy(dtype=float, na_value=np.nan),
         half_up.to_numpy(dtype=float, na_value=np.nan)],
        default=np.nan,
    )
    bwd = np.select(
        [has_dir, has_total & ow, has_total],
        [bwd_tag.fillna(0).to_numpy(dtype=float), np.zeros(len(ow)),
         half_up.to_numpy(dtype=float, na_value=np.nan)],
        default=np.nan,
    )
    per_dir_default = highway.map(DEFAULT_LANES_PER_DIRECTION).astype("Float64").fillna(1.0)
    dual = highway.isin(DUAL_CARRIAGEWAY_CLASSES).fillna(False).to_numpy() & ow
    per_dir_default = per_dir_default.mask(pd.Series(dual, index=tags.index), 2.0).to_numpy(dtype=float)
    missing = ~(has_dir | has_total)
    fwd = np.where(missing, per_dir_default, fwd)
    bwd = np.where(missing, np.where(ow, 0.0, per_dir_default), bwd)
    motor = highway.isin(MOTOR_CLASSES).fillna(False).to_numpy()
    source = np.select(
        [~motor, has_dir, has_total, dual & missing],
        ["not_applicable", "tag:lanes:forward/backward", "tag", "default:dual_carriageway"],
        default="default:" + highway.fillna("").to_numpy(dtype=str),
    )
    out = pd.DataFrame(
        {
            "lanes_forward": pd.array(np.where(motor, fwd, np.nan), dtype="Float64").round().astype("Int64"),
            "lanes_backward": pd.array(np.where(motor, bwd, np.nan), dtype="Float64").round().astype("Int64"),
        },
        index=tags.index,
    )
    out["lanes"] = total.where(total.notna(), out["lanes_forward"] + out["lanes_backward"])
    out.loc[~motor, "lanes"] = pd.NA
    out["lanes_per_direction"] = out[["lanes_forward", "lanes_backward"]].max(axis=1).astype("Int64")
    out["lanes_source"] = source
    return out


def width(tags: pd.DataFrame) -> pd.DataFrame:
    """Carriageway width and painted-cycle-lane width per side, in metres (NaN when unknown).

    The carriageway width is ``width``, else ``est_width``. The cycle lane width of a side is
    ``cycleway:<side>:width``, else ``cycleway:both:width``, else ``cycleway:width`` (the side is
    relative to the way direction, like ``cycleway_left``/``cycleway_right``).

    Parameters
    ----------
    tags
        Raw way tags with ``width``, ``est_width``, ``cycleway:width``, ``cycleway:both:width``,
        ``cycleway:left:width``, ``cycleway:right:width`` (missing keys count as untagged).

    Returns
    -------
    pandas.DataFrame
        ``width`` (float64) and ``width_source`` (``tag``, ``tag:est_width``, ``unknown``);
        ``cycleway_width_left``, ``cycleway_width_right`` (float64) with
        ``cycleway_width_left_source``, ``cycleway_width_right_source`` (``tag``,
        ``tag:cycleway:both:width``, ``tag:cycleway:width``, ``unknown``).
    """
    def metres(key: str) -> pd.Series:
        raw = tags[key] if key in tags.columns else pd.Series(pd.NA, index=tags.index, dtype="string")
        text = clean(raw).str.replace(",", ".", regex=False)
        return text.str.extract(r"^(\d+(?:\.\d+)?)\s*m?$")[0].astype("Float64")

    tagged = metres("width")
    estimated = metres("est_width")
    value = tagged.fillna(estimated)
    source = np.select(
        [tagged.notna().to_numpy(), estimated.notna().to_numpy()], ["tag", "tag:est_width"], "unknown"
    )
    out = {"width": value.astype(float).to_numpy(), "width_source": source}
    plain, both = metres("cycleway:width"), metres("cycleway:both:width")
    for side in ("left", "right"):
        own = metres(f"cycleway:{side}:width")
        out[f"cycleway_width_{side}"] = own.fillna(both).fillna(plain).astype(float).to_numpy()
        out[f"cycleway_width_{side}_source"] = np.select(
            [own.notna().to_numpy(), both.notna().to_numpy(), plain.notna().to_numpy()],
            ["tag", "tag:cycleway:both:width", "tag:cycleway:width"], "unknown")
    return pd.DataFrame(out, index=tags.index)


def cycleway_sides(tags: pd.DataFrame, is_oneway: pd.Series | None = None) -> pd.DataFrame:
    """Cycle infrastructure on each side of the way, from ``cycleway``, ``cycleway:both``,
    ``cycleway:left`` and ``cycleway:right`` (the more specific key wins), and the directions a
    cyclist may ride.

    A side-less contraflow value (``cycleway=opposite_lane``, ``opposite_track``, ``opposite``,
    also under ``cycleway:both``) describes one facility against the motor traffic of a one-way
    street: it goes to the contraflow side only, the left of the traffic direction (right-hand
    traffic): ``cycleway_left``, or ``cycleway_right`` on an ``oneway=-1`` way (whose sides
    :mod:`mobisim.load` swaps when it reverses the way).

    Cyclists ride only with the motor traffic (``oneway_bicycle``) on a one-way street unless
    ``oneway:bicycle=no`` or a contraflow facility is tagged (an ``opposite*`` value, or a side
    facility running against the traffic: ``cycleway:<side>:oneway=-1``, or ``=yes`` on an
    ``oneway=-1`` way); ``oneway:bicycle=yes`` makes a two-way street one-way for cyclists.

    Parameters
    ----------
    tags
        Raw way tags (:data:`mobisim.load.osmread.WAY_KEYS` columns).
    is_oneway
        Motor-traffic one-way flag per way (:func:`oneway`); computed from ``tags`` when omitted.

    Returns
    -------
    pandas.DataFrame
        ``cycleway_left``, ``cycleway_right`` (one of :data:`CYCLEWAY_VALUES`; ``none`` = untagged),
        ``cycleway_source`` (``tag`` or ``none``), ``cycle_track_twoway`` (a track tagged
        ``cycleway:<side>:oneway=no``), ``oneway_bicycle`` (bool: cyclists may ride only in the
        direction of motor traffic, i.e. from ``u`` to ``v`` once loaded) and
        ``oneway_bicycle_source`` (``tag``, ``tag:contraflow``, ``default:oneway``,
        ``default:two_way``).
    """
    if is_oneway is None:
        is_oneway = oneway(tags)["oneway"]
    reverse = clean(tags["oneway"]).eq("-1").fillna(False)
    plain = clean(tags["cycleway"])
    both = clean(tags["cycleway:both"]).fillna(plain)
    opposite_both = both.str.startswith("opposite").fillna(False)
    # a side-less contraflow facility lies on the contraflow side only (see the docstring)
    left = clean(tags["cycleway:left"]).fillna(both.mask(opposite_both & reverse, pd.NA))
    right = clean(tags["cycleway:right"]).fillna(both.mask(opposite_both & ~reverse, pd.NA))
    direction = _cycling_direction(tags, is_oneway, reverse, (left, right, both))
    left, right, tagged = _side_values(tags, left, right)
    twoway = pd.concat(
        [clean(tags[f"cycleway:{side}:oneway"]).eq("no") for side in ("left", "right", "both")], axis=1
    ).fillna(False).any(axis=1)
    return pd.DataFrame(
        {
            "cycleway_left": left.astype(str),
            "cycleway_right": right.astype(str),
            "cycleway_source": np.where(tagged, "tag", "none"),
            "cycle_track_twoway": twoway.to_numpy(dtype=bool),
            "oneway_bicycle": direction["oneway_bicycle"],
            "oneway_bicycle_source": direction["oneway_bicycle_source"],
        },
        index=tags.index,
    )


def _cycling_direction(tags: pd.DataFrame, is_oneway: pd.Series, reverse: pd.Series,
                       sides: tuple[pd.Series, pd.Series, pd.Series]) -> dict[str, np.ndarray]:
    """``oneway_bicycle`` and its source: a contraflow facility (``opposite*`` on a side, or a side
    facility running against the traffic) or ``oneway:bicycle=no`` open the other direction."""
    against = pd.concat(
        [clean(tags[f"cycleway:{side}:oneway"]).eq("-1").fillna(False) & ~reverse
         | clean(tags[f"cycleway:{side}:oneway"]).isin(["yes", "true", "1"]).fillna(False) & reverse
         for side in ("left", "right", "both")], axis=1).any(axis=1)
    contraflow = (pd.concat([v.str.startswith("opposite").fillna(False) for v in sides],
                            axis=1).any(axis=1) | against).to_numpy(dtype=bool)
    bike_ow = clean(tags["oneway:bicycle"])
    bike_two = bike_ow.isin(["no", "false", "0"]).fillna(False).to_numpy(dtype=bool)
    bike_one = bike_ow.isin(["yes", "true", "1"]).fillna(False).to_numpy(dtype=bool)
    motor_ow = is_oneway.to_numpy(dtype=bool)
    return {
        "oneway_bicycle": (motor_ow & ~bike_two & ~contraflow) | (~motor_ow & bike_one),
        "oneway_bicycle_source": np.select(
            [bike_two | bike_one, motor_ow & contraflow, motor_ow],
            ["tag", "tag:contraflow", "default:oneway"], "default:two_way"),
    }


#: Cycleway values read as another: ``opposite*`` (contraflow on a one-way street) as the lane or
#: track kind, and the synonyms.
_CYCLEWAY_SYNONYMS = {"opposite_lane": "lane", "opposite_track": "track", "opposite": "shared_lane",
                      "shared": "shared_lane", "crossing": "no", "sidepath": "separate",
                      "use_sidepath": "separate"}


def _side_values(tags: pd.DataFrame, left: pd.Series, right: pd.Series) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """The side values as one of :data:`CYCLEWAY_VALUES` (``none``: untagged), and whether the way
    is tagged; ``bicycle=use_sidepath`` puts a ``separate`` path on every untagged side."""
    left = left.replace(_CYCLEWAY_SYNONYMS)
    right = right.replace(_CYCLEWAY_SYNONYMS)
    tagged = (left.notna() | right.notna()).to_numpy()
    left = left.where(left.isin(CYCLEWAY_VALUES), pd.NA).fillna("none")
    right = right.where(right.isin(CYCLEWAY_VALUES), pd.NA).fillna("none")
    # bicycle=use_sidepath: a separate, mandatory cycle path exists (side unknown: both)
    sidepath = clean(tags["bicycle"]).eq("use_sidepath").fillna(False)
    left = left.mask(sidepath & left.eq("none"), "separate")
    right = right.mask(sidepath & right.eq("none"), "separate")
    return left, right, tagged | sidepath.to_numpy()


def sidewalk(tags: pd.DataFrame) -> pd.DataFrame:
    """Sidewalk presence (``both``, ``left``, ``right``, ``no``, ``separate``, ``none`` = untagged)."""
    plain = clean(tags["sidewalk"]).replace({"yes": "both", "none": "no"})
    both = clean(tags["sidewalk:both"])
    left = clean(tags["sidewalk:left"]).fillna(both)
    right = clean(tags["sidewalk:right"]).fillna(both)
    yes = {"yes", "separate"}
    l_yes, r_yes = left.isin(yes).fillna(False), right.isin(yes).fillna(False)
    from_sides = pd.Series(
        np.select(
            [(l_yes & r_yes).to_numpy(), l_yes.to_numpy(), r_yes.to_numpy(),
             (left.eq("no") & right.eq("no")).fillna(False).to_numpy()],
            ["both", "left", "right", "no"],
            default="",
        ),
        index=tags.index,
    ).replace("", pd.NA)
    value = plain.fillna(from_sides)
    return pd.DataFrame(
        {"sidewalk": value.fillna("none").astype(str),
         "sidewalk_source": np.where(value.notna().to_numpy(), "tag", "none")},
        index=tags.index,
    )


def parking_sides(tags: pd.DataFrame) -> pd.DataFrame:
    """On-street parking per side from ``parking:<side>`` (2022+ scheme) or ``parking:lane:<side>``."""
    out = {}
    for side in ("left", "right"):
        value = clean(tags[f"parking:{side}"]).fillna(clean(tags["parking:both"]))
        value = value.fillna(clean(tags[f"parking:lane:{side}"])).fillna(clean(tags["parking:lane:both"]))
        out[f"parking_{side}"] = value
    return pd.DataFrame(out, index=tags.index)


def access_modes(tags: pd.DataFrame) -> pd.DataFrame:
    """Per-edge mode profile: may one walk, cycle, drive here?

    Class defaults follow Dutch law and OSM's Netherlands access table: no cyclists or pedestrians on
    motorways and trunk roads (autosnelweg/autoweg), none on busways; cyclists not on footways,
    pedestrian zones or steps unless ``bicycle=yes/designated``; pedestrians may use a cycle path
    where no footway exists (RVV 1990 art. 4). ``access``, ``foot``, ``bicycle``,
    ``motor_vehicle``/``motorcar`` tags override.

    Two flags tell the 8-jarigen-toets what a closed mode means:

    - ``bike_use_sidepath``: ``bicycle=use_sidepath`` closes the road to cyclists because a
      mandatory separate cycle path runs alongside (RVV 1990 art. 5: the *verplicht fietspad*);
      routing keeps bikes off the carriageway, the toets judges the side path.
    - ``bus_only``: a road for buses and not for general motor traffic: ``highway=busway`` /
      ``bus_guideway``, or a motor-class way closed to general traffic (``access``,
      ``motor_vehicle`` or ``motorcar`` = no/private) with ``bus`` or ``psv`` =
      yes/designated/permissive. There is motor traffic (buses), so it is no traffic-free path.

    Returns
    -------
    pandas.DataFrame
        ``mode_walk``, ``mode_bike``, ``mode_drive``, ``bike_use_sidepath``, ``bus_only`` (bool).
    """
    highway = clean(tags["highway"]).fillna("")
    access = clean(tags["access"])
    no_values = ["no", "private", "use_sidepath"]
    yes_values = ["yes", "designated", "permissive", "destination", "official"]

    motorish = highway.isin(["motorway", "motorway_link", "trunk", "trunk_link"])
    walk_default = ~(motorish | highway.isin(["busway", "bus_guideway", "raceway"]))
    bike_default = ~(motorish | highway.isin(
        ["footway", "pedestrian", "steps", "busway", "bus_guideway", "bridleway", "corridor"]))
    drive_default = highway.isin(list(MOTOR_CLASSES - {"busway", "track"}))

    def apply(default: pd.Series, key_values: list[pd.Series]) -> pd.Series:
        result = default & ~access.isin(["no", "private"]).fillna(False)
        for raw in key_values:
            result = result.mask(raw.isin(no_values).fillna(False), False)
            result = result.mask(raw.isin(yes_values).fillna(False), True)
        return result.astype(bool)

    mode_drive = apply(drive_default, [clean(tags["motor_vehicle"]), clean(tags["motorcar"])])
    bus_yes = (clean(tags["bus"]).isin(yes_values).fillna(False)
               | clean(tags["psv"]).isin(yes_values).fillna(False))
    motor_class = highway.isin(list(MOTOR_CLASSES - {"track"}))
    bus_only = highway.isin(["busway", "bus_guideway"]) | (motor_class & ~mode_drive & bus_yes)
    return pd.DataFrame(
        {
            "mode_walk": apply(walk_default, [clean(tags["foot"])]),
            "mode_bike": apply(bike_default, [clean(tags["bicycle"])]),
            "mode_drive": mode_drive,
            "bike_use_sidepath": clean(tags["bicycle"]).eq("use_sidepath").fillna(False).astype(bool),
            "bus_only": bus_only.astype(bool),
        },
        index=tags.index,
    )


def tag_ways(tags: pd.DataFrame) -> pd.DataFrame:
    """All typed way attributes with provenance, one row per way.

    Parameters
    ----------
    tags
        Raw way tags (:data:`mobisim.load.osmread.WAY_KEYS` columns).

    Returns
    -------
    pandas.DataFrame
        The typed columns of the data model (``docs/data-model.md``).
    """
    highway = clean(tags["highway"]).fillna("road")
    ow = oneway(tags)
    out = pd.concat(
        [
            pd.DataFrame({"highway": highway.astype(str), "name": tags["name"].astype("string")}),
            maxspeed(tags),
            ow,
            lanes(tags, ow["oneway"]),
            width(tags),
            cycleway_sides(tags, ow["oneway"]),
            sidewalk(tags),
            parking_sides(tags),
            access_modes(tags),
        ],
        axis=1,
    )
    is_path_designated = highway.isin(["path", "footway", "bridleway"]) & clean(tags["bicycle"]).eq(
        "designated").fillna(False)
    out["is_cycleway"] = (highway.eq("cycleway") | is_path_designated).to_numpy(dtype=bool)
    out["bicycle_road"] = (
        clean(tags["bicycle_road"]).eq("yes").fillna(False) | clean(tags["cyclestreet"]).eq("yes").fillna(False)
    ).to_numpy(dtype=bool)
    for column in ("segregated", "surface", "traffic_calming", "junction", "ref", "service", "lit"):
        out[column] = clean(tags[column])
    for column in ("bridge", "tunnel", "motorroad"):
        out[column] = (clean(tags[column]).notna() & ~clean(tags[column]).eq("no")).to_numpy(dtype=bool)
    # a passage through a building is not a tunnel road (OSM tunnel=building_passage)
    out["tunnel"] &= ~clean(tags["tunnel"]).eq("building_passage").fillna(False).to_numpy(dtype=bool)
    zone = clean(tags["zone:traffic"])
    out["zone_traffic"] = tags["zone:traffic"].astype("string")
    out["builtup"] = ~zone.eq("nl:rural").fillna(False).to_numpy(dtype=bool)
    out["builtup_source"] = np.where(zone.notna().to_numpy(), "tag", "default:municipality_builtup")
    out["is_road"] = out["mode_drive"] & ~highway.isin(["service", "track"]).to_numpy()
    return out
