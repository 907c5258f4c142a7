"""A whole output folder written as one unit: stage, fsync, swap (:func:`output_set`).

:func:`output_set` writes a whole output folder (``maps/<name>/``: the five run outputs, or a
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
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from mobisim.errors import OutputError
from mobisim.render.files import fsync_dir, fsync_tree, is_temp_name, pause_for_tests, process_alive, remove_path

__all__ = ["Interrupted", "output_set", "recover_output_set"]

#: What :func:`signal.getsignal` returns: a handler, ``SIG_DFL``/``SIG_IGN``, or ``None``.
SignalHandler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

_SET_SUFFIX = re.compile(r"^(?P<kind>staging|ready|old)-(?P<pid>\d+)-(?P<token>[0-9a-f]+)$")


class Interrupted(SystemExit):
    """SIGINT or SIGTERM arrived while an output set was written.

    The staging folder is removed and the process exits with 128 + the signal number (130, 143).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


# --------------------------------------------------------------------------------------------
# leftovers of earlier writers


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
    dead = [(kind, path) for kind, pid, path in _leftovers(target) if not process_alive(pid)]
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
            fsync_dir(target.parent)
            break
    for _kind, path in dead:
        remove_path(path)
    return restored


# --------------------------------------------------------------------------------------------
# the swap


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
        pause_for_tests("between")
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
        if is_temp_name(entry.name):
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


# --------------------------------------------------------------------------------------------
# signals


class _SignalGuard:
    """SIGINT/SIGTERM handlers for the duration of an output-set write.

    Outside a critical section a signal raises :class:`Interrupted` (the writer's cleanup runs
    and the process exits 130/143); inside one (the swap, the cleanup) it is held and raised
    when the section ends.
    """

    def __init__(self) -> None:
        self.critical = False
        self.pending: int | None = None
        self._previous: dict[int, SignalHandler] = {}

    def _handler(self, signum: int, frame: FrameType | None) -> None:
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

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
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
        """Raise the signal held during a critical section, if any (once)."""
        if self.pending is not None and not self.critical:
            signum, self.pending = self.pending, None
            raise Interrupted(signum)


# --------------------------------------------------------------------------------------------
# the output set


def _make_staging(target: Path, token: str) -> Path:
    """Create the parent of ``target`` and its staging folder (after repairing leftovers)."""
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{parent}: cannot create the output folder ({exc.strerror or exc})") from None
    recover_output_set(target)
    staging = _sibling(target, "staging", token)
    try:
        staging.mkdir()
    except OSError as exc:
        raise OutputError(f"{parent}: cannot write the output folder here ({exc.strerror or exc})") from None
    return staging


def _seal(staging: Path, target: Path, ready: Path, *, carry_over: bool) -> None:
    """Complete the staged set: carried-over entries, the old folder's mode, fsync, rename to ready."""
    if carry_over:
        _carry_over(target, staging)
    with contextlib.suppress(OSError):  # keep the old folder's permissions
        if target.is_dir():
            os.chmod(staging, stat.S_IMODE(target.stat().st_mode))
    fsync_tree(staging)
    os.rename(staging, ready)  # the name says: complete
    fsync_dir(target.parent)


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
    token = secrets.token_hex(4)
    staging = _make_staging(target, token)
    ready, old = _sibling(target, "ready", token), _sibling(target, "old", token)
    guard = _SignalGuard()
    previous: Path | None = None
    with guard:
        try:
            yield staging
            pause_for_tests("written")
            _seal(staging, target, ready, carry_over=carry_over)
            pause_for_tests("ready")
            with guard.holding():
                previous = _swap_in(ready, target, old)
                fsync_dir(target.parent)
        except BaseException:
            with guard.holding():
                remove_path(staging)
                if not os.path.lexists(target) and ready.is_dir():
                    with contextlib.suppress(OSError):  # never leave no folder at all
                        os.rename(ready, target)
                remove_path(ready)
            raise
        with guard.holding():
            pause_for_tests("swapped")
            if previous is not None:
                remove_path(previous)
        guard.raise_pending()
