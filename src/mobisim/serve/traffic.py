"""The traffic re-assignment after edits that move traffic, in a background thread.

An edit that changes what drivers see is re-scored at once on approximate volumes (its result
says ``approximate``). The session's re-assignment (:meth:`mobisim.whatif.Session.reassign`, the
traffic model on the edited network: about two minutes on the city) then runs in a thread of its
own: it copies what the model reads under the session's lock, runs the model without it (edits go
on), and writes the result under the lock again, so an edit never sees half a re-assignment. An
edit that changed what drivers see in the meantime makes the result stale: it is dropped and the
model runs again (:meth:`mobisim.whatif.Session.commit`). It starts
:attr:`TrafficJob.delay` seconds after the last edit (:meth:`TrafficJob.start` again restarts the
wait), so a planner's burst of edits is re-scored at once and assigned once; an edit made while it
runs asks for one more run after it.

:meth:`TrafficJob.describe` is what ``GET /api/status`` and the page show: ``none`` (nothing to
do), ``waiting`` (starts after the delay), ``running``, ``done`` or ``failed`` (with the message;
the figures then stay approximate).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mobisim.serve.state import ServeState

__all__ = ["DELAY_S", "TrafficJob"]

log = logging.getLogger(__name__)

#: Seconds without an edit before the re-assignment starts (``mobisim serve --reassign-after``).
DELAY_S = 10.0
#: What the page says while the model runs.
RUNNING = "traffic re-assignment running… (edits go on; their figures stay approximate until it lands)"


class TrafficJob:
    """The state of the background re-assignment of one server (see the module docstring)."""

    def __init__(self, state: ServeState, delay: float = DELAY_S) -> None:
        self.state = state
        self.delay = delay
        self.status = "none"
        self.message: str | None = None
        self.seconds: float | None = None
        self._again = False
        self._guard = threading.Lock()
        self._timer: threading.Timer | None = None
        self._thread: threading.Thread | None = None

    def describe(self) -> dict[str, Any]:
        """``status``, ``message``, the last run's ``seconds`` and the ``delay``."""
        with self._guard:
            return {"status": self.status, "message": self.message, "seconds": self.seconds, "delay": self.delay}

    def start(self) -> None:
        """Re-assign traffic after :attr:`delay` seconds without a new call (once more after a
        running one)."""
        with self._guard:
            if self._thread is not None:  # running (set to None under this guard as it ends)
                self._again = True
                return
            if self._timer is not None:
                self._timer.cancel()
            self.status = "waiting"
            self.message = f"traffic approximate: the re-assignment starts {self.delay:g} s after the last edit"
            self._timer = threading.Timer(self.delay, self._launch)
            self._timer.daemon = True
            self._timer.start()

    def _launch(self) -> None:
        with self._guard:
            self._timer = None
            self.status, self.message = "running", RUNNING
            self._thread = threading.Thread(target=self._run, name="mobisim-reassign", daemon=True)
            self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for a waiting or running re-assignment (tests, shutdown)."""
        timer = self._timer
        if timer is not None:
            timer.join(timeout)
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            t = time.perf_counter()
            stale = False
            try:
                stale = self._once()
                status, message = "done", "traffic re-assigned"
            except Exception as exc:  # a failed model run must not stop the server: the page says so
                log.exception("traffic re-assignment failed")
                status, message = "failed", f"traffic re-assignment failed: {exc}"
            with self._guard:
                self.seconds = round(time.perf_counter() - t, 1)
                if self._again or stale:
                    self._again = False
                    self.status, self.message = "running", RUNNING
                    continue
                self.status, self.message = status, message
                self._thread = None  # a start() from now on launches a new run
                return

    def _once(self) -> bool:
        """Prepare under the lock, assign without it, commit under it; whether the result was
        stale (an edit since changed what drivers see)."""
        session = self.state.session
        with self.state.lock:
            job = session.assignment()
        if job is None:
            return False
        job.run()
        with self.state.lock:
            if session.commit(job) is None:
                return bool(session.pending)
            self.state.record()
        return False
