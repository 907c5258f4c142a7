"""By bike, each riding direction on its own facility: what serves it, its LTS, and how to say so.

*Forward* is ``u`` → ``v``; in OSM with right-hand traffic the right side serves forward riders
and the left side backward riders (:func:`bike_directions`, as LTS v2.2 peers such as the
BikeOttawa stressmodel do). A painted lane counts only for its direction; a lane beside parking
takes the bike-lane-alongside-parking table. :func:`lane_texts` describes the lane that decides.

:func:`bike_toets` then judges every segment by the first matching rule of :data:`BIKE_RULES`
(``B1``–``B8``), with a reason and, for a failure, a fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobisim.frames import flags, numbers
from mobisim.rules.noise import traffic_source_label
from mobisim.rules.textkit import Fmt, Lazy, Select, T, cat, fmt, select, strings, strings_at
from mobisim.rules.toets.facts import SegmentFacts
from mobisim.rules.toets.lts import lane_lts, mixed_lts, parking_lane_lts
from mobisim.rules.toets.settings import LTS_SOURCE, ToetsSettings

__all__ = ["BIKE_RULES", "LANE", "MIXED", "SEPARATED", "bike_directions", "bike_oneway", "bike_toets", "lane_texts",
           "left_track_serves", "painted_lane", "separated_track"]

#: Facility serving one riding direction (:func:`bike_directions`).
MIXED, LANE, SEPARATED = 0, 1, 2


def bike_oneway(edges: pd.DataFrame) -> np.ndarray:
    """Cyclists ride forward (``u`` → ``v``) only: ``oneway_bicycle``, or ``oneway`` without it."""
    if "oneway_bicycle" in edges.columns:
        return flags(edges, "oneway_bicycle")
    return flags(edges, "oneway")


def left_track_serves(edges: pd.DataFrame) -> np.ndarray:
    """Whether a separated track on the left can serve the riders of a one-way street: not on a half
    of a dual carriageway when the track was only found by geometry (a path on the left of one half
    is, in nearly every case, the track of the other half, beyond the median)."""
    found = strings(edges, "cycle_separated_source", "none").str.startswith("geometry").to_numpy()
    return ~(flags(edges, "dual_carriageway") & found)


def bike_directions(edges: pd.DataFrame, speed: np.ndarray, per_dir: np.ndarray,
                    lts_mix: np.ndarray, settings: ToetsSettings) -> pd.DataFrame:
    """What serves each riding direction of every segment, and its LTS (whole columns).

    *Forward* is ``u`` → ``v``: with the motor traffic on a one-way street (:mod:`mobisim.load`
    reverses ``oneway=-1`` ways), the way direction otherwise. *Backward* is ridden unless
    ``oneway_bicycle`` (contraflow on a one-way street needs ``oneway:bicycle=no`` or a
    contraflow facility). In OSM with right-hand traffic the right side serves forward riders
    and the left side backward riders; where cyclists ride one way only, a lane or a separated
    track on either side serves that one direction.

    Per direction: a separated track on its side (``cycle_separated_<side>``) is LTS 1; a
    painted lane (``cycleway_<side>`` = ``lane``) takes the bike-lane-alongside-parking table
    when ``parking_<side>`` is one of :attr:`ToetsSettings.parking_values` (reach = lane width
    + :attr:`ToetsSettings.parking_lane_width_m`), else the no-parking lane table, never worse
    than mixed traffic; otherwise the rider is in mixed traffic (``lts_mix``). Lane widths
    come from ``cycleway_width_<side>`` when tagged, else
    :attr:`ToetsSettings.bike_lane_width_m`.

    Parameters
    ----------
    edges : pandas.DataFrame
        Segments (columns missing are taken as untagged; without ``oneway_bicycle`` cyclists
        follow ``oneway``).
    speed, per_dir, lts_mix : numpy.ndarray
        Speed (km/h), motor lanes per direction and mixed-traffic LTS per segment.
    settings : ToetsSettings

    Returns
    -------
    pandas.DataFrame
        Indexed like ``edges``, per direction ``d`` in ``fwd``/``bwd``: ``d_ridden`` (bool),
        ``d_kind`` (:data:`MIXED`, :data:`LANE`, :data:`SEPARATED`), ``d_lts`` (int, 0 where not
        ridden), ``d_side`` (side of the lane: ``left``/``right``/``""``), ``d_width`` (lane width
        used, m), ``d_width_tagged`` (bool), ``d_parking`` (bool), ``d_reach`` (m, NaN without
        parking); and ``lts`` (the worse direction).
    """
    n = len(edges)
    one_way = bike_oneway(edges)
    side: dict[str, dict[str, np.ndarray]] = {}
    for sd in ("left", "right"):
        side[sd] = {
            "lane": strings(edges, f"cycleway_{sd}").isin(["lane", "opposite_lane"]).to_numpy(),
            "sep": flags(edges, f"cycle_separated_{sd}"),
            "width": numbers(edges, f"cycleway_width_{sd}"),
            "parking": strings(edges, f"parking_{sd}").str.strip().str.lower()
            .isin(settings.parking_values).to_numpy(),
        }
    left, right = side["left"], side["right"]
    lane_side = {
        "fwd": np.where(right["lane"], "right", np.where(one_way & left["lane"], "left", "")),
        "bwd": np.where(left["lane"], "left", ""),
    }
    # as for lanes: where cyclists ride one way only, a track on the left serves them too
    sep = {"fwd": right["sep"] | (one_way & left["sep"] & left_track_serves(edges)), "bwd": left["sep"]}
    ridden = {"fwd": np.ones(n, dtype=bool), "bwd": ~one_way}
    out: dict[str, np.ndarray] = {}
    for d in ("fwd", "bwd"):
        on_left = lane_side[d] == "left"
        width = np.where(on_left, left["width"], right["width"])
        tagged = ~np.isnan(width)
        width = np.where(tagged, width, settings.bike_lane_width_m)
        parking = np.where(on_left, left["parking"], right["parking"]) & (lane_side[d] != "")
        reach = np.where(parking, width + settings.parking_lane_width_m, np.nan)
        lts_lane = np.where(parking, parking_lane_lts(speed, per_dir, reach, settings),
                            lane_lts(speed, per_dir, settings, width))
        kind = np.select([sep[d], lane_side[d] != ""], [SEPARATED, LANE], default=MIXED)
        lts = np.select([kind == SEPARATED, kind == LANE], [1, np.minimum(lts_lane, lts_mix)],
                        default=lts_mix)
        out.update({
            f"{d}_ridden": ridden[d], f"{d}_kind": kind,
            f"{d}_lts": np.where(ridden[d], lts, 0).astype("int64"),
            f"{d}_side": lane_side[d].astype(object), f"{d}_width": width,
            f"{d}_width_tagged": tagged & (lane_side[d] != ""), f"{d}_parking": parking,
            f"{d}_reach": reach,
        })
    frame = pd.DataFrame(out, index=edges.index)
    frame["lts"] = np.maximum(frame["fwd_lts"], frame["bwd_lts"])
    return frame


def separated_track(edges: pd.DataFrame) -> np.ndarray:
    """A separated cycle track serves every riding direction: on both sides, a two-way track, or
    the with-flow side of a one-way carriageway.

    The with-flow side is the right (dual carriageways: each half carries the track of its own
    direction on its outer side), or either side where cyclists ride one way only (as
    :func:`bike_directions`: a left track on a street one-way for bikes serves the with-flow
    riders, as a left painted lane does).
    """
    left_sep, right_sep = flags(edges, "cycle_separated_left"), flags(edges, "cycle_separated_right")
    with_flow_sep = right_sep | (bike_oneway(edges) & left_sep & left_track_serves(edges))
    return ((left_sep & right_sep) | flags(edges, "cycle_track_twoway")
            | (flags(edges, "oneway") & with_flow_sep))


def painted_lane(edges: pd.DataFrame) -> np.ndarray:
    """A painted cycle lane on either side (``cycleway_<side>`` = ``lane`` or ``opposite_lane``)."""
    cw = [strings(edges, f"cycleway_{side}") for side in ("left", "right")]
    return ((cw[0].isin(["lane", "opposite_lane"])) | (cw[1].isin(["lane", "opposite_lane"]))).to_numpy()


@dataclass(frozen=True)
class _LaneRows:
    """The riding directions of the segments with a painted lane (positions ``rows``)."""

    dirs: pd.DataFrame
    rows: np.ndarray
    name: dict[str, np.ndarray]

    def col(self, column: str) -> np.ndarray:
        """Column ``column`` of :func:`bike_directions` on the rows."""
        return self.dirs[column].to_numpy()[self.rows]

    def ridden(self, d: str) -> np.ndarray:
        return self.col(f"{d}_ridden").astype(bool)

    def served(self, d: str) -> np.ndarray:
        """Riders of direction ``d`` have a lane or a track."""
        return self.ridden(d) & (self.col(f"{d}_kind") != MIXED)

    def mixed(self, d: str) -> np.ndarray:
        """Riders of direction ``d`` ride in mixed traffic."""
        return self.ridden(d) & (self.col(f"{d}_kind") == MIXED)

    def with_lane(self, d: str) -> np.ndarray:
        """Riders of direction ``d`` have a painted lane."""
        return self.ridden(d) & (self.col(f"{d}_kind") == LANE)

    def partial(self) -> np.ndarray:
        """A facility serves one direction ridden while riders of the other are in mixed traffic."""
        return (self.served("fwd") & self.mixed("bwd")) | (self.served("bwd") & self.mixed("fwd"))

    def pick(self, column: str, at: np.ndarray) -> np.ndarray:
        """``column`` of the lane described, the worse lane direction (forward on a tie), at ``at``."""
        fwd, bwd = self.with_lane("fwd"), self.with_lane("bwd")
        use_bwd = bwd & (~fwd | (self.col("bwd_lts") > self.col("fwd_lts")))
        return np.where(use_bwd[at], self.col(f"bwd_{column}")[at], self.col(f"fwd_{column}")[at])


def _lane_description(lanes: _LaneRows, at: np.ndarray, settings: ToetsSettings) -> np.ndarray:
    """``right-side bike lane 1.5 m (width assumed) beside parking: reach 3.5 m …: LTS 3``."""
    parking = lanes.pick("parking", at).astype(bool)
    park_text = cat(" beside parking: reach ", fmt(lanes.pick("reach", at), "{:.1f}"),
                    f" m with a {settings.parking_lane_width_m:.1f} m parking lane "
                    "(assumed), Furth v2.2 bike lane alongside parking")
    return cat(lanes.pick("side", at), "-side bike lane ", fmt(lanes.pick("width", at), "{:.1f}"),
               " m (width ", np.where(lanes.pick("width_tagged", at), "tagged", "assumed"),
               ")", np.where(parking, park_text, " without parking beside it"),
               ": LTS ", fmt(lanes.pick("lts", at).astype(float)))


def _one_direction_note(lanes: _LaneRows, at: np.ndarray, lts_mix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The note for a facility serving one direction only, and the name of the other direction."""
    kind = {d: lanes.col(f"{d}_kind") for d in ("fwd", "bwd")}
    fwd_only = lanes.served("fwd")[at] & lanes.mixed("bwd")[at]
    served_name = np.where(fwd_only, lanes.name["fwd"][at], lanes.name["bwd"][at])
    served_kind = np.where(fwd_only, kind["fwd"][at], kind["bwd"][at])
    other = np.where(lanes.mixed("fwd")[at], lanes.name["fwd"][at], lanes.name["bwd"][at]).astype(object)
    note = cat("; the ", np.where(served_kind == LANE, "painted lane", "separated track"),
               " serves only ", served_name, " riders, ", other,
               " riders ride in mixed traffic: LTS ", fmt(lts_mix.astype(float)))
    return note, other


