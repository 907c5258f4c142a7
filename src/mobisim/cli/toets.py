"""``mobisim toets``: the reviewer command — the 30/50 rule and the 8-jarigen-toets for one street.

Examples::

    mobisim toets "Laan van Meerdervoort" --osm ../shared/osm/den-haag-city-2021.osm.bz2
    mobisim toets --way 7494860 --osm ../shared/osm/scheveningen-2025.osm.bz2 --json
    mobisim toets --at 52.0786,4.2887 --osm ../shared/osm/den-haag-city-2021.osm.bz2

Per segment it shows the 30/50 tier (keeps 50 / 50 if shown / to 30), the criteria that decide it
and, for "50 if shown", the evidence that would decide it. The area judged is marked as in
``mobisim run`` (:func:`mobisim.pipeline.mark_scope`: the scenario's area, else the municipality);
a segment outside it is "outside the municipality: not judged", its toets not listed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import pandas as pd
import typer

from mobisim.cli._app import app, user_errors
from mobisim.errors import MobisimError, NotFoundError
from mobisim.names import fold_name, street_mask

if TYPE_CHECKING:
    from mobisim.network import Network

#: Edge columns shown per segment (and written by ``--json``).
SEGMENT_FIELDS = [
    "way_id", "u", "v", "name", "highway", "length", "maxspeed", "maxspeed_source", "lanes",
    "is_road", "in_area", "regime", "proposed_maxspeed", "regime_tier", "regime_deciding", "regime_missing",
    "regime_rule", "regime_reason", "c1_cycle_path", "c1_evidence", "c2_sensitive_sites", "c2_evidence",
    "c3_air_noise", "c3_evidence", "noise_lden_db", "c4_crossable", "c4_evidence",
    "calming", "calming_reason", "lts_bike",
    "toets_bike", "toets_bike_rule", "toets_bike_reason", "toets_bike_fix",
    "toets_walk", "toets_walk_rule", "toets_walk_reason", "toets_walk_fix", "toets_pass",
    "school_route_children",
]
CROSSING_FIELDS = [
    "crossing_kind", "crossed_name", "lanes_crossed", "crossed_speed", "lts_crossing",
    "toets_crossing", "toets_crossing_rule", "toets_crossing_reason", "toets_crossing_fix",
    "junction_fix", "junction_fix_reason", "weakest_link_children",
]
#: Short names of the criteria in ``regime_deciding`` (``"C2+C4"``).
CRITERION_NAMES = {"C1": "C1 separate cycle path", "C2": "C2 no sensitive sites", "C3": "C3 air and noise",
                   "C4": "C4 crossable"}
OUTSIDE = "outside the municipality: not judged"
CRITERIA = [("C1 separate cycle path", "c1_cycle_path", "c1_evidence"),
            ("C2 no sensitive sites", "c2_sensitive_sites", "c2_evidence"),
            ("C3 air and noise", "c3_air_noise", "c3_evidence"),
            ("C4 crossable by an 8-year-old", "c4_crossable", "c4_evidence")]


#: Street-name folding shared with the scenario interventions (:mod:`mobisim.names`).
normalise_name = fold_name


def parse_at(text: str) -> tuple[float, float]:
    """Parse ``"LAT,LON"`` into floats; a clear error otherwise."""
    parts = text.replace(" ", "").split(",")
    try:
        lat, lon = float(parts[0]), float(parts[1])
        if len(parts) != 2:
            raise ValueError
    except (ValueError, IndexError):
        raise MobisimError(f"--at {text!r}: expected LAT,LON in degrees, e.g. 52.0786,4.2887") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise MobisimError(f"--at {text!r}: latitude/longitude out of range")
    return lat, lon


def select_by_name(edges: pd.DataFrame, name: str) -> pd.DataFrame:
    """Segments whose name matches ``name`` (case/accent-insensitive); NotFoundError otherwise."""
    return edges[street_mask(edges, name)]


def select_by_way(edges: pd.DataFrame, way_id: int) -> pd.DataFrame:
    """Segments of one OSM way; NotFoundError otherwise."""
    sel = edges[edges["way_id"] == way_id]
    if sel.empty:
        raise NotFoundError(f"OSM way {way_id} not found among the network's street segments")
    return sel


def select_at(edges: Any, lat: float, lon: float, max_distance: float = 500.0) -> pd.DataFrame:
    """The street segment nearest to a WGS84 point (motor roads preferred)."""
    import shapely
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, edges.crs, always_xy=True).transform(lon, lat)
    point = np.array([shapely.points(x, y)])
    roads = edges[edges["is_road"].fillna(False).astype(bool)] if "is_road" in edges.columns else edges
    for pool in (roads, edges):
        if len(pool) == 0:
            continue
        tree = shapely.STRtree(pool.geometry.to_numpy())
        idx, _ = tree.query_nearest(point, max_distance=max_distance, return_distance=True)
        if idx.shape[1]:
            return pool.iloc[[int(idx[1][0])]]
    raise NotFoundError(f"no street segment within {max_distance:.0f} m of {lat},{lon}")


def order_along(sel: Any) -> Any:
    """Order segments along the street's main axis (west→east or south→north)."""
    c = sel.geometry.centroid
    minx, miny, maxx, maxy = sel.total_bounds
    key = c.x if (maxx - minx) >= (maxy - miny) else c.y
    return sel.assign(_k=key.to_numpy()).sort_values("_k").drop(columns="_k")


