"""The evaluated-network cache behind ``mobisim toets`` (``<cache>/verdicts/``).

- a second call reads today's verdicts from the cache and answers exactly as the first;
- a changed setting (a scenario threshold) or a changed input file misses the cache;
- a damaged entry is judged again and replaced with one warning, never an error.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mobisim.cli import app
from mobisim.load import cache as caches
from mobisim.pipeline import today

runner = CliRunner()



@pytest.fixture()
def osm(tmp_path: Path, data_dir: Path) -> list[Path]:
    """Copies of the grid fixture, so that the test may change them."""
    folder = tmp_path / "input"
    folder.mkdir()
    return [Path(shutil.copy(data_dir / name, folder / name)) for name in ("render_city.osm", "render_buildings.osm")]


def _toets(*args: str) -> tuple[dict, str]:
    result = runner.invoke(app, ["toets", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def _osm_args(osm: list[Path]) -> list[str]:
    return [a for p in osm for a in ("--osm", str(p))]


def _entries(cache: Path) -> list[Path]:
    folder = cache / "verdicts"
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


def _judged(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the calls of the (uncached) judging of today's network."""
    calls: list[int] = []
    real = today.street_verdicts

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(today, "street_verdicts", counted)
    return calls


def test_the_cached_answer_equals_the_uncached_one(cache, osm, monkeypatch):
    calls = _judged(monkeypatch)
    first, _ = _toets("Hoofdweg", *_osm_args(osm))
    assert len(_entries(cache)) == 1 and calls == [1]
    second, err = _toets("Hoofdweg", *_osm_args(osm))
    assert calls == [1]  # read from the cache: nothing loaded or judged again
    assert second == first
    assert "warning" not in err
    by_way, _ = _toets("--way", str(first["segments"][0]["way_id"]), *_osm_args(osm))
    assert calls == [1] and by_way["segments"] == first["segments"]


def test_a_changed_setting_misses_the_cache(cache, osm, monkeypatch, tmp_path):
    calls = _judged(monkeypatch)
    base = tmp_path / "base.toml"
    files = ", ".join(json.dumps(str(p)) for p in osm)
    base.write_text(f'name = "a"\n[data]\nosm = [{files}]\n')
    stricter = tmp_path / "stricter.toml"
    stricter.write_text('extends = "base.toml"\nname = "b"\n[rules]\nsensitive_distance_m = 50\n')
    a, _ = _toets("Hoofdweg", "--scenario", str(base))
    b, _ = _toets("Hoofdweg", "--scenario", str(stricter))
    assert calls == [1, 1] and len(_entries(cache)) == 2
    assert {s["c2_sensitive_sites"] for s in a["segments"]} != {s["c2_sensitive_sites"] for s in b["segments"]}
    _toets("Hoofdweg", "--scenario", str(base))
    assert calls == [1, 1]  # the name and the file's own name are not settings: a hit


def test_a_changed_input_file_misses_the_cache(cache, osm, monkeypatch):
    calls = _judged(monkeypatch)
    before, _ = _toets("Hoofdweg", *_osm_args(osm))
    text = osm[0].read_text(encoding="utf-8")
    assert 'v="Hoofdweg"' in text
    osm[0].write_text(text.replace('v="Hoofdweg"', 'v="Hoofdlaan"'), encoding="utf-8")
    after, _ = _toets("Hoofdlaan", *_osm_args(osm))
    assert calls == [1, 1] and len(_entries(cache)) == 2
    assert after["street"] == ["Hoofdlaan"] and before["street"] == ["Hoofdweg"]


@pytest.mark.parametrize("damage", ["truncate", "garble", "meta"])
def test_a_damaged_entry_is_rebuilt_with_a_warning(cache, osm, monkeypatch, damage):
    calls = _judged(monkeypatch)
    first, _ = _toets("Hoofdweg", *_osm_args(osm))
    (entry,) = _entries(cache)
    if damage == "meta":
        (entry / "verdicts.json").write_text("{not json")
    else:
        data = entry / "edges.parquet"
        raw = data.read_bytes()
        data.write_bytes(raw[: len(raw) // 2] if damage == "truncate" else raw[:100] + b"x" * 50 + raw[150:])
    again, err = _toets("Hoofdweg", *_osm_args(osm))
    assert again == first and calls == [1, 1]
    assert "mobisim: warning: cache" in err and "damaged entry" in err
    third, err = _toets("Hoofdweg", *_osm_args(osm))
    assert third == first and calls == [1, 1] and "warning" not in err


def test_key_names_every_input_file(osm, data_dir):
    from mobisim.scenario import Scenario

    files = today.verdict_files(Scenario(name="x"), osm)
    assert files is not None
    assert [p for role, p in files if role == "osm"] == osm
    assert caches.verdicts_key(files, "{}") != caches.verdicts_key(files, '{"x": 1}')


def test_candidates_name_the_files_that_do_not_exist_yet(osm, tmp_path):
    """A file the scenario names but that is missing is no input today; it is a candidate, so that
    the fast path of ``mobisim toets`` sees it appear."""
    from mobisim.scenario import Scenario

    missing = tmp_path / "schools.csv"
    sc = Scenario.model_validate({"name": "x", "schools": {"schools_csv": str(missing)}})
    assert ("scenario", missing) in today.verdict_candidates(sc, osm)
    files = today.verdict_files(sc, osm)
    assert files is not None and missing not in [p for _, p in files]
    missing.write_text("name,lat,lon\n")
    files = today.verdict_files(sc, osm)
    assert files is not None and ("scenario", missing) in files


def test_the_entry_key_is_the_cache_key(cache, osm):
    from mobisim.scenario import Scenario

    notes: list[str] = []
    net, key = today.cached_verdicts_entry(Scenario(name="x"), osm, notes)
    assert key is not None and [p.name for p in _entries(cache)] == [key]
    again, same = today.cached_verdicts_entry(Scenario(name="x"), osm, [])
    assert same == key and again.edges.equals(net.edges)
