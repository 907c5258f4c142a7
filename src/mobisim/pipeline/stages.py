"""A run evaluated stage by stage, each stage's output kept: a variant re-runs only what it changes.

:func:`mobisim.pipeline.run.evaluate` is :meth:`Evaluated.build` (the steps of a run, in the
order ``docs/architecture.md`` draws them). A sweep builds the base scenario once and asks
:meth:`Evaluated.variant` for the headline row of the scenario with some settings changed
(:func:`mobisim.scenario.overrides.with_overrides`): only the stages that read those settings
(:data:`READS`) or take their outputs (:data:`TAKES`) run again. A noise limit re-judges the 30/50
rule and what follows it, not today's verdicts or routes; a permit rate re-runs parking and scores::

    ev = Evaluated.build(sc, inputs)                      # the whole run, once
    stages_touched(["parking.cap_rate"])                  # ['parking', 'scores']
    ev.variant({"parking.cap_rate": 0.03})["parking_freed"]

The scores stage reuses the kept calming plan's states (toets and school routes per year and
case, :data:`CALMING_READS`) when neither their settings nor the networks they judge changed: a
parking or plan variant re-judges no toets.

The kept state is never changed, so one :class:`Evaluated` answers any number of variants, also
in parallel threads: only the area judged with today's traffic and the two judged networks are
kept, a re-run copies what it changes (copies share their columns until written, pandas
copy-on-write), and a stage that changes the network of the stage before it re-runs that stage
too (:data:`STARTS_FROM`). It pickles (a Dask scatter sends it to every worker once) with each
kept network as the columns it adds to the one it was made from: 171 MB for the city.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from mobisim.load.inputs import Inputs
from mobisim.network import Network
from mobisim.pipeline.plan import plan_step
from mobisim.pipeline.progress import Steps, Tick
from mobisim.pipeline.result import RunResult
from mobisim.pipeline.scoring import compute_scores
from mobisim.pipeline.steps import (
    apply_interventions,
    evaluate_parking_step,
    evaluate_rules,
    evaluate_schools,
    programme_on,
)
from mobisim.pipeline.today import prepare
from mobisim.pipeline.traffic import model_traffic_step
from mobisim.scenario import Scenario

if TYPE_CHECKING:
    from mobisim.parking import ParkingResult
    from mobisim.plan import PlanResult
    from mobisim.schools import SchoolRoutes

__all__ = ["READS", "STAGES", "TAKES", "Evaluated", "changed_keys", "headline_row", "stages_touched"]

#: The stages of a run, in order (the step keys of ``mobisim run``'s timings).
STAGES = ("scope", "traffic_before", "interventions", "rules_before", "schools_before", "rules_after",
          "schools_after", "parking", "plan", "scores")

#: The settings each stage reads (dotted keys of :func:`mobisim.scenario.overrides.setting_keys`; a
#: key stands for everything below it), checked by ``tests/test_stages_reads.py``, which records
#: every setting a run reads, stage by stage. Today's
#: traffic (and the plan's traffic check) read the speed response, but at today's limits: the
#: response multiplies a limit change of zero (:func:`mobisim.traffic.supply.driven_speed`).
READS: dict[str, tuple[str, ...]] = {
    "scope": ("area", "schools.school_register"),
    "traffic_before": ("traffic",),
    "interventions": (),
    "rules_before": ("toets", "rules.out_of_scope_classes"),
    "schools_before": ("schools",),
    "rules_after": ("programme", "horizon", "rules", "toets", "traffic", "driven_speed", "calming_plan",
                    "scores.exposure_vehicles_per_day", "scores.exposure_other_vehicles_per_day",
                    "scores.speed_response_sign_only", "scores.speed_response_redesign"),
    "schools_after": ("schools",),
    "parking": ("parking",),
    "plan": ("plan", "schools", "traffic", "toets", "rules.out_of_scope_classes"),
    "scores": ("programme", "base_year", "horizon", "rules", "toets", "schools", "parking", "scores", "traffic",
               "driven_speed", "calming_plan", "plan"),
}

#: The stages whose outputs each stage takes (it runs again when one of them did).
TAKES: dict[str, tuple[str, ...]] = {
    "scope": (),
    "traffic_before": ("scope",),
    "interventions": ("traffic_before",),
    "rules_before": ("traffic_before",),
    "schools_before": ("rules_before",),
    "rules_after": ("interventions", "rules_before", "schools_before"),
    "schools_after": ("rules_after",),
    "parking": ("schools_after",),
    "plan": ("schools_before",),
    "scores": ("schools_before", "schools_after", "parking", "plan"),
}

#: What the calming plan's states (``scores["calming"]``, the slow part of the scores) read and take:
#: when neither changed, the scores stage reuses the kept ``calming``.
CALMING_READS = ("programme", "base_year", "horizon", "toets", "schools", "scores", "traffic", "driven_speed",
                 "calming_plan")
CALMING_TAKES = ("rules_before", "schools_before", "rules_after", "schools_after")

#: A stage that changes the network of the stage before it (in place) re-runs that stage too: only
#: the area judged with today's traffic and the networks with school routes are kept.
STARTS_FROM = {"traffic_before": "scope", "schools_before": "rules_before", "rules_after": "interventions",
               "schools_after": "rules_after"}

#: The progress line of each stage.
LABELS = {
    "scope": "Marking the area judged",
    "traffic_before": "Traffic model today (before)",
    "interventions": "Applying the interventions",
    "rules_before": "8-jarigen-toets today (before)",
    "schools_before": "School routes today (before)",
    "schools_after": "School routes with the scenario (after)",
    "parking": "Parking cap and freed space",
    "plan": "The plan to 100 %: fixes, costs and years (from today's network)",
    "scores": "Scores (signs only and the calming plan year by year)",
}


def _covers(prefix: str, key: str) -> bool:
    """Whether setting ``key`` lies below ``prefix`` or holds it (a whole table)."""
    return key == prefix or key.startswith(prefix + ".") or prefix.startswith(key + ".")


def _flat(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted key → value of every setting below ``value`` (tables opened, lists kept whole)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flat(item, f"{prefix}.{key}" if prefix else str(key))
    else:
        yield prefix, value


def changed_keys(a: Scenario, b: Scenario) -> list[str]:
    """The settings in which ``b`` differs from ``a`` (dotted keys; what :func:`stages_touched` takes).

    Also the settings an override changes along with its key: a named noise limit changes the
    limit in dB, a new horizon that of ``[parking]`` when it followed the scenario's.
    """
    da, db = dict(_flat(a.model_dump())), dict(_flat(b.model_dump()))
    return [key for key in dict.fromkeys([*da, *db]) if key not in da or key not in db or da[key] != db[key]]


def stages_touched(keys: Iterable[str]) -> list[str]:
    """The stages a variant changing ``keys`` runs again, in order.

    A stage runs again when it reads one of the keys (:data:`READS`), takes the output of a
    stage that runs again (:data:`TAKES`), or a stage that starts from its network
    (:data:`STARTS_FROM`) runs again.

    Examples
    --------
    >>> stages_touched(["parking.cap_rate"])
    ['parking', 'scores']
    >>> stages_touched(["rules.noise_threshold_lden_db"])
    ['interventions', 'rules_after', 'schools_after', 'parking', 'scores']
    """
    keys = list(keys)
    hit = {stage for stage in STAGES if any(_covers(p, k) for p in READS[stage] for k in keys)}
    while True:
        more = {s for s in STAGES if any(t in hit for t in TAKES[s])} | {STARTS_FROM[s] for s in hit if s in STARTS_FROM}
        if more <= hit:
            return [s for s in STAGES if s in hit]
        hit |= more


def _light_copy(net: Network) -> Network:
    """A copy of ``net`` whose edges and nodes a stage may change without changing ``net`` (the
    frames share their columns until one is written: pandas copy-on-write)."""
    out = copy.copy(net)
    out.edges, out.nodes, out.notes = net.edges.copy(deep=False), net.nodes.copy(deep=False), list(net.notes)
    return out


@dataclass
class Evaluated:
    """A scenario evaluated stage by stage, with every stage's output kept.

    :meth:`build` makes it; :meth:`variant`, :meth:`regime_row` and :meth:`rerun` reuse it for
    changed settings; :meth:`result` is ``mobisim run``'s :class:`~mobisim.pipeline.result.RunResult`.

    Attributes
    ----------
    sc, inputs
        The scenario and the inputs it was evaluated on.
    base
        The area judged with today's traffic, not judged (what the interventions start from).
    modelled
        Whether the traffic model ran today (the scenario's traffic is then modelled again).
    before
        Today's network judged (toets and today's regime) with today's school routes.
    after
        The scenario's network judged (30/50 rule, traffic, driven speeds, toets), with routes.
    schools_before, schools_after, parking, plan
        The results of those steps (``None`` when skipped).
    scores
        ``scores.json`` of the run.
    notes
        Per stage, the notes it added (in order).
    """

    sc: Scenario
    inputs: Inputs
    base: Network | None = None
    modelled: bool = False
    before: Network | None = None
    after: Network | None = None
    schools_before: SchoolRoutes | None = None
    schools_after: SchoolRoutes | None = None
    parking: ParkingResult | None = None
    plan: PlanResult | None = None
    scores: dict[str, Any] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    #: The networks between stages of one run (``after_plain``, ``before_judged``, ``after_judged``): not kept.
    _work: dict[str, Network] = field(default_factory=dict, repr=False)
    #: The kept ``calming`` score a re-run reuses (its settings and networks unchanged), else ``None``.
    _calming: dict[str, Any] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, sc: Scenario, inputs: Inputs, steps: Steps | None = None) -> Evaluated:
        """Evaluate ``sc`` on ``inputs``, every stage in order (one timed line each on ``steps``).

        Parameters
        ----------
        sc
            A validated scenario.
        inputs
            Its inputs (:func:`mobisim.load.load_inputs`); not changed.
        steps
            The progress lines and timings of a run, or ``None``.
        """
        ev = cls(sc=sc, inputs=inputs)
        ev._run(STAGES, steps)
        return ev

    def rerun(self, sc: Scenario, stages: Iterable[str], steps: Steps | None = None) -> Evaluated:
        """A new :class:`Evaluated` of ``sc`` with ``stages`` run again and every other stage's
        output taken from this one (this one is not changed).

        ``stages`` must hold every stage that reads a setting in which ``sc`` differs from
        :attr:`sc`, every stage that takes their output and the stages they start from
        (:func:`stages_touched`).
        """
        redo, changed = set(stages), changed_keys(self.sc, sc)
        same = not redo & set(CALMING_TAKES) and not any(_covers(p, k) for p in CALMING_READS for k in changed)
        new = replace(self, sc=sc, notes=dict(self.notes), _work={},
                      _calming=self.scores.get("calming") if same else None)
        new._run(tuple(s for s in STAGES if s in redo), steps)
        return new

    def variant(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        """The headline row (:func:`headline_row`) of the scenario with ``overrides`` applied.

        Only :func:`stages_touched` by the keys run again. The overrides are validated like a
        scenario file (:func:`mobisim.scenario.overrides.with_overrides`: one-line
        :class:`~mobisim.errors.ScenarioError`).
        """
        from mobisim.scenario.overrides import with_overrides

        sc = with_overrides(self.sc, overrides)
        return headline_row(self.rerun(sc, stages_touched(changed_keys(self.sc, sc))).scores)

    def regime_row(self, overrides: Mapping[str, Any]) -> dict[str, float]:
        """The km of the 30/50 rule of the scenario with ``overrides``, without the rest of the run.

        The rule decides the limits before traffic, driven speeds, toets, routes and scores are
        judged at them, so its km (``km_keep_50``, ``km_50_if_shown``, ``km_to_30``, ``km_30``,
        ``km_50``) equal :meth:`variant`'s in a fraction of its time ("from which limit on does a
        road keep 50?"). Keys that change the area or today's traffic, and a scenario without the
        programme, take the whole :meth:`variant`.
        """
        from mobisim import rules, score
        from mobisim.pipeline.scoring import in_area
        from mobisim.scenario.overrides import with_overrides

        sc = with_overrides(self.sc, overrides)
        touched = stages_touched(changed_keys(self.sc, sc))
        if {"scope", "traffic_before"} & set(touched) or not programme_on(sc):
            row = headline_row(self.rerun(sc, touched).scores)
            return {k: row[k] for k in ("km_keep_50", "km_50_if_shown", "km_to_30", "km_30", "km_50")}
        assert self.base is not None
        net = apply_interventions(self.base, sc)
        rules.evaluate(net, sc.rules, sc.toets, air_layer=self.inputs.air_layer)
        after = in_area(net.edges)
        tiers = score.regime_tiers(after, sc.rules)["value"]
        km = score.regime_change(in_area(self.base.edges), after, before_col="maxspeed",
                                 after_col="proposed_maxspeed")["value"]["after"]
        return {"km_keep_50": _number(tiers["keep_50"]), "km_50_if_shown": _number(tiers["50_if_shown"]),
                "km_to_30": _number(tiers["to_30"]), "km_30": _number(km["30"]), "km_50": _number(km["50"])}

    def result(self, name: str, out_dir: Path) -> RunResult:
        """The :class:`RunResult` of the evaluation (nothing written; ``paths`` empty)."""
        assert self.before is not None and self.after is not None, "an Evaluated is built before its result"
        notes = [n for stage in STAGES for n in self.notes.get(stage, [])]
        for obj in (self.schools_before, self.schools_after, self.parking):
            notes.extend(obj.notes if obj is not None else [])
        return RunResult(name=name, out_dir=out_dir, paths={}, scores=self.scores, before=self.before,
                         after=self.after, schools_before=self.schools_before, schools_after=self.schools_after,
                         parking=self.parking, plan=self.plan, notes=list(dict.fromkeys(notes)))

    def __getstate__(self) -> dict[str, Any]:
        """The kept state, each network as the columns it adds to the one it was made from (the
        area judged to the loaded network, the judged networks to the area judged)."""
        state = dict(self.__dict__, _work={})
        ref = self.inputs.network
        state["base"] = _pack_network(self.base, ref)
        state["before"], state["after"] = _pack_network(self.before, self.base), _pack_network(self.after, self.base)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.base = _unpack_network(state["base"], self.inputs.network)
        self.before, self.after = _unpack_network(state["before"], self.base), _unpack_network(state["after"], self.base)

    # ----------------------------------------------------------------------------------------
    # the stages

    def _run(self, stages: Iterable[str], steps: Steps | None) -> None:
        """Run ``stages`` in order, each with the notes of the stages before it (a step leaves out
        a note already given)."""
        for stage in stages:
            notes = [n for s in STAGES[: STAGES.index(stage)] for n in self.notes.get(s, [])]
            start = len(notes)
            shown = steps if stage != "plan" or self.sc.plan.in_run else None  # no plan: no line
            with _step(shown, stage, self._label(stage)) as tick:
                getattr(self, f"_{stage}")(notes, tick)
            self.notes[stage] = notes[start:]
        self._work.clear()

    def _label(self, stage: str) -> str:
        if stage != "rules_after":
            return LABELS[stage]
        return ("30/50 regime, traffic, driven speeds and toets at the proposed limits (after)" if programme_on(self.sc)
                else "Traffic, driven speeds and 8-jarigen-toets with the interventions (after, no 30/50 programme)")

    def _scope(self, notes: list[str], tick: Tick | None) -> None:
        inputs = replace(self.inputs, network=_light_copy(self.inputs.net))  # marking the scope changes it
        self.base = prepare(self.sc, inputs, notes)

    def _traffic_before(self, notes: list[str], tick: Tick | None) -> None:
        assert self.base is not None  # scope's own network: scope runs before this stage, also in a re-run
        self.modelled = model_traffic_step(self.base, self.sc, self.inputs, notes=notes) is not None

    def _interventions(self, notes: list[str], tick: Tick | None) -> None:
        assert self.base is not None
        self._work["after_plain"] = apply_interventions(self.base, self.sc)

    def _rules_before(self, notes: list[str], tick: Tick | None) -> None:
        assert self.base is not None
        before = _light_copy(self.base)
        evaluate_rules(before, self.sc, self.inputs, proposal=False)
        self._work["before_judged"] = before

    def _schools_before(self, notes: list[str], tick: Tick | None) -> None:
        before = self._work["before_judged"]
        self.schools_before = evaluate_schools(before, self.sc, self.inputs, notes)
        self.before = before

    def _rules_after(self, notes: list[str], tick: Tick | None) -> None:
        assert self.before is not None
        before, after = self.before.edges, self._work["after_plain"]
        children = before["school_route_children"] if "school_route_children" in before.columns else None
        evaluate_rules(after, self.sc, self.inputs, proposal=programme_on(self.sc),
                       traffic_before=before if self.modelled else None, notes=notes,
                       limits_before=before["maxspeed"], children=children)
        self._work["after_judged"] = after

    def _schools_after(self, notes: list[str], tick: Tick | None) -> None:
        after = self._work["after_judged"]
        self.schools_after = evaluate_schools(after, self.sc, self.inputs)
        self.after = after

    def _parking(self, notes: list[str], tick: Tick | None) -> None:
        assert self.after is not None
        self.parking = evaluate_parking_step(self.after, self.sc, self.inputs, notes)

    def _plan(self, notes: list[str], tick: Tick | None) -> None:
        assert self.before is not None
        self.plan = plan_step(self.before, self.schools_before, self.sc, self.inputs, notes)

    def _scores(self, notes: list[str], tick: Tick | None) -> None:
        assert self.before is not None and self.after is not None
        self.scores = compute_scores(self.before, self.after, self.sc, schools_before=self.schools_before,
                                     schools_after=self.schools_after, parking_result=self.parking,
                                     inputs=self.inputs, progress=tick, plan=self.plan, calming=self._calming)
        self._calming = None


# --------------------------------------------------------------------------------------------
# pickling: a kept network as the columns it does not share with the one it was made from


@dataclass
class _PackedFrame:
    """A frame as the columns that differ from those of a reference frame with the same rows."""

    columns: list[str]
    shared: list[str]
    own: pd.DataFrame
    geometry: str | None
    crs: Any
    attrs: dict[str, Any]


def _pack(frame: pd.DataFrame, ref: pd.DataFrame) -> pd.DataFrame | _PackedFrame:
    """``frame`` without the columns equal to ``ref``'s (``frame`` itself when the rows differ)."""
    if frame is ref or not frame.index.equals(ref.index):
        return frame
    shared = [c for c in frame.columns if c in ref.columns and frame[c].dtype == ref[c].dtype
              and frame[c].equals(ref[c])]
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) and frame.active_geometry_name else None
    return _PackedFrame(list(frame.columns), shared, pd.DataFrame(frame.drop(columns=shared)), geometry,
                        frame.crs if geometry else None, dict(frame.attrs))


