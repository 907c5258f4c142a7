"""The headline figures of a run: the main figures before and after, with their ranges."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mobisim.score.settings import ScoreSettings

__all__ = ["headline", "composite_range"]

#: Composite part → the figure of ``calming`` (:func:`mobisim.score.effects.calming_effects`) it takes.
COMPOSITE_FIGURES = {"toets_all": "toets_all", "toets_school_routes": "toets_school_routes",
                     "safe_crossings": "crossings", "school_children_safe": "children_safe"}
#: Headline key → the figure of ``calming`` that gives its range and its signs-only value.
HEADLINE_FIGURES = {"fatal_serious_change": "fatal_serious_change", "children_safe": "children_safe",
                    "safe_crossings": "crossings", "toets_pass": "toets_all",
                    "toets_school_routes": "toets_school_routes"}

Pick = Callable[..., Any]


def _value(out: dict[str, Any], key: str, *path: str) -> Any:
    """``out[key]["value"][path…]``, ``None`` where a level is missing."""
    node = out.get(key)
    node = node.get("value") if isinstance(node, dict) else None
    for p in path:
        node = node.get(p) if isinstance(node, dict) else None
    return node


def _rows(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The headline figures before any range: label, before, value, unit and the score they come from."""
    reg = out["regime"]["value"]
    power = out["power_model"]["value"] or {}
    rows = {
        "composite": ("Safety score (0–100, higher = safer)", _value(out, "composite_before"),
                      _value(out, "composite_after"), "score", "composite_before, composite_after"),
        "km_30": ("Road length at 30 km/h", reg["before"]["30"], reg["after"]["30"], "km", "regime"),
        "km_50": ("Road length at 50 km/h", reg["before"]["50"], reg["after"]["50"], "km", "regime"),
        "fatal_serious_change": ("Expected change in fatal + serious crashes", 0.0, power.get("fatal_serious"),
                                 "fraction", "power_model"),
        "toets_pass": ("8-jarigen-toets pass rate (by length)", _value(out, "toets_before", "all"),
                       _value(out, "toets_after", "all"), "share", "toets_before, toets_after"),
        "toets_school_routes": ("Toets pass rate on school routes", _value(out, "toets_before", "school_routes"),
                                _value(out, "toets_after", "school_routes"), "share", "toets_before, toets_after"),
        "safe_crossings": ("Crossings passing the toets", _value(out, "toets_before", "crossings"),
                           _value(out, "toets_after", "crossings"), "share", "toets_before, toets_after"),
        "children_safe": ("Children with a fully child-safe school route", _value(out, "school_children_safe_before"),
                          _value(out, "school_children_safe_after"), "share",
                          "school_children_safe_before, school_children_safe_after"),
        "parking_freed": ("Car spaces freed by the horizon", 0.0, _value(out, "parking", "spaces_freed"), "spaces",
                          "parking"),
    }
    return {k: {"label": label, "before": b, "value": a, "unit": unit, "from": src}
            for k, (label, b, a, unit, src) in rows.items()}


def _parking_range(head: dict[str, dict[str, Any]], out: dict[str, Any]) -> None:
    spaces = (((out.get("parking") or {}).get("value") or {}).get("range") or {}).get("spaces_freed")
    if spaces:
        head["parking_freed"]["range"] = [spaces["low"], spaces["high"]]
        head["parking_freed"]["note"] = ("car spaces freed: an estimate — the cap base is the city's ~110,000 permits "
                                         "spread by on-street supply × occupancy; the range is the permit count ± its "
                                         "uncertainty ([parking] permits_uncertainty)")


def _calming_ranges(head: dict[str, dict[str, Any]], calming: dict[str, Any]) -> None:
    plan, signs = calming["plan"], calming["signs_only"]
    for key, name in HEADLINE_FIGURES.items():
        fig = calming["with_plan"].get(name) or {}
        if fig.get("range") is not None:
            head[key]["range"] = fig["range"]
        head[key]["signs_only"] = (signs.get(name) or {}).get("value")
        head[key]["signs_only_range"] = (signs.get(name) or {}).get("range")
    head["fatal_serious_change"]["from"] = "power_model, calming"
    head["fatal_serious_change"]["note"] = (
        f"range from the speed response (signs only / redesign); signs only: "
        f"{pct_text(signs['fatal_serious_change'])}; calming plan: {plan['redesigned_by_horizon_km']:,.0f} "
        f"of {plan['to_redesign_km']:,.0f} km redesigned by the horizon")


def _tier_ranges(head: dict[str, dict[str, Any]], reg: dict[str, Any], tiers: dict[str, Any]) -> None:
    shown = tiers["50_if_shown"]
    head["km_50"]["range"] = [reg["after"]["50"], reg["after"]["50"] + shown]
    head["km_50"]["note"] = (f"roads where all four criteria are shown, and roads out of the city's rule "
                             f"that keep their limit; up to {shown:,.1f} km more are '50 if shown' "
                             f"(no criterion fails, evidence missing)")
    head["km_50"]["from"] = "regime, regime_tiers"
    head["km_30"]["range"] = [reg["after"]["30"] - shown, reg["after"]["30"]]
    head["km_30"]["note"] = "includes the '50 if shown' roads (30 until shown)"
    head["km_30"]["from"] = "regime, regime_tiers"


