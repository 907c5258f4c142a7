"""The server's background re-assignment (:class:`mobisim.serve.traffic.TrafficJob`) never drops a request."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from mobisim.serve.traffic import TrafficJob


class _Session:
    """Counts the re-assignments asked for; each takes a little while (the model, without the lock)."""

    def __init__(self) -> None:
        self.prepared = 0

    def assignment(self):
        self.prepared += 1
        return SimpleNamespace(run=lambda: time.sleep(0.05))

    def commit(self, job):
        return object()


def test_a_request_after_a_run_ends_starts_a_new_one() -> None:
    session = _Session()
    state = SimpleNamespace(session=session, lock=threading.Lock(), record=lambda: None)
    job = TrafficJob(state, delay=0.01)
    job.start()
    time.sleep(0.03)
    job.start()  # while the first run works: one more run after it
    job.join(5)
    deadline = time.monotonic() + 5
    while job.describe()["status"] != "done" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert job.describe()["status"] == "done" and session.prepared == 2
    job.start()  # after the run ended: a new wait, then a run (not swallowed by the ended thread)
    assert job.describe()["status"] == "waiting"
    job.join(5)
    deadline = time.monotonic() + 5
    while session.prepared < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert session.prepared == 3