def _unpack(packed: pd.DataFrame | _PackedFrame, ref: pd.DataFrame) -> pd.DataFrame:
    """The frame :func:`_pack` packed (its shared columns taken from ``ref``)."""
    if not isinstance(packed, _PackedFrame):
        return packed
    frame = pd.concat([pd.DataFrame(ref[packed.shared]), packed.own], axis=1)[packed.columns]
    out = gpd.GeoDataFrame(frame, geometry=packed.geometry, crs=packed.crs) if packed.geometry else frame
    out.attrs = packed.attrs
    return out


def _pack_network(net: Network | None, ref: Network | None) -> Any:
    """``net`` with its edges and nodes packed against ``ref``'s (as a tuple), for a pickle."""
    if net is None or ref is None:
        return net
    rest = copy.copy(net)
    edges, nodes = _pack(net.edges, ref.edges), _pack(net.nodes, ref.nodes)
    rest.edges, rest.nodes = ref.edges.iloc[:0], ref.nodes.iloc[:0]
    return rest, edges, nodes


def _unpack_network(packed: Any, ref: Network | None) -> Network | None:
    """The network :func:`_pack_network` packed."""
    if not isinstance(packed, tuple) or ref is None:
        return packed
    net, edges, nodes = packed
    net.edges, net.nodes = _unpack(edges, ref.edges), _unpack(nodes, ref.nodes)
    return net