def _plan_row(out: dict[str, Any]) -> dict[str, Any] | None:
    """The plan's headline figure: children safe with the fixes the plan's budget pays (``None``
    without a plan in the run).

    When the budget pays modal filters and the traffic they displace was re-assigned, the figure is
    the checked one and its range runs from it (the traffic moved) to the plan's own (none moved,
    e.g. kept on the main roads by a circulation plan); else the range is the unit costs' low/high.
    """
    plan = (out.get("plan") or {}).get("value")
    if not plan:
        return None
    years = [row["year"] for row in plan["by_year"]]
    last = f" by {max(years)}" if years else ""
    row = {"label": f"Children with a child-safe school route with the plan's budget{last}",
           "before": plan["today"], "value": plan["share_budget"], "range": plan["share_budget_range"],
           "unit": "share", "from": "plan",
           "note": "the plan's fixes paid by the budget, on today's network (the scenario's own measures not "
                   "counted); the range is the unit costs' low and high; unit costs marked 'estimate' are not "
                   "quotes"}
    check = plan.get("traffic_check")
    if check:
        row["value"] = check["share_budget"]
        row["range"] = sorted([check["share_budget"], plan["share_budget"]])
        row["note"] = (f"with the traffic the budget's {check['filters']:,} modal filters displace re-assigned "
                       f"({check['newly_failing_segments']:,} segments, {check['newly_failing_km']:.0f} km, then "
                       f"newly fail the toets); the range runs to the plan's own figure ({100 * plan['share_budget']:.1f} %), "
                       "reached if that traffic stays on the main roads; on today's network, the scenario's own "
                       "measures not counted; unit costs marked 'estimate' are not quotes")
    return row


def headline(out: dict[str, Any]) -> dict[str, Any]:
    """Main figures before/after, each pointing to the score that holds its inputs, with the ranges
    the scores give (parking, the calming states, the '50 if shown' tier, the plan's costs)."""
    head = _rows(out)
    plan = _plan_row(out)
    if plan is not None:
        head["children_safe_plan"] = plan
    _parking_range(head, out)
    calming = (out.get("calming") or {}).get("value")
    if calming:
        _calming_ranges(head, calming)
    tiers = (out.get("regime_tiers") or {}).get("value")
    if tiers:
        _tier_ranges(head, out["regime"]["value"], tiers)
    return head


def pct_text(fig: dict[str, Any]) -> str:
    """``+14 % (−19 to −5 %)`` from ``{"value": ..., "range": [...]}`` (fractions)."""
    v, r = fig.get("value"), fig.get("range")
    if v is None:
        return "n/a"
    text = f"{100 * v:+.0f} %"
    return text + (f" ({100 * r[0]:+.0f} to {100 * r[1]:+.0f} %)" if r else "")


def _composite_with(out: dict[str, Any], settings: ScoreSettings, figures: dict[str, Any], pick: Pick) -> float | None:
    """The run's composite with its parts replaced by ``pick(figure)`` of ``figures`` (one state of
    ``calming``); a part whose figure is missing keeps the run's value."""
    from mobisim import score as sc

    parts = dict(sc.composite_parts(out["toets_after"], out["power_model"], out["school_children_safe_after"],
                                    settings))
    for part, name in COMPOSITE_FIGURES.items():
        value = pick(figures.get(name) or {})
        if value is not None and parts.get(part) is not None:
            parts[part] = value
    change = pick(figures.get("fatal_serious_change") or {}, crash=True)
    if change is not None:
        parts["fatal_serious"] = sc.safety_gain({"value": {"fatal_serious": change}}, settings)
    return sc.composite(parts, settings)["value"]


def composite_range(out: dict[str, Any], settings: ScoreSettings) -> None:
    """The composite's low–high (every share at its low end with the crash change at its high end,
    and back) and its signs-only value, when the run has ``calming`` (in ``out["headline"]``)."""
    calming = (out.get("calming") or {}).get("value")
    if not calming:
        return

    def end(low: bool) -> Pick:
        def pick(fig: dict[str, Any], crash: bool = False) -> Any:
            rng = fig.get("range")  # the higher (less negative) crash change is the smaller gain
            return None if rng is None else rng[int(low == crash)]
        return pick

    head = out["headline"]["composite"]
    ends = [_composite_with(out, settings, calming["with_plan"], end(low)) for low in (True, False)]
    if all(v is not None for v in ends):
        head["range"] = [min(v for v in ends if v is not None), max(v for v in ends if v is not None)]
    head["signs_only"] = _composite_with(out, settings, calming["signs_only"],
                                         lambda fig, crash=False: fig.get("value"))
