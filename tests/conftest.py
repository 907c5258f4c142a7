"""Shared pytest fixtures.

Unit tests use the hand-written OSM fixtures in ``tests/data``. Integration tests use the real
Den Haag data in ``../shared/osm`` (or ``$MOBISIM_SHARED_OSM``) and are skipped, with the reason,
when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]
SHARED_OSM = Path(os.environ.get("MOBISIM_SHARED_OSM", REPO.parent / "shared" / "osm"))


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's network cache out of the project's data/osm (one cache per session)."""
    monkeypatch.setenv("MOBISIM_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


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
