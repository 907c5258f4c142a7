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
                  "raised_crossing", "modal_filter"]

#: Every :data:`FixType`, in a fixed order.
FIX_TYPES: tuple[FixType, ...] = ("cycle_track", "street_redesign_30", "fietsstraat", "refuge_island", "signals",
                                  "raised_crossing", "modal_filter")

#: Fix types costed per km of segment (the rest per item: a crossing, or one modal filter per segment).
PER_KM: frozenset[str] = frozenset({"cycle_track", "street_redesign_30", "fietsstraat"})

#: Euros (a unit cost or a year's budget): 0 to €10 billion.
Euros = Annotated[float, Field(ge=0, le=1e10)]


class UnitCost(Range):
    """The cost of one unit of a fix (a km of street, one crossing or one filter): low ≤ central ≤ high, in €."""

    low: float = Field(ge=0, le=1e10)
    central: float = Field(ge=0, le=1e10)
    high: float = Field(ge=0, le=1e10)
    source: str = Field("estimate", min_length=1, description="Where the figure comes from.")


_ESTIMATE = "estimate (not a quote; set the city's own figures here)"

#: Sources of the default unit costs (what the search for Dutch and peer cost figures returned;
#: docs/plan-costs.md shows how each figure is derived). £ are converted at €1.15/£, an assumption.
_DEN_HAAG_2008 = ("Fietsberaad, 'Omzetting van tegelfietspaden in asfaltfietspaden kost 250 euro per meter' "
                  "(12-12-2008; Den Haag's unit price for a new asphalt cycle path: €100/m², 2008 prices), "
                  "http://fietsberaad.nl/index.cfm?section=nieuws&lang=nl&mode=newsArticle&newsYear=2008"
                  "&repository=Omzetting+van+tegelfietspaden+in+asfaltfietspaden+kost+250+euro+per+meter")
_SWECO = ("Trouw, 'Verlagen maximumsnelheid tot 30 km/u is een dure operatie voor veel gemeenten' (Sweco: a "
          "street fully reconstructed costs €750,000 per 100 m; article undated on the page read), "
          "https://www.trouw.nl/binnenland/verlagen-maximumsnelheid-tot-30-km-u-is-een-dure-operatie-voor-veel-"
          "gemeenten~bc0772db/")
_UTRECHT = ("Gemeente Utrecht, 'Voorbeelden maatregelen verkeersveiligheid' (a plateau 'al snel € 30.000 tot "
            "€ 50.000'; undated page), https://www.utrecht.nl/wonen-en-leven/verkeer/verkeersveiligheid/"
            "voorbeelden-maatregelen-verkeersveiligheid/")
_WILTSHIRE = ("Wiltshire Council, 'Costs of highway works' (April 2017 prices: pedestrian refuge £8,500–11,000, "
              "toucan crossing £52,000–63,000), http://wiltshire.gov.uk/highways-works-cost")
_LEICESTERSHIRE = ("Leicestershire County Council, 'Bollards' (indicative: 1–5 bollards £1,650–2,500 with design "
                   "and installation, a Traffic Regulation Order at least £7,500; undated, reviewed annually), "
                   "https://leicestershirehighways.org.uk/traffic-schemes/bollards/")


def default_unit_costs() -> dict[FixType, UnitCost]:
    """The default unit costs: each ``source`` says which figures are sourced and which are estimates
    (derivations in ``docs/plan-costs.md``)."""
    return {
        "cycle_track": UnitCost(low=500_000, central=1_500_000, high=7_500_000, source=(
            "€/km of street, a separated cycle track on both sides. low: 2 × 2.5 m × €100/m² new asphalt "
            f"(surface only, 2008 prices not indexed) from {_DEN_HAAG_2008}; high: a full street reconstruction "
            f"from {_SWECO}; central: {_ESTIMATE} for kerbs, drainage, lighting and moved parking")),
        "street_redesign_30": UnitCost(low=400_000, central=800_000, high=7_500_000, source=(
            "€/km of street, a lower limit with a 30 km/h redesign (narrowing, plateaus). high: a full street "
            f"reconstruction from {_SWECO}; low and central: {_ESTIMATE}")),
        "fietsstraat": UnitCost(low=300_000, central=600_000, high=1_200_000, source=(
            f"€/km of street, a fietsstraat (red asphalt, cars as guests). low, central and high: {_ESTIMATE}; "
            f"cross-check: a 4–5 m red-asphalt carriageway at €100/m² is €0.4–0.5 M/km surface only "
            f"({_DEN_HAAG_2008})")),
        "refuge_island": UnitCost(low=10_000, central=40_000, high=80_000, source=(
            "€/crossing, a refuge island ≥ 1.80 m wide. low: a pedestrian refuge £8,500 (€9,800) from "
            f"{_WILTSHIRE}; central and high: {_ESTIMATE} (an island wide enough for a bike and its kerb "
            "realignment is larger than a pedestrian refuge)")),
        "signals": UnitCost(low=60_000, central=250_000, high=400_000, source=(
            f"€/crossing, new traffic signals. low: a toucan crossing £52,000 (€59,800) from {_WILTSHIRE} "
            f"(a mid-block crossing, less than a junction); central and high: {_ESTIMATE}")),
        "raised_crossing": UnitCost(low=30_000, central=40_000, high=50_000, source=(
            f"€/crossing, a raised crossing (plateau). low and high from {_UTRECHT}; central: their midpoint")),
        "modal_filter": UnitCost(low=10_500, central=11_500, high=50_000, source=(
            "€/filter, one filter (bollards or planters closing the street to through motor traffic) per "
            "segment fixed. low and central: bollards £1,650 / £2,500 plus the traffic order £7,500 (€10,500 "
            f"/ €11,500) from {_LEICESTERSHIRE}; high: {_ESTIMATE}, a filter built into the paving costed as "
            f"a plateau ({_UTRECHT})")),
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
        "raised_crossing, per filter for modal_filter (one per segment). A table given here must name every "
        "fix type. Defaults: sourced where a source was found, else estimates (docs/plan-costs.md).",
    )
    budget_eur_by_year: dict[Year, Euros] = Field(
        default_factory=default_budget,
        description="Euros a year for the fixes. Default: the programme's finance lines 'Meer investeren "
        "in fiets en OV' (€3.0 M 2027, €4.0 M a year 2028–2030) and 'Straatveiligheid' (€0.5 M a year) "
        "in full — an upper bound: the OV share of the first line is not set apart.",
    )
    busy_street_fix: Literal["modal_filter", "fietsstraat"] = Field(
        "modal_filter",
        description="The fix of a 30-street with too much motor traffic (toets rule B7 at ≤ 30 km/h): a "
        "modal filter (the toets's own fix: cut motor traffic below the LTS 1 volume; the traffic it "
        "pushes elsewhere is not re-assigned), or a fietsstraat where the street's motor traffic is low "
        "enough for the toets's B4 rule (toets.fietsstraat_max_daily_traffic; a sign does not lower the "
        "volume, so busier streets still get a filter). See docs/plan-costs.md.",
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
    in_run: bool = Field(
        False,
        description="Also compute the plan in `mobisim run` (its layer, map view, report chapter and "
        "scores; about 25 s more on the whole city). `mobisim plan` always computes it.",
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

