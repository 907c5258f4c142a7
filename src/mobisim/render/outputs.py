"""Atomic writers for the run outputs (``map.html``, ``layers.gpkg``, ``scores.json``, reports).

Two mechanisms, both crash-safe:

* :func:`output_set` writes a whole output folder (``maps/<name>/``: the five run outputs, or a
  ``compare`` folder) as one unit. The files are written into a hidden sibling folder
  ``maps/.<name>.staging-<pid>-<token>/``; when every file is written and fsynced, that folder is
  renamed to ``maps/.<name>.ready-<pid>-<token>/`` (the name is the mark "complete") and swapped
  with ``maps/<name>/``. On Linux the swap is one ``renameat2(RENAME_EXCHANGE)`` call, atomic:
  a reader sees the whole old set or the whole new set, never a mix and never no folder. Where
  that call is missing (other systems, some filesystems) two renames are used —
  ``<name>`` → ``.<name>.old-<pid>-<token>``, then ready → ``<name>`` — with a window of a few
  microseconds in which ``maps/<name>/`` does not exist; a run killed inside that window leaves a
  complete ready or old folder, and :func:`recover_output_set` (called by the next writer)
  puts it back. The old set is removed after the swap.

  What a kill leaves: killed while writing → the old set, untouched, plus a staging folder;
  killed after the swap → the new set, plus perhaps an ``.old-`` folder. SIGINT and SIGTERM
  remove the staging folder and exit with 130/143 (a signal during the swap is held until the
  swap is done). Leftovers of dead processes (SIGKILL, power loss) are removed at the start of
  the next write of the same folder; those of live processes (a concurrent run) are left alone.

  The folder belongs to mobisim, but files in it that the new set does not write (a user's
  ``notes.txt``) are carried over into the new set (hard-linked, else copied), so nothing is
  lost; hidden temporary files of older mobisim versions (``.map.html.xxxxxxxx.tmp``) are not.

* :func:`atomic_path` (and :func:`write_text`, :func:`write_json`, :func:`write_gpkg`) replace one
  file: write a temporary file next to it, then :func:`os.replace`. Temporary files of dead
  processes are removed by the next write of the same file.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import math
import os
import re
import secrets
import shutil
import signal
import stat
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from mobisim.errors import OutputError

__all__ = [
    "Interrupted",
    "atomic_path",
    "output_set",
    "recover_output_set",
    "write_text",
    "write_json",
    "write_gpkg",
    "write_gpkg_to",
    "to_jsonable",
]


# --------------------------------------------------------------------------------------------
# processes


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (a process of another user counts)."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, it is someone else's
        return True
    return True


def _remove(path: str | Path) -> None:
    """Remove a file, symlink or folder tree; never raises (a leftover is removed next time)."""
    path = os.fspath(path)
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def _fsync_dir(path: str | Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """fsync every regular file below ``root``, then the folders (children first)."""
    for folder, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(folder)


def _test_pause(stage: str) -> None:
    """Sleep at ``stage`` when ``$_MOBISIM_TEST_PAUSE`` is ``<stage>:<seconds>`` (the kill tests
    use it to kill a writer at a chosen moment; never set in normal use)."""
    spec = os.environ.get("_MOBISIM_TEST_PAUSE", "")
    name, _, seconds = spec.partition(":")
    if name == stage:
        time.sleep(float(seconds or 30))


# --------------------------------------------------------------------------------------------
# one file


#: temporary names of older mobisim versions (mkstemp): ``.<file>.<8 random chars>.tmp[.ext]``.
_LEGACY_TMP = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp(\.[A-Za-z0-9]+)?$")
#: temporary names of :func:`atomic_path`: ``.<file>.<pid>-<token>.tmp[.ext]``.
_FILE_TMP = re.compile(r"^\.(?P<file>.+)\.(?P<pid>\d+)-[0-9a-f]+\.tmp(\.[A-Za-z0-9]+)?$")


def _is_temp_name(name: str) -> bool:
    return bool(_LEGACY_TMP.match(name) or _FILE_TMP.match(name))


def _remove_stale_temps(target: Path) -> None:
    """Remove the temporary files of dead processes left next to ``target``."""
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        m = _FILE_TMP.match(entry.name)
        if m and m["file"] == target.name and not _alive(int(m["pid"])):
            _remove(entry.path)


@contextmanager
def atomic_path(path: str | Path, *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` when the block succeeds.

    For a single file (an ``--export``); a set of files that belong together is written with
    :func:`output_set`.

    Parameters
    ----------
    path : str or Path
        Final location of the file. Its folder is created when missing.
    suffix : str, optional
        Suffix for the temporary file (some writers pick the format from it, e.g. ``.gpkg``).

    Yields
    ------
    Path
        The temporary file to write. It is removed when the block raises; one left by a killed
        process is removed by the next write of ``path``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(target)
    tmp = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp{suffix}"
    try:
        yield tmp
        if not tmp.exists():  # the block wrote nothing: create an empty file, as before
            tmp.touch()
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------
# a whole output folder


class Interrupted(SystemExit):
    """SIGINT or SIGTERM arrived while an output set was written: the staging folder is removed
    and the process exits with 128 + the signal number (130, 143)."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


