"""The readable text of ``mobisim toets``: a verdict per group of segments and per crossing (no pandas:
the fast path of :mod:`mobisim.cli._toets_fast` prints it too)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mobisim.cli._toets_answer import CRITERIA, OUTSIDE, deciding_names, judged

__all__ = ["format_text"]


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
    criteria: list[str] = []
    for label, col, _ in CRITERIA:
        share: dict[str, float] = {}
        for s in roads:
            if s.get(col) is not None:  # no criteria where the rule does not judge (already 30, woonerf)
                share[str(s[col])] = share.get(str(s[col]), 0.0) + (s.get("length") or 0)
        if share:
            criteria.append(f"    {label:<31} " + ", ".join(f"{k} {100 * v / total:.0f} %"
                                                            for k, v in sorted(share.items())))
    lines = ["  criteria on the road segments (share of length):", *criteria] if criteria else []
    fixes: dict[str, float] = {}
    for s in roads:
        for col in ("toets_bike_fix", "toets_walk_fix", "calming"):
            if s.get(col):
                fixes[s[col]] = fixes.get(s[col], 0.0) + (s.get("length") or 0)
    for fix, length in sorted(fixes.items(), key=lambda kv: -kv[1])[:4]:
        lines.append(f"  fix on {length / 1000:.2f} km: {fix}")
    return lines


def format_text(report: dict[str, Any], *, max_passing_crossings: int = 30,
                tier_labels: Mapping[str, str] | None = None) -> str:
    """Readable verdict per segment (consecutive identical verdicts grouped) and crossing; the
    tiers named by ``tier_labels`` (default :data:`mobisim.rules.TIER_LABELS`)."""
    if tier_labels is None:
        from mobisim.rules import TIER_LABELS

        tier_labels = TIER_LABELS

    lines: list[str] = []
    title = " / ".join(report["street"]) or "(unnamed street)"
    lines.append(f"{title}: {report['segments_count']} segment(s), {report['length_m'] / 1000:.2f} km")
    regimes = ", ".join(f"{k} → {v / 1000:.2f} km" for k, v in report["length_by_regime_m"].items())
    lines.append(f"  proposed regime: {regimes}")
    tiers = report.get("length_by_tier_m") or {}
    if tiers:
        lines.append("  30/50 tiers: " + ", ".join(f"{tier_labels.get(k, k)} {v / 1000:.2f} km"
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

