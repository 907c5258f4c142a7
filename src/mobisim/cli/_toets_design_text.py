"""The readable text of a design's toets: today → with the design, and the fix still missing."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_CROSSINGS", "MAX_FAILING", "MAX_GROUPS", "format_design"]

#: Failing rules (with their fix), groups of segments and crossings listed in the text; ``--json``
#: lists all.
MAX_FAILING = 12
MAX_GROUPS = 12
MAX_CROSSINGS = 30


def _verdict(pair: list[Any], rule: list[Any]) -> str:
    """``fail [B5-painted-lane-50] → pass [B2-separated]`` (one side when nothing changed)."""
    old, new = (f"{v}" + (f" [{r}]" if r else "") for v, r in zip(pair, rule, strict=True))
    return new if old == new else f"{old} → {new}"


def _speed(value: Any) -> str:
    return "?" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _header(report: dict[str, Any]) -> list[str]:
    d = report["design"]
    title = " / ".join(report["street"]) or "(unnamed street)"
    set_ = ", ".join(f"{k}={v}" for k, v in d["set"].items())
    own = d["scenario_interventions"]
    context = (f"scenario {d['scenario']!r}: 30/50 programme {'on' if d['programme'] else 'off'}"
               + (f", {own} intervention(s) of its own" if own else ""))
    lines = [f"Design for {title}: {set_}",
             f"  {report['segments_count']} segment(s), {report['length_m'] / 1000:.2f} km; judged as `mobisim run` "
             f"judges it ({context}; driven speeds; traffic modelled again where the model runs)",
             f"  {'verdict':<14}{'today':<15}with the design"]
    for key, label in (("bike", "toets bike"), ("walk", "toets walk"), ("crossings", "crossings")):
        today, designed = (report["counts"][key][k] for k in ("today", "with_design"))
        lines.append(f"  {label:<14}{f'{today[0]}/{today[1]} pass':<15}{designed[0]}/{designed[1]} pass")
    return lines


def _road(s: dict[str, Any]) -> bool:
    """A motor road (paths and service ways with the street's name are summed up apart)."""
    return bool(s["is_road"]) if s.get("is_road") is not None else s["limit"][1] is not None


def _groups(segments: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Segments whose change reads the same (anywhere along the street), the longest first."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for s in segments:
        sig = tuple(str(s.get(k)) for k in ("judged", "toets_bike", "toets_bike_rule", "toets_walk",
                                            "toets_walk_rule", "limit", "driven_speed", "driven_speed_reason"))
        groups.setdefault(sig, []).append(s)
    return sorted(groups.values(), key=lambda g: -sum(x.get("length") or 0 for x in g))


def _group_lines(k: int, group: list[dict[str, Any]]) -> list[str]:
    s = group[0]
    length = sum(x.get("length") or 0 for x in group)
    ids = ", ".join(str(x["edge_id"]) for x in group[:8]) + (", …" if len(group) > 8 else "")
    lines = [f"  [{k}] {len(group)} segment(s), {length / 1000:.2f} km · edges {ids}"]
    if not s["judged"]:
        return [*lines, "      outside the area judged: not judged"]
    limit = f"      limit {_speed(s['limit'][0])} → {_speed(s['limit'][1])} km/h"
    if s.get("driven_speed") is not None:
        limit += f", driven {_speed(s['driven_speed'])} km/h"
        if s.get("driven_speed_reason"):
            limit += f" ({s['driven_speed_reason']})"
    return [*lines, limit, f"      toets bike: {_verdict(s['toets_bike'], s['toets_bike_rule'])}",
            f"      toets walk: {_verdict(s['toets_walk'], s['toets_walk_rule'])}"]


def _segment_lines(segments: list[dict[str, Any]]) -> list[str]:
    roads = [s for s in segments if _road(s)]
    lines = ["", "The road's segments (today → with the design; the same change grouped, longest first):"]
    groups = _groups(roads)
    for k, group in enumerate(groups[:MAX_GROUPS], 1):
        lines += _group_lines(k, group)
    if len(groups) > MAX_GROUPS:
        rest = [s for g in groups[MAX_GROUPS:] for s in g]
        lines.append(f"  … {len(groups) - MAX_GROUPS} more group(s): {len(rest)} segment(s), "
                     f"{sum(s.get('length') or 0 for s in rest) / 1000:.2f} km (--json lists every segment)")
    paths = [s for s in segments if not _road(s)]
    if paths:
        passing = sum(s["toets_bike"][1] in ("pass", "n/a") and s["toets_walk"][1] in ("pass", "n/a") for s in paths)
        lines.append(f"  paths and service ways with this name (the design leaves them as they are): {len(paths)} "
                     f"segment(s), {sum(s.get('length') or 0 for s in paths) / 1000:.2f} km, {passing} passing")
    return lines


def _crossing_lines(crossings: list[dict[str, Any]]) -> list[str]:
    """The crossings whose verdict changes or that fail; the rest counted."""
    shown = [c for c in crossings if c["toets_crossing"][0] != c["toets_crossing"][1]
             or c["toets_crossing"][1] != "pass"]
    if not crossings:
        return []
    lines = ["", "Crossings that change or fail (today → with the design):"]
    lines += [f"  node {c['node_id']} ({c['lat']}, {c['lon']}) · {c.get('crossed_name') or 'unnamed road'}: "
              f"{_verdict(c['toets_crossing'], c['toets_crossing_rule'])}" for c in shown[:MAX_CROSSINGS]]
    if len(shown) > MAX_CROSSINGS:
        lines.append(f"  … {len(shown) - MAX_CROSSINGS} more (--json lists every crossing)")
    if len(shown) < len(crossings):
        lines.append(f"  {len(crossings) - len(shown)} other crossing(s) pass today and with the design")
    return lines


def _failing_lines(report: dict[str, Any]) -> list[str]:
    failing = report["still_failing"]
    d = report["counts"]
    if not failing:
        return ["", f"The design passes the 8-jarigen-toets: {d['bike']['with_design'][1]} segment(s) for bike, "
                    f"{d['walk']['with_design'][1]} for walking and {d['crossings']['with_design'][1]} crossing(s)."]
    lines = ["", "Still failing with the design (the fix still missing):"]
    seen: dict[tuple[str, str, str], list[str]] = {}
    for f in failing:
        where = f"node {f['node_id']}" if "node_id" in f else f"edge {f['edge_id']}"
        seen.setdefault((f["what"], str(f["rule"]), str(f.get("fix") or "no fix named")), []).append(where)
    for k, ((what, rule, fix), places) in enumerate(seen.items()):
        if k == MAX_FAILING:
            lines.append(f"  … and {len(seen) - k} more (--json lists them all)")
            break
        shown = ", ".join(places[:6]) + (", …" if len(places) > 6 else "")
        lines += [f"  {what} [{rule}] at {shown}", f"      fix: {fix}"]
    return lines + _sign_only(report["segments"])


def _sign_only(segments: list[dict[str, Any]]) -> list[str]:
    """A hint where a failing segment's drivers keep more than its new limit (a sign only)."""
    kept = [s for s in segments if s["judged"] and "fail" in (s["toets_bike"][1], s["toets_walk"][1])
            and isinstance(s.get("driven_speed"), int | float) and isinstance(s["limit"][1], int | float)
            and s["driven_speed"] > s["limit"][1]]
    if not kept:
        return []
    s = kept[0]
    return [f"  with a sign only drivers keep {_speed(s['driven_speed'])} km/h where the limit is "
            f"{_speed(s['limit'][1])} ({len(kept)} segment(s)): --set calm=redesign makes the limit the speed driven"]


def format_design(report: dict[str, Any]) -> str:
    """The design's verdict in words: the counts, the changes along the street, what still fails."""
    lines = [*_header(report), *_segment_lines(report["segments"]), *_crossing_lines(report["crossings"]),
             *_failing_lines(report)]
    if report.get("saved"):
        lines += ["", f"Saved the design as {report['saved']}: `mobisim run {report['saved']}` judges it the same."]
    lines += ["", report["attribution"]]
    return "\n".join(lines)