_KINDS = ("staging", "ready", "old")
_SET_SUFFIX = re.compile(r"^(?P<kind>staging|ready|old)-(?P<pid>\d+)-(?P<token>[0-9a-f]+)$")


def _sibling(target: Path, kind: str, token: str) -> Path:
    return target.parent / f".{target.name}.{kind}-{os.getpid()}-{token}"


def _leftovers(target: Path) -> list[tuple[str, int, Path]]:
    """``(kind, pid, path)`` of every staging/ready/old folder of ``target`` (any process)."""
    prefix = f".{target.name}."
    out = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        m = _SET_SUFFIX.match(entry.name[len(prefix):])
        if m:
            out.append((m["kind"], int(m["pid"]), Path(entry.path)))
    return out


def recover_output_set(target: str | Path) -> Path | None:
    """Repair what killed writers of ``target`` left behind; return the folder put back, if any.

    If ``target`` is missing (a process died between the two renames of the fallback swap) the
    newest complete folder of a dead process — a ready (new) set, else an old one — is renamed
    back to ``target``. Every other staging/ready/old folder of a dead process is removed.
    Folders of live processes are left alone.
    """
    target = Path(os.path.abspath(target))
    dead = [(kind, path) for kind, pid, path in _leftovers(target) if not _alive(pid)]
    restored = None
    if not os.path.lexists(target):
        for kind in ("ready", "old"):
            complete = [p for k, p in dead if k == kind]
            if not complete:
                continue
            newest = max(complete, key=lambda p: p.stat().st_mtime_ns)
            try:
                os.rename(newest, target)
            except OSError:
                continue
            restored = target
            dead = [(k, p) for k, p in dead if p != newest]
            _fsync_dir(target.parent)
            break
    for _kind, path in dead:
        _remove(path)
    return restored


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns False when the call is not available here (then the caller uses two renames).
    """
    if not sys.platform.startswith("linux") or os.environ.get("_MOBISIM_TEST_NO_EXCHANGE"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):  # glibc < 2.28, musl without it
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # kernel or filesystem without RENAME_EXCHANGE
    raise OSError(err, os.strerror(err), os.fspath(b))


def _swap_in(ready: Path, target: Path, old: Path) -> Path | None:
    """Put the complete folder ``ready`` at ``target``; return where the previous set now is."""
    for _attempt in range(5):
        if not os.path.lexists(target):
            try:
                os.rename(ready, target)
                return None
            except OSError as exc:  # another run put a folder there meanwhile: swap with it
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
                continue
        if _exchange(ready, target):
            # ``ready`` now holds the previous set: give it its proper name before removal
            try:
                os.rename(ready, old)
                return old
            except OSError:
                return ready
        # fallback: two renames; between them ``target`` is missing (see recover_output_set)
        try:
            os.rename(target, old)
        except FileNotFoundError:  # a concurrent run moved it just now
            continue
        _test_pause("between")
        try:
            os.rename(ready, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.rename(old, target)
            raise
        return old
    raise OutputError(f"{target}: could not replace the output folder (other runs keep writing it)")


def _carry_over(target: Path, staging: Path) -> None:
    """Hard-link (else copy) into ``staging`` every entry of ``target`` that the new set lacks."""
    try:
        entries = list(os.scandir(target))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if _is_temp_name(entry.name):
            continue  # a temporary file of a killed older writer: drop it
        dest = staging / entry.name
        if os.path.lexists(dest):
            continue  # the new set writes it
        _link_or_copy(Path(entry.path), dest)


def _link_or_copy(src: Path, dest: Path) -> None:
    if src.is_symlink():
        os.symlink(os.readlink(src), dest)
    elif src.is_dir():
        dest.mkdir()
        shutil.copymode(src, dest)
        for entry in os.scandir(src):
            _link_or_copy(Path(entry.path), dest / entry.name)
    else:
        try:
            os.link(src, dest)
        except OSError:
            shutil.copy2(src, dest)


def _check_target(target: Path) -> Path:
    """``target`` as an absolute, normalised path that may be replaced as a whole."""
    absolute = Path(os.path.abspath(target))
    cwd = Path(os.getcwd())
    if absolute == Path(absolute.anchor) or absolute == cwd or absolute in cwd.parents:
        raise OutputError(
            f"{target}: the output folder is replaced as a whole on every run; give a folder of "
            f"its own (e.g. maps/<name>), not the working folder or one above it")
    if os.path.lexists(absolute) and not absolute.is_dir():
        raise OutputError(f"{target}: is a file, not an output folder")
    return absolute


class _SignalGuard:
    """SIGINT/SIGTERM handlers for the duration of an output-set write.

    Outside a critical section a signal raises :class:`Interrupted` (the writer's cleanup runs
    and the process exits 130/143); inside one (the swap, the cleanup) it is held and raised
    when the section ends.
    """

    def __init__(self) -> None:
        self.critical = False
        self.pending: int | None = None
        self._previous: dict[int, Any] = {}

    def _handler(self, signum: int, frame: Any) -> None:
        if self.critical:
            self.pending = signum
            return
        raise Interrupted(signum)

    def __enter__(self) -> _SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous = signal.getsignal(sig)
                if previous is signal.SIG_IGN:
                    continue  # the caller chose to ignore it (nohup, background jobs): keep that
                try:
                    self._previous[sig] = signal.signal(sig, self._handler)
                except (ValueError, OSError):
                    pass
        return self

    def __exit__(self, *exc: Any) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Hold signals for the block (they are raised after it, once)."""
        was, self.critical = self.critical, True
        try:
            yield
        finally:
            self.critical = was

    def raise_pending(self) -> None:
        if self.pending is not None and not self.critical:
            signum, self.pending = self.pending, None
            raise Interrupted(signum)


