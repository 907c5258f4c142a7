"""The fast path of ``mobisim toets`` (:mod:`mobisim.cli._toets_fast`) answers exactly as the command.

- after one answer by the command, the same command line is answered from the answer index:
  the same text, JSON, notes, error line and exit code, for every street name (folded, misspelt,
  unknown), way id and many ``--at`` points, on the grid fixture and on Scheveningen;
- anything it is not sure of is left to the command: another option, a changed scenario or data
  file, another working folder or code, a damaged index (removed, then written again);
- it imports neither pandas, geopandas, numpy, pydantic, typer nor rich.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mobisim.cli import _toets_index, app
from mobisim.cli._toets_fast import answer, fold_name, parse_args
from mobisim.cli._toets_report import street_report
from mobisim.cli._toets_text import format_text
from mobisim.cli.toets import select
from mobisim.errors import NotFoundError
from mobisim.names import fold_name as fold_name_pandas
from mobisim.pipeline.today import cached_verdicts_entry
from mobisim.scenario import Scenario

runner = CliRunner()
SCHEVENINGEN = Path(os.environ.get("MOBISIM_SHARED_OSM", Path(__file__).resolve().parents[2] / "shared" / "osm")) \
    / "scheveningen-2025.osm.bz2"



@pytest.fixture()
def grid(data_dir: Path) -> list[str]:
    return [a for name in ("render_city.osm", "render_buildings.osm") for a in ("--osm", str(data_dir / name))]


def fast(*args: str) -> tuple[int | None, str, str]:
    """Exit code (``None``: left to the command), stdout and stderr of the fast path."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = answer(list(args))
    return code, out.getvalue(), err.getvalue()


