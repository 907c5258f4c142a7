"""Settings of the plan to 100 %: ``[plan]`` in a scenario file (unit costs, budget, batching).

Only the settings: :mod:`mobisim.scenario` imports this module to validate a scenario; the plan
itself is :mod:`mobisim.plan.greedy`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from mobisim.rules.settings import Range
from mobisim.settings_base import Settings, Year

__all__ = ["FIX_TYPES", "FixType", "PER_KM", "PlanSettings", "UnitCost"]

#: The fixes the plan chooses from, in the 8-jarigen-toets's own vocabulary.
FixType = Literal["cycle_track", "street_redesign_30", "fietsstraat", "refuge_island", "signals",
                  "raised_crossing"]

#: Every :data:`FixType`, in a fixed order.
FIX_TYPES: tuple[FixType, ...] = ("cycle_track", "street_redesign_30", "fietsstraat", "refuge_island", "signals",
                                  "raised_crossing")

#: Fix types costed per km of segment (the rest per crossing).
PER_KM: frozenset[str] = frozenset({"cycle_track", "street_redesign_30", "fietsstraat"})

#: Euros (a unit cost or a year's budget): 0 to €10 billion.
Euros = Annotated[float, Field(ge=0, le=1e10)]

_ESTIMATE = ("estimate: order of magnitude of Dutch urban reconstruction costs (CROW-style cost figures "
             "and municipal project budgets); not a quote — set the city's own figures here")


class UnitCost(Range):
    """The cost of one unit of a fix (a km of street or one crossing): low ≤ central ≤ high, in €."""

    low: float = Field(ge=0, le=1e10)
    central: float = Field(ge=0, le=1e10)
    high: float = Field(ge=0, le=1e10)
    source: str = Field("estimate", min_length=1, description="Where the figure comes from.")


def _cost(low: float, central: float, high: float, what: str) -> UnitCost:
    return UnitCost(low=low, central=central, high=high, source=f"{what}; {_ESTIMATE}")


def default_unit_costs() -> dict[FixType, UnitCost]:
    """The default unit costs (all estimates, see each ``source``)."""
    return {
        "cycle_track": _cost(800_000, 1_500_000, 2_500_000,
                             "€/km of street: separated cycle track on both sides (kerbs, drainage, lighting)"),
        "street_redesign_30": _cost(400_000, 800_000, 1_500_000,
                                    "€/km of street: lower limit with a 30 km/h redesign (narrowing, plateaus)"),
        "fietsstraat": _cost(300_000, 600_000, 1_200_000,
                             "€/km of street: fietsstraat (red asphalt, car-guest layout, filter where needed)"),
        "refuge_island": _cost(20_000, 40_000, 80_000, "€/crossing: refuge island ≥ 1.80 m wide"),
        "signals": _cost(150_000, 250_000, 400_000, "€/crossing: traffic signals (a new installation)"),
        "raised_crossing": _cost(15_000, 35_000, 70_000, "€/crossing: raised crossing (plateau)"),
    }


def default_budget() -> dict[int, float]:
    """The programme's finance lines: "Meer investeren in fiets en OV" (€3.0 M 2027, €4.0 M a year
    2028–2030) plus "Straatveiligheid" (€0.5 M a year)."""
    return {2027: 3_500_000.0, 2028: 4_500_000.0, 2029: 4_500_000.0, 2030: 4_500_000.0}


class PlanSettings(Settings):
    """How ``mobisim plan`` costs the fixes and spends the budget (``[plan]`` in a scenario)."""

    unit_costs: dict[FixType, UnitCost] = Field(
        default_factory=default_unit_costs,
        description="Cost per unit of every fix type (low/central/high €, with its source): per km for "
        "cycle_track, street_redesign_30 and fietsstraat, per crossing for refuge_island, signals and "
        "raised_crossing. A table given here must name every fix type. Defaults: estimates.",
    )
    budget_eur_by_year: dict[Year, Euros] = Field(
        default_factory=default_budget,
        description="Euros a year for the fixes. Default: the programme's finance lines 'Meer investeren "
        "in fiets en OV' (€3.0 M 2027, €4.0 M a year 2028–2030) and 'Straatveiligheid' (€0.5 M a year) "
        "in full — an upper bound: the OV share of the first line is not set apart.",
    )
    no_island_fix: Literal["refuge_island", "raised_crossing"] = Field(
        "refuge_island",
        description="The fix of a two-way crossing without island (toets rule X8): the toets's refuge "
        "island, or a raised crossing (plateau) with the limit lowered to 30 km/h.",
    )
    batch_share: float = Field(
        0.05, ge=0, le=1,
        description="Share of the open route bundles picked per re-routing (at least one): 0 re-routes "
        "after every pick (the exact greedy); larger is faster on a city. Assumption for speed.",
    )
    max_rounds: int = Field(500, ge=1, le=100_000, description="Most re-routings before the plan stops.")

    @field_validator("unit_costs")
    @classmethod
    def _every_type(cls, value: dict[FixType, UnitCost]) -> dict[FixType, UnitCost]:
        """Every fix type has a cost (a missing one would make its fixes free)."""
        missing = [t for t in FIX_TYPES if t not in value]
        if missing:
            raise ValueError(f"no unit cost for fix type(s) {', '.join(missing)}: give low, central and high for each")
        return value

