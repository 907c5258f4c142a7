"""How far the Dutch class defaults for ``maxspeed`` are from real tags, and the report's caveat.

:func:`default_vs_tagged` measures it on a network whose roads are tagged; :data:`SCHEVENINGEN_2025`
holds that measurement for the fully tagged Scheveningen sample, and :func:`defaults_note` turns it
into the caveat a report prints when today's limits are defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mobisim.load.tags import DEFAULT_MAXSPEED, DEFAULT_MAXSPEED_RURAL
from mobisim.network import Network

__all__ = ["SCHEVENINGEN_2025", "DefaultsVsTags", "default_vs_tagged", "defaults_note"]


@dataclass(frozen=True)
class DefaultsVsTags:
    """How the class defaults compare with tagged limits on a sample (see :func:`default_vs_tagged`).

    Attributes
    ----------
    file, osm_date : str
        The sample and the date of its OSM data.
    km_tagged : float
        Road km with a tagged ``maxspeed`` (the km compared).
    km_50_tags, km_50_defaults : float
        Road km with limit 50 by the tags and by the class defaults.
    km_30_tags, km_30_defaults : float
        The same for limit 30.
    share_agree : float
        Share of ``km_tagged`` where the class default equals the tag (0..1).
    """

    file: str
    osm_date: str
    km_tagged: float
    km_50_tags: float
    km_50_defaults: float
    km_30_tags: float
    km_30_defaults: float
    share_agree: float

    def sentence(self) -> str:
        """The comparison as one sentence for a report."""
        return (f"on a fully tagged sample ({self.file}, OSM data of {self.osm_date}), class defaults find "
                f"{self.km_50_defaults:.1f} km of 50-roads where the tags say {self.km_50_tags:.1f} km "
                f"(agree on {100 * self.share_agree:.0f} % of road km)")


SCHEVENINGEN_2025 = DefaultsVsTags(
    file="scheveningen-2025.osm.bz2",
    osm_date="2025-11-28",
    km_tagged=72.6,
    km_50_tags=25.4,
    km_50_defaults=12.2,
    km_30_tags=45.1,
    km_30_defaults=57.2,
    share_agree=0.818,
)
"""Class defaults against real tags on the fully tagged Scheveningen sample.

Measured with ``default_vs_tagged(load_network(["../shared/osm/scheveningen-2025.osm.bz2"]))``
(Overpass extract of OSM data of 2025-11-28: 690 drivable ways, ``maxspeed`` on 684; see
``../shared/osm/README.md``): of the 72.6 km of road segments (``is_road``) with a tagged
``maxspeed``, the tags give 25.4 km of 50-roads and 45.1 km of 30-roads, the class defaults
(:data:`mobisim.load.tags.DEFAULT_MAXSPEED`) 12.2 km and 57.2 km; default and tag agree on 81.8 % of
the km. Most of the gap is 11.9 km of ``residential`` streets signed 50 (the default says 30);
the 1.1 km of ``trunk`` is signed 50 (default 80). ``tests/test_speedlimits_shared.py`` recomputes
the figures from the file.
"""


def default_vs_tagged(net: Network) -> dict[str, float | int]:
    """Compare tagged limits with the class defaults on the road segments that have a tag.

    The default of each segment is what :func:`mobisim.load.tags.maxspeed` would have filled in without
    the tag: :data:`~mobisim.load.tags.DEFAULT_MAXSPEED` by ``highway``, or
    :data:`~mobisim.load.tags.DEFAULT_MAXSPEED_RURAL` outside the built-up area (``builtup`` false).

    Parameters
    ----------
    net : mobisim.network.Network
        A loaded, tagged network.

    Returns
    -------
    dict
        ``segments`` and ``km_tagged`` (road segments, ``is_road``, whose ``maxspeed_source`` starts
        with ``tag``), ``km_50_tags``/``km_50_defaults`` and ``km_30_tags``/``km_30_defaults`` (km
        with limit 50 or 30 by the tags and by the defaults), ``share_agree`` (share of
        ``km_tagged`` where default equals tag; NaN without tagged roads).
    """
    e = net.edges
    roads = e["is_road"].fillna(False).to_numpy(dtype=bool)
    tagged = e["maxspeed_source"].astype("string").str.startswith("tag").fillna(False).to_numpy(dtype=bool)
    sel = e[roads & tagged]
    km = sel["length"].to_numpy(dtype=float) / 1000.0
    tag = sel["maxspeed"].to_numpy(dtype=float, na_value=np.nan)
    urban = sel["highway"].map(DEFAULT_MAXSPEED).astype("Float64")
    rural = sel["highway"].map(DEFAULT_MAXSPEED_RURAL).astype("Float64").fillna(urban)
    builtup = sel["builtup"].fillna(True).to_numpy(dtype=bool)
    default = np.where(builtup, urban.to_numpy(dtype=float, na_value=np.nan),
                       rural.to_numpy(dtype=float, na_value=np.nan))
    total = float(km.sum())
    return {
        "segments": int(len(sel)),
        "km_tagged": total,
        "km_50_tags": float(km[tag == 50].sum()),
        "km_50_defaults": float(km[default == 50].sum()),
        "km_30_tags": float(km[tag == 30].sum()),
        "km_30_defaults": float(km[default == 30].sum()),
        "share_agree": float(km[tag == default].sum()) / total if total > 0 else float("nan"),
    }


def defaults_note(net: Network, sample: DefaultsVsTags = SCHEVENINGEN_2025) -> str | None:
    """The caveat a report prints when today's limits are class defaults.

    Parameters
    ----------
    net : mobisim.network.Network
        The network as loaded (speed-limit layer applied).
    sample : DefaultsVsTags
        The measured comparison to quote.

    Returns
    -------
    str or None
        One paragraph: how many road km carry a class default, the sample's comparison and how to
        give real limits; ``None`` when no road segment has a default limit.
    """
    e = net.edges
    roads = e["is_road"].fillna(False).to_numpy(dtype=bool)
    source = e["maxspeed_source"].astype("string").fillna("")
    default = source.str.startswith("default:").to_numpy(dtype=bool) & roads
    km = e["length"].to_numpy(dtype=float) / 1000.0
    if not default.any():
        return None
    km_default, km_roads = float(km[default].sum()), float(km[roads].sum())
    return (f"Today's limits on {km_default:,.1f} km of the {km_roads:,.1f} km of roads "
            f"({km_default / km_roads:.0%}) are class defaults, not signed limits: {sample.sentence()}. "
            f"Give the real limits with --speed-limits FILE or [data] speed_limits.")