def _step(steps: Steps | None, stage: str, label: str) -> AbstractContextManager[Tick | None]:
    """The timed progress line of a stage, or nothing."""
    return steps.step(stage, label) if steps is not None else nullcontext()


# --------------------------------------------------------------------------------------------
# the headline row


def _number(value: Any) -> float:
    """A figure as a float; NaN where the run has none (unknown, not zero)."""
    return float(value) if isinstance(value, int | float) else math.nan


def _figure_columns(key: str, fig: Mapping[str, Any]) -> Iterator[tuple[str, float]]:
    """``key``, ``key_before``, ``key_low``/``key_high`` and ``key_signs_only`` of one headline figure."""
    low, high = (fig.get("range") or (None, None))[:2]
    yield from ((key, _number(fig.get("value"))), (f"{key}_before", _number(fig.get("before"))),
                (f"{key}_low", _number(low)), (f"{key}_high", _number(high)))
    if "signs_only" in fig:
        yield f"{key}_signs_only", _number(fig.get("signs_only"))


def headline_row(scores: Mapping[str, Any]) -> dict[str, float]:
    """One flat row of numbers from ``scores.json``: every headline figure and a few key figures.

    Parameters
    ----------
    scores
        The scores of a run (:func:`mobisim.pipeline.scoring.compute_scores`).

    Returns
    -------
    dict
        Per headline figure ``<key>`` (``composite``, ``km_30``, ``km_50``, ``fatal_serious_change``,
        ``toets_pass``, ``children_safe``, ``parking_freed``…): ``<key>``, ``<key>_before``,
        ``<key>_low``/``<key>_high`` (its range, NaN without one) and ``<key>_signs_only`` where the run
        has it; then the km by outcome of the 30/50 rule (``km_keep_50``, ``km_50_if_shown``, ``km_to_30``)
        and the children with a school route (``children_routed``). NaN where the run has no figure.
    """
    row: dict[str, float] = {}
    for key, fig in (scores.get("headline") or {}).items():
        row.update(_figure_columns(key, fig))
    tiers = (scores.get("regime_tiers") or {}).get("value") or {}
    for tier in ("keep_50", "50_if_shown", "to_30"):
        row[f"km_{tier}"] = _number(tiers.get(tier))
    safe = scores.get("school_children_safe_after") or {}
    row["children_routed"] = _number((safe.get("inputs") or {}).get("children_routed"))
    return row
