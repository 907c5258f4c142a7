"""Typed street attributes from raw OSM tags, each with its provenance (the *tag* step).

Every attribute ``x`` gets a companion column ``x_source`` that says where the value came from:
``tag`` (read from OSM), a more specific ``tag:<form>``, or ``default:<rule>`` naming the inference
rule used when the tag is missing. Nothing is filled in silently.

All functions work on whole columns (pandas string methods, ``numpy.select``); none loops over rows.

Dutch defaults for a missing ``maxspeed`` (:data:`DEFAULT_MAXSPEED`)
--------------------------------------------------------------------
Built-up area (``zone:traffic=NL:urban``, or no ``zone:traffic`` tag: the scenario area is the
Den Haag municipality, treated as built-up):

================================  ======  =====================================================
class                             km/h    basis
================================  ======  =====================================================
living_street                     15      RVV 1990 art. 45: walking pace in a woonerf (15 km/h
                                          since 2024 signage practice)
residential, unclassified, road   30      Den Haag's access roads are 30 zones (Kiezen voor
                                          Verkeersveiligheid 2030; CROW erftoegangsweg)
service, track                    30      access to property inside a 30 zone
primary, secondary, tertiary      50      RVV 1990 art. 20: 50 km/h inside the built-up area;
(and their links), busway                 distributor roads (gebiedsontsluitingsweg)
trunk, trunk_link                 80      autoweg (Utrechtsebaan-type) default
motorway                          100     RVV 1990 art. 20: 100 km/h 06–19 h since 2020
motorway_link                     80      typical signed exit speed
================================  ======  =====================================================

Outside the built-up area (``zone:traffic=NL:rural``) residential stays 30 and unclassified,
tertiary and up become 80 (RVV 1990 art. 20). Ways not open to motor traffic get
``maxspeed`` = NA with source ``not_applicable``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Named maxspeed values (lower-case). Sources: OSM wiki "Default speed limits" (NL), RVV 1990.
NAMED_MAXSPEED: dict[str, int] = {
    "nl:urban": 50,
    "nl:rural": 80,
    "nl:trunk": 100,
    "nl:motorway": 100,
    "nl:living_street": 15,
    "nl:woonerf": 15,
    "nl:zone30": 30,
    "nl:zone60": 60,
    "nl:bicycle_road": 30,
    "walk": 6,
    "nl:walk": 6,
}

MOTOR_CLASSES: frozenset[str] = frozenset(
    {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
     "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street",
     "service", "road", "busway", "track"}
)

#: Default maxspeed (km/h) by highway class inside the built-up area; see the module docstring.
DEFAULT_MAXSPEED: dict[str, int] = {
    "living_street": 15,
    "residential": 30, "unclassified": 30, "road": 30, "service": 30, "track": 30,
    "primary": 50, "primary_link": 50, "secondary": 50, "secondary_link": 50,
    "tertiary": 50, "tertiary_link": 50, "busway": 50,
    "trunk": 80, "trunk_link": 80,
    "motorway": 100, "motorway_link": 80,
}

#: Overrides outside the built-up area (RVV 1990 art. 20: 80 km/h on rural roads).
DEFAULT_MAXSPEED_RURAL: dict[str, int] = {
    "unclassified": 80, "tertiary": 80, "secondary": 80, "primary": 80,
    "tertiary_link": 80, "secondary_link": 80, "primary_link": 80,
}

#: Default motor lanes per direction by class when ``lanes`` is missing. A one-way primary, trunk or
#: motorway carriageway is half of a dual carriageway: in Den Haag these are 2 lanes (e.g.
#: Utrechtsebaan, Prinses Beatrixlaan, Koningskade); others get 1 lane per direction.
DEFAULT_LANES_PER_DIRECTION: dict[str, int] = {"motorway": 2, "trunk": 2}
DUAL_CARRIAGEWAY_CLASSES: frozenset[str] = frozenset({"primary", "trunk", "motorway"})

CYCLEWAY_VALUES: tuple[str, ...] = (
    "track", "lane", "shared_lane", "separate", "share_busway", "opposite_lane", "opposite_track",
    "opposite", "no", "none",
)


def _clean(series: pd.Series) -> pd.Series:
    """Raw tag column as lower-case stripped strings (NA stays NA)."""
    return series.astype("string").str.strip().str.lower()


def parse_speed_tokens(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of speed tag values into km/h with the form that was read.

    Understands ``50``, ``50 km/h``, ``30 mph``, ``NL:zone30``/``NL:zone:30``/``NL:30``, named limits
    (:data:`NAMED_MAXSPEED`), lists ``30;50`` and osmnx's merged lists ``['30', '50']`` (the highest
    value counts: the road allows it somewhere).

    Parameters
    ----------
    raw
        Raw tag values (strings, NA where untagged).

    Returns
    -------
    speed : pandas.Series of Int64
        km/h, NA where absent or unparseable (``none``, ``signals``, ``variable``).
    form : pandas.Series of str
        ``tag``, ``tag:mph``, ``tag:zone``, ``tag:named``, ``tag:list-max``, or NA.
    """
    text = _clean(raw).str.replace(r"[\[\]'\"]", "", regex=True)
    is_list = text.str.contains(r"[;,|]", regex=True).fillna(False)
    tokens = text.str.split(r"\s*[;,|]\s*", regex=True).explode()
    tokens = tokens.astype("string")
    numeric = tokens.str.extract(r"^(\d+(?:\.\d+)?)\s*(?:km/?h|kmh|kph)?$")[0].astype("Float64")
    mph = tokens.str.extract(r"^(\d+(?:\.\d+)?)\s*mph$")[0].astype("Float64") * 1.609344
    zone = tokens.str.extract(r"^[a-z]{2}:(?:zone:?)?(\d+)$")[0].astype("Float64")
    named = tokens.map(NAMED_MAXSPEED).astype("Float64")
    value = numeric.fillna(mph).fillna(zone).fillna(named)
    form = pd.Series(
        np.select(
            [numeric.notna().to_numpy(), mph.notna().to_numpy(), zone.notna().to_numpy(),
             named.notna().to_numpy()],
            ["tag", "tag:mph", "tag:zone", "tag:named"],
            default="",
        ),
        index=tokens.index,
    )
    speed = value.groupby(level=0).max().round().astype("Int64")
    # the form of the highest token
    best = value.groupby(level=0).transform("max")
    form = form.where(value.eq(best).fillna(False), "").groupby(level=0).max()
    form = form.replace("", pd.NA).astype("string")
    form = form.mask(is_list & speed.notna(), "tag:list-max")
    return speed.reindex(raw.index), form.reindex(raw.index)