def command(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of the command itself."""
    result = runner.invoke(app, ["toets", *args])
    return result.exit_code, result.stdout, result.stderr


def reference(net, notes, query: dict, as_json: bool) -> tuple[int, str, str]:
    """What the command prints for ``query`` on the judged network (as ``toets_command`` does)."""
    try:
        report = street_report(net, select(net.edges, query.get("street"), query.get("way"), query.get("point")))
    except NotFoundError as exc:
        return 2, "", f"mobisim: error: {exc}\n"
    report["notes"] = list(dict.fromkeys(notes))
    text = json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_text(report)
    return 0, text + "\n", "".join(f"note: {n}\n" for n in report["notes"])


def _args(query: dict) -> list[str]:
    if "street" in query:
        return [query["street"]]
    if "way" in query:
        return ["--way", str(query["way"])]
    lat, lon = query["point"]
    return ["--at", f"{float(lat)!r},{float(lon)!r}"]


def _queries(net, rng: random.Random, n_points: int) -> list[dict]:
    """Every street name (as written, upper-case, without accents or with a typo), unknown names,
    every way id and an unknown one, ``--at`` points at nodes, on segments and anywhere near."""
    names = sorted({str(n) for n in net.edges["name"].dropna()})
    queries: list[dict] = [{"street": n} for n in names]
    queries += [{"street": n.upper()} for n in names[:20]] + [{"street": n[:-1]} for n in names[:20] if len(n) > 4]
    queries += [{"street": s} for s in ("Nowhere-straat", "zzz", "laan", "", "Straße", "  Hoofd-weg ")]
    ways = sorted({int(w) for w in net.edges["way_id"]})
    queries += [{"way": w} for w in ways[:100]] + [{"way": 1}]
    nodes = net.nodes.to_crs(4326).geometry
    west, south, east, north = nodes.total_bounds
    for point in rng.sample(list(nodes), min(n_points, len(nodes))):
        queries.append({"point": (round(point.y + rng.uniform(-3e-4, 3e-4), 6),
                                  round(point.x + rng.uniform(-3e-4, 3e-4), 6))})
    queries += [{"point": (rng.uniform(south, north), rng.uniform(west, east))} for _ in range(n_points)]
    return queries


def _compare(net, notes, queries: list[dict], osm: list[str]) -> tuple[int, int]:
    """Fast answers equal the reference; returns (answered, left to the command)."""
    answered = left = 0
    for k, query in enumerate(queries):
        as_json = k % 3 == 0
        code, out, err = fast(*_args(query), *osm, *(["--json"] if as_json else []))
        if code is None:
            left += 1
            continue
        assert (code, out, err) == reference(net, notes, query, as_json), query
        answered += 1
    return answered, left


def _judged(osm: list[str]):
    notes: list[str] = []
    net, _ = cached_verdicts_entry(Scenario(name="toets"), [Path(p) for p in osm[1::2]], notes)
    return net, notes


def test_the_fast_answer_equals_the_command_on_the_grid(cache, grid):
    first = command("Hoofdweg", *grid)
    assert first[0] == 0 and list((cache / "toets").glob("*.sqlite")) and list((cache / "toets" / "keys").iterdir())
    net, notes = _judged(grid)
    answered, left = _compare(net, notes, _queries(net, random.Random(1), 40), grid)
    assert answered >= 0.9 * (answered + left)
    assert fast("Hoofdweg", *grid) == first


def test_the_command_line_answers_equal(cache, grid):
    command("Hoofdweg", *grid)
    for args in (["hoofdweg"], ["Hoofdweg", "--json"], ["--way", "202"], ["--at", "52.0786,4.2887"],
                 ["--at", "52.0805,4.3015"], ["--json", "--at", "52.0812,4.3024"], ["--way", "207"],
                 ["Hoofdwg"], ["--way", "99"], ["--json", "Noordstraat"], ["Westlaan", "--json", "--json"]):
        assert fast(*args, *grid) == command(*args, *grid), args


@pytest.mark.skipif(not SCHEVENINGEN.is_file(), reason=f"{SCHEVENINGEN} not found (shared OSM data absent)")
def test_the_fast_answer_equals_the_command_on_scheveningen(cache):
    osm = ["--osm", str(SCHEVENINGEN)]
    assert command("--way", "7494860", *osm)[0] == 0
    net, notes = _judged(osm)
    queries = _queries(net, random.Random(7), 100)
    answered, left = _compare(net, notes, queries, osm)
    assert answered > 450 and left <= 0.03 * (answered + left)  # left: --at points within 5 mm of a tie
    for query in queries[::40]:  # and the command line itself
        assert fast(*_args(query), *osm) in (command(*_args(query), *osm), (None, "", ""))


def test_the_fast_path_leaves_what_it_cannot_answer(cache, grid, tmp_path, monkeypatch):
    assert fast("Hoofdweg", *grid)[0] is None  # nothing remembered yet
    command("Hoofdweg", *grid)
    assert fast("Hoofdweg", *grid)[0] == 0
    for args in (["Hoofdweg", "--set", "maxspeed=30"], ["Hoofdweg", "--help"], ["Hoofdweg", "Westlaan"],
                 ["--way", "x"], ["--at", "north"], ["Hoofdweg", "--way", "1"], ["Hoofdweg", "--osm"]):
        assert fast(*args, *grid)[0] is None, args
    assert fast("Hoofdweg", *grid[:2])[0] is None  # another command line: not remembered
    monkeypatch.chdir(tmp_path)
    assert fast("Hoofdweg", *grid)[0] is None  # another working folder
    monkeypatch.setattr(_toets_index, "_code", "another version")
    assert fast("Hoofdweg", *grid)[0] is None


def test_a_changed_file_is_a_miss(cache, data_dir, tmp_path):
    osm = tmp_path / "city.osm"
    osm.write_text((data_dir / "render_city.osm").read_text(encoding="utf-8"), encoding="utf-8")
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'name = "s"\n[data]\nosm = [{json.dumps(str(osm))}]\n')
    old = 1_600_000_000
    os.utime(osm, (old, old))
    command("Hoofdweg", "--scenario", str(scenario))
    assert fast("Hoofdweg", "--scenario", str(scenario))[0] == 0
    scenario.write_text(scenario.read_text() + "[rules]\nsensitive_distance_m = 50\n")
    assert fast("Hoofdweg", "--scenario", str(scenario))[0] is None
    command("Hoofdweg", "--scenario", str(scenario))
    assert fast("Hoofdweg", "--scenario", str(scenario))[0] == 0
    os.utime(osm, (old + 10, old + 10))
    assert fast("Hoofdweg", "--scenario", str(scenario))[0] is None


def test_a_fresh_data_file_is_not_remembered(cache, data_dir, tmp_path):
    osm = tmp_path / "city.osm"
    osm.write_text((data_dir / "render_city.osm").read_text(encoding="utf-8"), encoding="utf-8")
    command("Hoofdweg", "--osm", str(osm))  # written just now: its timestamp may not show the next change
    assert fast("Hoofdweg", "--osm", str(osm))[0] is None


def test_a_damaged_index_is_left_to_the_command_and_written_again(cache, grid):
    expected = command("Hoofdweg", *grid)
    (index,) = (cache / "toets").glob("*.sqlite")
    index.write_bytes(index.read_bytes()[:4096])
    assert fast("Hoofdweg", *grid)[0] is None and not index.exists()
    assert command("Hoofdweg", *grid) == expected and index.exists()
    assert fast("Hoofdweg", *grid) == expected


def test_folding_without_pandas_equals_mobisim_names():
    for name in ("Laan van Meerdervoort", "LAAN  van-meerdervoort", "Prinses Margrietplantsoen", "Straße",
                 "Ōsaka-dōri", "ﬁetsstraat", "İstanbulweg", "Café 't Hoekje", "<script>alert(1)</script>",
                 "  ", "Koningin Julianaplein 1-3", "Ñandú", "ΑΘΗΝΑ", "\u00a0Noordstraat\u2003", "é́"):
        assert fold_name(name) == fold_name_pandas(name), name


def test_the_cache_folder_is_the_loaders(monkeypatch, tmp_path):
    from mobisim.load.paths import cache_dir

    for env in ({}, {"MOBISIM_DATA_DIR": str(tmp_path)}, {"MOBISIM_CACHE_DIR": str(tmp_path / "c")},
                {"MOBISIM_DATA_DIR": str(tmp_path), "MOBISIM_CACHE_DIR": ""}):
        for k in ("MOBISIM_DATA_DIR", "MOBISIM_CACHE_DIR"):
            monkeypatch.delenv(k, raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        assert _toets_index.cache_root() == cache_dir()


def test_parse_args_reads_the_command_line_as_typer():
    q = parse_args(["--osm=a.osm", "Laan", "--osm", "b.osm", "--json"])
    assert q is not None and q.street == "Laan" and q.osm == [Path("a.osm"), Path("b.osm")] and q.as_json
    q = parse_args(["--way", " 12", "--scenario", "s.toml"])
    assert q is not None and q.way == 12 and q.scenario == Path("s.toml") and q.street is None
    q = parse_args(["--", "--odd-name", "--osm", "x"])
    assert q is None  # after --, "--osm" is a second street name: the command says so
    assert parse_args(["Laan"]) is None  # no data given: the command says so


def test_the_fast_path_imports_no_heavy_library(cache, grid):
    command("Hoofdweg", *grid)
    code = ("import sys; from mobisim.cli import _toets_index; _toets_index._code = sys.argv.pop(1); "
            "from mobisim.cli._toets_fast import answer; code = answer(sys.argv[1:]); "
            "print(code, sorted(m for m in ('pandas', 'geopandas', 'numpy', 'pydantic', 'typer', 'rich', 'shapely', "
            "'pyproj', 'click') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, _toets_index.code_digest(), "Hoofdweg", *grid],
                          capture_output=True, text=True,
                          env=os.environ.copy(), check=True)
    assert done.stdout.splitlines()[-1] == "0 []"


def _modules_after(argv: list[str]) -> tuple[int, list[str], str]:
    """Exit code, the command modules of ``mobisim.cli`` imported, and stdout of ``mobisim ARGV``."""
    code = ("import sys\nfrom mobisim.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as done:\n"
            "    loaded = sorted(m for m in sys.modules if m.startswith('mobisim.cli.') and '._' not in m)\n"
            "    print('@@', done.code, ' '.join(loaded))\n")
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, env=os.environ.copy())
    mark = done.stdout.splitlines()[-1].split(" ", 2)
    return int(mark[1]), mark[2].split(), done.stdout


def test_a_command_imports_only_its_module():
    code, loaded, _ = _modules_after(["plan", "--help"])
    assert code == 0 and loaded == ["mobisim.cli.plan"]
    code, loaded, _ = _modules_after(["compare", "--help"])
    assert code == 0 and loaded == ["mobisim.cli.run"]


def test_the_help_lists_every_command():
    from mobisim.cli import COMMANDS

    code, loaded, out = _modules_after(["--help"])
    assert code == 0 and loaded == sorted({f"mobisim.cli.{m}" for m in COMMANDS.values()})
    assert all(name in out for name in COMMANDS)


def test_old_indexes_are_evicted(cache):
    folder = cache / "toets"
    folder.mkdir(parents=True)
    for k in range(10):
        (folder / f"{k}.sqlite").write_bytes(b"x")
        os.utime(folder / f"{k}.sqlite", (1_600_000_000 + k, 1_600_000_000 + k))
    (folder / ".tmp-1-2.sqlite").write_bytes(b"x")
    os.utime(folder / ".tmp-1-2.sqlite", (1_600_000_000, 1_600_000_000))
    (folder / ".tmp-3-4.sqlite").write_bytes(b"x")  # a writer at work
    _toets_index.evict(keep=8)
    assert sorted(p.name for p in folder.iterdir()) == [".tmp-3-4.sqlite", *(f"{k}.sqlite" for k in range(2, 10))]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_notes_on_a_terminal_look_as_rich_prints_them(monkeypatch):
    from mobisim.cli._toets_fast import _print_notes
    from mobisim.cli.toets import print_notes

    monkeypatch.setenv("TERM", "xterm-256color")
    for k in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS"):
        monkeypatch.delenv(k, raising=False)
    notes = ["traffic model: 800 car segments [38.6 km] are not connected", "two\nlines", "a " * 80]
    shown = []
    for printer in (print_notes, _print_notes):
        terminal = _Terminal()
        monkeypatch.setattr(sys, "stderr", terminal)
        printer(notes)
        shown.append(terminal.getvalue())
    assert shown[0] == shown[1] and "\x1b[2m" in shown[1]
