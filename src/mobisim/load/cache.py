"""The processed-network, traffic-model and evaluated-network caches, in :func:`mobisim.load.paths.cache_dir`.

A network is stored under a key made of the sha256 of the input files' content, the mobisim
version, the cache format, the cycle-path settings and the code of the whole load package: the
next run reads a few GeoParquet files instead of the XML. A traffic model run is stored under its
own key (:func:`mobisim.traffic.model_key`) in ``<cache>/traffic/``. Both repair or bypass
themselves (:mod:`mobisim.load.store`): a damaged entry is rebuilt and replaced, an unusable cache
folder is skipped, each with one warning on stderr; the cache never stops a run.

The evaluated network — today's verdicts of a scenario (:func:`mobisim.pipeline.today.street_verdicts`,
what ``mobisim toets`` reads) — is stored in ``<cache>/verdicts/`` under :func:`verdicts_key`: the
input files' content, the scenario's effective settings (JSON) and the code of every package that
loads or judges the network (all of ``mobisim`` but the CLI and the renderers).
"""

from __future__ import annotations

import errno
import hashlib
import json
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from mobisim import __version__
from mobisim.load.cycleways import ParallelSettings
from mobisim.load.messages import first_line, warn
from mobisim.load.paths import cache_dir
from mobisim.load.store import (
    CACHE_FORMAT,
    CacheUnusable,
    DamagedEntry,
    Meta,
    cache_unusable,
    file_digest,
    read_entry,
    write_entry,
)
from mobisim.network import FRAMES, Network

if TYPE_CHECKING:
    from mobisim.traffic import TrafficModel

#: The meta file of a network entry (sources and notes); a traffic entry's is ``summary.json``.
_META = "meta.json"
_TRAFFIC_META = "summary.json"
_VERDICTS_META = "verdicts.json"
#: The evaluated network's frames (what the reviewer's toets reads).
VERDICT_FRAMES = ("edges", "nodes")
#: The network's attributes kept with them (JSON).
_VERDICT_ATTRS = ("sources", "coverage", "source_dates", "area_label", "area_share", "notes")


def _code_digest() -> str:
    """Digest of the load package's code: a change to any of its modules invalidates the cache."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for module in sorted(here.glob("*.py")):
        h.update(module.name.encode())
        h.update(module.read_bytes())
    return h.hexdigest()


#: The processing code as imported (read once, when the load package is imported with the modules
#: it imports): a file edited while a run is under way must not key the running, older code's result.
_CODE_DIGEST = _code_digest()


def cache_key(paths: Sequence[Path], parallel: ParallelSettings) -> str:
    """The cache key of a network built from ``paths`` with the cycle-path settings ``parallel``."""
    h = hashlib.sha256()
    h.update(f"mobisim {__version__} cache {CACHE_FORMAT} {parallel!r}".encode())
    h.update(_CODE_DIGEST.encode())
    for p in paths:
        h.update(file_digest(p).encode())
    return h.hexdigest()[:32]


def _network_meta_ok(meta: Meta) -> bool:
    notes = meta.get("notes")
    return isinstance(meta.get("sources"), list) and isinstance(notes, list) and all(
        isinstance(n, list) and len(n) == 2 and isinstance(n[0], int) and isinstance(n[1], str) for n in notes)


def _traffic_meta_ok(meta: Meta) -> bool:
    notes = meta.get("notes")
    return (isinstance(meta.get("summary"), dict) and isinstance(notes, list)
            and all(isinstance(n, str) for n in notes))


def read_network(folder: Path, files: Sequence[Path]) -> Network | None:
    """The cached network of ``files``, or ``None`` when there is no entry.

    The cached data is the content of the files (the key is their sha256), not their names: the
    network names the files given for this run (``sources``, notes).

    Raises
    ------
    mobisim.load.store.DamagedEntry, mobisim.load.store.CacheUnusable
        See :func:`mobisim.load.store.read_entry`.
    """
    entry = read_entry(folder, _META, [f"{name}.parquet" for name in FRAMES], _network_meta_ok)
    if entry is None:
        return None
    meta, blobs = entry
    try:
        frames = {name: gpd.read_parquet(BytesIO(blobs[f"{name}.parquet"])) for name in FRAMES}
        notes = [f"{files[int(at)]}: {str(text)}" for at, text in meta.get("notes", [])]
    except Exception as exc:  # noqa: BLE001 - a file that matches its checksum but pyarrow rejects
        raise DamagedEntry(f"cannot be read ({first_line(exc)})") from None
    return Network(**frames, sources=[str(f) for f in files], notes=notes)


def write_network(folder: Path, net: Network, notes: Sequence[tuple[int, str]] = ()) -> None:
    """Store a processed network; ``notes`` are (input file number, text without the file name)."""
    write_entry(folder.parent, folder.name, _META,
                {"sources": net.sources, "notes": [list(n) for n in notes]},
                {f"{name}.parquet": getattr(net, name) for name in FRAMES}, _network_meta_ok)


def network_folder(files: Sequence[Path], parallel: ParallelSettings) -> Path | None:
    """The cache entry of a network built from ``files``, or ``None`` when the cache folder is a
    file (after one warning: the run goes on without the cache)."""
    root = cache_dir()
    if root.exists() and not root.is_dir():
        cache_unusable(root, NotADirectoryError(errno.ENOTDIR, "Not a directory"))
        return None
    return root / cache_key(files, parallel)


def cached_network(folder: Path, files: Sequence[Path]) -> tuple[Network | None, bool]:
    """The cached network of ``files`` in the entry ``folder``, if any, and whether to write one.

    Returns
    -------
    network : Network or None
        ``None`` when there is no entry, or a damaged one (it is rebuilt and replaced: one warning).
    writable : bool
        ``False`` when the cache cannot be read at all (one warning): the run goes on without it.
    """
    try:
        return read_network(folder, files), True
    except DamagedEntry as exc:
        warn(f"cache {folder}: damaged entry ({exc}); reading the input again and replacing it")
        return None, True
    except CacheUnusable as exc:
        cache_unusable(folder.parent, exc.error)
        return None, False


def read_traffic_cache(key: str) -> TrafficModel | None:
    """A cached traffic model run (:class:`mobisim.traffic.TrafficModel`) or ``None``.

    A damaged entry gives ``None`` with one warning (the model is run again and
    :func:`write_traffic_cache` replaces the entry); an unreadable cache, ``None`` with one warning.
    """
    from mobisim.traffic import TrafficModel

    if not key:
        return None
    root = cache_dir() / "traffic"
    folder = root / key
    try:
        entry = read_entry(folder, _TRAFFIC_META, ["edges.parquet"], _traffic_meta_ok)
        if entry is None:
            return None
        meta, blobs = entry
        try:
            edges = pd.read_parquet(BytesIO(blobs["edges.parquet"]))
        except Exception as exc:  # noqa: BLE001 - matches its checksum, but pyarrow rejects it
            raise DamagedEntry(f"edges.parquet cannot be read ({first_line(exc)})") from None
        return TrafficModel(key=key, edges=edges, summary=meta["summary"], notes=list(meta["notes"]))
    except DamagedEntry as exc:
        warn(f"cache {folder}: damaged entry ({exc}); running the traffic model again and replacing it")
    except CacheUnusable as exc:
        cache_unusable(root, exc.error)
    return None


def write_traffic_cache(model: TrafficModel) -> None:
    """Store a traffic model run under its key (atomically; a concurrent writer's intact entry is
    kept, a damaged one replaced; a cache that cannot be written is bypassed with one warning)."""
    if not model.key:
        return
    write_entry(cache_dir() / "traffic", model.key, _TRAFFIC_META,
                {"summary": model.summary, "notes": [str(n) for n in model.notes]}, {"edges.parquet": model.edges},
                _traffic_meta_ok)


def _evaluating_code_digest() -> str:
    """Digest of the code that loads and judges a network: every module of ``mobisim`` but the
    command line and the renderers (``cli/``, ``render/``)."""
    root = Path(__file__).parent.parent
    h = hashlib.sha256()
    for module in sorted(root.rglob("*.py")):
        rel = module.relative_to(root).as_posix()
        if rel.startswith(("cli/", "render/")):
            continue
        h.update(rel.encode())
        h.update(module.read_bytes())
    return h.hexdigest()


#: As imported (see :data:`_CODE_DIGEST`).
_EVALUATING_DIGEST = _evaluating_code_digest()


def verdicts_key(files: Sequence[tuple[str, Path]], settings: str) -> str:
    """The key of an evaluated network: ``files`` (role, path: the content counts), the
    scenario's effective ``settings`` (JSON text) and the code (:func:`_evaluating_code_digest`)."""
    h = hashlib.sha256()
    h.update(f"mobisim {__version__} verdicts {CACHE_FORMAT}".encode())
    h.update(_EVALUATING_DIGEST.encode())
    h.update(settings.encode())
    for role, path in files:
        h.update(f"{role}={file_digest(path)};".encode())
    return h.hexdigest()[:32]