def maxspeed(tags: pd.DataFrame) -> pd.DataFrame:
    """Maximum speed in km/h per way with its provenance.

    Reads, in order: ``maxspeed`` (and the higher of ``maxspeed:forward/backward``),
    ``zone:maxspeed``, ``maxspeed:type``; else the class default of :data:`DEFAULT_MAXSPEED`
    (built-up) or :data:`DEFAULT_MAXSPEED_RURAL` (``zone:traffic=NL:rural``).

    Parameters
    ----------
    tags
        Raw way tags with columns ``highway``, ``maxspeed``, ``maxspeed:forward``,
        ``maxspeed:backward``, ``zone:maxspeed``, ``maxspeed:type``, ``zone:traffic``.

    Returns
    -------
    pandas.DataFrame
        ``maxspeed`` (Int64) and ``maxspeed_source`` (str).
    """
    highway = _clean(tags["highway"])
    steps = [("maxspeed", None), ("zone:maxspeed", "tag:zone"), ("maxspeed:type", "tag:maxspeed:type")]
    speed = pd.Series(pd.NA, index=tags.index, dtype="Int64")
    source = pd.Series(pd.NA, index=tags.index, dtype="string")
    fwd, _ = parse_speed_tokens(tags["maxspeed:forward"])
    bwd, _ = parse_speed_tokens(tags["maxspeed:backward"])
    directional = pd.concat([fwd, bwd], axis=1).max(axis=1).astype("Int64")
    for column, label in steps:
        value, form = parse_speed_tokens(tags[column])
        if column == "maxspeed":
            use_dir = value.isna() & directional.notna()
            value = value.mask(use_dir, directional)
            form = form.mask(use_dir, "tag:directional")
        take = speed.isna() & value.notna()
        speed = speed.mask(take, value)
        source = source.mask(take, form if label is None else label)

    rural = _clean(tags["zone:traffic"]).eq("nl:rural").fillna(False)
    default_urban = highway.map(DEFAULT_MAXSPEED).astype("Int64")
    default_rural = highway.map(DEFAULT_MAXSPEED_RURAL).astype("Int64").fillna(default_urban)
    default = default_urban.mask(rural, default_rural)
    take = speed.isna() & default.notna()
    speed = speed.mask(take, default)
    source = source.mask(take, ("default:" + highway + np.where(rural, ":rural", ":urban")))
    motor = highway.isin(MOTOR_CLASSES).fillna(False)
    speed = speed.mask(~motor)
    source = source.mask(~motor, "not_applicable").fillna("unknown")
    return pd.DataFrame({"maxspeed": speed, "maxspeed_source": source.astype(str)})


