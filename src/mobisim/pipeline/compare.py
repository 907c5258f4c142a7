"""Comparing two runs: a before/after table of their scores and a diff map of what changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mobisim.load.runs import read_scores, read_segments, resolve_run_dir

__all__ = ["resolve_run_dir", "read_scores", "compare_runs"]


def compare_runs(a: str | Path, b: str | Path, *, maps_dir: str | Path = "maps",
                 out_dir: str | Path | None = None, self_contained: bool = False,
                 every: bool = False) -> dict[str, Any]:
    """Compare two runs: a before/after table of the scores and a diff map of changed segments.

    Returns
    -------
    dict
        ``table`` (DataFrame: score, a, b, change, unit; the headline figures, or every score
        with ``every``), ``changed`` (GeoDataFrame of segments whose
        regime or toets verdict changed), ``diff_map`` (Path), ``names`` (a, b),
        ``traffic_moved`` (:func:`mobisim.traffic.displacement` of B's traffic against A's: the
        streets gaining and losing; ``None`` when a run has no modelled volumes). The diff map
        shows the traffic moved as a layer.
    """
    from mobisim.render import map as maps
    from mobisim.render import report
    from mobisim.render.outputs import output_set
    from mobisim.traffic import TrafficSettings, displacement

    da, db = resolve_run_dir(a, maps_dir), resolve_run_dir(b, maps_dir)
    table = report.compare_scores(read_scores(da), read_scores(db), every=every)
    seg_a, seg_b = read_segments(da), read_segments(db)
    changed = report.changed_segments(seg_a, seg_b)
    between = report.traffic_between(seg_a, seg_b)
    moved = displacement(between, TrafficSettings()) if len(between) else None
    if moved is None:
        between = between.iloc[:0]
    target = Path(out_dir) if out_dir is not None else Path(maps_dir) / f"compare-{da.name}-{db.name}"
    layers = maps.diff_layers(changed, da.name, db.name)
    if len(between):
        layers += [layer for layer in maps.traffic_layers(between) if layer.key == "traffic_change"]
        for layer in layers:
            if layer.key == "traffic_change":
                layer.title = f"Traffic moved ({da.name} → {db.name}, vehicles/day)"
                layer.show = True
    m = maps.build_map(layers, title=f"mobisim · {da.name} → {db.name}: what changed",
                       self_contained=self_contained)
    with output_set(target) as stage:  # replaced as a whole, like a run's folder
        (stage / "diff.html").write_text(maps.render_html(m, self_contained=self_contained), encoding="utf-8")
    path = target / "diff.html"
    return {"table": table, "changed": changed, "diff_map": path, "names": (da.name, db.name),
            "traffic_moved": moved}
