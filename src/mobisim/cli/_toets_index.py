"""The answer index of ``mobisim toets``: today's verdicts as SQLite rows, and the fast keys to them.

Standard library only, so that a reviewer's ``mobisim toets`` on a cached city answers without
importing pandas, geopandas, pydantic or typer (:mod:`mobisim.cli._toets_fast`). Two kinds of file,
in ``<cache>/toets/``:

- an **answer index** (``<name>.sqlite``) per evaluated-network entry
  (:func:`mobisim.load.cache.verdicts_key`) and code version: one row per segment with its record
  (:mod:`mobisim.cli._toets_answer`), looked up by folded street name, OSM way id or an R*Tree of
  the segments' bounds; the crossing records by node id; the street names in the network's order
  (for "closest matches"); and a lon/lat grid of the network's coordinates (exact at its points,
  0.5 mm between them) to place an ``--at`` point;
- a **fast key** (``keys/<dataset>.json``) per command line: the dataset (:func:`dataset_id`: the
  scenario, ``--osm`` and speed-limit arguments, the working folder, the ``MOBISIM_*`` variables and
  the code) mapped to its answer index, with the identity of every file it rests on (the scenario
  files' content; the data files' size, mtime, inode) so that any change is a miss.

Nothing here is trusted blindly: a file that changed, a record or index that cannot be read is a
miss, and the command answers (and writes them again).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["GRID_STEP", "INDEX_FORMAT", "AnswerIndex", "cache_root", "chain_digests", "code_digest", "dataset_id",
           "evict", "file_state", "forget", "index_path", "read_record", "write_index", "write_record"]

#: Bump when the index layout or the records change.
INDEX_FORMAT = "1"
#: A data file modified this recently (seconds) may change again within one timestamp tick: no fast key.
RACY_S = 2.0
#: Answer indexes kept (the last written): one per network judged and code version, ~35 MB for the city.
KEEP_INDEXES = 8
#: Spacing of the lon/lat grid (degrees, about 140 × 220 m here): bilinear error under 1 mm.
GRID_STEP = 0.002
#: Margin of the grid around the network (degrees of latitude, and as many kilometres east-west):
#: a point outside it is farther than 500 m from every segment.
GRID_MARGIN = 0.01
_ENV = ("MOBISIM_SHARED_OSM", "MOBISIM_DATA_DIR", "MOBISIM_CACHE_DIR")
_code: str | None = None


def cache_root() -> Path:
    """:func:`mobisim.load.paths.cache_dir` without importing :mod:`mobisim.load` (a test keeps them equal)."""
    data = os.environ.get("MOBISIM_DATA_DIR")
    return Path(os.environ.get("MOBISIM_CACHE_DIR") or (Path(data) if data else Path.cwd() / "data" / "osm") / "cache")


def _modules(folder: str, skip: tuple[str, ...] = ()) -> Iterator[os.DirEntry[str]]:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir() and entry.name != "__pycache__" and entry.path not in skip:
                yield from _modules(entry.path)
            elif entry.name.endswith(".py"):
                yield entry


def code_digest() -> str:
    """The code's identity: path, size and modification time of every module of ``mobisim`` but the
    renderers (as Python checks its compiled files; the evaluated-network key leaves them out too),
    taken once per process."""
    global _code
    if _code is None:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        h = hashlib.sha256(f"{INDEX_FORMAT} {sys.version_info[:2]} {root}".encode())
        for entry in sorted(_modules(root, (os.path.join(root, "render"),)), key=lambda e: e.path):
            st = entry.stat()
            h.update(f"{entry.path} {st.st_size} {st.st_mtime_ns};".encode())
        _code = h.hexdigest()
    return _code


def dataset_id(scenario: Path | None, osm: Sequence[Path] | None, speed_limits: Path | None,
               speed_limits_column: str | None) -> str:
    """The key of a command line's data: its arguments as given, the working folder, the
    ``MOBISIM_*`` variables and :func:`code_digest`."""
    plain = json.dumps({"scenario": None if scenario is None else str(scenario),
                        "osm": [str(p) for p in osm or []],
                        "speed_limits": None if speed_limits is None else str(speed_limits),
                        "speed_limits_column": speed_limits_column, "cwd": os.getcwd(),
                        "env": [os.environ.get(k) for k in _ENV], "code": code_digest()})
    return hashlib.sha256(plain.encode()).hexdigest()[:32]


def file_state(path: Path | str) -> list[int] | None:
    """A data file's identity (size, mtime, ctime, inode, device; ``None`` when it does not exist)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def chain_digests(chain: Iterable[Path]) -> list[list[str]]:
    """``[path, sha256]`` of each scenario file (their content counts: they are small)."""
    return [[str(Path(p).absolute()), hashlib.sha256(Path(p).read_bytes()).hexdigest()] for p in chain]


