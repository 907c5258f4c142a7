"""The self-repairing store behind the caches: entries written atomically, read only when intact.

An entry is a folder ``<root>/<name>`` of data files (Parquet) and one meta file (JSON) that lists
the sha256 of every data file and the store's :data:`CACHE_FORMAT`. :func:`write_entry` writes it
under a unique temporary name and renames it into place; :func:`read_entry` returns its bytes only
when every checksum matches. The network cache and the traffic cache (:mod:`mobisim.load.cache`)
are built on these two functions.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mobisim.load.messages import first_line, warn
from mobisim.load.paths import cache_dir

#: Bump when the processed layout changes: old cache entries are then ignored.
CACHE_FORMAT = "5"

#: The meta data of an entry, as read from its JSON file.
Meta = dict[str, Any]


def file_digest(path: Path) -> str:
    """sha256 of a file's content."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# The cache never stops a run and is never trusted blindly. An entry is a folder written under a
# unique temporary name and renamed into place (two runs writing one entry cannot mix their files);
# its meta file lists the sha256 of every data file. An entry that exists but cannot be trusted (a
# file missing, truncated or garbled, a meta file that is not JSON or not what this version writes)
# is rebuilt from the input and replaced, with one warning. A cache folder that is not a directory,
# not writable or full is bypassed with one warning: the run goes on without the cache.


class DamagedEntry(Exception):
    """A cache entry exists but cannot be trusted; the message says why."""


class CacheUnusable(Exception):
    """The cache folder cannot be read or written at all; ``error`` is the :class:`OSError`."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


#: What is already in the way of a new entry (os.replace of a folder onto it fails).
_TAKEN = {errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR}
#: Leftovers of a killed run (``.tmp-*``, ``.old-*``) older than this are removed by the next write.
_STALE_S = 3600.0


def _os_problem(exc: BaseException, root: Path, shown: Path) -> str:
    """What is wrong with the cache folder ``root`` (in the cache ``shown``), in words."""
    try:
        blocked = next((p for p in (root, *root.parents) if p.exists() and not p.is_dir()), None)
    except OSError:
        blocked = None
    if blocked is not None:
        return "not a directory" if blocked == shown else f"not a directory ({blocked} is a file)"
    code = getattr(exc, "errno", None)
    if code in (errno.EACCES, errno.EPERM):
        return "not writable (permission denied)"
    if code == errno.EROFS:
        return "not writable (read-only file system)"
    if code == errno.ENOSPC:
        return "the disk is full (no space left on device)"
    if code == errno.EDQUOT:
        return "the disk quota is exceeded"
    reason = getattr(exc, "strerror", None) or first_line(exc)
    return f"cannot be written ({reason[:1].lower() + reason[1:]})"


def cache_unusable(root: Path, exc: BaseException) -> None:
    """The one warning of a cache that cannot be used; it names the cache folder (``cache_dir()``)
    even for the traffic cache in it, so that a run says it once."""
    shown = cache_dir()
    warn(f"cache {shown}: {_os_problem(exc, root, shown)}; running without the cache")


def _remove(path: Path) -> None:
    """Remove a file or folder, whatever is left of it."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _sweep(root: Path) -> None:
    """Remove what killed runs left in ``root``: temporary and set-aside entries older than an hour."""
    now = time.time()
    try:
        with os.scandir(root) as entries:
            for entry in entries:
                if entry.name.startswith((".tmp-", ".old-")):
                    try:
                        if now - entry.stat(follow_symlinks=False).st_mtime > _STALE_S:
                            _remove(Path(entry.path))
                    except OSError:
                        continue
    except OSError:
        pass


