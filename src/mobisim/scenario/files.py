"""Reading scenario files: TOML with ``extends``, size and type checks, paths made absolute.

:func:`load_raw` reads a file and every file it extends into one mapping (tables deep-merged,
the child wins, ``[[interventions]]`` appended), records which file set each key (for messages)
and makes every path value absolute against the file that names it (:data:`PATH_KEYS`).
Validation is :class:`mobisim.scenario.model.Scenario`'s.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from mobisim.errors import ScenarioError
from mobisim.scenario.messages import Origins, display_path, show_value

__all__ = ["ALTERNATIVE_KEYS", "MAX_SCENARIO_BYTES", "PATH_KEYS", "load_raw", "read_scenario_dict"]

#: Keys (dotted) whose values are file paths, resolved relative to the file that names them.
PATH_KEYS: tuple[tuple[str, ...], ...] = (
    ("area", "boundary"),
    ("data", "osm"),
    ("data", "buildings"),
    ("data", "speed_limits"),
    ("data", "traffic_counts"),
    ("rules", "air_layer_path"),
    ("schools", "schools_csv"),
    ("schools", "school_register"),
    ("schools", "wijken_path"),
    ("parking", "garages_path"),
    ("parking", "spaces_path"),
)


#: Largest scenario file read (a scenario is a few kB; this refuses /dev/zero-like inputs).
MAX_SCENARIO_BYTES = 1 << 20


def _read_scenario_text(path: Path, where: str) -> str:
    """The text of a scenario file that is a regular file of at most 1 MB, else a ScenarioError
    starting with ``where``. Opened without blocking (a FIFO never hangs the run) and checked on
    the open file, so a file swapped after the check is still refused."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read the file ({exc.strerror or exc.__class__.__name__})") from None
    mode, size = (st := os.fstat(fd)).st_mode, st.st_size
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket"
                if stat.S_ISSOCK(mode) else "not a regular file")
        raise ScenarioError(f"{where}: is {kind}, not a scenario file")
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(MAX_SCENARIO_BYTES + 1) if size <= MAX_SCENARIO_BYTES else b""
        if size > MAX_SCENARIO_BYTES or len(data) > MAX_SCENARIO_BYTES:
            raise ScenarioError(f"{where}: file too large ({max(size, len(data)) / 1e6:.1f} MB; a scenario file "
                                f"is at most {MAX_SCENARIO_BYTES / 1e6:.1f} MB)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{where}: cannot read the file (UnicodeDecodeError)") from None


def _parse(path: Path, where: str | None = None) -> dict[str, Any]:
    """The TOML mapping of one file (a syntax error names the file and the line)."""
    if not path.exists():
        raise ScenarioError(f"{display_path(path)}: scenario file not found")
    text = _read_scenario_text(path, where or display_path(path))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = f"line {m.group(1)}" if m else "syntax"
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg).strip() or "invalid TOML"
        hint = "" if path.suffix.lower() == ".toml" else " (scenario files are TOML, e.g. scenarios/volt-2026.toml)"
        raise ScenarioError(f"{display_path(path)}: {line}: TOML syntax error: {detail}{hint}") from None


def _resolve_paths(raw: dict[str, Any], folder: Path) -> None:
    """Make the path values of ``raw`` absolute against ``folder`` (in place; wrong types are left
    for validation to report)."""

    def fix(value: object) -> object:
        if isinstance(value, str) and value:
            p = Path(value).expanduser()
            return str(p if p.is_absolute() else Path(os.path.normpath(folder / p)))
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    for table, key in PATH_KEYS:
        section = raw.get(table)
        if isinstance(section, dict) and key in section:
            section[key] = fix(section[key])


#: Keys that say the same thing two ways (a named limit, or its number): a file that sets one
#: replaces what its parent set with the other.
ALTERNATIVE_KEYS: dict[tuple[str | int, ...], tuple[str, ...]] = {
    ("rules", "noise_limit"): ("rules", "noise_threshold_lden_db"),
    ("rules", "noise_threshold_lden_db"): ("rules", "noise_limit"),
    ("rules", "air_limit"): ("rules", "air_limit_ugm3"),
    ("rules", "air_limit_ugm3"): ("rules", "air_limit"),
}


def _merge(
    parent: dict[str, Any], child: dict[str, Any], origins: Origins, child_file: Path,
    prefix: tuple[str | int, ...] = (),
) -> dict[str, Any]:
    """Deep-merge ``child`` over ``parent``; record which file set each key in ``origins``.

    A key of :data:`ALTERNATIVE_KEYS` set by the child drops its alternative inherited from the
    parent (``noise_threshold_lden_db = 58`` in a child overrides a parent's ``noise_limit``).
    """
    out = dict(parent)
    for key, value in child.items():
        here = (*prefix, key)
        other = ALTERNATIVE_KEYS.get(here)
        if other is not None and other[-1] in out and other[-1] not in child:
            del out[other[-1]]
            origins.pop(other, None)
        if prefix == () and key == "interventions" and isinstance(value, list) \
                and isinstance(parent.get(key), list):
            start = len(parent[key])
            out[key] = [*parent[key], *value]
            for i in range(len(value)):
                origins[(key, start + i)] = child_file
        elif isinstance(value, dict) and isinstance(parent.get(key), dict):
            out[key] = _merge(parent[key], value, origins, child_file, here)
        else:
            out[key] = value
            for k in [k for k in origins if k[: len(here)] == here]:
                del origins[k]
            origins[here] = child_file
    return out


def load_raw(path: Path, seen: tuple[Path, ...] = (), *, where: str | None = None,
             ) -> tuple[dict[str, Any], Origins, list[Path]]:
    """Read ``path`` and everything it extends: (merged dict, key origins, chain child-first).

    ``where`` starts the message when the file cannot be read (an extended file names the file
    that extends it)."""
    path = Path(os.path.normpath(path.absolute()))
    if path in seen:
        cycle = " → ".join(display_path(p) for p in (*seen, path))
        raise ScenarioError(f"{display_path(seen[0])}: extends: cycle {cycle}")
    raw = _parse(path, where)
    _resolve_paths(raw, path.parent)
    origins: Origins = {}
    parent_ref = raw.pop("extends", None)
    if parent_ref is None:
        _merge({}, raw, origins, path)
        return raw, origins, [path]
    if not isinstance(parent_ref, str) or not parent_ref:
        raise ScenarioError(
            f"{display_path(path)}: extends: expected a file name (text), got {show_value(parent_ref)}"
        )
    parent_path = Path(parent_ref).expanduser()
    if not parent_path.is_absolute():
        parent_path = path.parent / parent_path
    if not parent_path.exists():
        raise ScenarioError(f"{display_path(path)}: extends: file not found: {display_path(parent_path)}")
    base, origins, chain = load_raw(parent_path, (*seen, path),
                                     where=f"{display_path(path)}: extends: {display_path(parent_path)}")
    merged = _merge(base, raw, origins, path)
    return merged, origins, [path, *chain]


def read_scenario_dict(path: str | Path) -> dict[str, Any]:
    """The merged raw mapping of a scenario file (``extends`` resolved, paths absolute), unvalidated."""
    return load_raw(Path(path))[0]
