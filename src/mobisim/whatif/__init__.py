"""What-if: a scenario's evaluated network re-scored one street edit at a time (issue 17, item 2).

:class:`Session` holds a scenario's evaluated *after* (verdicts, driven speeds, school routes and
the sums behind the headline's toets figures) and :meth:`Session.apply` takes one intervention
(the models of scenario files, :mod:`mobisim.scenario.interventions`), judging again only what
it can change: the edited streets whole, the crossings at their ends and the signals' radius, the
segments whose redesign by the calming plan flips; then the child-safe school routes on prebuilt
structures. The result equals a full run of the edited scenario (``tests/test_whatif.py``).
An edit that moves traffic re-routes the edited links' flow by a detour approximation at once
(``traffic="approximate"``); :meth:`Session.reassign` runs the assignment again and then equals a
full run too (or :meth:`Session.assignment`, run apart, then :meth:`Session.commit`: edits go on
while the model runs, and a result made stale by one is dropped). :meth:`Session.undo` reverts
the last edit exactly (``tests/test_whatif_undo.py``).

Modules: :mod:`~mobisim.whatif.scope` (what an edit can change), :mod:`~mobisim.whatif.rejudge`
(the after's steps on sub-networks), :mod:`~mobisim.whatif.schools` (the child-safe pass),
:mod:`~mobisim.whatif.tally` (the figures by difference), :mod:`~mobisim.whatif.traffic` (the
detour approximation, the re-assignment), :mod:`~mobisim.whatif.journal` (writes and undo),
:mod:`~mobisim.whatif.result`, :mod:`~mobisim.whatif.session`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobisim._lazy import lazy_exports

if TYPE_CHECKING:
    from mobisim.whatif.result import EditResult, NothingToUndoError
    from mobisim.whatif.session import Session

__all__ = ["EditResult", "NothingToUndoError", "Session"]

__getattr__, __dir__ = lazy_exports(__name__, {"mobisim.whatif.result": ("EditResult", "NothingToUndoError"),
                                               "mobisim.whatif.session": ("Session",)})
