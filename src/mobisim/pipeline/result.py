"""What a run produced: :class:`RunResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mobisim.network import Network

if TYPE_CHECKING:
    from mobisim.parking import ParkingResult
    from mobisim.plan import PlanResult
    from mobisim.schools import SchoolRoutes


@dataclass
class RunResult:
    """What :func:`mobisim.pipeline.run_scenario` produced.

    Attributes
    ----------
    name
        Scenario name (also the output folder name).
    out_dir
        Folder with the outputs.
    paths
        Output file per kind (``map``, ``gpkg``, ``scores``, ``report_md``, ``report_html``); empty
        when the run wrote nothing (``write=False``).
    scores
        The scores as written to ``scores.json``.
    before, after
        Today's network and the scenario network, with all verdict columns.
    schools_before, schools_after
        The school routes today and with the scenario, or ``None`` without primary schools.
    parking
        The permit cap and the freed street space, or ``None`` when the step was skipped.
    plan
        The plan to 100 % (``[plan] in_run``), or ``None``.
    timings
        Wall time per step (seconds).
    notes
        Caveats from the steps (missing data, skipped parts).
    """

    name: str
    out_dir: Path
    paths: dict[str, Path]
    scores: dict[str, Any]
    before: Network
    after: Network
    schools_before: SchoolRoutes | None = None
    schools_after: SchoolRoutes | None = None
    parking: ParkingResult | None = None
    plan: PlanResult | None = None
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def headline(self) -> pd.DataFrame:
        """The headline figures as a table: one row per figure with before, value, range and unit.

        Returns
        -------
        pandas.DataFrame
            Indexed by figure key (``fatal_serious_change``, ``children_safe``, ``km_30``…), columns
            ``label``, ``before``, ``value``, ``low``, ``high``, ``unit``.
        """
        rows = {}
        for key, fig in (self.scores.get("headline") or {}).items():
            low, high = (fig.get("range") or (None, None))[:2]
            rows[key] = {"label": fig.get("label"), "before": fig.get("before"), "value": fig.get("value"),
                         "low": low, "high": high, "unit": fig.get("unit")}
        return pd.DataFrame.from_dict(rows, orient="index")