def _first_int(raw: pd.Series) -> pd.Series:
    """Highest integer of a tag value such as ``2``, ``2;3`` or ``['1', '2']`` (Int64)."""
    text = _clean(raw).str.replace(r"[\[\]'\"]", "", regex=True)
    parts = text.str.split(r"\s*[;,|]\s*", regex=True).explode().astype("string")
    nums = parts.str.extract(r"^(\d+)(?:\.\d+)?$")[0].astype("Float64")
    return nums.groupby(level=0).max().astype("Int64").reindex(raw.index)


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
    raw = _clean(tags["oneway"])
    highway = _clean(tags["highway"])
    junction = _clean(tags["junction"])
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
    highway = _clean(tags["highway"])
    total = _first_int(tags["lanes"])
    fwd_tag = _first_int(tags["lanes:forward"])
    bwd_tag = _first_int(tags["lanes:backward"])
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
        text = _clean(raw).str.replace(",", ".", regex=False)
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
    reverse = _clean(tags["oneway"]).eq("-1").fillna(False)
    plain = _clean(tags["cycleway"])
    both = _clean(tags["cycleway:both"]).fillna(plain)
    opposite_both = both.str.startswith("opposite").fillna(False)
    raw_left, raw_right = _clean(tags["cycleway:left"]), _clean(tags["cycleway:right"])
    # a side-less contraflow facility lies on the contraflow side only (see the docstring)
    left = raw_left.fillna(both.mask(opposite_both & reverse, pd.NA))
    right = raw_right.fillna(both.mask(opposite_both & ~reverse, pd.NA))
    # directions cyclists ride: contraflow facility or oneway:bicycle=no open the other direction
    against = pd.concat(
        [_clean(tags[f"cycleway:{side}:oneway"]).eq("-1").fillna(False) & ~reverse
         | _clean(tags[f"cycleway:{side}:oneway"]).isin(["yes", "true", "1"]).fillna(False) & reverse
         for side in ("left", "right", "both")], axis=1).any(axis=1)
    contraflow = (pd.concat([v.str.startswith("opposite").fillna(False) for v in (left, right, both)],
                            axis=1).any(axis=1) | against).to_numpy(dtype=bool)
    bike_ow = _clean(tags["oneway:bicycle"])
    bike_two = bike_ow.isin(["no", "false", "0"]).fillna(False).to_numpy(dtype=bool)
    bike_one = bike_ow.isin(["yes", "true", "1"]).fillna(False).to_numpy(dtype=bool)
    motor_ow = is_oneway.to_numpy(dtype=bool)
    oneway_bicycle = (motor_ow & ~bike_two & ~contraflow) | (~motor_ow & bike_one)
    oneway_bicycle_source = np.select(
        [bike_two | bike_one, motor_ow & contraflow, motor_ow],
        ["tag", "tag:contraflow", "default:oneway"], "default:two_way")
    # ``opposite*`` values describe contraflow on one-way streets: map to the lane/track kind
    norm = {"opposite_lane": "lane", "opposite_track": "track", "opposite": "shared_lane",
            "shared": "shared_lane", "crossing": "no", "sidepath": "separate", "use_sidepath": "separate"}
    left = left.replace(norm)
    right = right.replace(norm)
    tagged = (left.notna() | right.notna()).to_numpy()
    left = left.where(left.isin(CYCLEWAY_VALUES), pd.NA).fillna("none")
    right = right.where(right.isin(CYCLEWAY_VALUES), pd.NA).fillna("none")
    # bicycle=use_sidepath: a separate, mandatory cycle path exists (side unknown: both)
    sidepath = _clean(tags["bicycle"]).eq("use_sidepath").fillna(False)
    left = left.mask(sidepath & left.eq("none"), "separate")
    right = right.mask(sidepath & right.eq("none"), "separate")
    twoway = pd.concat(
        [_clean(tags[f"cycleway:{side}:oneway"]).eq("no") for side in ("left", "right", "both")], axis=1
    ).fillna(False).any(axis=1)
    return pd.DataFrame(
        {
            "cycleway_left": left.astype(str),
            "cycleway_right": right.astype(str),
            "cycleway_source": np.where(tagged | sidepath.to_numpy(), "tag", "none"),
            "cycle_track_twoway": twoway.to_numpy(dtype=bool),
            "oneway_bicycle": oneway_bicycle,
            "oneway_bicycle_source": oneway_bicycle_source,
        },
        index=tags.index,
    )


