"""The Dask cluster a sweep runs on: a :class:`distributed.LocalCluster` or an existing scheduler.

``workers`` starts a LocalCluster of that many worker *processes* (one thread each: the steps are
numpy/pandas code holding the GIL), by default one per core; ``scheduler`` (``tcp://host:8786``)
connects to a cluster started elsewhere (``dask scheduler`` and ``dask worker`` processes), and
the same sweep code runs there.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from mobisim.errors import MobisimError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["default_workers", "open_client"]


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextmanager
def open_client(workers: int | None = None, scheduler: str | None = None, *,
                connect_timeout: float = 10.0) -> Iterator[Client]:
    """A Dask client on a new LocalCluster (``workers`` processes) or on ``scheduler``; closed after.

    Raises
    ------
    MobisimError
        ``scheduler`` cannot be reached within ``connect_timeout`` seconds.
    """
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=connect_timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            raise MobisimError(f"--scheduler {scheduler}: cannot connect ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
        with client:
            yield client
        return
    n = workers if workers is not None else default_workers()
    # death_timeout: a worker process may take long to start on a loaded machine (the nanny's default gives up)
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR, death_timeout=120) as cluster, Client(cluster) as client:
        yield client
