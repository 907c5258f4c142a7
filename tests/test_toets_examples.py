"""The ``mobisim toets --way`` examples of README.md and of ``mobisim.cli.toets`` name ways that
exist in the shared file they name (an example that answers "OSM way … not found" misleads a
reviewer). Skipped without the shared Den Haag data."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

import mobisim.cli.toets as cli_toets
from mobisim.cli import app

REPO = Path(__file__).resolve().parents[1]
WAY_EXAMPLE = re.compile(r"^\s*(mobisim toets --way \d+ .*)$", re.MULTILINE)


def _examples() -> list[tuple[str, str]]:
    texts = {"README.md": (REPO / "README.md").read_text(encoding="utf-8"),
             "mobisim.cli.toets": cli_toets.__doc__ or ""}
    return [(where, m.group(1).split("#")[0].strip()) for where, text in texts.items()
            for m in WAY_EXAMPLE.finditer(text)]


def test_there_are_way_examples():
    assert {where for where, _ in _examples()} == {"README.md", "mobisim.cli.toets"}


@pytest.mark.parametrize(("where", "command"), _examples())
def test_way_example_runs(where: str, command: str, shared_osm: Path) -> None:
    args = shlex.split(command)[1:]
    args = [str(shared_osm / Path(a).name) if a.startswith("../shared/osm/") else a for a in args]
    if not all(Path(a).exists() for a in args if a.endswith((".osm", ".bz2", ".pbf"))):
        pytest.skip(f"{where}: {command}: the shared file is not here")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, f"{where}: {command}: {result.output}"
    way = int(args[args.index("--way") + 1])
    if "--json" in args:
        assert {s["way_id"] for s in json.loads(result.stdout)["segments"]} == {way}
