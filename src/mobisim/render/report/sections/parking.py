"""The report's parking sections: permit base, freed street space, its re-use and the large-car
tariff against the programme's finance table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from mobisim.render.format import central_range
from mobisim.render.report.markdown import md_escape, section

if TYPE_CHECKING:
    from mobisim.parking import ParkingResult

__all__ = ["PARKING_WHOLE", "parking_section"]

PARKING_WHOLE = ("cap", "permits", "freed", "freed_cumulative", "freed_m2", "bike_parking_spaces", "bikes",
                 "green_m2", "play_m2", "meeting_m2", "terraces_m2", "allocated_spaces", "freed_spaces",
                 "on_street_spaces", "revenue_low_eur", "revenue_central_eur", "revenue_high_eur", "programme_eur",
                 "difference_eur", "difference_low_eur", "difference_high_eur")
"""Parking columns shown as whole numbers (spaces, permits, bikes, m², euros)."""


def _headline(head: Mapping[str, Any], score: Mapping[str, Any]) -> list[str]:
    """The headline paragraph and its bullets: spaces and street freed, bikes, cap base, tariff."""
    basis = {k: md_escape(v) for k, v in (head.get("basis") or {}).items()}
    bikes = dict(head["bikes"])
    if "bike_parking_equivalent" in score:
        bikes["central"] = int(score["bike_parking_equivalent"])
    rev = head.get("large_car_revenue_eur")
    text = [f"By {head['year']}: **{central_range(head['spaces_freed'])} car spaces freed**, "
            f"{central_range(head['area_m2'])} m² of street, **{central_range(bikes)} bikes** parked on the freed "
            "space.",
            "",
            f"- Cap base: {central_range(head['cap_base'])} resident permits in the capped wijken in the base year, "
            f"of the city's {head['permits_city']['central']:,}.",
            f"- {basis.get('permits', '')}.", f"- {basis.get('bikes', '')}.", f"- {basis.get('range', '')}."]
    if rev:
        text.append(f"- Large-car tariff in {head['year']}: {central_range(rev, '€')} a year against the programme's "
                    f"€{head['programme_eur']:,}; {basis.get('price', '')}.")
    return ["## Parking: permits, freed street space and the large-car tariff", ""] + text + [""]


def _frame(value: object) -> pd.DataFrame | None:
    """``value`` when it is a non-empty frame, else ``None``."""
    return value if isinstance(value, pd.DataFrame) and not value.empty else None


def _tables(pk: ParkingResult) -> list[str]:
    """The permit base of the capped wijken, permits and freed space by year, re-use, the tariff."""
    whole = {c: 0 for c in PARKING_WHOLE}
    lines: list[str] = []
    permits = _frame(getattr(pk, "permits", None))
    if permits is not None and "capped" in permits:
        capped = permits[permits["capped"]]
        table = capped.reset_index()[["name", "on_street_spaces", "permits", "permits_source", "permits_per_space",
                                      "price_eur"]]
        lines += section("Resident permits in the capped wijken (base year)",
                         "The cap base: a known count per wijk (`count`), else a share of the city's permits by "
                         "on-street supply × occupancy (`distributed`, an estimate). Supply: mapped or estimated "
                         "on-street spaces.", table, formats={**whole, "permits_per_space": 2, "price_eur": 0})
    totals = _frame(getattr(pk, "totals", None))
    if totals is not None:
        lines += section("Parking permits and freed street space", "Per year, in the capped areas (cumulative "
                         "re-use; whole spaces, bikes and m²).", totals.reset_index(), formats=whole)
    reuse = _frame(getattr(pk, "reuse", None))
    if reuse is not None:
        lines += section("Re-use of the freed space", "Per area at the horizon.", reuse.reset_index(), formats=whole)
    finance = _frame(getattr(pk, "finance", None))
    if finance is not None:
        lines += section("Large-car tariff against the programme's finance table",
                         "Revenue of the large-car surcharge per year (low / central / high), the programme's "
                         "€2.0 M/yr line from 2028 and the difference (central − line), in €. At the 2019 "
                         "permit prices; visitors' hours are not modelled.", finance.reset_index(), formats=whole)
    return lines


def parking_section(pk: ParkingResult | None, scores: Mapping[str, Any] | None = None) -> list[str]:
    """The report's parking section: permit base, freed space, re-use and the tariff vs €2.0 M/yr.

    The headline figures come from ``pk.headline`` (:func:`mobisim.parking.headline_figures`,
    computed once); the bikes figure is the one of ``scores["parking"]`` when the run has it
    (the same :func:`mobisim.parking.reuse` calculation), so the report and ``scores.json`` agree.

    Parameters
    ----------
    pk : mobisim.parking.ParkingResult or None
    scores : mapping, optional
        The run's scores (``scores["parking"]["value"]``).

    Returns
    -------
    list of str
        Markdown lines (none without a parking result).
    """
    if pk is None:
        return []
    head = getattr(pk, "headline", None) or {}
    score = ((scores or {}).get("parking") or {}).get("value") or {}
    return (_headline(head, score) if head else []) + _tables(pk)
