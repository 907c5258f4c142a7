"""Small filesystem helpers of the output writers: live processes, removal, fsync, temporary names.

Used by :mod:`mobisim.render.outputs` (one file) and :mod:`mobisim.render.staging` (a whole output
folder). Every helper that cleans up never raises: a leftover is removed by the next writer.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

__all__ = [
    "LEGACY_TEMP_NAME",
    "FILE_TEMP_NAME",
    "process_alive",
    "remove_path",
    "fsync_dir",
    "fsync_tree",
    "pause_for_tests",
    "is_temp_name",
    "remove_stale_temps",
    "current_umask",
]

#: Temporary names of older mobisim versions (mkstemp): ``.<file>.<8 random chars>.tmp[.ext]``.
LEGACY_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp(\.[A-Za-z0-9]+)?$")
#: Temporary names of :func:`mobisim.render.outputs.atomic_path`: ``.<file>.<pid>-<token>.tmp[.ext]``.
FILE_TEMP_NAME = re.compile(r"^\.(?P<file>.+)\.(?P<pid>\d+)-[0-9a-f]+\.tmp(\.[A-Za-z0-9]+)?$")


def process_alive(pid: int) -> bool:
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


def remove_path(path: str | Path) -> None:
    """Remove a file, symlink or folder tree; never raises (a leftover is removed next time)."""
    path = os.fspath(path)
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.unlink(path)
    except OSError:
        pass


def fsync_dir(path: str | Path) -> None:
    """fsync a folder (its entries are then on disk); silently skipped where it cannot be opened."""
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


def fsync_tree(root: Path) -> None:
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
        fsync_dir(folder)


def pause_for_tests(stage: str) -> None:
    """Sleep at ``stage`` when ``$_MOBISIM_TEST_PAUSE`` is ``<stage>:<seconds>``.

    The kill tests use it to kill a writer at a chosen moment; never set in normal use.
    """
    spec = os.environ.get("_MOBISIM_TEST_PAUSE", "")
    name, _, seconds = spec.partition(":")
    if name == stage:
        time.sleep(float(seconds or 30))


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is a temporary file of a (possibly older) mobisim writer."""
    return bool(LEGACY_TEMP_NAME.match(name) or FILE_TEMP_NAME.match(name))


def remove_stale_temps(target: Path) -> None:
    """Remove the temporary files of dead processes left next to ``target``."""
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        m = FILE_TEMP_NAME.match(entry.name)
        if m and m["file"] == target.name and not process_alive(int(m["pid"])):
            remove_path(entry.path)


def current_umask() -> int:
    """The process's file-mode creation mask (read without changing it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
