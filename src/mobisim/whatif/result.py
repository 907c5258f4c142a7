"""What an edit, an undo or a re-assignment of a what-if session changed (:class:`EditResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mobisim.errors import MobisimError
from mobisim.scenario.interventions import InterventionModel

__all__ = ["EditResult", "NothingToUndoError"]


@dataclass
class EditResult:
    """What one edit changed.

    Attributes
    ----------
    edit
        The intervention applied (its id filled in).
    figures, figures_before
        The headline figures after and before the edit (:meth:`Session.figures`).
    segments, crossings
        How many segments and crossings were judged again.
    changed_segments, changed_crossings
        The ``edge_id`` / node ids whose toets verdict changed.
    traffic
        ``"kept"`` (the edit does not move traffic), ``"approximate"`` (the detour approximation;
        :meth:`Session.reassign` brings the assignment up to date) or ``"reassigned"``.
    reason
        Why the traffic is approximate (``None`` otherwise).
    volumes
        ``edge_id`` → new daily volume of the segments whose volume changed.
    seconds
        Wall time per stage.
    """

    edit: InterventionModel
    figures: dict[str, Any]
    figures_before: dict[str, Any]
    segments: int
    crossings: int
    changed_segments: list[int]
    changed_crossings: list[int]
    traffic: str = "kept"
    reason: str | None = None
    volumes: dict[int, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def approximate(self) -> bool:
        """The volumes rest on the detour approximation (:attr:`traffic` is ``"approximate"``)."""
        return self.traffic == "approximate"


class NothingToUndoError(MobisimError):
    """:meth:`Session.undo` with no edit applied."""
