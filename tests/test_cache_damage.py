"""The processed-network and traffic caches repair or bypass themselves, and never stop a run.

- a damaged entry (a data file truncated, garbled or missing; ``meta.json`` missing, not JSON, or
  not a mobisim entry) is read again from the input and replaced, with one warning; the next run
  reads it from the cache without a warning;
- a cache folder that is a file, not writable or full: the run goes on without the cache, with one
  warning ``mobisim: warning: cache <path>: <problem>; running without the cache``, no traceback;
- two writers of one entry never leave a mixed entry; leftovers of killed runs are swept;
- a cache hit names the files given for this run, not the ones first cached.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import threading
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

import mobisim.load.network as load_step  # where load_network looks up its readers
from mobisim.cli import app
from mobisim.load import cache as network_cache
from mobisim.load import load_network, read_traffic_cache, store, write_traffic_cache

runner = CliRunner()



@pytest.fixture()
def osm(tmp_path: Path, data_dir: Path) -> Path:
    """A copy of the basic fixture, so that its cache entry is this test's alone."""
    target = tmp_path / "input" / "basic.osm"
    target.parent.mkdir()
    shutil.copy(data_dir / "network_basic.osm", target)
    return target


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if not p.name.startswith(".") and p.name != "traffic")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def network_json(osm: Path, *extra: str):
    result = runner.invoke(app, ["network", "--osm", str(osm), "--json", *extra])
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("mobisim: warning:")]


def no_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the cached network was parsed again")

    monkeypatch.setattr(load_step, "read_any", refuse)


# ------------------------------------------------------------------ damaged entries


