"""What the segment toets reads per segment: speed, traffic, lanes and the kind of road, whole columns.

:func:`segment_facts` computes them once; the bike rules (:mod:`mobisim.rules.toets.bike`) and
the walk rules (:mod:`mobisim.rules.toets.walk`) both read the same :class:`SegmentFacts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mobisim.frames import flags
from mobisim.rules.textkit import strings
from mobisim.rules.toets.lts import daily_traffic, edge_lanes, edge_speed
from mobisim.rules.toets.settings import ToetsSettings

__all__ = ["SegmentFacts", "segment_facts"]


@dataclass(frozen=True)
class SegmentFacts:
    """Whole columns, aligned with the segments, that both the bike and the walk rules read.

    Attributes
    ----------
    highway
        ``highway`` as strings (``""`` where missing).
    speed
        Speed judged (km/h; :func:`~mobisim.rules.toets.lts.edge_speed`).
    volume
        Daily motor traffic (:func:`~mobisim.rules.toets.lts.daily_traffic`).
    per_dir
        Motor lanes per direction (:func:`~mobisim.rules.toets.lts.edge_lanes`).
    drive
        Open to motor traffic (``mode_drive``).
    bus
        A bus-only road (``bus_only`` and not ``mode_drive``).
    living
        A woonerf (``highway=living_street``).
    slow
        Speed at most :attr:`ToetsSettings.mixed_max_speed_kmh` (missing speed counts as 0).
    """

    highway: pd.Series
    speed: np.ndarray
    volume: np.ndarray
    per_dir: np.ndarray
    drive: np.ndarray
    bus: np.ndarray
    living: np.ndarray
    slow: np.ndarray

    def __len__(self) -> int:
        return len(self.speed)


def segment_facts(edges: pd.DataFrame, settings: ToetsSettings, speed_column: str) -> SegmentFacts:
    """The :class:`SegmentFacts` of ``edges``, judged at the speeds of ``speed_column``."""
    highway = strings(edges, "highway")
    speed = edge_speed(edges, speed_column, settings)
    _, per_dir = edge_lanes(edges, settings)
    drive = flags(edges, "mode_drive")
    return SegmentFacts(
        highway=highway,
        speed=speed,
        volume=daily_traffic(edges, settings),
        per_dir=per_dir,
        drive=drive,
        bus=flags(edges, "bus_only") & ~drive,
        living=(highway == "living_street").to_numpy(),
        slow=np.nan_to_num(speed) <= settings.mixed_max_speed_kmh,
    )