def _clean(value: Any) -> Any:
    """JSON-safe scalar."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 2)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def judged(segment: dict[str, Any]) -> bool:
    """Whether a segment (or crossing) lies in the area judged (no ``in_area``: everything does)."""
    return segment.get("in_area") is not False and segment.get("regime") != "outside_area"


def deciding_names(deciding: str | None) -> str:
    """``"C2 no sensitive sites, C4 crossable"`` from ``regime_deciding`` ``"C2+C4"``."""
    return ", ".join(CRITERION_NAMES.get(c, c) for c in str(deciding or "").split("+") if c)


def segment_verdict(segment: dict[str, Any]) -> str:
    """One-line outcome of the 30/50 rule: the tier, or why the road has none."""
    from mobisim.rules import TIER_LABELS

    if not judged(segment):
        return OUTSIDE
    tier = segment.get("regime_tier")
    if tier:
        return TIER_LABELS.get(tier, tier)
    regime, rule = segment.get("regime"), segment.get("regime_rule") or ""
    if regime == "not_road":
        return "not a motor road"
    if regime == "out_of_scope":
        return "out of scope: limit unchanged"
    if rule == "R3-living-street":
        return "woonerf: limit unchanged"
    if rule == "R4-already-30":
        return "30 or less already: unchanged"
    return f"{regime} km/h" if regime in ("30", "50") else str(regime)


def street_report(net: Network, sel: pd.DataFrame) -> dict[str, Any]:
    """Machine-readable verdict for the selected segments and the crossings on them.

    Each segment carries its tier (``regime_tier`` and the label ``tier``), the deciding criteria
    (``regime_deciding``: the failing ones for to 30, the unknown ones for 50 if shown), the
    evidence that would decide a 50-if-shown road (``regime_missing``) and a one-line ``verdict``.
    Segments and crossings outside the area judged are not judged: their toets is left out of the
    counts and the crossing list.
    """
    from mobisim.rules import TIER_LABELS, TIERS

    sel = order_along(sel)
    seg_cols = [c for c in SEGMENT_FIELDS if c in sel.columns]
    segments = [{"edge_id": int(i), **{c: _clean(row[c]) for c in seg_cols}}
                for i, row in sel[seg_cols].iterrows()]  # output formatting only
    for seg in segments:
        seg["tier"] = TIER_LABELS.get(str(seg.get("regime_tier"))) if judged(seg) else None
        seg["verdict"] = segment_verdict(seg)
    node_ids = pd.unique(np.concatenate([sel["u"].to_numpy(), sel["v"].to_numpy()]))
    nodes = net.nodes.loc[net.nodes.index.intersection(node_ids)]
    nodes = nodes[nodes["is_crossing"].fillna(False).astype(bool)]
    inside = (nodes["in_area"].astype("boolean").fillna(True).to_numpy(dtype=bool) if "in_area" in nodes.columns
              else np.ones(len(nodes), dtype=bool))
    outside_crossings = int((~inside).sum())
    nodes = nodes[inside]
    order = {n: k for k, n in enumerate(node_ids)}
    nodes = nodes.assign(_o=[order[n] for n in nodes.index]).sort_values("_o")
    if "weakest_link_children" in nodes.columns:  # school routes first
        nodes = nodes.sort_values("weakest_link_children", ascending=False, kind="stable")
    nodes = nodes.to_crs(4326)
    cr_cols = [c for c in CROSSING_FIELDS if c in nodes.columns]
    crossings = [{"node_id": int(i), "lat": round(row.geometry.y, 6), "lon": round(row.geometry.x, 6),
                  **{c: _clean(row[c]) for c in cr_cols}} for i, row in nodes.iterrows()]
    length = float(sel["length"].sum())
    by_regime = sel.groupby(sel["regime"].astype(str))["length"].sum().round(0)
    by_tier = {t: float(round(sum(s.get("length") or 0 for s in segments
                                  if judged(s) and s.get("regime_tier") == t), 0)) for t in TIERS}
    inside_segs = [s for s in segments if judged(s)]
    return {
        "street": sorted({str(n) for n in sel["name"].dropna()}),
        "segments_count": len(sel),
        "length_m": round(length, 1),
        "length_by_regime_m": {k: float(v) for k, v in by_regime.items()},
        "length_by_tier_m": {k: v for k, v in by_tier.items() if v > 0},
        "length_outside_m": round(sum(s.get("length") or 0 for s in segments if not judged(s)), 1),
        "toets_bike_pass": sum(s.get("toets_bike") == "pass" for s in inside_segs),
        "toets_bike_open": sum(s.get("toets_bike") not in ("n/a", None) for s in inside_segs),
        "toets_walk_pass": sum(s.get("toets_walk") == "pass" for s in inside_segs),
        "toets_walk_open": sum(s.get("toets_walk") not in ("n/a", None) for s in inside_segs),
        "crossings_count": len(crossings),
        "crossings_fail": sum(c.get("toets_crossing") == "fail" for c in crossings),
        "crossings_outside": outside_crossings,
        "sources": [str(s) for s in getattr(net, "sources", [])],
        "segments": segments,
        "crossings": crossings,
        "attribution": "© OpenStreetMap contributors (ODbL)",
    }


SIGNATURE = ["highway", "maxspeed", "in_area", "regime", "proposed_maxspeed", "regime_rule", "regime_tier",
             "regime_deciding", "regime_missing", "c1_cycle_path", "c2_sensitive_sites", "c3_air_noise",
             "c4_crossable", "toets_bike", "toets_bike_rule", "toets_bike_fix", "toets_walk", "toets_walk_rule",
             "toets_walk_fix", "calming"]


def _groups(segments: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Consecutive segments (in street order) with the same verdicts, rules and fixes."""
    groups: list[list[dict[str, Any]]] = []
    for s in segments:
        sig = tuple(s.get(k) for k in SIGNATURE)
        if groups and tuple(groups[-1][0].get(k) for k in SIGNATURE) == sig:
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def _tier_lines(s: dict[str, Any]) -> list[str]:
    """The tier, the criteria that decide it and, for 50 if shown, the evidence that would."""
    tier = s.get("regime_tier")
    if not tier:
        return []
    names = deciding_names(s.get("regime_deciding"))
    if tier == "keep_50":
        return [f"    tier: {s['tier']} — all four criteria pass"]
    if tier == "to_30":
        return [f"    tier: {s['tier']} — fails: {names or '?'}"]
    lines = [f"    tier: {s['tier']} — unknown: {names or '?'}"]
    if s.get("regime_missing"):
        lines.append(f"        to decide: {s['regime_missing']}")
    return lines