@contextmanager
def output_set(target: str | Path, *, carry_over: bool = True) -> Iterator[Path]:
    """Write a whole output folder atomically: yield a staging folder, swap it in on success.

    Parameters
    ----------
    target : str or Path
        The output folder (``maps/<name>``); its parent is created when missing. It is replaced
        as a whole, so it may not be the working folder or one above it.
    carry_over : bool
        Copy entries of the old folder that the new set does not write (a user's notes) into
        the new set (hard links where possible). Default True.

    Yields
    ------
    Path
        The staging folder: write every file of the set into it.

    Notes
    -----
    When the block raises (or SIGINT/SIGTERM arrives) the staging folder is removed and the
    old folder is untouched. See the module documentation for the swap and what a kill leaves.

    Raises
    ------
    Interrupted
        SIGINT or SIGTERM during the write (exit code 130 or 143).
    OutputError
        ``target`` is a file, the working folder, or its parent cannot be written.
    """
    target = _check_target(Path(target))
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{parent}: cannot create the output folder ({exc.strerror or exc})") from None
    recover_output_set(target)
    token = secrets.token_hex(4)
    staging, ready, old = (_sibling(target, kind, token) for kind in _KINDS)
    try:
        staging.mkdir()
    except OSError as exc:
        raise OutputError(f"{parent}: cannot write the output folder here ({exc.strerror or exc})") from None
    guard = _SignalGuard()
    previous: Path | None = None
    with guard:
        try:
            yield staging
            _test_pause("written")
            if carry_over:
                _carry_over(target, staging)
            with contextlib.suppress(OSError):  # keep the old folder's permissions
                if target.is_dir():
                    os.chmod(staging, stat.S_IMODE(target.stat().st_mode))
            _fsync_tree(staging)
            os.rename(staging, ready)  # the name says: complete
            _fsync_dir(parent)
            _test_pause("ready")
            with guard.holding():
                previous = _swap_in(ready, target, old)
                _fsync_dir(parent)
        except BaseException:
            with guard.holding():
                _remove(staging)
                if not os.path.lexists(target) and ready.is_dir():
                    with contextlib.suppress(OSError):  # never leave no folder at all
                        os.rename(ready, target)
                _remove(ready)
            raise
        with guard.holding():
            _test_pause("swapped")
            if previous is not None:
                _remove(previous)
        guard.raise_pending()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def to_jsonable(obj: Any) -> Any:
    """Turn numpy/pandas/pydantic values into plain JSON values (NaN and NA become ``None``)."""
    if hasattr(obj, "model_dump"):
        return to_jsonable(obj.model_dump(mode="json"))
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return None if math.isnan(float(obj)) or math.isinf(float(obj)) else float(obj)
    if obj is None or obj is pd.NA or obj is pd.NaT:
        return None
    if isinstance(obj, (str, int)):
        return obj
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, pd.Timestamp):
        return obj.isoformat()
    return str(obj)


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented UTF-8 JSON to ``path`` atomically and return the path."""
    text = json.dumps(to_jsonable(data), indent=2, ensure_ascii=False, allow_nan=False)
    return write_text(path, text + "\n")


def _gpkg_ready(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy GeoPackage can store: nullable ints/bools/strings as plain object columns."""
    out = frame.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        dtype = out[col].dtype
        if isinstance(dtype, pd.StringDtype) or dtype == object:  # noqa: E721  (numpy dtype equality, not a type check)
            out[col] = out[col].astype(object).where(out[col].notna(), None)
        elif isinstance(dtype, (pd.Int64Dtype, pd.BooleanDtype)) or str(dtype) in ("Int32", "Int16", "Int8"):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def write_gpkg_to(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write every layer of ``layers`` into a new GeoPackage at ``path`` (not atomic; see
    :func:`write_gpkg`). Empty frames are skipped (GeoPackage cannot store an empty layer without
    a geometry type); with no layer at all a one-row ``empty`` layer keeps the file valid."""
    path = Path(path)
    path.unlink(missing_ok=True)  # let the driver create a fresh database
    for name, frame in layers.items():
        if frame is None or frame.empty:
            continue
        _gpkg_ready(frame).to_file(path, layer=name, driver="GPKG", engine="pyogrio", index=False,
                                   use_arrow=True)
    if not path.exists():
        gpd.GeoDataFrame({"note": ["no layers"]}, geometry=gpd.points_from_xy([0], [0]), crs=28992).to_file(
            path, layer="empty", driver="GPKG", engine="pyogrio"
        )
    return path


def write_gpkg(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame]) -> Path:
    """Write every layer of ``layers`` into one GeoPackage at ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        Target ``.gpkg`` file; replaced as a whole.
    layers : mapping of str to GeoDataFrame
        Layer name → frame.

    Returns
    -------
    Path
        ``path``.
    """
    with atomic_path(path, suffix=".gpkg") as tmp:
        write_gpkg_to(tmp, layers)
    return Path(path)
