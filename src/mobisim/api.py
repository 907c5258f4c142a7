"""The Python API for analysts: load a network, load a scenario, run it.

The command line is built on the same three functions (``mobisim run`` calls :func:`run`). They
return the library's own objects: a :class:`~mobisim.network.Network` of GeoDataFrames, a validated
:class:`~mobisim.scenario.Scenario` and a typed :class:`~mobisim.pipeline.RunResult`.

Examples
--------
>>> import mobisim
>>> net = mobisim.load_network("../shared/osm/scheveningen-2025.osm.bz2")    # doctest: +SKIP
>>> net.edges[["name", "highway", "maxspeed"]].head()                       # doctest: +SKIP
>>> result = mobisim.run("scenarios/volt-2026.toml",                         # doctest: +SKIP
...                      osm="../shared/osm/scheveningen-2025.osm.bz2", write=False)
>>> result.after.edges[["name", "regime", "regime_rule", "toets"]]           # doctest: +SKIP
>>> result.headline()                                                        # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mobisim.network import Network
    from mobisim.pipeline import RunResult
    from mobisim.scenario import Scenario

__all__ = ["load_network", "load_scenario", "run"]


def _paths(osm: str | Path | Sequence[str | Path] | None) -> list[Path]:
    if osm is None:
        return []
    if isinstance(osm, str | Path):
        return [Path(osm)]
    return [Path(p) for p in osm]


def load_network(
    osm: str | Path | Sequence[str | Path] | None = None,
    *,
    place: str | None = None,
    cache: bool = True,
) -> Network:
    """Load, tag and cache a street network from OSM files or a place name.

    Parameters
    ----------
    osm
        An OSM file (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``, ``.graphml``), or a list: the
        street file first, then files whose buildings and points of interest are added.
    place
        A place to download with osmnx (once, into ``data/osm/places``) when no file is given; needs
        internet.
    cache
        Read and write the processed-network cache (keyed by the files' sha256 and the code).

    Returns
    -------
    mobisim.network.Network
        ``edges`` (street segments), ``nodes``, ``features`` (points of interest), ``buildings``…,
        GeoDataFrames in EPSG:28992 with the columns of ``docs/data-model.md``.

    Raises
    ------
    mobisim.errors.InputFileError
        A missing, corrupt or empty input.
    """
    from mobisim.load import load_network as _load

    return _load(_paths(osm), place=place, cache=cache)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (following ``extends``).

    Parameters
    ----------
    path
        A TOML scenario file (see ``scenarios/README.md``).

    Returns
    -------
    mobisim.scenario.Scenario
        Every section typed and filled with its documented default.

    Raises
    ------
    mobisim.errors.ScenarioError
        One line naming the file, the key and what is wrong.
    """
    from mobisim.scenario import load_scenario as _load

    return _load(path)


def run(
    scenario: str | Path | Scenario,
    *,
    osm: str | Path | Sequence[str | Path] | None = None,
    out_dir: str | Path | None = None,
    write: bool = True,
    progress: bool = False,
    lang: str | None = None,
) -> RunResult:
    """Run a scenario end to end: load, rules, school routes, parking, scores (and outputs).

    Parameters
    ----------
    scenario
        A scenario file or a :class:`~mobisim.scenario.Scenario` from :func:`load_scenario`.
    osm
        OSM files replacing the scenario's ``data.osm`` (street file first).
    out_dir
        Where the outputs go; ``maps/<scenario>/`` when omitted.
    write
        Write ``map.html``, ``layers.gpkg``, ``scores.json`` and the report; ``False`` computes
        everything and writes nothing (``result.paths`` is empty).
    progress
        Show the steps on stderr.
    lang
        The report's language: ``"nl"`` (Dutch, the default) or ``"en"``.

    Returns
    -------
    mobisim.pipeline.RunResult
        ``before`` / ``after`` networks with every verdict column, the school routes, the parking
        result, ``scores`` (as in ``scores.json``) and the notes of the run.
    """
    from mobisim.pipeline import run_scenario

    return run_scenario(scenario, osm_override=_paths(osm) or None, out_dir=out_dir, write=write,
                        progress=progress, lang=lang)