def _segment_block(k: int, group: list[dict[str, Any]]) -> list[str]:
    s = max(group, key=lambda x: x.get("length") or 0)  # its evidence stands for the group
    length = sum(x.get("length") or 0 for x in group)
    ids = ", ".join(str(x["edge_id"]) for x in group[:8]) + (", …" if len(group) > 8 else "")
    ways = sorted({int(x["way_id"]) for x in group})
    now = s.get("maxspeed")
    where = f"    edges {ids} · way(s) {', '.join(map(str, ways[:6]))}{' …' if len(ways) > 6 else ''}"
    if not judged(s):
        return ["", f"[{k}] {len(group)} segment(s), {length:.0f} m · {s.get('highway')} · now "
                    f"{now if now is not None else '?'} km/h · {OUTSIDE}", where,
                "    no 30/50 decision and no toets here: the segment lies outside the area judged"]
    head = (f"[{k}] {len(group)} segment(s), {length:.0f} m · {s.get('highway')} · now "
            f"{now if now is not None else '?'} km/h → proposed {s.get('proposed_maxspeed')} km/h "
            f"({s.get('verdict') or s.get('regime')})")
    lines = ["", head, where, *_tier_lines(s),
             f"    regime [{s.get('regime_rule')}]: {s.get('regime_reason')}"]
    for label, col, ev in CRITERIA:
        if s.get(col) is not None:
            lines.append(f"    {label:<31} {s.get(col):<8} {s.get(ev)}")
    for mode in ("bike", "walk"):
        verdict = s.get(f"toets_{mode}")
        line = f"    toets {mode}: {verdict}"
        if verdict != "n/a":
            line += f" [{s.get(f'toets_{mode}_rule')}] {s.get(f'toets_{mode}_reason')}"
        if s.get(f"toets_{mode}_fix"):
            line += f"\n        fix: {s[f'toets_{mode}_fix']}"
        lines.append(line)
    if s.get("calming"):
        lines.append(f"    calming: {s['calming']} ({s.get('calming_reason')})")
    return lines