def sidewalk(tags: pd.DataFrame) -> pd.DataFrame:
    """Sidewalk presence (``both``, ``left``, ``right``, ``no``, ``separate``, ``none`` = untagged)."""
    plain = _clean(tags["sidewalk"]).replace({"yes": "both", "none": "no"})
    both = _clean(tags["sidewalk:both"])
    left = _clean(tags["sidewalk:left"]).fillna(both)
    right = _clean(tags["sidewalk:right"]).fillna(both)
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
        value = _clean(tags[f"parking:{side}"]).fillna(_clean(tags["parking:both"]))
        value = value.fillna(_clean(tags[f"parking:lane:{side}"])).fillna(_clean(tags["parking:lane:both"]))
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
    highway = _clean(tags["highway"]).fillna("")
    access = _clean(tags["access"])
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

    mode_drive = apply(drive_default, [_clean(tags["motor_vehicle"]), _clean(tags["motorcar"])])
    bus_yes = (_clean(tags["bus"]).isin(yes_values).fillna(False)
               | _clean(tags["psv"]).isin(yes_values).fillna(False))
    motor_class = highway.isin(list(MOTOR_CLASSES - {"track"}))
    bus_only = highway.isin(["busway", "bus_guideway"]) | (motor_class & ~mode_drive & bus_yes)
    return pd.DataFrame(
        {
            "mode_walk": apply(walk_default, [_clean(tags["foot"])]),
            "mode_bike": apply(bike_default, [_clean(tags["bicycle"])]),
            "mode_drive": mode_drive,
            "bike_use_sidepath": _clean(tags["bicycle"]).eq("use_sidepath").fillna(False).astype(bool),
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
    highway = _clean(tags["highway"]).fillna("road")
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
    is_path_designated = highway.isin(["path", "footway", "bridleway"]) & _clean(tags["bicycle"]).eq(
        "designated").fillna(False)
    out["is_cycleway"] = (highway.eq("cycleway") | is_path_designated).to_numpy(dtype=bool)
    out["bicycle_road"] = (
        _clean(tags["bicycle_road"]).eq("yes").fillna(False) | _clean(tags["cyclestreet"]).eq("yes").fillna(False)
    ).to_numpy(dtype=bool)
    for column in ("segregated", "surface", "traffic_calming", "junction", "ref", "service", "lit"):
        out[column] = _clean(tags[column])
    for column in ("bridge", "tunnel", "motorroad"):
        out[column] = (_clean(tags[column]).notna() & ~_clean(tags[column]).eq("no")).to_numpy(dtype=bool)
    # a passage through a building is not a tunnel road (OSM tunnel=building_passage)
    out["tunnel"] &= ~_clean(tags["tunnel"]).eq("building_passage").fillna(False).to_numpy(dtype=bool)
    zone = _clean(tags["zone:traffic"])
    out["zone_traffic"] = tags["zone:traffic"].astype("string")
    out["builtup"] = ~zone.eq("nl:rural").fillna(False).to_numpy(dtype=bool)
    out["builtup_source"] = np.where(zone.notna().to_numpy(), "tag", "default:municipality_builtup")
    out["is_road"] = out["mode_drive"] & ~highway.isin(["service", "track"]).to_numpy()
    return out
