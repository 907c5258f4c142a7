"""What-if: a scenario's evaluated network re-scored one street edit at a time (issue 17, item 2).

:class:`Session` holds a scenario's evaluated *after* (verdicts, driven speeds, school routes and
the sums behind the headline's toets figures) and :meth:`Session.apply` takes one intervention
(the models of scenario files, :mod:`mobisim.scenario.interventions`), judging again only what
it can change: the edited streets whole, the crossings at their ends and the signals' radius, the
segments whose redesign by the calming plan flips; then the child-safe school routes on prebuilt
structures. The result equals a full run of the edited scenario (``tests/test_whatif.py``),
except that traffic is not re-assigned: an edit that moves traffic says ``approximate``.

Modules: :mod:`~mobisim.whatif.scope` (what an edit can change), :mod:`~mobisim.whatif.rejudge`
(the after's steps on sub-networks), :mod:`~mobisim.whatif.schools` (the child-safe pass),
:mod:`~mobisim.whatif.tally` (the figures by difference), :mod:`~mobisim.whatif.session`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobisim._lazy import lazy_exports

if TYPE_CHECKING:
    from mobisim.whatif.session import EditResult, Session

__all__ = ["EditResult", "Session"]

__getattr__, __dir__ = lazy_exports(__name__, {"mobisim.whatif.session": ("EditResult", "Session")})