def _summary(roads: list[dict[str, Any]]) -> list[str]:
    """Share of road length per criterion verdict, and the most common fixes (judged roads only)."""
    roads = [s for s in roads if judged(s)]
    total = sum(s.get("length") or 0 for s in roads)
    if not roads or total <= 0:
        return []
    lines = ["  criteria on the road segments (share of length):"]
    for label, col, _ in CRITERIA:
        share: dict[str, float] = {}
        for s in roads:
            key = str(s.get(col))
            share[key] = share.get(key, 0.0) + (s.get("length") or 0)
        lines.append(f"    {label:<31} " + ", ".join(
            f"{k} {100 * v / total:.0f} %" for k, v in sorted(share.items()) if k != "None"))
    fixes: dict[str, float] = {}
    for s in roads:
        for col in ("toets_bike_fix", "toets_walk_fix", "calming"):
            if s.get(col):
                fixes[s[col]] = fixes.get(s[col], 0.0) + (s.get("length") or 0)
    for fix, length in sorted(fixes.items(), key=lambda kv: -kv[1])[:4]:
        lines.append(f"  fix on {length / 1000:.2f} km: {fix}")
    return lines


def format_text(report: dict[str, Any], *, max_passing_crossings: int = 30) -> str:
    """Readable verdict per segment (consecutive identical verdicts grouped) and crossing."""
    from mobisim.rules import TIER_LABELS

    lines: list[str] = []
    title = " / ".join(report["street"]) or "(unnamed street)"
    lines.append(f"{title}: {report['segments_count']} segment(s), {report['length_m'] / 1000:.2f} km")
    regimes = ", ".join(f"{k} → {v / 1000:.2f} km" for k, v in report["length_by_regime_m"].items())
    lines.append(f"  proposed regime: {regimes}")
    tiers = report.get("length_by_tier_m") or {}
    if tiers:
        lines.append("  30/50 tiers: " + ", ".join(f"{TIER_LABELS.get(k, k)} {v / 1000:.2f} km"
                                                    for k, v in tiers.items()))
    if report.get("length_outside_m"):
        lines.append(f"  outside the municipality (not judged): {report['length_outside_m'] / 1000:.2f} km")
    lines.append(f"  8-jarigen-toets: bike pass {report['toets_bike_pass']}/{report['toets_bike_open']}, "
                 f"walk pass {report['toets_walk_pass']}/{report['toets_walk_open']} segments open to "
                 f"the mode; crossings {report['crossings_count']}, failing {report['crossings_fail']}"
                 + (f" ({report['crossings_outside']} outside the municipality, not judged)"
                    if report.get("crossings_outside") else ""))
    is_road = [s.get("is_road") if s.get("is_road") is not None else s.get("regime") != "not_road"
               for s in report["segments"]]
    roads = [s for s, r in zip(report["segments"], is_road) if r]
    paths = [s for s, r in zip(report["segments"], is_road) if not r]
    lines.extend(_summary(roads))
    for k, group in enumerate(_groups(roads), 1):
        lines.extend(_segment_block(k, group))
    if paths:
        km = sum(s.get("length") or 0 for s in paths) / 1000
        lines.append("")
        lines.append(f"Paths and service ways with this name: {len(paths)} segment(s), {km:.2f} km")
        inside = [s for s in paths if judged(s)]
        for mode in ("bike", "walk"):
            counts: dict[str, int] = {}
            for s in inside:
                key = f"{s.get(f'toets_{mode}')} [{s.get(f'toets_{mode}_rule')}]"
                counts[key] = counts.get(key, 0) + 1
            if counts:
                lines.append(f"    toets {mode}: " + ", ".join(f"{v}× {k}" for k, v in sorted(counts.items())))
        if len(inside) < len(paths):
            lines.append(f"    {len(paths) - len(inside)} segment(s) {OUTSIDE}")
    failing = [c for c in report["crossings"] if c.get("toets_crossing") != "pass"]
    passing = [c for c in report["crossings"] if c.get("toets_crossing") == "pass"]
    if report["crossings"]:
        lines.append("")
        lines.append(f"Crossings: {len(failing)} failing (school routes first when known), {len(passing)} passing")
    for c in failing + (passing if len(passing) <= max_passing_crossings else []):
        lines.append(f"  node {c['node_id']} ({c['lat']}, {c['lon']}) · {c.get('crossing_kind')} · "
                     f"{c.get('lanes_crossed')} lane(s) of {c.get('crossed_name') or 'unnamed road'} "
                     f"at {c.get('crossed_speed')} km/h → {c.get('toets_crossing')} "
                     f"[{c.get('toets_crossing_rule')}]")
        lines.append(f"      {c.get('toets_crossing_reason')}")
        if c.get("toets_crossing_fix"):
            lines.append(f"      fix: {c['toets_crossing_fix']}")
        if c.get("junction_fix"):
            lines.append(f"      junction: {c['junction_fix']} ({c.get('junction_fix_reason')})")
    if len(passing) > max_passing_crossings:
        by_rule: dict[str, list[int]] = {}
        for c in passing:
            by_rule.setdefault(str(c.get("toets_crossing_rule")), []).append(c["node_id"])
        for rule, ids in sorted(by_rule.items()):
            shown = ", ".join(map(str, ids[:10])) + (", …" if len(ids) > 10 else "")
            lines.append(f"  pass [{rule}]: {len(ids)} crossing(s), nodes {shown}")
    lines.append("")
    lines.append(report["attribution"])
    return "\n".join(lines)


