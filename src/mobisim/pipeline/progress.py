"""Timing the steps of a run, shown as rich progress lines on stderr."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress

#: ``tick(done, total)``: how far a step is.
Tick = Callable[[int, int], None]


class Steps:
    """Time each step and show it as a rich progress line on stderr (when enabled).

    Examples
    --------
    >>> with Steps(enabled=False) as steps:
    ...     with steps.step("load", "Loading"):
    ...         pass
    >>> list(steps.timings)
    ['load']
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.timings: dict[str, float] = {}
        self._progress: Progress | None = None
        if enabled:
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                      console=Console(stderr=True), transient=False)

    def __enter__(self) -> Steps:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.stop()

    @contextmanager
    def step(self, key: str, label: str) -> Iterator[Tick]:
        """Time the block as step ``key``, shown as ``label``.

        Yields
        ------
        Tick
            ``tick(done, total)`` shows how far a step that knows its size is (items and percent).
        """
        progress = self._progress
        task = progress.add_task(label, total=1) if progress is not None else None

        size = [1]

        def tick(done: int, total: int) -> None:
            if progress is not None and task is not None and total > 0:
                size[0] = total
                progress.update(task, total=total, completed=done,
                                description=f"{label} [dim]({done}/{total}, {100 * done / total:.0f} %)[/]")

        t0 = time.perf_counter()
        try:
            yield tick
        finally:
            self.timings[key] = time.perf_counter() - t0
            if progress is not None and task is not None:
                progress.update(task, completed=size[0], description=f"{label} [dim]({self.timings[key]:.1f} s)[/]")