def _truncate(folder: Path) -> None:
    data = (folder / "edges.parquet").read_bytes()
    (folder / "edges.parquet").write_bytes(data[: len(data) // 2])


def _garble(folder: Path) -> None:
    data = bytearray((folder / "nodes.parquet").read_bytes())
    mid = len(data) // 2
    data[mid:mid + 64] = os.urandom(64)  # the file still opens: only the checksum tells
    (folder / "nodes.parquet").write_bytes(bytes(data))


def _garbage(folder: Path) -> None:
    (folder / "features.parquet").write_bytes(b"not a parquet file at all" * 10)


def _empty(folder: Path) -> None:
    (folder / "edges.parquet").write_bytes(b"")


def _missing(folder: Path) -> None:
    (folder / "buildings.parquet").unlink()


def _other_frame(folder: Path) -> None:  # a valid parquet file, but not the one written
    shutil.copy(folder / "landuse.parquet", folder / "edges.parquet")


def _meta_not_json(folder: Path) -> None:
    (folder / "meta.json").write_text('{"sources": ["a.osm"', encoding="utf-8")


def _meta_list(folder: Path) -> None:
    (folder / "meta.json").write_text("[]", encoding="utf-8")


def _meta_empty_object(folder: Path) -> None:
    (folder / "meta.json").write_text("{}", encoding="utf-8")


def _meta_binary(folder: Path) -> None:
    (folder / "meta.json").write_bytes(b"\xff\xfe\x00garbage")


def _meta_missing(folder: Path) -> None:
    (folder / "meta.json").unlink()


def _meta_wrong_sources(folder: Path) -> None:
    meta = json.loads((folder / "meta.json").read_text())
    meta["sources"] = 7
    meta["notes"] = "x"
    (folder / "meta.json").write_text(json.dumps(meta))


def _entry_is_a_file(folder: Path) -> None:
    shutil.rmtree(folder)
    folder.write_text("junk")


DAMAGE = {
    "truncated parquet": _truncate, "garbled bytes": _garble, "garbage file": _garbage,
    "empty file": _empty, "missing file": _missing, "another frame's file": _other_frame,
    "meta.json not JSON": _meta_not_json, "meta.json a list": _meta_list, "meta.json {}": _meta_empty_object,
    "meta.json binary": _meta_binary, "meta.json missing": _meta_missing, "meta.json wrong types": _meta_wrong_sources,
    "entry is a file": _entry_is_a_file,
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_entry_is_rebuilt_with_one_warning_and_replaced(damage, cache: Path, osm: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    first = network_json(osm)
    assert first.exit_code == 0 and warnings(first) == []
    [entry] = entries(cache)
    damage(entry)

    second = network_json(osm)
    assert second.exit_code == 0, second.output
    assert json.loads(second.stdout)["segments"] == 10
    [line] = warnings(second)
    assert line.startswith(f"mobisim: warning: cache {entry}: damaged entry (")
    assert line.endswith("; reading the input again and replacing it")

    no_parse(monkeypatch)  # the repaired entry is read, not the file
    third = network_json(osm)
    assert third.exit_code == 0, third.output
    assert warnings(third) == [] and third.stderr.strip() == ""
    assert json.loads(third.stdout)["segments"] == 10
    assert entries(cache) == [entry] and leftovers(cache) == []


def test_a_repaired_entry_holds_the_same_network(cache: Path, osm: Path, capsys) -> None:
    fresh = load_network([osm])
    [entry] = entries(cache)
    _garble(entry)
    again = load_network([osm])
    assert capsys.readouterr().err.count("mobisim: warning:") == 1
    cached = load_network([osm])
    assert capsys.readouterr().err == ""
    for net in (again, cached):
        assert net.edges.drop(columns="geometry").equals(fresh.edges.drop(columns="geometry"))
        assert net.nodes.geometry.equals(fresh.nodes.geometry)


# ------------------------------------------------------------------ an unusable cache folder


def _one_warning(result, path: Path, problem: str) -> None:
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["segments"] == 10
    assert warnings(result) == [f"mobisim: warning: cache {path}: {problem}; running without the cache"]
    assert result.stderr.strip().count("\n") == 0  # that one line is all


def test_a_cache_path_that_is_a_file_is_bypassed(tmp_path: Path, osm: Path, monkeypatch) -> None:
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MOBISIM_CACHE_DIR", str(blocker))
    _one_warning(network_json(osm), blocker, "not a directory")
    assert blocker.read_text() == "not a folder"


def test_a_cache_path_under_a_file_is_bypassed(tmp_path: Path, osm: Path, monkeypatch) -> None:
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MOBISIM_CACHE_DIR", str(blocker / "cache"))
    _one_warning(network_json(osm), blocker / "cache", f"not a directory ({blocker} is a file)")


def test_a_cache_that_cannot_be_created_is_bypassed(osm: Path, monkeypatch) -> None:
    target = Path("/proc/mobisim-cache-test")  # even root cannot make a folder in /proc
    monkeypatch.setenv("MOBISIM_CACHE_DIR", str(target))
    result = network_json(osm)
    assert result.exit_code == 0, result.output
    [line] = warnings(result)
    assert line.startswith(f"mobisim: warning: cache {target}: ") and line.endswith("; running without the cache")


@pytest.mark.parametrize(("code", "problem"), [
    (errno.EACCES, "not writable (permission denied)"),
    (errno.EROFS, "not writable (read-only file system)"),
    (errno.ENOSPC, "the disk is full (no space left on device)"),
])
def test_an_unwritable_or_full_cache_is_bypassed(code: int, problem: str, cache: Path, osm: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(self, path, *args, **kwargs):
        Path(path).write_bytes(b"PAR1 half")  # what a full disk leaves: a part of the file
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", fail)
    _one_warning(network_json(osm), cache, problem)
    assert list(cache.iterdir()) == []  # no entry, no temporary folder


def test_a_read_only_cache_folder_is_bypassed(cache: Path, osm: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.mkdir()

    def refuse(*args, **kwargs):  # root may write anywhere: stand in for a read-only folder
        raise PermissionError(errno.EACCES, "Permission denied", str(cache))

    monkeypatch.setattr(store.tempfile, "mkdtemp", refuse)
    _one_warning(network_json(osm), cache, "not writable (permission denied)")


def test_an_unusable_cache_warns_once_per_run_even_for_the_traffic_cache(cache: Path, osm: Path, capsys,
                                                                         monkeypatch) -> None:
    from mobisim.traffic import TrafficModel

    def refuse(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.tempfile, "mkdtemp", refuse)
    load_network([osm])
    model = TrafficModel(key="k1", edges=pd.DataFrame({"volume": [1.0]}), summary={}, notes=[])
    write_traffic_cache(model)  # the same problem in the traffic cache: said once
    write_traffic_cache(model)
    err = capsys.readouterr().err.splitlines()
    assert err == [f"mobisim: warning: cache {cache}: the disk is full (no space left on device); running without "
                   "the cache"]


def test_a_cache_path_that_is_a_file_warns_once_for_both_caches(tmp_path: Path, osm: Path, capsys,
                                                                 monkeypatch) -> None:
    blocker = tmp_path / "cache-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MOBISIM_CACHE_DIR", str(blocker))
    load_network([osm])
    assert read_traffic_cache("k1") is None
    write_traffic_cache(_model("k1"))
    assert capsys.readouterr().err.splitlines() == [
        f"mobisim: warning: cache {blocker}: not a directory; running without the cache"]


def test_a_traffic_folder_that_is_a_file_is_bypassed(cache: Path, capsys) -> None:
    cache.mkdir()
    (cache / "traffic").write_text("junk")
    write_traffic_cache(_model("k1"))
    assert read_traffic_cache("k1") is None
    assert capsys.readouterr().err.splitlines() == [
        f"mobisim: warning: cache {cache}: not a directory ({cache / 'traffic'} is a file); running without the cache"]


# ------------------------------------------------------------------ concurrency and leftovers


def test_concurrent_writers_of_a_damaged_entry_leave_one_intact_entry(cache: Path, osm: Path, capsys) -> None:
    net = load_network([osm])
    [entry] = entries(cache)
    _truncate(entry)
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(3):
                network_cache.write_network(entry, net)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert capsys.readouterr().err == ""
    assert network_cache.read_network(entry, [osm]) is not None  # intact: every checksum matches
    assert entries(cache) == [entry] and leftovers(cache) == []


def test_leftovers_of_a_killed_run_are_swept(cache: Path, osm: Path, data_dir: Path) -> None:
    load_network([osm])
    stale, fresh = cache / ".tmp-killed", cache / ".tmp-someone-writing"
    for folder in (stale, fresh):
        folder.mkdir()
        (folder / "edges.parquet").write_bytes(b"half")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    load_network([data_dir / "rules_c1.osm"])  # a new entry is written
    assert not stale.exists()
    assert fresh.exists()  # may be a running write


# ------------------------------------------------------------------ the traffic cache


def _model(key: str = "abc123"):
    from mobisim.traffic import TrafficModel

    return TrafficModel(key=key, edges=pd.DataFrame({"volume": [10.0, 20.0]}), summary={"zones": 2},
                        notes=["a note"])


@pytest.mark.parametrize("damage", ["truncate", "summary list", "summary not json", "summary missing keys"])
def test_a_damaged_traffic_entry_is_recomputed_and_replaced(damage: str, cache: Path, capsys) -> None:
    write_traffic_cache(_model())
    folder = cache / "traffic" / "abc123"
    if damage == "truncate":
        (folder / "edges.parquet").write_bytes((folder / "edges.parquet").read_bytes()[:20])
    elif damage == "summary list":
        (folder / "summary.json").write_text("[]")
    elif damage == "summary not json":
        (folder / "summary.json").write_text("{")
    else:
        meta = json.loads((folder / "summary.json").read_text())
        del meta["summary"]
        (folder / "summary.json").write_text(json.dumps(meta))
    assert read_traffic_cache("abc123") is None
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"mobisim: warning: cache {folder}: damaged entry (")
    write_traffic_cache(_model())  # what the pipeline does after running the model again
    back = read_traffic_cache("abc123")
    assert back is not None and back.summary == {"zones": 2} and back.notes == ["a note"]
    assert back.edges["volume"].tolist() == [10.0, 20.0]
    assert capsys.readouterr().err == ""
    assert leftovers(cache / "traffic") == []


# ------------------------------------------------------------------ a cache hit names the given files


def test_a_cache_hit_names_the_file_given_not_the_one_cached_first(tmp_path: Path, cache: Path, data_dir: Path,
                                                                   monkeypatch) -> None:
    first, second = tmp_path / "first.osm", tmp_path / "second.osm"
    shutil.copy(data_dir / "network_basic.osm", first)
    shutil.copy(data_dir / "network_basic.osm", second)
    assert load_network([first]).sources == [str(first)]
    no_parse(monkeypatch)
    net = load_network([second])  # same content: a cache hit
    assert net.sources == [str(second)]
    assert list(net.source_dates) == [str(second)]
    result = network_json(second)
    assert result.exit_code == 0 and json.loads(result.stdout)["sources"] == [str(second)]


def test_a_cache_hit_repeats_the_load_warning_naming_the_file_given(tmp_path: Path, cache: Path, data_dir: Path,
                                                                    capsys, monkeypatch) -> None:
    first, second = tmp_path / "a.osm", tmp_path / "b.osm"
    shutil.copy(data_dir / "osm_some_nodes_missing.osm", first)
    shutil.copy(data_dir / "osm_some_nodes_missing.osm", second)
    net_a = load_network([first])
    err_a = capsys.readouterr().err
    no_parse(monkeypatch)
    net_b = load_network([second])
    err_b = capsys.readouterr().err
    assert err_b == err_a.replace(str(first), str(second)) and err_b.startswith(f"mobisim: warning: {second}: ")
    assert net_b.notes == [n.replace(str(first), str(second)) for n in net_a.notes] and len(net_b.notes) == 1