def _load(osm: list[Path] | None, scenario: Path | None, speed_limits: Path | None = None,
          speed_limits_column: str | None = None) -> tuple[Network, list[str]]:
    """Today's network judged by the 30/50 rule and the toets, from ``--osm`` / ``--scenario``.

    With a scenario its inputs are read as ``mobisim run`` reads them (street file, feature and
    building files, or its place, its speed-limit layer), unless ``--osm`` replaces the files;
    ``--speed-limits`` replaces the scenario's speed-limit layer. Without one, the documented
    defaults judge the ``--osm`` files. :func:`mobisim.pipeline.street_verdicts` does the rest, as
    ``mobisim run`` does today's state; its notes are returned.
    """
    from mobisim.load.inputs import load_inputs
    from mobisim.pipeline import street_verdicts
    from mobisim.scenario import Scenario, load_scenario

    if scenario is None and not osm:
        raise MobisimError("toets: give the data with --osm FILE (or --scenario FILE)")
    sc = load_scenario(scenario) if scenario is not None else Scenario(name="toets")
    inputs = load_inputs(sc, list(osm) if osm else None, speed_limits=speed_limits,
                         speed_limits_column=speed_limits_column, parking=False)
    notes: list[str] = []
    return street_verdicts(sc, inputs, notes), notes


