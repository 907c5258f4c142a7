"""Shared pytest fixtures.

Unit tests use the hand-written OSM fixtures in ``tests/data``. Integration tests use the real
Den Haag data in ``../shared/osm`` (or ``$MOBISIM_SHARED_OSM``) and are skipped, with the reason,
when it is absent.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]
SHARED_OSM = Path(os.environ.get("MOBISIM_SHARED_OSM", REPO.parent / "shared" / "osm"))
#: Debian's Chromium, driven by Playwright (which never downloads a browser of its own here).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's network cache out of the project's data/osm (one cache per session)."""
    monkeypatch.setenv("MOBISIM_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty cache folder for this test (``MOBISIM_CACHE_DIR``)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("MOBISIM_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write a scenario file into a temp folder (made the working directory) and return its path."""
    monkeypatch.chdir(tmp_path)

    def _write(text: str, name: str = "s.toml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def script():
    """Import a tool of ``scripts/`` by name (``script("code_shape")``): they are not a package."""
    import importlib.util
    import sys

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent.parent / "scripts"
                                                      / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the hand-written OSM fixtures."""
    return DATA


@pytest.fixture(scope="session")
def shared_osm() -> Path:
    """Folder of the shared Den Haag OSM data; skips the test when it is absent."""
    if not (SHARED_OSM / "den-haag-city-2021.osm.bz2").exists():
        pytest.skip(f"shared Den Haag OSM data not found in {SHARED_OSM} (set MOBISIM_SHARED_OSM)")
    return SHARED_OSM


@pytest.fixture()
def parking_net(data_dir: Path) -> SimpleNamespace:
    """A fresh copy of the hand-made parking network (``tests/data/parking_*.geojson``, RD New).

    Edges, nodes and features as the loader would give them (int64 ids), for the parking tests;
    see ``test_parking_supply.py`` for the figures worked out by hand.
    """
    import geopandas as gpd

    edges = gpd.read_file(data_dir / "parking_edges.geojson").set_index("edge_id")
    edges[["u", "v", "way_id"]] = edges[["u", "v", "way_id"]].astype("int64")
    nodes = gpd.read_file(data_dir / "parking_nodes.geojson").set_index("node_id")
    nodes.index = nodes.index.astype("int64")
    features = gpd.read_file(data_dir / "parking_features.geojson")
    return SimpleNamespace(edges=edges, nodes=nodes, features=features)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Playwright); skips the test, with the reason, when either is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright (python) is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not found (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