def _keys_dir() -> Path:
    return cache_root() / "toets" / "keys"


def index_path(verdicts_key: str) -> Path:
    """The answer index of an evaluated-network entry with this code."""
    name = hashlib.sha256(f"{verdicts_key} {code_digest()}".encode()).hexdigest()[:32]
    return cache_root() / "toets" / f"{name}.sqlite"


def _replace(tmp: Path, target: Path) -> None:
    try:
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_record(dataset: str, record: Mapping[str, Any], taken_ns: int) -> bool:
    """Store the fast key of ``dataset`` (atomically); ``False`` when a data file was modified less than
    :data:`RACY_S` before its identity was taken at ``taken_ns`` (it may change again without its
    timestamp showing it) or the cache cannot be written: the command then answers the next time too."""
    if any(state is not None and taken_ns - state[1] < RACY_S * 1e9 for state in record["files"].values()):
        return False
    folder = _keys_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".tmp-{os.getpid()}-{time.time_ns()}"
        tmp.write_text(json.dumps(record), encoding="utf-8")
        _replace(tmp, folder / f"{dataset}.json")
    except OSError:
        return False
    return True


def read_record(dataset: str) -> dict[str, Any] | None:
    """The fast key of ``dataset`` when every file it rests on is as it was, else ``None``."""
    try:
        record = json.loads((_keys_dir() / f"{dataset}.json").read_text(encoding="utf-8"))
        if any(file_state(path) != state for path, state in record["files"].items()):
            return None
        if chain_digests([Path(p) for p, _ in record["chain"]]) != record["chain"]:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record


def evict(keep: int = KEEP_INDEXES) -> None:
    """Remove all but the ``keep`` answer indexes written last, fast keys written more than a month ago
    and what killed writers left (an hour old); a fast key whose index is gone is a miss, then written
    again."""
    now = time.time()
    for folder, pattern, age in ((cache_root() / "toets", ".sqlite", None), (_keys_dir(), ".json", 30 * 86400.0)):
        try:
            with os.scandir(folder) as scan:
                entries = [(e.stat().st_mtime, e.path, e.name) for e in scan if e.is_file()]
        except OSError:
            continue
        kept = sorted((m, p) for m, p, n in entries if n.endswith(pattern) and not n.startswith("."))
        old = [p for _, p in kept[:-keep]] if age is None else [p for m, p in kept if now - m > age]
        for path in old + [p for m, p, n in entries if n.startswith(".tmp-") and now - m > 3600]:
            try:
                os.unlink(path)
            except OSError:
                pass


def forget(dataset: str, index: Path | None = None) -> None:
    """Remove a fast key (and its index) that could not be used, so that the command writes them again."""
    for path in (_keys_dir() / f"{dataset}.json", index):
        if path is not None:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass


_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE vals (id INTEGER PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE shapes (id INTEGER PRIMARY KEY, keys TEXT NOT NULL);
CREATE TABLE segments (pos INTEGER PRIMARY KEY, way_id INTEGER, fname TEXT, is_road INTEGER NOT NULL,
                       length REAL NOT NULL, cx REAL, cy REAL, minx REAL, miny REAL, maxx REAL, maxy REAL,
                       shape INTEGER NOT NULL, record BLOB NOT NULL, coords BLOB NOT NULL);
CREATE VIRTUAL TABLE bounds USING rtree(pos, minx, maxx, miny, maxy);
CREATE TABLE crossings (node_id INTEGER PRIMARY KEY, shape INTEGER NOT NULL, record BLOB NOT NULL);
CREATE TABLE names (k INTEGER PRIMARY KEY, name TEXT NOT NULL, fname TEXT NOT NULL);
CREATE TABLE grid (k INTEGER PRIMARY KEY, x REAL NOT NULL, y REAL NOT NULL);
"""
#: The private keys of a segment record kept as numbers in their own columns.
_GEOMETRY = ("_length", "_centroid", "_bounds")


class _Values:
    """Each distinct value and key list stored once; a record is its key list's id and the ids of
    its values (most texts repeat from segment to segment)."""

    def __init__(self) -> None:
        self.values: dict[tuple[type, Any], int] = {}
        self.shapes: dict[tuple[str, ...], int] = {}

    def _id(self, value: Any) -> int:
        key = (type(value), json.dumps(value) if isinstance(value, list | dict) else value)
        return self.values.setdefault(key, len(self.values))  # the type keeps 1, 1.0 and True apart

    def encode(self, record: Mapping[str, Any]) -> tuple[int, bytes]:
        shape = self.shapes.setdefault(tuple(record), len(self.shapes))
        values = self.values
        try:
            ids = [values.setdefault((type(v), v), len(values)) for v in record.values()]
        except TypeError:  # a list among them
            ids = [self._id(v) for v in record.values()]
        return shape, array("i", ids).tobytes()

    def encode_columns(self, columns: Mapping[str, Sequence[Any]]) -> tuple[int, list[bytes]]:
        """The key list's id and each row's value ids, column by column (the records of many segments)."""
        shape = self.shapes.setdefault(tuple(columns), len(self.shapes))
        values, ids = self.values, []
        for column in columns.values():
            try:
                ids.append([values.setdefault((type(v), v), len(values)) for v in column])
            except TypeError:  # a list among them
                ids.append([self._id(v) for v in column])
        return shape, [array("i", row).tobytes() for row in zip(*ids)]

    def write(self, db: sqlite3.Connection) -> None:
        db.executemany("INSERT INTO vals VALUES (?, ?)",
                       ((i, v if kind in (list, dict) else json.dumps(v)) for (kind, v), i in self.values.items()))
        db.executemany("INSERT INTO shapes VALUES (?, ?)", ((i, json.dumps(k)) for k, i in self.shapes.items()))


def _insert_segments(db: sqlite3.Connection, values: _Values, columns: Mapping[str, Sequence[Any]],
                     lookup: Sequence[tuple[int | None, str | None, bool, Sequence[float]]]) -> None:
    shape, records = values.encode_columns({k: v for k, v in columns.items() if k not in _GEOMETRY})
    rows, boxes = [], []
    for pos, ((way_id, fname, is_road, coords), record, length, (cx, cy), bounds) in enumerate(zip(
            lookup, records, columns["_length"], columns["_centroid"], columns["_bounds"])):
        rows.append((pos, way_id, fname, int(is_road), length, cx, cy, *bounds, shape, record,
                     array("d", coords).tobytes()))
        if len(coords) >= 2:
            xs, ys = coords[0::2], coords[1::2]
            boxes.append((pos, min(xs), max(xs), min(ys), max(ys)))
    db.executemany("INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.executemany("INSERT INTO bounds VALUES (?, ?, ?, ?, ?)", boxes)


def write_index(path: Path, meta: Mapping[str, Any], segments: Mapping[str, Sequence[Any]],
                lookup: Sequence[tuple[int | None, str | None, bool, Sequence[float]]],
                crossings: Mapping[int, dict[str, Any]], names: Iterable[tuple[str, str]],
                grid: Iterable[tuple[float, float]]) -> None:
    """Write an answer index (to a temporary file, then renamed into place).

    Parameters
    ----------
    path
        The index (:func:`index_path`).
    meta
        JSON values by name: ``crs`` (the segments' CRS, PROJJSON), ``tiers``, ``tier_labels``,
        ``grid`` (``lon0, lat0, nlon, nlat, step``), ``outside_is_far`` (whether every point off
        the grid is more than 500 m from every segment).
    segments
        The segments' records column by column, in the network's order
        (:func:`mobisim.cli._toets_report.segment_columns`).
    lookup
        Per segment: its way id, folded name, whether it is a motor road and its coordinates
        (``x0, y0, x1, y1, …``).
    crossings
        The crossing records by node id (:func:`mobisim.cli._toets_report.crossing_records`).
    names
        The street names in the network's order, each once, with their folded form.
    grid
        The projected coordinates of the grid's points, row by row (south to north, west to east).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{os.getpid()}-{time.time_ns()}.sqlite")
    values = _Values()
    try:
        with sqlite3.connect(tmp) as db:
            db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)  # renamed when done
            db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()])
            _insert_segments(db, values, segments, lookup)
            db.executemany("INSERT INTO crossings VALUES (?, ?, ?)",
                           ((n, *values.encode(r)) for n, r in crossings.items()))
            values.write(db)
            db.executemany("INSERT INTO names (name, fname) VALUES (?, ?)", names)
            db.executemany("INSERT INTO grid VALUES (?, ?, ?)", ((k, x, y) for k, (x, y) in enumerate(grid)))
            db.execute("CREATE INDEX segments_fname ON segments (fname)")
            db.execute("CREATE INDEX segments_way ON segments (way_id)")
            db.execute("INSERT INTO meta VALUES ('complete', 'true')")
        db.close()
        _replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class AnswerIndex:
    """An answer index opened read-only (:func:`write_index`).

    Raises
    ------
    sqlite3.Error, ValueError, KeyError
        The index is damaged or incomplete (the caller treats it as a miss).
    """

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.meta = {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}
        if self.meta.get("complete") is not True:
            raise ValueError("incomplete answer index")
        self.shapes = {i: json.loads(k) for i, k in self.db.execute("SELECT id, keys FROM shapes")}

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def _decode(self, rows: Sequence[tuple[int, bytes]]) -> list[dict[str, Any]]:
        """The records of ``(shape, ids)`` rows."""
        arrays = []
        for _, blob in rows:
            ids = array("i")
            ids.frombytes(blob)
            arrays.append(ids)
        needed = sorted(set().union(*arrays)) if arrays else []
        rows_ids: list[int] = []
        texts: list[str] = []
        for start in range(0, len(needed), 500):
            chunk = needed[start:start + 500]
            query = f"SELECT id, value FROM vals WHERE id IN ({','.join('?' * len(chunk))})"
            for i, text in self.db.execute(query, chunk):
                rows_ids.append(i)
                texts.append(text)
        values = dict(zip(rows_ids, json.loads(f"[{','.join(texts)}]")))  # one parse for all
        return [dict(zip(self.shapes[shape], (values[i] for i in ids))) for (shape, _), ids in zip(rows, arrays)]

    def _records(self, where: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        rows = list(self.db.execute("SELECT shape, record, length, cx, cy, minx, miny, maxx, maxy FROM segments "
                                    f"WHERE {where} ORDER BY pos", args))
        records = self._decode([(r[0], r[1]) for r in rows])
        for record, r in zip(records, rows):
            record.update(_length=r[2], _centroid=[r[3], r[4]], _bounds=list(r[5:9]))
        return records

    def by_name(self, fname: str) -> list[dict[str, Any]]:
        """The records of the segments whose folded name is ``fname``, in the network's order."""
        return self._records("fname = ?", (fname,))

    def by_way(self, way_id: int) -> list[dict[str, Any]]:
        """The records of the segments of one OSM way, in the network's order."""
        return self._records("way_id = ?", (way_id,))

    def near(self, x: float, y: float, radius: float) -> list[tuple[int, bool, array[float]]]:
        """Position, motor-road flag and coordinates of the segments whose bounds lie within ``radius``."""
        rows = self.db.execute(
            "SELECT s.pos, s.is_road, s.coords FROM bounds b JOIN segments s ON s.pos = b.pos "
            "WHERE b.minx <= ? AND b.maxx >= ? AND b.miny <= ? AND b.maxy >= ? ORDER BY s.pos",
            (x + radius, x - radius, y + radius, y - radius))
        out = []
        for pos, is_road, blob in rows:
            coords = array("d")
            coords.frombytes(blob)
            out.append((int(pos), bool(is_road), coords))
        return out

    def record_at(self, pos: int) -> dict[str, Any]:
        """The record of the segment at ``pos``."""
        return self._records("pos = ?", (pos,))[0]

    def crossing_of(self, node_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The crossing records of the crossing nodes among ``node_ids``."""
        rows: list[tuple[int, int, bytes]] = []
        for start in range(0, len(node_ids), 500):
            chunk = node_ids[start:start + 500]
            query = f"SELECT node_id, shape, record FROM crossings WHERE node_id IN ({','.join('?' * len(chunk))})"
            rows.extend(self.db.execute(query, chunk))
        records = self._decode([(shape, blob) for _, shape, blob in rows])
        return {int(node_id): record for (node_id, _, _), record in zip(rows, records)}

    def names(self) -> list[tuple[str, str]]:
        """The street names in the network's order, with their folded form."""
        return list(self.db.execute("SELECT name, fname FROM names ORDER BY k"))

    def project(self, lat: float, lon: float) -> tuple[float, float] | None:
        """The point in the segments' CRS, interpolated on the grid (``None`` outside it)."""
        lon0, lat0, nlon, nlat, step = self.meta["grid"]
        fx, fy = (lon - lon0) / step, (lat - lat0) / step
        col, row = int(fx // 1), int(fy // 1)
        if not (0 <= col < nlon - 1 and 0 <= row < nlat - 1):
            return None
        fx, fy = fx - col, fy - row
        ks = [row * nlon + col, row * nlon + col + 1, (row + 1) * nlon + col, (row + 1) * nlon + col + 1]
        pts = {k: (x, y) for k, x, y in self.db.execute("SELECT k, x, y FROM grid WHERE k IN (?, ?, ?, ?)", ks)}
        (x00, y00), (x10, y10), (x01, y01), (x11, y11) = (pts[k] for k in ks)
        weights = ((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy)
        x = weights[0] * x00 + weights[1] * x10 + weights[2] * x01 + weights[3] * x11
        y = weights[0] * y00 + weights[1] * y10 + weights[2] * y01 + weights[3] * y11
        return x, y
