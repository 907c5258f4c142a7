"""The fast path of ``mobisim toets NAME | --way ID | --at LAT,LON [--osm …] [--scenario …] [--json]``.

When the same command line (its scenario and data files unchanged, the same code) was answered
before, the answer index (:mod:`mobisim.cli._toets_index`) holds every segment's and crossing's
record: this module reads the few it needs and prints exactly what the command prints
(:func:`mobisim.cli._toets_answer.report_from_records`, :func:`mobisim.cli._toets_text.format_text`),
with the standard library only — no pandas, geopandas, pydantic, typer or rich. :func:`answer` returns
``None`` on anything it is not sure of (another option, no fast key, a changed file, a damaged
index, an ``--at`` point within 5 mm of a tie): the command then answers, and writes the index.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import sys
import unicodedata
from pathlib import Path
from typing import Any

from mobisim.errors import MobisimError, NotFoundError

__all__ = ["Query", "answer", "fold_name", "parse_args", "parse_at"]

#: An ``--at`` point is looked up within this distance (m), as :func:`mobisim.cli.toets.select_at`.
MAX_DISTANCE = 500.0
#: Distances closer than this (m) to a tie or to :data:`MAX_DISTANCE` are left to the command
#: (the grid places the point within 0.5 mm of pyproj).
EPS = 0.005
_OPTIONS = {"--osm": "osm", "--scenario": "scenario", "--way": "way", "--at": "at",
            "--speed-limits": "speed_limits", "--speed-limits-column": "speed_limits_column"}
_MARKS = re.compile(r"[\u0300-\u036f]")
_OTHER = re.compile(r"[^0-9a-z]+")
#: Environment variables that change how rich styles the notes: left to the command.
_STYLE_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")


class _Doubt(Exception):
    """The fast path cannot be sure of the answer: the command answers."""


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


def fold_name(name: str) -> str:
    """:func:`mobisim.names.fold_name` without pandas (a test keeps them equal)."""
    text = _MARKS.sub("", unicodedata.normalize("NFKD", name)).casefold()
    return _OTHER.sub(" ", text).strip()


class Query:
    """A plain ``mobisim toets`` command line, as typer would parse it."""

    def __init__(self, street: str | None, way: int | None, point: tuple[float, float] | None,
                 options: dict[str, str], osm: list[Path], as_json: bool) -> None:
        self.street, self.way, self.point, self.osm, self.as_json = street, way, point, osm, as_json
        self.scenario = Path(options["scenario"]) if "scenario" in options else None
        self.speed_limits = Path(options["speed_limits"]) if "speed_limits" in options else None
        self.speed_limits_column = options.get("speed_limits_column")


def _tokens(args: list[str]) -> tuple[dict[str, list[str]], list[str], bool] | None:
    """Options (name → values), positional arguments and ``--json``; ``None`` for anything else."""
    options: dict[str, list[str]] = {}
    positional: list[str] = []
    as_json, rest = False, list(args)
    while rest:
        token = rest.pop(0)
        if token == "--":
            positional.extend(rest)
            break
        name, eq, value = token.partition("=")
        if token == "--json":
            as_json = True
        elif name in _OPTIONS and (eq or rest):
            value = value if eq else rest.pop(0)
            if value.startswith("-"):
                return None
            options.setdefault(_OPTIONS[name], []).append(value)
        elif token.startswith("-") and token != "-":
            return None  # --help, --set, an unknown option: the command's
        else:
            positional.append(token)
    return options, positional, as_json


def parse_args(args: list[str]) -> Query | None:
    """The query of a plain command line, or ``None`` when the command should parse it."""
    parsed = _tokens(args)
    if parsed is None:
        return None
    options, positional, as_json = parsed
    if len(positional) > 1 or any(len(v) > 1 for k, v in options.items() if k != "osm"):
        return None
    one = {k: v[0] for k, v in options.items() if k != "osm"}
    street = positional[0] if positional else None
    if len([x for x in (street, one.get("way"), one.get("at")) if x is not None]) != 1:
        return None
    try:
        way = int(one["way"]) if "way" in one else None
        point = parse_at(one["at"]) if "at" in one else None
    except (ValueError, MobisimError):
        return None
    query = Query(street, way, point, one, [Path(p) for p in options.get("osm", [])], as_json)
    return query if query.scenario is not None or query.osm else None


def _segment_distance(ax: float, ay: float, bx: float, by: float, px: float, py: float,
                      ) -> tuple[float, tuple[float, float] | None]:
    """Distance of a point to a segment (as GEOS computes it) and the end it is nearest to, when
    it stays that end for any point within :data:`EPS`."""
    if ax == bx and ay == by:
        return math.sqrt((px - ax) ** 2 + (py - ay) ** 2), (ax, ay)
    len2 = (bx - ax) * (bx - ax) + (by - ay) * (by - ay)
    r = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2
    if r <= 0.0:
        return math.sqrt((px - ax) ** 2 + (py - ay) ** 2), (ax, ay) if -r * math.sqrt(len2) >= EPS else None
    if r >= 1.0:
        return math.sqrt((px - bx) ** 2 + (py - by) ** 2), (bx, by) if (r - 1) * math.sqrt(len2) >= EPS else None
    s = ((ay - py) * (bx - ax) - (ax - px) * (by - ay)) / len2
    return abs(s) * math.sqrt(len2), None


def _line_distance(coords: Any, px: float, py: float) -> tuple[float, tuple[float, float] | None]:
    """Distance of a point to a line string, and the vertex it is nearest to when that is sure."""
    parts = [_segment_distance(coords[i], coords[i + 1], coords[i + 2], coords[i + 3], px, py)
             for i in range(0, len(coords) - 2, 2)] or [(math.sqrt((px - coords[0]) ** 2 + (py - coords[1]) ** 2),
                                                          (coords[0], coords[1]))]
    best = min(d for d, _ in parts)
    ends = {end for d, end in parts if d < best + EPS}
    return best, ends.pop() if len(ends) == 1 and None not in ends else None


def _nearest(candidates: list[tuple[int, bool, Any]], x: float, y: float) -> int | None:
    """Position of the segment nearest to the point, motor roads first (as :func:`select_at` picks
    it: the first in the network's order among equal distances); :class:`_Doubt` near a tie."""
    measured = [(pos, road, *_line_distance(coords, x, y)) for pos, road, coords in candidates if len(coords)]
    for pool in ([m for m in measured if m[1]], measured):
        pool = [m for m in pool if m[2] <= MAX_DISTANCE + EPS]
        if not pool:
            continue
        best = min(m[2] for m in pool)
        if best > MAX_DISTANCE - EPS:
            raise _Doubt
        winners = [m for m in pool if m[2] == best]
        if any(best < m[2] < best + EPS for m in pool):
            raise _Doubt
        if len(winners) > 1 and (len({m[3] for m in winners}) != 1 or winners[0][3] is None):
            raise _Doubt
        return min(m[0] for m in winners)
    return None


def _closest_names(name: str, names: list[tuple[str, str]], n: int = 3) -> list[str]:
    """:func:`mobisim.names.closest_names` on the index's names."""
    import difflib

    lookup = {folded: original for original, folded in names}
    target = fold_name(name)
    hits = difflib.get_close_matches(target, list(lookup), n=n, cutoff=0.6)
    if not hits:
        hits = [k for k in lookup if target and target in k][:n]
    return [lookup[h] for h in hits]


def _select(index: Any, query: Query) -> list[dict[str, Any]]:
    """The records of the segments the query names (NotFoundError as the command raises it)."""
    if query.street is not None:
        records = index.by_name(fold_name(query.street))
        if not records:
            close = _closest_names(query.street, index.names())
            hint = f"; closest matches: {', '.join(close)}" if close else ""
            raise NotFoundError(f"street {query.street!r} not found in the network{hint}")
        return list(records)
    if query.way is not None:
        records = index.by_way(query.way)
        if not records:
            raise NotFoundError(f"OSM way {query.way} not found among the network's street segments")
        return list(records)
    assert query.point is not None
    lat, lon = query.point
    xy = index.project(lat, lon)
    if xy is None and index.meta["outside_is_far"] is not True:
        raise _Doubt
    pos = None if xy is None else _nearest(index.near(*xy, MAX_DISTANCE + EPS), *xy)
    if pos is None:
        raise NotFoundError(f"no street segment within {MAX_DISTANCE:.0f} m of {lat},{lon}")
    return [index.record_at(pos)]


def _print_notes(notes: list[str]) -> None:
    """The notes on stderr, as :func:`mobisim.cli.toets.print_notes` prints them through rich."""
    tty = sys.stderr.isatty() and os.environ.get("TERM", "") not in ("dumb", "unknown")
    for note in notes:
        text = f"note: {note}"
        if tty:
            text = "\n".join(f"\x1b[2m{line}\x1b[0m" for line in text.split("\n"))
        print(text, file=sys.stderr)


def _printable(notes: list[str]) -> bool:
    """Whether the notes print the same without rich (no control characters or tabs to strip or expand)."""
    return not any(ord(c) < 32 and c != "\n" for note in notes for c in note) and not any(
        os.environ.get(k) for k in _STYLE_ENV)


def _report(index: Any, query: Query, record: dict[str, Any]) -> dict[str, Any]:
    from mobisim.cli._toets_answer import report_from_records

    report = report_from_records(_select(index, query), index.crossing_of, record["sources"], index.meta["tiers"])
    report["notes"] = list(dict.fromkeys(record["notes"]))
    return report


def answer(args: list[str]) -> int | None:
    """Answer ``mobisim toets ARGS`` from the answer index: the exit code, or ``None`` to let the
    command answer (and write the index)."""
    query = parse_args(args)
    if query is None:
        return None
    from mobisim.cli import _toets_index as ix

    dataset = ix.dataset_id(query.scenario, query.osm, query.speed_limits, query.speed_limits_column)
    record = ix.read_record(dataset)
    if record is None or not _printable(record.get("notes", [])):
        return None
    path = ix.cache_root() / "toets" / str(record["index"])
    try:
        index = ix.AnswerIndex(path)
        try:
            report = _report(index, query, record)
            text = None if query.as_json else _text(report, index.meta["tier_labels"])
        finally:
            index.close()
    except NotFoundError as exc:
        print(f"mobisim: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return exc.exit_code
    except _Doubt:
        return None
    except (sqlite3.Error, OSError, ValueError, KeyError, TypeError, IndexError):
        ix.forget(dataset, path)  # damaged: the command answers and writes it again
        return None
    _print_notes(report["notes"])
    sys.stdout.write((json.dumps(report, ensure_ascii=False, indent=2) if text is None else text) + "\n")
    sys.stdout.flush()
    return 0


def _text(report: dict[str, Any], tier_labels: dict[str, str]) -> str:
    from mobisim.cli._toets_text import format_text

    return format_text(report, tier_labels=tier_labels)
