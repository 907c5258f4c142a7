"""The report's parking sections: permit base, freed street space, its re-use and the large-car
tariff against the programme's finance table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from mobisim.render import charts
from mobisim.render.charts import Chart
from mobisim.render.format import central_range, fixed
from mobisim.render.i18n import t
from mobisim.render.report.markdown import section

if TYPE_CHECKING:
    from mobisim.parking import ParkingResult

__all__ = ["PARKING_WHOLE", "parking_chapter", "parking_section"]

PARKING_WHOLE = ("cap", "permits", "freed", "freed_cumulative", "freed_m2", "bike_parking_spaces", "bikes",
                 "green_m2", "play_m2", "meeting_m2", "terraces_m2", "allocated_spaces", "freed_spaces",
                 "on_street_spaces", "revenue_low_eur", "revenue_central_eur", "revenue_high_eur", "programme_eur",
                 "difference_eur", "difference_low_eur", "difference_high_eur")
"""Parking columns shown as whole numbers (spaces, permits, bikes, m², euros)."""


def _headline(head: Mapping[str, Any], score: Mapping[str, Any]) -> list[str]:
    """The headline paragraph and its bullets: spaces and street freed, bikes, cap base, tariff."""
    bikes = dict(head["bikes"])
    if "bike_parking_equivalent" in score:
        bikes["central"] = int(score["bike_parking_equivalent"])
    text = [t("parking.headline", year=head["year"], spaces=central_range(head["spaces_freed"]),
              area=central_range(head["area_m2"]), bikes=central_range(bikes)), "",
            "- " + t("parking.base", base=central_range(head["cap_base"]), city=fixed(head["permits_city"]["central"]))]
    rev = head.get("large_car_revenue_eur")
    if rev:
        text.append("- " + t("parking.tariff", year=head["year"], revenue=central_range(rev, "€"),
                             line="€" + fixed(head["programme_eur"])))
    return text + [""]


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
        lines += section(t("parking.permits_title"), "", table, formats={**whole, "permits_per_space": 2,
                                                                               "price_eur": 0})
    totals = _frame(getattr(pk, "totals", None))
    if totals is not None:
        lines += section(t("parking.years_title"), "", totals.reset_index(), formats=whole)
    reuse = _frame(getattr(pk, "reuse", None))
    if reuse is not None:
        lines += section(t("parking.reuse_title"), "", reuse.reset_index(), formats=whole)
    finance = _frame(getattr(pk, "finance", None))
    if finance is not None:
        lines += section(t("parking.tariff_title"), "", finance.reset_index(), formats=whole)
    return lines


def _chart(pk: ParkingResult) -> Chart | None:
    """Permits (bars) and the spaces freed in total (line) by year; none without the yearly totals."""
    totals = _frame(getattr(pk, "totals", None))
    if totals is None or not {"permits", "freed_cumulative"} <= set(totals.columns):
        return None
    frame = totals.reset_index()
    years = frame["year"].astype(int).tolist() if "year" in frame else list(range(len(frame)))
    fig = charts.year_chart(years, {t("parking.axis_permits"): frame["permits"].astype(float).tolist()},
                            (t("parking.axis_freed"), frame["freed_cumulative"].astype(float).tolist()),
                            bar_axis=t("parking.axis_permits"), line_axis=t("parking.axis_freed"))
    return Chart("parking", t("parking.chart"), charts.to_svg(fig))


def parking_chapter(pk: ParkingResult | None, scores: Mapping[str, Any] | None = None) -> list[str | Chart]:
    """Chapter parking: the headline figures, permits and freed space by year (chart) and the tables.

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
    list of str or Chart
        Markdown lines and the chart; without a parking result, one line saying so.
    """
    lines: list[str | Chart] = [f"# {t('chapter.parking')}", "", t("parking.intro"), ""]
    if pk is None:
        return lines + [t("parking.none"), ""]
    head = getattr(pk, "headline", None) or {}
    score = ((scores or {}).get("parking") or {}).get("value") or {}
    lines += _headline(head, score) if head else []
    chart = _chart(pk)
    return lines + ([chart] if chart is not None else []) + _tables(pk)


def parking_section(pk: ParkingResult | None, scores: Mapping[str, Any] | None = None) -> list[str]:
    """:func:`parking_chapter` as Markdown lines only (the chart left out): for callers that print text."""
    return [b for b in parking_chapter(pk, scores) if isinstance(b, str)] if pk is not None else []