def print_notes(notes: list[str]) -> None:
    """The notes of loading (area, data), dimmed, on stderr (stdout stays the verdict or JSON)."""
    if not notes:
        return
    from rich.text import Text

    from mobisim.cli._text import console as make_console

    console = make_console(stderr=True)  # notes are data (street names): Text, never markup
    for note in dict.fromkeys(notes):
        console.print(Text(f"note: {note}", style="dim"), soft_wrap=True)


@app.command("toets")
@user_errors
def toets_command(
    street: Annotated[str | None, typer.Argument(help="Street name (case- and accent-insensitive).")] = None,
    osm: Annotated[list[Path] | None, typer.Option(
        "--osm", help="OSM street file; repeat for feature files (e.g. the buildings file).")] = None,
    scenario: Annotated[Path | None, typer.Option(
        "--scenario", help="Scenario file: its data source and thresholds.")] = None,
    way: Annotated[int | None, typer.Option("--way", help="OSM way id.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="LAT,LON: the nearest segment.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    speed_limits: Annotated[Path | None, typer.Option(
        "--speed-limits", help="Today's real speed limits, overriding the class defaults (never a tagged "
        "maxspeed): lines (GeoPackage/GeoJSON) with a limit column, or a CSV of street names (columns name, "
        "maxspeed). Replaces the scenario's [data] speed_limits.")] = None,
    speed_limits_column: Annotated[str | None, typer.Option(
        "--speed-limits-column", help="Column of the speed-limit file holding the limit in km/h "
        "(default maxspeed).")] = None,
) -> None:
    """The 8-jarigen-toets and the 30/50 decision (tier, deciding criteria, missing evidence) for one
    street, way or point; segments outside the area judged (the municipality, or the scenario's
    [area]) are not judged."""
    chosen = [x for x in (street, way, at) if x is not None]
    if len(chosen) != 1:
        raise MobisimError("toets: give exactly one of STREET, --way ID or --at LAT,LON")
    point = parse_at(at) if at is not None else None
    net, notes = _load(osm, scenario, speed_limits, speed_limits_column)
    if street is not None:
        sel = select_by_name(net.edges, street)
    elif way is not None:
        sel = select_by_way(net.edges, way)
    else:
        sel = select_at(net.edges, *point)  # type: ignore[misc]
    report = street_report(net, sel)
    report["notes"] = list(dict.fromkeys(notes))
    print_notes(notes)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_text(report))
