"""The files of a sweep in ``maps/<scenario>/sweep-<name>/``, written like ``render/files``.

While the sweep runs each row is appended to ``rows.jsonl`` as it arrives (one JSON object a line,
flushed to disk), so an interrupted sweep keeps every finished variant and ``--resume`` skips them.
At the end: ``rows.parquet`` and ``rows.csv`` (one row per variant, in design order),
``summary.csv`` and ``summary.md`` (per key the range of each score; for Monte Carlo the
percentiles), ``tornado.png`` and one ``vs-<key>.png`` per numeric key, and ``sweep.json`` (keys,
design, seed, times). Each of these is written to a hidden temporary file and renamed into place.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from mobisim.sweep import plots, summary
from mobisim.sweep.design import Design

__all__ = ["LOG", "append_row", "read_rows", "rows_frame", "write_results", "write_meta"]

#: The append-only log of finished rows.
LOG = "rows.jsonl"


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def append_row(folder: Path, row: dict[str, Any]) -> None:
    """Append one finished row to ``rows.jsonl`` and flush it to disk."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_rows(folder: Path) -> list[dict[str, Any]]:
    """The rows logged so far (a line cut off by a kill is dropped; a variant logged twice counts once)."""
    path = folder / LOG
    if not path.exists():
        return []
    rows: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and "variant" in row:
            rows[row["variant"]] = row
    return list(rows.values())


def rows_frame(rows: Sequence[dict[str, Any]], design: Design) -> pd.DataFrame:
    """The rows of the design's variants, in design order."""
    order = {v.id: i for i, v in enumerate(design.variants)}
    frame = pd.DataFrame([r for r in rows if r.get("variant") in order])
    if frame.empty:
        return frame
    return frame.sort_values("variant", key=lambda s: s.map(order)).reset_index(drop=True)


def write_meta(folder: Path, meta: dict[str, Any]) -> Path:
    """``sweep.json``: the design, the seed and the times."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sweep.json"
    text = json.dumps(meta, indent=2, ensure_ascii=False, default=str) + "\n"
    _atomic(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path


def _markdown(table: pd.DataFrame) -> str:
    def cell(v: Any) -> str:
        return f"{v:,.4g}" if isinstance(v, float) else str(v)
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _summary_md(name: str, design: Design, ranges: pd.DataFrame, pct: pd.DataFrame | None, n: int) -> str:
    parts = [f"# Sweep {name}", "", f"{n} of {len(design.variants)} variants ({design.kind}"
             + (f", {design.samples} samples, seed {design.seed}" if design.seed is not None else "") + ").", ""]
    parts += ["## Per key: the range of each score", "",
              "low/high: over every row; swing: the change of the score over the key's range "
              "(listed values: mean at the last value minus at the first; a distribution: the fitted "
              "slope times the key's 5–95 % spread).", "", _markdown(ranges), ""]
    if pct is not None:
        parts += ["## Percentiles (Monte Carlo)", "", _markdown(pct), ""]
    return "\n".join(parts)


def write_results(folder: Path, name: str, design: Design, frame: pd.DataFrame, *,
                  headline: str = "composite") -> dict[str, Path]:
    """Write the rows, the summary and the plots of a sweep; returns their paths by kind."""
    keys = [k for k in design.keys if k in frame.columns] + (["area"] if "area" in frame.columns else [])
    sampled = [k for k, v in design.varies.items() if isinstance(v, dict)]
    table = frame.map(lambda v: json.dumps(v) if isinstance(v, list | dict) else v)
    paths = {"parquet": folder / "rows.parquet", "csv": folder / "rows.csv",
             "summary_csv": folder / "summary.csv", "summary_md": folder / "summary.md"}
    _atomic(paths["parquet"], lambda p: table.to_parquet(p, index=False))
    _atomic(paths["csv"], lambda p: table.to_csv(p, index=False))
    ranges = summary.key_ranges(frame, keys, sampled=sampled)
    pct = summary.percentiles(frame, keys) if sampled else None
    both = pd.concat([ranges.assign(kind="range"), pct.assign(kind="percentiles")] if pct is not None
                     else [ranges.assign(kind="range")], ignore_index=True)
    _atomic(paths["summary_csv"], lambda p: both.to_csv(p, index=False))
    text = _summary_md(name, design, ranges, pct, len(frame))
    _atomic(paths["summary_md"], lambda p: p.write_text(text, encoding="utf-8"))
    paths.update(_write_plots(folder, frame, keys, ranges, headline))
    return paths


def _write_plots(folder: Path, frame: pd.DataFrame, keys: Sequence[str], ranges: pd.DataFrame,
                 headline: str) -> dict[str, Path]:
    out: dict[str, Path] = {}
    scores = summary.score_columns(frame, keys)
    shown = [s for s in scores if not s.endswith("_signs_only")]  # the signs-only figures: in the rows and summary
    for key in keys:
        if key == "area" or frame[key].nunique() < 2:
            continue
        out[f"vs:{key}"] = _png(folder / f"vs-{key}.png", plots.score_vs_key(frame, key, shown))
    score = headline if headline in scores else (scores[0] if scores else None)
    table = summary.tornado(ranges[ranges["key"] != "area"], score) if score is not None else None
    if table is not None and len(table):
        out["tornado"] = _png(folder / "tornado.png", plots.tornado_chart(table, score or ""))
    return out


def _png(path: Path, fig: Figure) -> Path:
    _atomic(path, lambda p: fig.savefig(p, format="png", dpi=110))
    return path
