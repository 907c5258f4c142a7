"""Maximum speed per way from its tags, else the Dutch class default, with its provenance.

Part of the *tag* step (:func:`mobisim.load.tags.tag_ways`); also read by the speed-limit layers of
an OSM extract (:mod:`mobisim.load.speed_files`) and the defaults-versus-tags measure
(:mod:`mobisim.load.speed_defaults`).

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

from mobisim.load.tag_values import MOTOR_CLASSES, clean

__all__ = ["DEFAULT_MAXSPEED", "DEFAULT_MAXSPEED_RURAL", "NAMED_MAXSPEED", "maxspeed", "parse_speed_tokens"]

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
    text = clean(raw).str.replace(r"[\[\]'\"]", "", regex=True)
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
    highway = clean(tags["highway"])
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

    rural = clean(tags["zone:traffic"]).eq("nl:rural").fillna(False)
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

