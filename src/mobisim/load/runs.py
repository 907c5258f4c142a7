"""Reading the outputs of an earlier run (``mobisim compare``, ``mobisim explain-scores``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd

from mobisim.errors import InputFileError

__all__ = ["resolve_run_dir", "read_scores", "read_segments"]


def resolve_run_dir(ref: str | Path, maps_dir: str | Path = "maps") -> Path:
    """Output folder of a run given a scenario name, a scenario file or a folder."""
    p = Path(ref)
    candidates = [p] if p.is_dir() else []
    stem = p.stem if p.suffix in (".toml", ".json") else p.name
    candidates.append(Path(maps_dir) / stem)
    for c in candidates:
        if (c / "scores.json").exists():
            return c
    raise InputFileError(f"{ref}: no run outputs found (looked for {Path(maps_dir) / stem / 'scores.json'}; "
                         f"run `mobisim run` first)")


def read_scores(run_dir: Path) -> dict[str, Any]:
    """The scores of a run (``run_dir`` is its folder, or a ``scores.json`` file itself).

    Raises :class:`InputFileError` naming the file when it cannot be read, is not JSON, or is not
    a scores object (a JSON object whose ``headline``, when present, maps names to objects).
    """
    run_dir = Path(run_dir)
    path = run_dir if run_dir.suffix == ".json" and not run_dir.is_dir() else run_dir / "scores.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputFileError(f"{path}: not a valid scores.json: {exc}") from None
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not a valid scores.json: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read scores ({exc.strerror or exc})") from None
    except RecursionError:
        raise InputFileError(f"{path}: not a valid scores.json: nested too deeply") from None
    if not isinstance(data, dict):
        raise InputFileError(f"{path}: not a valid scores.json: expected a JSON object of scores, "
                             f"found {type(data).__name__}")
    head = data.get("headline")
    if head is not None and not (isinstance(head, dict) and all(isinstance(v, dict) for v in head.values())):
        raise InputFileError(f"{path}: not a valid scores.json: 'headline' must map score names to objects")
    return data


def read_segments(run_dir: Path) -> gpd.GeoDataFrame:
    """The ``segments`` layer of a run's ``layers.gpkg``; :class:`InputFileError` naming the file
    when it cannot be read or lacks the columns that match segments (``way_id``, ``u``, ``v``).

    The table ``segments`` of every run: runs since the styled GeoPackage keep its explanation
    texts as ``<column>_ref`` (the text in the table ``explanations``), older runs as the text;
    what ``mobisim compare`` reads (keys, verdicts, limits, volumes) is in both."""
    path = run_dir / "layers.gpkg"
    try:
        frame = gpd.read_file(path, layer="segments", engine="pyogrio")
    except Exception as exc:  # pyogrio raises several error types for missing/corrupt files
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(f"{path}: cannot read layer 'segments' ({first})") from None
    missing = [c for c in ("way_id", "u", "v") if c not in frame.columns]
    if missing:
        raise InputFileError(f"{path}: layer 'segments' lacks the column(s) {', '.join(missing)}")
    return frame
