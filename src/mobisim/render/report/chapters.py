"""The report's chapters on the parts of the programme: 30/50, the 8-jarigen-toets, the school
routes (parking is :func:`mobisim.render.report.sections.parking.parking_chapter`).

Each chapter is a list of blocks: Markdown lines and one :class:`~mobisim.render.charts.Chart`
(the 30/50 chapter has a second, the C3 sensitivity curve). Every word comes from the catalogue
(:mod:`mobisim.render.i18n`), every list is one row per street (:mod:`~mobisim.render.report.lists`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mobisim.render import charts
from mobisim.render.charts import Chart
from mobisim.render.format import as_float, fixed, is_number, percent
from mobisim.render.i18n import has, t
from mobisim.render.report import lists
from mobisim.render.report.markdown import md_table, section
from mobisim.render.report.schools import SCHOOL_COUNT_PREFIXES, SHARE_FORMATS, school_safety
from mobisim.render.report.streets import criteria_on_fifty_roads, junction_fixes, regime_summary, toets_totals
from mobisim.render.report.view import ReportNetwork

if TYPE_CHECKING:
    from mobisim.scenario import Scenario
    from mobisim.schools import SchoolRoutes

__all__ = ["Block", "StreetList", "TOP", "regime_chapter", "toets_chapter", "schools_chapter", "street_lists",
           "appendix_chapter", "top_rows", "deciding_frame", "tier_colours"]

#: A piece of the report: Markdown lines or a chart.
Block = str | Chart

#: A list of the report: heading, introduction, the table (one row per street) and its decimals.
StreetList = tuple[str, str, pd.DataFrame, dict[str, int]]

#: Rows a chapter shows of each list; the rest are in the appendix (:func:`appendix_chapter`).
TOP = 15
#: Rows the appendix shows of the lists that are proposals, not comply-or-explain (all in ``layers.gpkg``).
_APPENDIX_CAPS = {"calming": 100, "weakest": 50}

_BANDS = ("le30", "50", "gt50", "unknown")  # the order of streets.regime_summary's rows
_TIERS = ("keep_50", "50_if_shown", "to_30")


def tier_colours() -> dict[str, str]:
    """Colour per outcome (in the report's words): the map's 30/50 colours, colour-blind safe."""
    return {t("tier.keep_50"): "#D55E00", t("tier.50_if_shown"): "#E69F00", t("tier.to_30"): "#0072B2"}


def deciding_frame(tiers: Mapping[str, Any]) -> pd.DataFrame:
    """Km per outcome and deciding criteria (failing for *to 30*, unknown for *50 if shown*), in words."""
    d = pd.DataFrame(tiers.get("by_criteria") or [], columns=["tier", "criteria", "km"])
    words = lists.criteria_words(d["criteria"]).where(d["tier"].ne("keep_50"), t("criterion.all"))
    order = d["tier"].map({k: i for i, k in enumerate(_TIERS)})
    out = pd.DataFrame({"outcome": d["tier"].map(lambda v: t(f"tier.{v}")), "decided by": words,
                        "km": d["km"].astype(float), "_order": order})
    return out.sort_values(["_order", "km"], ascending=[True, False]).drop(columns="_order").reset_index(drop=True)


def _limits_table(after: ReportNetwork) -> pd.DataFrame:
    table = regime_summary(after.edges, after.edges)
    table["limit"] = [t(f"band.{b}") for b in _BANDS[:len(table)]]
    return table


def _criteria_table(after: ReportNetwork) -> pd.DataFrame:
    table = criteria_on_fifty_roads(after.edges)
    table["criterion"] = [t(f"criterion_full.C{i + 1}") for i in range(len(table))]
    return table


def _sensitivity(tiers: Mapping[str, Any], noise_db: float, air_ugm3: float) -> tuple[pd.DataFrame, Chart | None]:
    """The C3 sensitivity table (noise and air limits) and the curve over the noise limits."""
    sens = pd.DataFrame(tiers.get("c3_sensitivity") or [],
                        columns=["varied", "limit", "keep_50_km", "50_if_shown_km", "to_30_km", "fail_km"])
    own = t("regime.this_run")
    label = [t("regime.limit_noise" if v == "noise" else "regime.limit_air", value=fixed(lim, 0))
             + (f" ← {own}" if lim == (noise_db if v == "noise" else air_ugm3) else "")
             for v, lim in zip(sens["varied"], sens["limit"])]
    table = pd.DataFrame({"C3 limit": label, "keeps 50 km": sens["keep_50_km"], "50 if shown km": sens["50_if_shown_km"],
                          "to 30 km": sens["to_30_km"], "fails on this part km": sens["fail_km"]})
    noise = sens[sens["varied"] == "noise"]
    if len(noise) < 2:
        return table, None
    series = {t(f"tier.{k}"): noise[f"{k}_km"].astype(float).tolist() for k in _TIERS}
    fig = charts.line_chart(noise["limit"].astype(float).tolist(), series, xlabel=t("regime.c3_axis"), ylabel="km",
                            marker=noise_db, marker_label=own, colours=tier_colours())
    return table, Chart("c3", t("regime.c3_chart"), charts.to_svg(fig))


def regime_chapter(after: ReportNetwork, tiers: Mapping[str, Any] | None, scenario: Scenario | None, *,
                   programme: bool, found: Mapping[str, StreetList], max_rows: int | None = None) -> list[Block]:
    """Chapter 30/50: limits today and proposed, the outcome per criterion (chart), C3's limits
    (curve), every road that keeps 50 and every 50-road that goes to 30, per street; junctions."""
    blocks: list[Block] = [f"# {t('chapter.regime')}", "", t("regime.intro"), ""]
    blocks += [] if programme else [t("report.no_programme"), ""]
    blocks += section(t("regime.limits_title"), t("regime.limits_intro"), _limits_table(after),
                      formats={"today_km": 0, "proposed_km": 0})
    if programme and tiers:
        deciding = deciding_frame(tiers)
        blocks += section(t("regime.tiers_title"), t("regime.tiers_intro"), deciding, formats={"km": 1})
        fig = charts.bar_chart(deciding, label="decided by", value="km", group="outcome", xlabel="km",
                               colours=tier_colours())
        blocks.append(Chart("tiers", t("regime.chart"), charts.to_svg(fig)))
        blocks += section(t("regime.criteria_title"), t("regime.criteria_intro"), _criteria_table(after),
                          formats={"pass_km": 1, "fail_km": 1, "unknown_km": 1})
        rs = getattr(scenario, "rules", None)
        noise, air = float(getattr(rs, "noise_threshold_lden_db", 63)), float(getattr(rs, "air_limit_ugm3", 20))
        table, curve = _sensitivity(tiers, noise, air)
        blocks += section(t("regime.c3_title"), t("regime.c3_intro", noise=fixed(noise, 0), air=fixed(air, 0)),
                          table, formats=dict.fromkeys(table.columns[1:], 1))
        blocks += [curve] if curve is not None else []
    blocks += top_rows(found["keep"], max_rows)
    blocks += top_rows(found["lose"], max_rows) if programme else []
    return blocks + top_rows(found["junctions"], max_rows)


def _junctions(after: ReportNetwork) -> pd.DataFrame:
    """Busy junctions to redesign: the streets meeting there and the proposal, in words."""
    table = junction_fixes(after.edges, after.nodes)
    fix = table["fix"].map(lambda v: t(f"calming_kind.{v}") if has(f"calming_kind.{v}") else v)
    return pd.DataFrame({t("col.junction"): table["junction"].str.replace(
                             r"\(node (\d+)\)", lambda m: f"({t('regime.node', node=m.group(1))})", regex=True),
                         t("col.fix"): fix})


def _toets_table(before: ReportNetwork, after: ReportNetwork) -> tuple[pd.DataFrame, dict[str, list[float]]]:
    """Judged, failing and passing per mode before and after; the passing shares for the chart."""
    tb, ta = toets_totals(before), toets_totals(after)
    rows, shares = [], {}
    for part, judged, fail, digits in (("bike", "bike_km_judged", "bike_km_fail", 0),
                                       ("walk", "walk_km_judged", "walk_km_fail", 0),
                                       ("crossings", "crossings_judged", "crossings_fail", 0)):
        if judged not in ta:
            continue
        pct = [100.0 * (1 - x[fail] / x[judged]) if x.get(judged) else float("nan") for x in (tb, ta)]
        shares[t(f"toets.{part}")] = pct
        name = t(f"toets.{part}")
        rows += [{"measure": f"{name}: {t('toets.judged')}", "before": fixed(tb.get(judged), digits),
                  "after": fixed(ta.get(judged), digits)},
                 {"measure": f"{name}: {t('toets.fail')}", "before": fixed(tb.get(fail), digits),
                  "after": fixed(ta.get(fail), digits)},
                 {"measure": f"{name}: {t('toets.passing')}", "before": percent(pct[0]), "after": percent(pct[1])}]
    return pd.DataFrame(rows, columns=["measure", "before", "after"]), shares


def toets_chapter(before: ReportNetwork, after: ReportNetwork, *, found: Mapping[str, StreetList],
                  max_rows: int | None = None) -> list[Block]:
    """Chapter 8-jarigen-toets: km and crossings before and after (chart), the failures on school
    routes per street and the failing crossings per street crossed, with the fix in words."""
    table, shares = _toets_table(before, after)
    blocks: list[Block] = [f"# {t('chapter.toets')}", "", t("toets.intro"), "", md_table(table)]
    if shares:
        series = {t("col.before"): [v[0] for v in shares.values()], t("col.after"): [v[1] for v in shares.values()]}
        fig = charts.grouped_bars(list(shares), series, ylabel=t("toets.passing"), percent=True)
        blocks.append(Chart("toets", t("toets.chart"), charts.to_svg(fig)))
    return blocks + top_rows(found["toets"], max_rows) + top_rows(found["crossings"], max_rows)


def _school_figures(before: Mapping[str, Any], after: Mapping[str, Any]) -> pd.DataFrame:
    """The city-wide school-route figures in words: counts whole, shares in per cent."""
    keys = [k for k, v in after.items() if is_number(v)]

    def shown(k: str, v: object) -> str:
        x = as_float(v)
        if not np.isfinite(x):
            return ""
        if k.startswith("share_"):
            return percent(100.0 * x)
        return fixed(round(x), 0) if k.startswith(SCHOOL_COUNT_PREFIXES) or k.endswith("_m") else fixed(x, 2)

    return pd.DataFrame({"measure": [t(f"schools.measure.{k}") if has(f"schools.measure.{k}") else k.replace("_", " ")
                                     for k in keys],
                         "before": [shown(k, before.get(k)) for k in keys], "after": [shown(k, after[k]) for k in keys]})


def _wijk_chart(safety: pd.DataFrame) -> Chart:
    ordered = safety.sort_values("safe after %", ascending=True, kind="stable")
    labels = ordered["wijk"].astype(str).str.replace(r"\s*\(WK\d+\)$", "", regex=True).tolist()
    fig = charts.share_chart(labels, ordered["safe before %"].tolist(), ordered["safe after %"].tolist(),
                             xlabel=t("schools.axis"), before_label=t("summary.today"), after_label=t("summary.after"))
    return Chart("wijken", t("schools.chart"), charts.to_svg(fig))


def schools_chapter(before: SchoolRoutes | None, after: SchoolRoutes | None, *, found: Mapping[str, StreetList],
                    max_rows: int | None = None) -> list[Block]:
    """Chapter school routes: the city-wide figures, child-safe share per wijk (chart), the schools
    whose pupils are least often safe, and the weakest links per street."""
    if after is None:
        return []
    blocks: list[Block] = [f"# {t('chapter.schools')}", "", t("schools.intro"), ""]
    blocks.append(md_table(_school_figures(getattr(before, "scores", {}) or {}, after.scores or {})))
    wijken = school_safety(before, after)
    if not wijken.empty:
        blocks.append(_wijk_chart(wijken))
    blocks += section(t("schools.wijk_title"), t("schools.wijk_intro"), wijken, limit=max_rows, formats=SHARE_FORMATS)
    blocks += section(t("schools.school_title"), t("schools.school_intro"), school_safety(before, after, per="school"),
                      limit=max_rows or 25, formats=SHARE_FORMATS)
    weakest = found.get("weakest")
    return blocks + (top_rows(weakest, max_rows) if weakest is not None else [])



def street_lists(after: ReportNetwork | None, schools: SchoolRoutes | None) -> dict[str, StreetList]:
    """The report's lists per street (comply or explain), in full: the roads that keep 50, the
    50-roads that go to 30, the junctions, the toets failures and failing crossings on school
    routes, the weakest links (from ``schools``) and the calming proposals."""
    km, kids = {t("col.km"): 2}, {t("col.children"): 0}
    out: dict[str, StreetList] = {}
    if after is not None:
        out["keep"] = (t("regime.keep_title"), t("regime.keep_intro"), lists.fifty_streets(after.edges), km)
        out["lose"] = (t("regime.lose_title"), t("regime.lose_intro"), lists.losing_fifty_streets(after.edges),
                       {**km, t("col.noise_db"): 0})
        out["junctions"] = (t("regime.junctions_title"), t("regime.junctions_intro"), _junctions(after), {})
        out["toets"] = (t("toets.failures_title"), t("toets.failures_intro"), lists.toets_failure_streets(after.edges),
                        {**km, **kids})
        out["crossings"] = (t("toets.crossings_title"), t("toets.crossings_intro"),
                            lists.crossing_failure_streets(after.edges, after.nodes), {**kids, t("col.crossings"): 0})
        out["calming"] = (t("calming.streets_title"), t("calming.streets_intro"), lists.calming_per_street(after.edges),
                          km)
    weakest = getattr(schools, "weakest_links", None)
    if isinstance(weakest, pd.DataFrame) and not weakest.empty:
        out["weakest"] = (t("schools.weakest_title"), t("schools.weakest_intro"), lists.weakest_streets(weakest),
                          {**kids, t("col.segments"): 0, t("col.crossings"): 0})
    return out


def top_rows(found: StreetList, max_rows: int | None) -> list[str]:
    """A list as a chapter shows it: the first rows, a line pointing to the appendix for the rest."""
    title, intro, table, formats = found
    return section(title, intro, table, limit=max_rows or TOP, formats=formats, more=t("report.more_appendix", n="{n}"))


def appendix_chapter(found: Mapping[str, StreetList], *, programme: bool) -> list[str]:
    """The appendix with every list in full (comply or explain: every street, no row left out)."""
    lines = [f"# {t('chapter.streets_appendix')}", "", t("chapter.streets_appendix_intro"), ""]
    for key, (title, intro, table, formats) in found.items():
        if programme or key != "lose":  # proposals, not comply-or-explain: the longest, the rest in layers.gpkg
            lines += section(title, intro, table, formats=formats, limit=_APPENDIX_CAPS.get(key))
    return lines