def lane_texts(edges: pd.DataFrame, dirs: pd.DataFrame, lane: np.ndarray, lts_mix: np.ndarray,
               settings: ToetsSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Readable account of the painted lane(s) of every segment, for the bike reasons and fixes.

    Parameters
    ----------
    edges : pandas.DataFrame
        Segments (``oneway``, ``cycleway_left``, ``cycleway_right``).
    dirs : pandas.DataFrame
        :func:`bike_directions` of the segments.
    lane : numpy.ndarray of bool
        A painted lane on either side.
    lts_mix : numpy.ndarray
        Mixed-traffic LTS.
    settings : ToetsSettings

    Returns
    -------
    text : numpy.ndarray of object
        The lane that decides (the worse lane direction), e.g. ``right-side bike lane 1.5 m
        (width assumed) beside parking: reach 3.5 m …: LTS 3``, plus a note when the lane
        serves only one of the directions ridden; ``""`` where there is no lane.
    partial : numpy.ndarray of bool
        A lane serves one direction ridden while riders of the other are in mixed traffic.
    other : numpy.ndarray of object
        Name of the direction in mixed traffic (``with-flow``, ``contraflow``,
        ``way-direction``, ``opposite-direction``), ``""`` elsewhere.
    """
    n = len(edges)
    text = np.full(n, "", dtype=object)
    partial = np.zeros(n, dtype=bool)
    other = np.full(n, "", dtype=object)
    rows = np.flatnonzero(lane)  # texts only where a lane is painted (none in most city files)
    if len(rows) == 0:
        return text, partial, other
    oneway = flags(edges, "oneway")[rows]
    lanes = _LaneRows(dirs, rows, {
        "fwd": np.where(oneway, "with-flow", "way-direction").astype(object),
        "bwd": np.where(oneway, "contraflow", "opposite-direction").astype(object)})
    sides = cat("cycleway left=", strings_at(edges, "cycleway_left", rows, "none"), ", right=",
                strings_at(edges, "cycleway_right", rows, "none"))
    at = np.flatnonzero(lanes.with_lane("fwd") | lanes.with_lane("bwd"))
    if len(at):
        sides[at] = _lane_description(lanes, at, settings)
    part = lanes.partial()
    at = np.flatnonzero(part)
    if len(at):
        note, other_at = _one_direction_note(lanes, at, np.asarray(lts_mix)[rows[at]])
        sides[at] = cat(sides[at], note)
        other[rows[at]] = other_at
    text[rows] = sides
    partial[rows] = part
    return text, partial, other


#: The bike rules, first match wins: rule id and verdict (the conditions are :func:`_bike_conditions`).
BIKE_RULES: list[tuple[object, str]] = [
    (pd.NA, "n/a"),  # not ridden
    ("B2-sidepath", "pass"),
    ("B1-path", "pass"),
    ("B2-separated", "pass"),
    ("B3-living-street", "pass"),
    ("B4-fietsstraat", "pass"),
    ("B5-painted-lane-50", "fail"),
    ("B6-mixed-fast", "fail"),
    ("B7-lts", "fail"),
]
#: Rule id and verdict where no rule of :data:`BIKE_RULES` matches: mixed traffic at 30 and LTS 1.
BIKE_DEFAULT = ("B8-mixed-30", "pass")


@dataclass(frozen=True)
class _BikeRoad:
    """What a child on a bike meets on each segment (whole columns)."""

    ridden: np.ndarray  #: ``mode_bike``
    sidepath: np.ndarray  #: ``bike_use_sidepath``: judged as the mandatory side path
    path: np.ndarray  #: a cycle path or a path without motor traffic
    separated: np.ndarray  #: :func:`separated_track`
    fietsstraat: np.ndarray  #: ``bicycle_road`` with motor traffic a fietsstraat allows
    lane: np.ndarray  #: :func:`painted_lane`
    dirs: pd.DataFrame  #: :func:`bike_directions`
    lts_mix: np.ndarray  #: mixed-traffic LTS at the speed judged
    lts_mix_30: np.ndarray  #: mixed-traffic LTS at the mixing limit (what lowering the limit gives)
    lts: np.ndarray  #: the segment's LTS
    lane_text: np.ndarray  #: :func:`lane_texts`
    partial: np.ndarray
    other_dir: np.ndarray


def _bike_road(edges: pd.DataFrame, f: SegmentFacts, s: ToetsSettings) -> _BikeRoad:
    centre = f.highway.isin(s.centreline_classes).to_numpy()
    lts_mix = mixed_lts(f.speed, f.volume, f.per_dir, centre, s)
    lts_mix_30 = mixed_lts(np.minimum(np.nan_to_num(f.speed), s.mixed_max_speed_kmh), f.volume,
                           f.per_dir, centre, s)
    lane = painted_lane(edges)
    dirs = bike_directions(edges, f.speed, f.per_dir, lts_mix, s)
    separated = separated_track(edges)
    # a fietsstraat only where the cars are few enough to be guests (unknown volume: as tagged)
    fietsstraat = flags(edges, "bicycle_road") & ~(f.volume > s.fietsstraat_max_daily_traffic)
    sidepath = flags(edges, "bike_use_sidepath")
    path = flags(edges, "is_cycleway") | (~f.drive & ~f.bus)
    lts = np.select([sidepath | path | separated | f.living | (fietsstraat & f.slow)], [1],
                    default=dirs["lts"].to_numpy())
    lane_text, partial, other_dir = lane_texts(edges, dirs, lane, lts_mix, s)
    return _BikeRoad(ridden=flags(edges, "mode_bike"), sidepath=sidepath, path=path, separated=separated,
                     fietsstraat=fietsstraat, lane=lane, dirs=dirs, lts_mix=lts_mix, lts_mix_30=lts_mix_30,
                     lts=lts, lane_text=lane_text, partial=partial, other_dir=other_dir)


def _bike_conditions(b: _BikeRoad, f: SegmentFacts) -> list[np.ndarray]:
    """The conditions of :data:`BIKE_RULES`, in order."""
    return [
        ~b.ridden & ~b.sidepath,
        b.sidepath,
        b.path,
        b.separated,
        f.living,
        b.fietsstraat & f.slow,
        b.lane & ~f.slow,
        ~f.slow,
        b.lts > 1,
    ]


def _traffic_text(edges: pd.DataFrame, f: SegmentFacts) -> T:
    """``50 km/h, ~5000 motor vehicles/day (assumed for tertiary), 1 lane(s) per direction`` (lazy)."""
    source = traffic_source_label(edges)
    modelled = source == "modelled"
    own = ~modelled & (source != "class estimate")
    vehicles = Select([f.bus, modelled, own],
                      [" buses/day (assumed: bus-only ", " motor vehicles/day (modelled; ",
                       T(" motor vehicles/day (", source, "; ")],
                      " motor vehicles/day (assumed for ")
    return T(Fmt(f.speed), " km/h, ~", Fmt(f.volume), vehicles, f.highway, "), ", Fmt(f.per_dir),
             " lane(s) per direction")


def _bike_reasons(edges: pd.DataFrame, f: SegmentFacts, b: _BikeRoad, conds: list[np.ndarray],
                  s: ToetsSettings) -> np.ndarray:
    """The reason of each segment's bike rule (texts built only on the rows of their rule)."""
    lts_s = Fmt(b.lts.astype(float))
    traffic = _traffic_text(edges, f)
    mixed_with = Select([f.bus], ["mixed with buses"], "mixed with motor traffic")
    mixed_word = Select([f.bus], ["mixed with buses"], "mixed traffic")
    sep_src = Lazy(lambda idx: strings_at(edges, "cycle_separated_source", idx, "none"))
    slow_what = Select([b.lane], [T("painted cycle lane at ", traffic, ": LTS ", lts_s, " (",
                                    b.lane_text, "; ")],
                       T(mixed_word, " at ", traffic, ": LTS ", lts_s, " ("))
    return select(conds, [
        pd.NA,
        "bicycle=use_sidepath: a mandatory separate cycle path runs alongside (RVV 1990 art. 5), "
        "so children ride there, not on the carriageway; judged as that path: LTS 1 (physically "
        "separated)",
        "cycle path or path without motor traffic (LTS 1: physically separated)",
        T("separated cycle track (both sides, a two-way track, or beside a one-way "
          "carriageway; source: ", sep_src, "): LTS 1"),
        "woonerf (living street): walking pace, cars are guests (LTS 1)",
        f"fietsstraat at ≤30 km/h with at most {s.fietsstraat_max_daily_traffic:,.0f} motor vehicles/day: "
        "cars are guests (LTS 1)",
        T("painted cycle lane at ", Fmt(f.speed), " km/h: at 50 Dutch practice separates cyclists, a "
          "painted lane is not enough (CROW/SWOV); LTS ", lts_s, " (", b.lane_text, ")"),
        T(mixed_with, " at ", traffic, ": LTS ", lts_s, "; Dutch practice mixes "
          "children only at ≤", str(s.mixed_max_speed_kmh), " km/h"),
        T(slow_what, LTS_SOURCE, ")"),
    ], T(slow_what, LTS_SOURCE, "), and ≤", str(s.mixed_max_speed_kmh),
         " km/h (Dutch practice)"), len(f))


def _bike_fixes(f: SegmentFacts, b: _BikeRoad, conds: list[np.ndarray], s: ToetsSettings) -> np.ndarray:
    """What would make each failing segment pass by bike (texts built only on the failing rows)."""
    sep_fix = Select([f.per_dir >= 2],
                     ["reduce to one lane per direction and add a separated cycle track"],
                     "add a separated cycle track (both sides, or a two-way track)")
    lane_fix = Select(
        [b.partial,
         b.lane & (b.dirs["fwd_parking"].to_numpy() | b.dirs["bwd_parking"].to_numpy()),
         b.lane],
        [T("give ", b.other_dir, " riders a cycle lane too (or add a separated cycle track), "
           "or cut motor traffic below the LTS 1 volume"),
         f"widen the bike lane so that lane + parking reach at least "
         f"{s.parking_reach_wide_m:.1f} m (or remove the parking beside it), or add a "
         "separated cycle track",
         f"widen the bike lane to at least {s.bike_lane_wide_min_m:.1f} m, cut motor traffic "
         "below the LTS 1 volume, or add a separated cycle track"],
        "cut motor traffic (modal filter) below the LTS 1 volume, or add a separated cycle track")
    return select(conds, [pd.NA] * 6 + [
        Select([b.partial], ["replace the painted lane by a separated cycle track for both "
                             "directions (a track on each side, or a two-way track), or lower the "
                             "limit to 30 km/h"],
               "replace the painted lane by a separated cycle track, or lower the limit to "
               "30 km/h"),
        Select([b.lts_mix_30 == 1], ["lower the limit to 30 km/h"],
               T(sep_fix, ", or lower the limit to 30 km/h and cut traffic")),
        Select([f.per_dir >= 2], [sep_fix], lane_fix),
    ], pd.NA, len(f))


def bike_toets(edges: pd.DataFrame, f: SegmentFacts, s: ToetsSettings) -> dict[str, object]:
    """Judge every segment for a child on a bike: the columns ``lts_bike`` and ``toets_bike*``.

    Each riding direction is judged on its own facility (:func:`bike_directions`): a painted lane
    counts only for the direction it serves, and the segment's LTS is the worse direction. A road
    with ``bicycle=use_sidepath`` is judged as its mandatory side path (rule ``B2-sidepath``); a
    bus-only road (``bus_only``) is mixed traffic with buses, not a traffic-free path.

    Returns
    -------
    dict
        ``lts_bike`` (Int64), ``toets_bike`` (object: ``pass``/``fail``/``n/a``), and the string
        arrays ``toets_bike_rule``, ``toets_bike_reason``, ``toets_bike_fix`` (failures only).
    """
    b = _bike_road(edges, f, s)
    conds = _bike_conditions(b, f)
    n = len(f)
    rule = select(conds, [r for r, _ in BIKE_RULES], BIKE_DEFAULT[0], n)
    verdict = select(conds, [v for _, v in BIKE_RULES], BIKE_DEFAULT[1], n)
    return {
        "lts_bike": pd.array(np.where(b.ridden | b.sidepath, b.lts, np.nan), dtype="Float64").astype("Int64"),
        "toets_bike": verdict,
        "toets_bike_rule": pd.array(rule, dtype="string"),
        "toets_bike_reason": pd.array(_bike_reasons(edges, f, b, conds, s), dtype="string"),
        "toets_bike_fix": pd.array(np.where(verdict == "fail", _bike_fixes(f, b, conds, s), pd.NA),
                                   dtype="string"),
    }
