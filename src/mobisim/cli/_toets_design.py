"""``mobisim toets … --set KEY=VALUE``: the reviewer's test of a street design, today → with the design.

The design (:mod:`mobisim.scenario.interventions.design`) becomes interventions on the street
selected, appended to the scenario's own; the network is judged as ``mobisim run`` judges its
before and after (:func:`mobisim.pipeline.today.run_before` / :func:`~mobisim.pipeline.today.run_after`:
the same application path, the 30/50 programme when the scenario has it, driven speeds, the traffic
modelled again). ``--save`` writes the design as a scenario file whose run judges the street the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mobisim.cli._toets_report import judged, street_report
from mobisim.errors import MobisimError

if TYPE_CHECKING:
    from mobisim.scenario import Scenario
    from mobisim.scenario.interventions import InterventionModel
    from mobisim.scenario.interventions.design import Design

__all__ = ["Where", "check", "compare", "judge", "save_design"]

#: What a segment's change is told by (grouped when equal along the street).
_CHANGE = ["toets_bike", "toets_bike_rule", "toets_walk", "toets_walk_rule", "limit", "driven_speed"]


@dataclass(frozen=True)
class Where:
    """The street selected and the data given on the command line (for the saved scenario)."""

    street: str | None
    way: int | None
    point: tuple[float, float] | None
    scenario: Path | None
    osm: list[Path] | None
    speed_limits: Path | None
    speed_limits_column: str | None


def check(pairs: list[str], save: Path | None) -> Design | None:
    """The design of ``--set`` (``None`` without), checked with ``--save`` before any data is read."""
    if not pairs:
        return None
    from mobisim.cli._app import check_output_file
    from mobisim.scenario.interventions.design import parse_design

    design = parse_design(pairs)
    if save is not None:
        check_output_file(save, "--save")
    return design


def _selection(edges: pd.DataFrame, where: Where, notes: list[str]) -> tuple[pd.DataFrame, list[int]]:
    """The segments the design changes and shows, and their OSM ways (``--at``: the whole way)."""
    from mobisim.cli.toets import select

    sel = select(edges, where.street, where.way, where.point)
    ways = sorted({int(w) for w in sel["way_id"]})
    if where.point is not None:
        sel = edges[edges["way_id"].isin(ways)]
        notes.append(f"--at with --set: the design applies to the whole of OSM way {', '.join(map(str, ways))} "
                     f"({len(sel)} segment(s)), all shown")
    return sel, ways


def judge(design: Design, sc: Scenario, where: Where, save: Path | None) -> tuple[dict[str, Any], list[str]]:
    """Today's verdicts and those with the design on the street selected (and the file saved).

    The inputs are read as ``mobisim run`` reads them (``--osm`` and ``--speed-limits`` replacing
    the scenario's). Returns the report of :func:`compare` and the notes of loading and judging.
    """
    from mobisim.load.inputs import load_inputs
    from mobisim.pipeline.today import run_after, run_before

    if save is not None and where.osm and sc.data is not None and sc.data.place:
        raise MobisimError(f"--save: {where.scenario} names its network by place ({sc.data.place!r}); a design "
                           "saved on top of it cannot replace that by --osm files: leave out --osm, or extend a "
                           "scenario with [data] osm")
    inputs = load_inputs(sc, list(where.osm) if where.osm else None, speed_limits=where.speed_limits,
                         speed_limits_column=where.speed_limits_column, parking=False)
    notes: list[str] = []
    before = run_before(sc, inputs, notes)
    sel, ways = _selection(before.net.edges, where, notes)
    today = street_report(before.net, sel)
    nodes = [int(c["node_id"]) for c in today["crossings"]]
    ivs = design.interventions(street=where.street, ways=ways, crossings=nodes,
                               taken={iv.ident() for iv in sc.interventions})
    designed = sc.model_copy(update={"interventions": [*sc.interventions, *ivs]})
    after = run_after(before, designed, inputs, notes)
    report = compare(today, street_report(after, after.edges.loc[sel.index]), design, ivs, sc)
    if save is not None:
        report["saved"] = str(save_design(save, ivs, where, design))
    return report, notes


def _counts(report: dict[str, Any]) -> dict[str, list[int]]:
    """Pass / judged counts per verdict."""
    crossings = report["crossings"]
    return {"bike": [report["toets_bike_pass"], report["toets_bike_open"]],
            "walk": [report["toets_walk_pass"], report["toets_walk_open"]],
            "crossings": [sum(c.get("toets_crossing") == "pass" for c in crossings), len(crossings)]}


def _segment_change(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    keep = ("edge_id", "way_id", "name", "length", "highway", "is_road")
    change: dict[str, Any] = {k: new.get(k) for k in keep}
    for mode in ("bike", "walk"):
        for part in ("", "_rule", "_reason"):
            col = f"toets_{mode}{part}"
            change[col] = [old.get(col), new.get(col)]
        change[f"toets_{mode}_fix"] = new.get(f"toets_{mode}_fix")
    change["limit"] = [old.get("maxspeed"), new.get("proposed_maxspeed", new.get("maxspeed"))]
    change["driven_speed"] = new.get("driven_speed")
    change["driven_speed_reason"] = new.get("driven_speed_reason")
    change["regime_tier"] = new.get("regime_tier")
    change["judged"] = judged(new)
    return change


def _crossing_change(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    out = {k: new.get(k) for k in ("node_id", "lat", "lon", "crossing_kind", "crossed_name")}
    for part in ("", "_rule", "_reason"):
        col = f"toets_crossing{part}"
        out[col] = [None if old is None else old.get(col), new.get(col)]
    out["toets_crossing_fix"] = new.get("toets_crossing_fix")
    return out


def _still_failing(segments: list[dict[str, Any]], crossings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What fails with the design, with the toets's own fix."""
    out: list[dict[str, Any]] = []
    for s in segments:
        for mode in ("bike", "walk"):
            if s["judged"] and s[f"toets_{mode}"][1] == "fail":
                out.append({"what": f"toets {mode}", "edge_id": s["edge_id"], "length": s["length"],
                            "rule": s[f"toets_{mode}_rule"][1], "reason": s[f"toets_{mode}_reason"][1],
                            "fix": s[f"toets_{mode}_fix"]})
    out.extend({"what": "crossing", "node_id": c["node_id"], "rule": c["toets_crossing_rule"][1],
                "reason": c["toets_crossing_reason"][1], "fix": c["toets_crossing_fix"]}
               for c in crossings if c["toets_crossing"][1] == "fail")
    return out


def compare(today: dict[str, Any], designed: dict[str, Any], design: Design,
            interventions: list[InterventionModel], sc: Scenario) -> dict[str, Any]:
    """Today → with the design, per verdict, per segment and per crossing, and what still fails.

    ``passes`` is true when every judged segment open to a mode passes and every crossing does;
    ``still_failing`` lists the rest with the fix the toets names.
    """
    from mobisim.pipeline.steps import programme_on

    old = {s["edge_id"]: s for s in today["segments"]}
    segments = [_segment_change(old[s["edge_id"]], s) for s in designed["segments"]]
    old_x = {c["node_id"]: c for c in today["crossings"]}
    crossings = [_crossing_change(old_x.get(c["node_id"]), c) for c in designed["crossings"]]
    failing = _still_failing(segments, crossings)
    return {
        "street": designed["street"], "segments_count": designed["segments_count"], "length_m": designed["length_m"],
        "design": {"set": dict(design.pairs),
                   "interventions": [iv.model_dump(exclude_none=True) for iv in interventions],
                   "scenario": sc.name, "programme": programme_on(sc),
                   "scenario_interventions": len(sc.interventions)},
        "counts": {k: {"today": v, "with_design": _counts(designed)[k]} for k, v in _counts(today).items()},
        "passes": not failing, "segments": segments, "crossings": crossings, "still_failing": failing,
        "today": today, "with_design": designed, "attribution": designed["attribution"],
    }


def _data_keys(where: Where) -> dict[str, Any]:
    """The ``[data]`` keys the command line replaced (``--osm``, ``--speed-limits``)."""
    data: dict[str, Any] = {}
    if where.osm:
        data["osm"] = [Path(p) for p in where.osm]
        if where.scenario is not None:
            data["buildings"] = []  # --osm replaces the scenario's building files too
    if where.speed_limits is not None:
        data["speed_limits"] = Path(where.speed_limits)
    if where.speed_limits_column is not None:
        data["speed_limits_column"] = where.speed_limits_column
    return data


def save_design(target: Path, interventions: list[InterventionModel], where: Where, design: Design) -> Path:
    """Write the design as a scenario file that ``extends`` the scenario judged (or names the data)."""
    from mobisim.cli._app import writing
    from mobisim.scenario.interventions.design import design_toml

    stem = target.stem if re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", target.stem) else "toets-design"
    street = where.street if where.street is not None else f"way {', '.join(str(w) for w in _ways(interventions))}"
    text = design_toml(interventions, target, name=stem, extends=where.scenario, data=_data_keys(where),
                       comment=f"A design of {street} tested with `mobisim toets {design.as_options()}`.\n"
                               f"`mobisim run {target.name}` judges it as the toets did.")
    with writing(target):
        target.write_text(text, encoding="utf-8")
    return target


def _ways(interventions: list[InterventionModel]) -> list[int]:
    from mobisim.scenario.interventions.models import StreetSelection

    return sorted({w for iv in interventions if isinstance(iv, StreetSelection) for w in iv.ways()})

