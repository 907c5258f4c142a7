"""Running a sweep on Dask: the base state scattered once, one task per variant, rows streamed back.

The driver builds the base state (:func:`mobisim.sweep.evaluate.build_base`) and sends it to every
worker once (``client.scatter(..., broadcast=True)``); each variant is one task
(:func:`mobisim.sweep.evaluate.run_variant`) taking that state. Rows come back with
:func:`distributed.as_completed` in the order they finish and are logged at once
(:func:`mobisim.sweep.outputs.append_row`), so ``resume`` skips the variants already logged.

A worker that dies mid-task (killed, out of memory) loses its tasks; the scheduler runs them again
on the workers left (Dask's ``distributed.scheduler.allowed-failures`` deaths per task). When the
base state itself was lost with the last worker holding it, the remaining variants are submitted
again with the state scattered anew once a worker runs (at most ``rescatter`` times); with no
worker left the sweep stops, its rows logged for ``--resume``.
"""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mobisim.sweep.design import Variant
from mobisim.sweep.evaluate import run_variant
from mobisim.sweep.outputs import append_row

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["Streamed", "Task", "stream_variants"]

Task = Callable[[Any, Variant], dict[str, Any]]


@dataclass
class Streamed:
    """What a streamed sweep did: the rows it made, its wall time (with ``warm_seconds`` importing the steps
    on every worker and ``scatter_seconds`` sending the state), the variants submitted again."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    warm_seconds: float = 0.0
    scatter_seconds: float = 0.0
    resubmitted: int = 0


@contextmanager
def _bar(enabled: bool, total: int, done: int) -> Iterator[Callable[[], None]]:
    if not enabled:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("Variants"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True)) as bar:
        task = bar.add_task("variants", total=total, completed=done)
        yield lambda: bar.advance(task)


def _lost_state(exc: BaseException) -> bool:
    """Whether a task failed because its input data was lost (the scattered state with its workers)."""
    from distributed.client import FutureCancelledError

    return isinstance(exc, FutureCancelledError) or "lost" in str(exc).lower()


def _running(dask_scheduler: Any) -> int:
    return len(dask_scheduler.running)


def _wait_running(client: Client, seconds: float) -> None:
    """Wait until a worker is running (a worker killed a moment ago may still be listed, not running).

    Raises
    ------
    RuntimeError
        None runs after ``seconds``: every worker was lost (the rows so far stay logged for ``--resume``).
    """
    end = time.monotonic() + seconds
    while client.run_on_scheduler(_running) < 1:
        if time.monotonic() > end:
            raise RuntimeError(f"no Dask worker running for {seconds:.0f} s: every worker was lost; the rows so far "
                               "are kept in rows.jsonl, run the sweep again with --resume")
        time.sleep(0.5)


def _submit(client: Client, state: Any, todo: Sequence[Variant], task: Task) -> dict[Any, Variant]:
    token = uuid.uuid4().hex[:8]
    return {client.submit(task, state, v, key=f"mobisim-variant-{v.id}-{token}", pure=False): v for v in todo}


def stream_variants(client: Client, base: Any, todo: Sequence[Variant], folder: Path, *, progress: bool = False,
                    done: int = 0, task: Task = run_variant, rescatter: int = 2) -> Streamed:
    """Run ``todo`` on ``client`` and log each row in ``folder`` as it arrives.

    Parameters
    ----------
    base
        The state each task takes (scattered to every worker once).
    todo
        The variants still to run.
    done
        Variants already done (for the progress bar).
    task
        The function run per variant (``task(base, variant) -> row``); tests wrap it.
    rescatter
        How often the state is scattered anew when it was lost with its workers.
    """
    from distributed import as_completed

    out = Streamed()
    start = time.perf_counter()
    client.run(importlib.import_module, "mobisim.sweep.evaluate")  # every worker imports the steps once, up front
    out.warm_seconds = time.perf_counter() - start
    pending = list(todo)
    with _bar(progress, done + len(todo), done) as tick:
        for attempt in range(rescatter + 1):
            t0 = time.perf_counter()
            _wait_running(client, 120.0)  # after a loss: until a (restarted) worker runs
            state = client.scatter(base, broadcast=True, hash=False)
            out.scatter_seconds += time.perf_counter() - t0
            futures = _submit(client, state, pending, task)
            try:
                for fut in as_completed(futures):
                    row = fut.result()
                    append_row(folder, row)
                    out.rows.append(row)
                    pending.remove(futures.pop(fut))
                    tick()
                break
            except Exception as exc:
                client.cancel(list(futures))
                if attempt == rescatter or not _lost_state(exc):
                    raise
                out.resubmitted += len(pending)
    out.seconds = time.perf_counter() - start
    return out
