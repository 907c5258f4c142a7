"""The Typer application every ``mobisim`` command registers on, and its error boundary.

Every command is wrapped in :func:`user_errors`: bad input ends as one line
``mobisim: error: <place>: <problem>`` on stderr and exit code 2, Ctrl-C as
``mobisim: error: interrupted`` and exit code 130. Failures of the operating system (a file
where a folder is wanted, no permission, a full disk) are translated there too; writes of a
known output are wrapped in :func:`writing` so the line names that output, not a temporary file.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import functools
import shutil
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer

from mobisim.errors import MobisimError, OutputError

app = typer.Typer(
    name="mobisim",
    help=(
        "Mobility policy simulator for Den Haag: the 30 km/h default, the 8-jarigen-toets "
        "(8-year-old test), school routes and shrinking parking permits on OpenStreetMap data."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])

#: Exit code of a command stopped by Ctrl-C (128 + SIGINT), as a shell reports it.
EXIT_INTERRUPTED = 130

#: The problem, in words, of the common operating-system failures (errno → text).
_OS_PROBLEMS = {
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "not a folder (a file stands where a folder is needed)",
    errno.EISDIR: "is a folder, not a file",
    errno.EEXIST: "exists and is not a folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on the disk",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large",
    errno.ENAMETOOLONG: "file name too long",
    errno.ELOOP: "too many symbolic links",
    errno.EIO: "input/output error",
    errno.EBUSY: "device or resource busy",
}


def _say(message: str) -> None:
    """One line on stderr, prefixed ``mobisim: error:``."""
    line = message.splitlines()[0] if message else "error"
    print(f"mobisim: error: {line}", file=sys.stderr)


def os_problem(exc: OSError) -> str:
    """The problem of an :class:`OSError` in words (``"permission denied"``), without its path."""
    text = _OS_PROBLEMS.get(exc.errno) if exc.errno is not None else None
    if text is None:
        text = exc.strerror or str(exc) or type(exc).__name__
        text = text[:1].lower() + text[1:]
    return text


def _culprit(exc: OSError) -> str | None:
    """The path an :class:`OSError` is about: the destination of a rename, else its file."""
    name = exc.filename2 if exc.filename2 is not None else exc.filename
    return None if name is None else str(name)


def _existing_ancestor(path: Path) -> Path:
    for p in (path, *path.parents):
        if p.exists():
            return p
    return Path(".")


def _disk_full(path: Path) -> bool:
    """Whether the disk holding ``path`` (or its nearest existing parent) is (almost) full."""
    try:
        return shutil.disk_usage(_existing_ancestor(path.absolute())).free < 1 << 20
    except OSError:
        return False


def _is_gdal_write(exc: BaseException) -> bool:
    """Whether a pyogrio error was raised while GDAL wrote a file (not while it read one)."""
    return any("ogr_write" in frame.name or "ogr_create" in frame.name
               for frame in traceback.extract_tb(exc.__traceback__))


def _about(culprit: str, target: Path) -> bool:
    """Whether a failing path belongs to writing ``target``: the target itself, a file in it (a
    staged folder), a hidden temporary sibling, or one of its parent folders."""
    c, t = Path(culprit), Path(target)
    if c == t or t in c.parents or c in t.parents:
        return True
    return c.parent == t.parent and c.name.startswith(".")


@contextmanager
def writing(target: Path | str | None) -> Iterator[None]:
    """Translate a failure to write ``target`` (a file or folder) into :class:`OutputError`.

    An :class:`OSError` about ``target`` (or a temporary file beside it, a file inside it, a
    parent folder) or without a path, and a GDAL (pyogrio) error raised while writing, become
    ``<target>: cannot write: <problem>``; a full disk is named as such. Other errors pass.
    """
    if target is None:
        yield
        return
    target = Path(target)
    try:
        yield
    except OSError as exc:
        culprit = _culprit(exc)
        if exc.errno is None or (culprit is not None and not _about(culprit, target)):
            raise
        problem = os_problem(exc)
        if culprit is not None and Path(culprit) in target.parents:
            problem = f"{culprit}: {problem}"
        raise OutputError(f"{target}: cannot write: {problem}") from exc
    except Exception as exc:
        if type(exc).__module__.split(".")[0] != "pyogrio" or not _is_gdal_write(exc):
            raise
        detail = ("no space left on the disk" if _disk_full(target)
                  else str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise OutputError(f"{target}: cannot write: {detail}") from exc


def _blocking_file(path: Path) -> Path | None:
    """The nearest existing parent of ``path`` when it is not a folder (a file in the way)."""
    for parent in path.parents:
        if parent.exists():
            return None if parent.is_dir() else parent
    return None


def check_output_file(path: Path | str, option: str = "--export") -> None:
    """Refuse, before any work, an output file that cannot be one: a folder, or a path through a file."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: {option} needs a file name, this is a folder")
    blocking = _blocking_file(path)
    if blocking is not None:
        raise OutputError(f"{path}: cannot write: {blocking} is a file, not a folder")


def check_output_dir(path: Path | str | None, option: str = "--out") -> None:
    """Refuse, before any work, an output folder that is a file or lies below a file."""
    if path is None:
        return
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: {option} needs a folder, this is a file")
    blocking = _blocking_file(path)
    if blocking is not None:
        raise OutputError(f"{path}: cannot write: {blocking} is a file, not a folder")


def user_errors(func: F) -> F:
    """The CLI's error boundary: input problems end as one line on stderr and exit code 2.

    - :class:`MobisimError` (bad input, named with its place): its message, its exit code (2).
    - :class:`OSError` from the operating system (``errno`` set): ``<file>: <problem>``, exit 2.
    - Ctrl-C (:class:`KeyboardInterrupt`): ``interrupted``, exit 130, no traceback.

    Any other exception is a bug and propagates with its traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MobisimError as exc:
            _say(str(exc) or type(exc).__name__)
            raise typer.Exit(code=exc.exit_code) from None
        except KeyboardInterrupt:
            _say("interrupted")
            raise typer.Exit(code=EXIT_INTERRUPTED) from None
        except OSError as exc:
            if exc.errno is None:
                raise
            culprit = _culprit(exc)
            _say(os_problem(exc) if culprit is None else f"{culprit}: {os_problem(exc)}")
            raise typer.Exit(code=MobisimError.exit_code) from None

    return wrapper  # type: ignore[return-value]
