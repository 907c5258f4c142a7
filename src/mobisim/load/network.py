"""The load step's entry point: :func:`load_network` reads, cuts, tags, caches and checks a network.

1. read the files (:func:`mobisim.load.osm.read_any`) — OSM XML, ``.osm.bz2``/``.gz``,
   ``.osm.pbf``, an osmnx GraphML file, feature files — or download a place first
   (:func:`mobisim.load.download.download_place`);
2. cut the highway ways into segments at graph nodes and project everything to EPSG:28992
   (:func:`mobisim.load.segments.build_segments`);
3. tag the segments and nodes (:func:`mobisim.load.segments.tag_network`), classify the points of
   interest, buildings, landuse and trip destinations (:func:`mobisim.load.features.build_features`);
4. store the result in the cache (:mod:`mobisim.load.cache`), so the next run reads a few GeoParquet
   files instead of the XML;
5. check it against the data model (:func:`mobisim.network.check_schema`), measure its data
   coverage and read the date of each input's data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from mobisim.errors import InputFileError
from mobisim.load.cache import cached_network, network_folder, write_network
from mobisim.load.coverage import data_coverage
from mobisim.load.cycleways import ParallelSettings
from mobisim.load.download import download_place
from mobisim.load.features import build_features
from mobisim.load.messages import clear_warnings, plural, warn
from mobisim.load.osm import data_date, read_any
from mobisim.load.osmread import RawOSM
from mobisim.load.segments import build_segments, tag_network
from mobisim.network import Network, check_schema

__all__ = ["load_network"]

#: A note of the load: (number of the input file, text without the file's name).
Note = tuple[int, str]


def _input_files(paths: Sequence[str | Path], place: str | None) -> list[Path]:
    """The files to read: ``paths``, else the place's download; every one must exist."""
    files = [Path(p) for p in paths]
    if not files:
        if not place:
            raise InputFileError("no input: give an OSM file (--osm FILE) or a place (--place NAME)")
        files = download_place(place)
    for f in files:
        if not f.is_file():
            raise InputFileError(f"{f}: file not found")
    return files


class _Steps:
    """The steps of a load on the terminal (a spinner per step), or nothing."""

    def __init__(self, progress: bool) -> None:
        self._console = None
        if progress:
            from rich.console import Console

            self._console = Console(stderr=True)

    @contextmanager
    def __call__(self, text: str) -> Iterator[None]:
        if self._console is None:
            yield
            return
        with self._console.status(text):
            yield


def _missing_nodes_note(raw: RawOSM, edges_way_ids: np.ndarray) -> str | None:
    """What a street file whose ways lack some of their nodes lost, or ``None`` (nothing lost)."""
    if not raw.incomplete_ways:
        return None
    ids = np.asarray(raw.incomplete_ways, dtype=np.int64)
    built = np.isin(ids, edges_way_ids)
    missing = int(raw.counts.get("missing_nodes", 0))
    return (f"{len(ids)} of {len(raw.ways)} highway ways reference {plural(missing, 'node')} that "
            f"{'is' if missing == 1 else 'are'} not in the file (an extract cut at its edge, or an unsorted "
            f"file: `osmium sort`): {plural(int((~built).sum()), 'way')} dropped (fewer than two of its "
            f"nodes left), {plural(int(built.sum()), 'way')} kept without the missing nodes (cut at each gap)")


def _no_street(file: Path, raw: RawOSM) -> InputFileError:
    """The error of a street file from which no segment could be built."""
    missing = int(raw.counts.get("missing_nodes", 0))
    if missing:
        return InputFileError(
            f"{file}: no street could be built: its ways reference {plural(missing, 'node')} that "
            f"{'is' if missing == 1 else 'are'} not in the file (an extract cut without its nodes, or ways "
            "before nodes — sort the file with `osmium sort`)")
    return InputFileError(f"{file}: no street could be built: no highway way has two distinct nodes")


def _build(files: Sequence[Path], parallel: ParallelSettings, step: _Steps) -> tuple[Network, list[Note]]:
    """Read the files and build the tagged network; the notes name what had to be left out."""
    raws = []
    for f in files:
        with step(f"reading {f.name}"):
            raws.append(read_any(f))
    street = raws[0]
    if street.ways.empty:
        raise InputFileError(f"{files[0]}: no highway ways in the file (is it a street network?)")
    with step("cutting ways into segments"):
        edges, nodes = build_segments(street)
    if edges.empty:
        raise _no_street(files[0], street)
    notes: list[Note] = []
    lost = _missing_nodes_note(street, edges["way_id"].to_numpy(dtype=np.int64))
    if lost:
        notes.append((0, lost))
        warn(f"{files[0]}: {lost}")
    with step("tagging segments and detecting parallel cycle paths"):
        edges, nodes = tag_network(edges, nodes, parallel=parallel)
    with step("classifying points of interest, buildings and landuse"):
        features, buildings, landuse, activities = build_features(raws)
    net = Network(edges=edges, nodes=nodes, features=features, buildings=buildings, landuse=landuse,
                  activities=activities, sources=[str(f) for f in files],
                  notes=[f"{files[at]}: {text}" for at, text in notes])
    return net, notes


def _finish(net: Network, files: Sequence[Path]) -> Network:
    """Check the network against the data model, measure its coverage, date its inputs."""
    check_schema(net)
    net.coverage = data_coverage(net)
    net.source_dates = {str(f): data_date(f) for f in files}
    return net


def load_network(
    paths: Sequence[str | Path] = (),
    *,
    place: str | None = None,
    cache: bool = True,
    progress: bool = False,
    parallel: ParallelSettings | None = None,
) -> Network:
    """Load, tag and cache a street network.

    Parameters
    ----------
    paths
        The street file first (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf`` or ``.graphml``),
        then any extra files whose features (buildings, landuse, points of interest) are added.
    place
        A place name to download with osmnx (once, into ``data/osm/places``) when no path is given.
    cache
        Read and write the processed-network cache (keyed by the files' sha256).
    progress
        Show the steps on the terminal.
    parallel
        Thresholds of the parallel cycle path detection.

    Returns
    -------
    Network
        With the columns of ``docs/data-model.md`` (checked: :func:`mobisim.network.check_schema`),
        its data coverage and the date of each input's data.

    Raises
    ------
    InputFileError
        Missing, corrupt or empty input, or a network that lacks a column of the data model.
    """
    parallel = parallel or ParallelSettings()
    files = _input_files(paths, place)
    step = _Steps(progress)
    clear_warnings()
    folder = network_folder(files, parallel) if cache else None
    if folder is not None:
        hit, writable = cached_network(folder, files)
        if hit is not None:
            for note in hit.notes:
                warn(note)
            return _finish(hit, files)
        folder = folder if writable else None
    net, notes = _build(files, parallel, step)
    if folder is not None:
        with step("writing the network cache"):
            write_network(folder, net, notes)
    return _finish(net, files)