def _verdicts_meta_ok(meta: Meta) -> bool:
    return all(k in meta for k in _VERDICT_ATTRS) and isinstance(meta.get("run_notes"), list)


def read_verdicts(key: str) -> tuple[Network, list[str]] | None:
    """The evaluated network stored under ``key`` (its edges and nodes) and the notes of judging it.

    ``None`` when there is no entry, when it is damaged (one warning: it is judged again and
    replaced) or when the cache cannot be read (one warning).
    """
    root = cache_dir() / "verdicts"
    folder = root / key
    try:
        entry = read_entry(folder, _VERDICTS_META, [f"{name}.parquet" for name in VERDICT_FRAMES],
                           _verdicts_meta_ok)
        if entry is None:
            return None
        meta, blobs = entry
        try:
            frames = {name: gpd.read_parquet(BytesIO(blobs[f"{name}.parquet"])) for name in VERDICT_FRAMES}
        except Exception as exc:  # noqa: BLE001 - matches its checksum, but pyarrow rejects it
            raise DamagedEntry(f"cannot be read ({first_line(exc)})") from None
        net = Network(**frames, **{k: meta[k] for k in _VERDICT_ATTRS})
        return net, [str(n) for n in meta["run_notes"]]
    except DamagedEntry as exc:
        warn(f"cache {folder}: damaged entry ({exc}); judging the network again and replacing it")
    except CacheUnusable as exc:
        cache_unusable(root, exc.error)
    return None


def write_verdicts(key: str, net: Network, notes: Sequence[str]) -> None:
    """Store an evaluated network's edges and nodes under ``key`` with the notes of judging it
    (atomically; a cache that cannot be written is bypassed with one warning)."""
    plain = json.dumps({**{k: getattr(net, k) for k in _VERDICT_ATTRS}, "run_notes": [str(n) for n in notes]},
                       default=lambda o: o.item() if hasattr(o, "item") else str(o))  # numpy scalars
    meta = json.loads(plain)
    write_entry(cache_dir() / "verdicts", key, _VERDICTS_META, meta,
                {f"{name}.parquet": getattr(net, name) for name in VERDICT_FRAMES}, _verdicts_meta_ok)