def read_entry(folder: Path, meta_name: str, names: Sequence[str],
               check: Callable[[Meta], bool]) -> tuple[Meta, dict[str, bytes]] | None:
    """The meta data and the checked bytes of the data files ``names`` of a cache entry.

    Parameters
    ----------
    folder
        The entry.
    meta_name
        Its meta file (JSON).
    names
        The data files the reader needs.
    check
        Whether the meta data holds what the reader needs (the format and the checksums are
        checked here).

    Returns
    -------
    tuple of (dict, dict of str to bytes) or None
        The meta data and the bytes of every file in ``names``; ``None`` when there is no entry.

    Raises
    ------
    DamagedEntry
        When there is an entry that cannot be trusted.
    CacheUnusable
        When the cache cannot be read (permission denied).
    """
    try:
        os.lstat(folder)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise CacheUnusable(exc) from None
    try:
        text = (folder / meta_name).read_bytes()
    except FileNotFoundError:
        raise DamagedEntry(f"{meta_name} is missing") from None
    except NotADirectoryError:
        raise DamagedEntry("a file, not a folder") from None
    except PermissionError as exc:
        raise CacheUnusable(exc) from None
    except OSError as exc:
        raise DamagedEntry(f"{meta_name} cannot be read: {exc.strerror or first_line(exc)}") from None
    try:
        meta = json.loads(text)
    except ValueError:
        raise DamagedEntry(f"{meta_name} is not valid JSON") from None
    digests = meta.get("files") if isinstance(meta, dict) else None
    if (not isinstance(digests, dict) or meta.get("format") != CACHE_FORMAT
            or any(not isinstance(digests.get(name), str) for name in names) or not check(meta)):
        raise DamagedEntry(f"{meta_name} is malformed: not a mobisim cache entry of format {CACHE_FORMAT}")
    blobs: dict[str, bytes] = {}
    for name in names:
        try:
            data = (folder / name).read_bytes()
        except FileNotFoundError:
            raise DamagedEntry(f"{name} is missing") from None
        except PermissionError as exc:
            raise CacheUnusable(exc) from None
        except OSError as exc:
            raise DamagedEntry(f"{name} cannot be read: {exc.strerror or first_line(exc)}") from None
        if hashlib.sha256(data).hexdigest() != digests[name]:
            raise DamagedEntry(f"{name} is damaged: its checksum does not match")
        blobs[name] = data
    return meta, blobs


def _install(tmp: Path, folder: Path, meta_name: str, names: Sequence[str], check: Callable[[Meta], bool]) -> None:
    """Rename the complete entry ``tmp`` to ``folder``.

    When ``folder`` is taken: an intact entry (a concurrent run's) is kept and ``tmp`` dropped; a
    damaged one (or a file) is set aside under a unique name, replaced, then removed.
    """
    try:
        os.replace(tmp, folder)
        return
    except OSError as exc:
        if exc.errno not in _TAKEN:
            raise
    try:
        intact = read_entry(folder, meta_name, names, check) is not None
    except (DamagedEntry, CacheUnusable):
        intact = False
    if intact:
        _remove(tmp)
        return
    target = folder.with_name(f".old-{folder.name}-{uuid.uuid4().hex[:12]}")
    aside: Path | None = target
    try:
        os.replace(folder, target)
    except FileNotFoundError:  # a concurrent run set it aside first
        aside = None
    try:
        os.replace(tmp, folder)
    except OSError as exc:
        if exc.errno not in _TAKEN:
            raise
        _remove(tmp)  # a concurrent run's fresh entry is in place: keep it
    finally:
        if aside is not None:
            _remove(aside)


def write_entry(root: Path, name: str, meta_name: str, meta: Meta, frames: Mapping[str, pd.DataFrame],
                check: Callable[[Meta], bool]) -> None:
    """Store ``frames`` and ``meta`` as the cache entry ``root/name``.

    Written to a unique temporary folder, then renamed into place (:func:`_install`). Never
    raises for the cache's sake: a cache that cannot be written is bypassed with one warning.

    Parameters
    ----------
    root, name
        The cache folder and the entry's name in it.
    meta_name
        The meta file; ``meta`` is written to it with the format and the checksums.
    meta
        What the reader needs besides the frames.
    frames
        File name → frame, each written as Parquet.
    check
        The reader's check of the meta data (an entry already in place is kept when it passes).
    """
    tmp: Path | None = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        _sweep(root)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
        digests = {}
        for file_name, frame in frames.items():
            frame.to_parquet(tmp / file_name)
            digests[file_name] = file_digest(tmp / file_name)
        (tmp / meta_name).write_text(json.dumps({**meta, "format": CACHE_FORMAT, "files": digests}))
        _install(tmp, root / name, meta_name, list(frames), check)
        tmp = None
    except OSError as exc:
        cache_unusable(root, exc)
    except Exception as exc:  # noqa: BLE001 - pyarrow's own errors: the cache is a convenience
        warn(f"cache {cache_dir()}: cannot write an entry ({first_line(exc)}); running without the cache")
    finally:
        if tmp is not None:
            _remove(tmp)

