"""mobisim.load.paths: every default path comes from a setting, an environment variable, the working
directory — never from the source tree (issue 14)."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

import mobisim
from mobisim.errors import InputFileError
from mobisim.load import paths
from mobisim.load.areas import load_wijken

SRC = Path(mobisim.__file__).resolve().parent
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture()
def bare_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory with no ``../shared/osm`` next to it, and no ``MOBISIM_*``."""
    for name in (paths.ENV_SHARED_OSM, paths.ENV_DATA_DIR, paths.ENV_CACHE_DIR):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert not (tmp_path / "shared").exists()
    return work


def test_without_a_shared_folder_the_wijken_are_missing_not_taken_from_the_source_tree(bare_cwd: Path) -> None:
    """No copy of the shared data ships with mobisim (the wijken's source states no licence): with
    no shared folder the default points to ``../shared/osm`` of the working directory, where the
    caller reports it missing with what to do."""
    path = paths.default_wijken_path()
    assert path == bare_cwd.parent / "shared" / "osm" / paths.WIJKEN_FILE
    assert not path.exists()
    assert paths.packaged_file(paths.WIJKEN_FILE) is None
    assert not (SRC / "data").exists()
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert not any("data" in p for p in config["tool"]["setuptools"]["package-data"]["mobisim"])
    with pytest.raises(InputFileError, match="MOBISIM_SHARED_OSM"):
        load_wijken()


def test_sibling_shared_folder_of_the_working_directory_wins(bare_cwd: Path, data_dir: Path) -> None:
    shared = bare_cwd.parent / "shared" / "osm"
    shared.mkdir(parents=True)
    shutil.copy(data_dir / "parking_wijken.geojson", shared / paths.WIJKEN_FILE)
    assert paths.shared_osm_dir() == shared
    assert paths.default_wijken_path() == shared / paths.WIJKEN_FILE
    assert len(load_wijken()) == 3  # the fixture's three squares


def test_env_var_wins_and_is_taken_at_its_word(bare_cwd: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    monkeypatch.setenv(paths.ENV_SHARED_OSM, str(empty))
    assert paths.shared_osm_dir() == empty
    assert paths.default_wijken_path() == empty / paths.WIJKEN_FILE  # no fallback to the package
    with pytest.raises(InputFileError, match="MOBISIM_SHARED_OSM.*--wijken"):
        load_wijken()


def test_data_and_cache_dirs_follow_env_else_working_directory(bare_cwd: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.data_dir() == bare_cwd / "data" / "osm"
    assert paths.cache_dir() == bare_cwd / "data" / "osm" / "cache"
    monkeypatch.setenv(paths.ENV_DATA_DIR, str(tmp_path / "d"))
    assert paths.cache_dir() == tmp_path / "d" / "cache"
    monkeypatch.setenv(paths.ENV_CACHE_DIR, str(tmp_path / "c"))
    assert paths.cache_dir() == tmp_path / "c"


def test_old_names_still_work() -> None:
    from mobisim import load as io
    from mobisim import parking
    from mobisim.load import areas

    for module in (areas, io):
        assert module.shared_osm_dir is paths.shared_osm_dir
    assert io.cache_dir is paths.cache_dir and io.data_dir is paths.data_dir
    assert areas.default_wijken_path is paths.default_wijken_path and areas.WIJKEN_FILE == paths.WIJKEN_FILE
    assert parking.shared_osm_dir is paths.shared_osm_dir


#: ``__file__`` uses outside mobisim.load.paths that are not data paths: the cache keys hash the
#: package's own modules (the code that shapes a cached result), read next to the module.
_ALLOWED = {
    ("load/cache.py", "here = Path(__file__).parent"),
    ("load/cache.py", "root = Path(__file__).parent.parent"),  # the evaluated-network cache's code digest
    ("traffic/results.py", "here = Path(__file__).parent"),
    # the toets answer index's code digest (the fast path cannot import pandas through mobisim.load)
    ("cli/_toets_index.py", "root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))"),
}
#: What finds the source tree or the install location: the module's own file or spec, the
#: interpreter's prefix, site-packages. (Package data through importlib.resources is fine.)
_SUSPECT = re.compile(r"__file__|__spec__|__path__|inspect\.getfile|sys\.(base_)?prefix|"
                      r"site-packages|getsitepackages|<repo>")


def test_no_path_resolved_relative_to_the_source_tree() -> None:
    """Only mobisim.load.paths decides where files are looked for; no module finds data next to its
    own source file (a ``pip install .`` puts that in site-packages, with nothing around it)."""
    found = []
    for file in sorted(SRC.rglob("*.py")):
        rel = file.relative_to(SRC).as_posix()
        if rel == "load/paths.py":
            continue
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0].strip()
            if _SUSPECT.search(code) and (rel, code) not in _ALLOWED:
                found.append(f"{rel}:{number}: {code}")
    assert not found, "resolve default paths in mobisim.load.paths, not next to the source:\n" + "\n".join(found)
    assert "__file__" not in (SRC / "load" / "paths.py").read_text(encoding="utf-8").split('"""', 2)[2]
