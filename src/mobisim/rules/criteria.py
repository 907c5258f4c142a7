"""Criteria C1 (a separate cycle path) and C2 (no sensitive sites nearby), and how verdicts combine.

Each criterion returns a verdict (``pass`` / ``fail`` / ``unknown``) and its evidence per
segment, computed on the whole frame of the roads judged. C3 is :mod:`mobisim.rules.c3`, C4
:mod:`mobisim.rules.c4`; :func:`combine` joins verdicts (all must pass) and :func:`tiers` turns
the four into the outcome of the 30/50 rule.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.frames import flags
from mobisim.rules import noise as nz
from mobisim.rules.settings import RuleSettings
from mobisim.rules.textkit import T, cat, fmt, or_none, select, strings

__all__ = ["combine", "criterion_c1", "criterion_c2", "has_data", "sensitive_sites", "tiers"]


def has_data(frame: pd.DataFrame | None) -> bool:
    """Whether ``frame`` exists and has rows."""
    return frame is not None and len(frame) > 0


def criterion_c1(edges: pd.DataFrame, network_has_cycle_paths: bool, data_has_cycleway_tags: bool = True
                 ) -> tuple[np.ndarray, np.ndarray]:
    """C1: separated cycle track on both sides, or a two-way track, or — on a one-way
    carriageway such as each half of a dual carriageway — a track on its right-hand side.

    Parameters
    ----------
    edges : DataFrame
        Candidate segments with the cycleway and parallel-path columns.
    network_has_cycle_paths : bool
        Whether the input holds separate cycle paths at all (else nothing can be detected).
    data_has_cycleway_tags : bool
        Whether any way of the input carries a ``cycleway*`` tag. Without any, a track drawn on the
        road itself is invisible: a parallel path found by geometry still passes, but its absence
        is ``unknown``, never ``fail``.
    """
    left = flags(edges, "cycle_separated_left")
    right = flags(edges, "cycle_separated_right")
    twoway = flags(edges, "cycle_track_twoway")
    cwl, cwr = strings(edges, "cycleway_left", "none"), strings(edges, "cycleway_right", "none")
    lane = (cwl.isin(["lane", "opposite_lane"]) | cwr.isin(["lane", "opposite_lane"])).to_numpy()
    tagged = ((cwl != "none") | (cwr != "none")).to_numpy()
    src = strings(edges, "cycle_separated_source", "none").to_numpy(dtype=str)
    sides = cat("cycleway left=", cwl.to_numpy(dtype=str), ", right=", cwr.to_numpy(dtype=str))
    # a one-way carriageway (each half of a dual carriageway): the track on its right-hand side, the
    # side of its traffic (a path on the left of a half is usually the median or the other half's)
    oneway_right = flags(edges, "oneway") & right
    n = len(edges)
    blind = np.full(n, not data_has_cycleway_tags) & ~tagged
    conds = [left & right, twoway, oneway_right, lane, blind & (left | right), blind,
             ~tagged & ~network_has_cycle_paths, left | right]
    verdict = select(conds, ["pass", "pass", "pass", "fail", "unknown", "unknown", "unknown", "fail"],
                     "fail", n)
    evidence = select(conds, [
        T("separated cycle track on both sides (", src, ")"),
        T("two-way separated cycle track on one side (", src, ")"),
        T("one-way carriageway (e.g. half of a dual carriageway) with a separated cycle track "
          "on its right-hand side, the side of its traffic (", src, ")"),
        T("painted cycle lane only (", sides, "): a painted lane does not count at 50 "
          "(CROW/SWOV: at 50 km/h cyclists are separated)"),
        T("a separated cycle path found on one side only (", src, "); the input carries no cycleway "
          "tags at all, so a track on the other side drawn on the road itself would be invisible"),
        "no separated cycle path found by geometry; the input carries no cycleway tags at all, so a "
        "track drawn on the road itself would be invisible",
        "no cycleway tag, and the data holds no cycle paths to detect a parallel one",
        T("separated cycle track on one side only (", src, "; ", sides, ")"),
    ], cat("no separated cycle path (", sides, "; no parallel cycle path detected)"), n)
    return verdict, evidence



def sensitive_sites(features: gpd.GeoDataFrame | None, kinds: list[str]) -> gpd.GeoDataFrame | None:
    """The features of ``kinds`` (``primary_school`` = schools told primary by
    :func:`mobisim.load.features.is_primary_school`), with a readable ``site_kind``; ``None`` without
    features."""
    if features is None or not has_data(features) or "kind" not in features.columns:
        return None
    kind = strings(features, "kind")
    primary = flags(features, "primary_school") & (kind == "school").to_numpy()
    chosen = kind.isin(kinds).to_numpy() | (primary & ("primary_school" in kinds))
    sites = features[chosen]
    sub = strings(sites, "subkind")
    label = np.where(primary[chosen], "primary school", np.where(sub != "", sub, strings(sites, "kind")))
    return sites.assign(site_kind=pd.Series(label, index=sites.index).str.replace("_", " "))


def criterion_c2(edges: pd.DataFrame, features: gpd.GeoDataFrame | None, s: RuleSettings) -> tuple[np.ndarray, np.ndarray]:
    """C2: no sensitive site within ``sensitive_distance_m``; evidence names the nearest and its kind."""
    n = len(edges)
    sites = sensitive_sites(features, list(s.sensitive_kinds))
    if sites is None or len(sites) == 0:
        wanted = ", ".join(s.sensitive_kinds).replace("_", " ")
        return (np.full(n, "unknown", dtype=object),
                np.full(n, f"no sensitive sites ({wanted}) in the data: load a feature file",
                        dtype=object))
    dist, idx = nz.nearest_distance(edges.geometry.to_numpy(), sites.geometry.to_numpy(),
                                    s.sensitive_search_m)
    names = strings(sites, "name").to_numpy(dtype=object)
    kinds = sites["site_kind"].to_numpy(dtype=object)
    found = idx >= 0
    site_name = np.where(found, names[np.maximum(idx, 0)], "")
    site_name = np.where(site_name == "", "unnamed site", site_name)
    site_kind = np.where(found, kinds[np.maximum(idx, 0)], "")
    near = found & (dist <= s.sensitive_distance_m)
    evidence = np.where(
        found,
        cat("nearest: ", site_name.astype(str), " (", site_kind.astype(str), ") at ", fmt(dist),
            " m (limit ", f"{s.sensitive_distance_m:.0f}", " m)"),
        f"no sensitive site within {s.sensitive_search_m:.0f} m",
    )
    return np.where(near, "fail", "pass").astype(object), evidence.astype(object)


def combine(*verdicts: np.ndarray) -> np.ndarray:
    """All must pass: ``fail`` if any fails, else ``unknown`` if any is unknown, else ``pass``."""
    stack = np.vstack(verdicts)
    return np.where((stack == "fail").any(axis=0), "fail",
                    np.where((stack == "unknown").any(axis=0), "unknown", "pass")).astype(object)


def tiers(c: dict[str, np.ndarray], judged: np.ndarray) -> np.ndarray:
    """``keep_50`` / ``50_if_shown`` / ``to_30`` for the judged segments (``None`` elsewhere)."""
    verdict = combine(c["c1"], c["c2"], c["c3"], c["c4"])
    tier = np.select([verdict == "pass", verdict == "unknown"], ["keep_50", "50_if_shown"], "to_30")
    return or_none(judged, tier)
