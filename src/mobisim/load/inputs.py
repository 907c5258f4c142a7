"""Everything a run reads, read once: the network and every other input file of a scenario.

The later steps (rules, schools, parking, score, render) take frames, never paths: this module is
where a scenario's files become those frames. :func:`load_inputs` is what ``mobisim run`` and the
other commands call; :func:`read_inputs` reads every input except the network (tests and tools
that build their own network).

Every file is read before the network is loaded (a cold load of the city takes ~40 s), so a bad
file of any kind fails at once, naming the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from mobisim.errors import InputFileError, MobisimError
from mobisim.load.air import air_layer_for
from mobisim.load.areas import load_boundary, load_wijken
from mobisim.load.counts import read_traffic_counts
from mobisim.load.network import load_network
from mobisim.load.parking_data import parking_layers
from mobisim.load.paths import default_wijken_path, missing_wijken_hint
from mobisim.load.register import load_wijken_optional, read_school_list, read_school_register
from mobisim.load.speed_files import read_speed_limits
from mobisim.load.speedlimits import SpeedLimitLayer, SpeedLimitMatch, apply_speed_limits, check_speed_limits_column
from mobisim.network import Network

if TYPE_CHECKING:
    from mobisim.scenario import Scenario

__all__ = ["Inputs", "load_inputs", "read_inputs", "osm_paths", "apply_speed_limit_file", "with_speed_limits"]


@dataclass
class Inputs:
    """The inputs of one run, as frames.

    Attributes
    ----------
    network
        The street network with the speed-limit layer applied (``None`` from :func:`read_inputs`).
    wijken
        The municipality's wijk polygons (:func:`mobisim.load.areas.load_wijken`): the area judged,
        the capped parking areas; ``None`` when the default file is absent and nothing needs it.
    wijken_path
        Where the wijken were looked for (named in notes when they are absent).
    boundary
        ``[area] boundary`` polygons, or ``None``.
    school_register
        ``[schools] school_register`` (:func:`mobisim.load.register.read_school_register`), or ``None``.
    school_list
        ``[schools] schools_csv`` when it is the source of schools, or ``None``.
    school_wijken
        The wijken of the per-wijk school scores (``[schools] wijken_path``, else the default), or
        ``None`` with ``school_wijken_note`` saying why.
    garages, parking_spaces
        The parking step's layers (:func:`mobisim.load.parking_data.parking_layers`), or ``None``.
    parking_skipped
        Why the parking step is skipped (no wijk polygons), or ``None``.
    air_layer
        NO2 concentrations for criterion C3 with ``air_mode = "layer"``, or ``None``.
    traffic_counts
        ``[data] traffic_counts`` (street name, motor vehicles a day), or ``None``.
    traffic_counts_name
        The counts file's name, for notes.
    """

    network: Network | None = None
    wijken: gpd.GeoDataFrame | None = None
    wijken_path: Path = field(default_factory=default_wijken_path)
    boundary: gpd.GeoDataFrame | None = None
    school_register: gpd.GeoDataFrame | None = None
    school_list: gpd.GeoDataFrame | None = None
    school_wijken: gpd.GeoDataFrame | None = None
    school_wijken_note: str | None = None
    garages: gpd.GeoDataFrame | None = None
    parking_spaces: gpd.GeoDataFrame | None = None
    parking_skipped: str | None = None
    air_layer: gpd.GeoDataFrame | None = None
    traffic_counts: pd.DataFrame | None = None
    traffic_counts_name: str = ""

    @property
    def net(self) -> Network:
        """The network; :class:`~mobisim.errors.MobisimError` when these inputs hold none."""
        if self.network is None:
            raise MobisimError("inputs: no network was loaded (use mobisim.load.load_inputs)")
        return self.network


def _wijken(scenario: Scenario, parking: bool) -> gpd.GeoDataFrame | None:
    """The default wijk polygons; when absent, ``None`` unless the scenario names wijken (area or
    capped parking areas), which is then the error naming the file."""
    path = default_wijken_path()
    needed = bool(scenario.area.wijken) or (parking and "areas" in scenario.parking.model_fields_set)
    return load_wijken(path) if path.is_file() or needed else None


def read_inputs(scenario: Scenario, *, parking: bool = True) -> Inputs:
    """Read every input file of ``scenario`` except the network.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`mobisim.scenario.load_scenario`).
    parking
        Read the parking step's layers (garages, parking spaces); a command that does not run the
        parking step (``mobisim toets``, ``mobisim schools``) leaves them out.

    Returns
    -------
    Inputs
        With ``network`` left ``None``.

    Raises
    ------
    mobisim.errors.InputFileError
        A file the scenario names is missing, unreadable or of the wrong shape.
    """
    inputs = Inputs(wijken=_wijken(scenario, parking))
    area = scenario.area
    if area.boundary is not None:
        inputs.boundary = load_boundary(area.boundary)
    schools = scenario.schools
    if schools.school_register is not None:
        inputs.school_register = read_school_register(schools.school_register)
    inputs.school_list = read_school_list(schools)
    if schools.wijken_path is None and inputs.wijken is not None:  # the same file: read once
        inputs.school_wijken = inputs.wijken
    else:
        inputs.school_wijken, inputs.school_wijken_note = load_wijken_optional(schools)
    if inputs.wijken is None and "areas" not in scenario.parking.model_fields_set:
        inputs.parking_skipped = f"parking skipped: the wijk polygons are not found ({missing_wijken_hint()})"
    elif not parking:
        inputs.parking_skipped = "parking: not part of this command"
    else:
        inputs.garages, inputs.parking_spaces = parking_layers(scenario.parking)
    inputs.air_layer = air_layer_for(scenario.rules)
    counts = scenario.data.traffic_counts if scenario.data is not None else None
    if counts is not None:
        inputs.traffic_counts, inputs.traffic_counts_name = read_traffic_counts(counts), Path(counts).name
    return inputs


def osm_paths(scenario: Scenario, osm: Sequence[str | Path] | None = None) -> list[Path]:
    """The OSM files of a run: ``osm`` (``--osm``) when given, else the scenario's ``data.osm`` and
    ``data.buildings`` (street file first); ``[]`` when the scenario names a place instead.

    Raises
    ------
    mobisim.errors.MobisimError
        Neither files nor a place.
    mobisim.errors.InputFileError
        A file that does not exist.
    """
    data = scenario.data
    if osm:
        paths = [Path(p) for p in osm]
    elif data is not None and data.place and not data.osm:
        return []
    else:
        paths = list(data.osm or []) if data is not None else []
        paths += [p for p in (data.buildings if data is not None else []) if p not in paths]
    if not paths:
        raise MobisimError(f"scenario {scenario.name}: no OSM input (set data.osm in the scenario or pass --osm)")
    for p in paths:
        if not p.exists():
            raise InputFileError(f"{p}: OSM file not found")
    return paths


def load_inputs(
    scenario: Scenario,
    osm: Sequence[str | Path] | None = None,
    *,
    speed_limits: str | Path | None = None,
    speed_limits_column: str | None = None,
    progress: bool = False,
    parking: bool = True,
) -> Inputs:
    """Read every input of ``scenario`` and load its street network.

    ``osm`` (``--osm``) replaces the scenario's ``data.osm`` and ``data.buildings``; a scenario with
    ``data.place`` and no files downloads the place once (osmnx). A speed-limit layer
    (``speed_limits``, else the scenario's ``data.speed_limits``) is applied to the network as
    loaded — after the processed-network cache, which never holds it — by
    :func:`apply_speed_limit_file`; ``speed_limits_column`` (else ``data.speed_limits_column``)
    names its limit column; a column with no layer at all is an error.

    Parameters
    ----------
    scenario
        A validated scenario.
    osm
        OSM files replacing the scenario's (street file first).
    speed_limits, speed_limits_column
        A speed-limit layer replacing ``data.speed_limits``, and its column.
    progress
        Show the network load's steps on the terminal.
    parking
        Read the parking step's layers (:func:`read_inputs`).

    Returns
    -------
    Inputs
        Every frame of the run, ``network`` included.
    """
    data = scenario.data
    layer_path = speed_limits if speed_limits is not None else (data.speed_limits if data is not None else None)
    check_speed_limits_column(speed_limits_column, layer_path)
    paths = osm_paths(scenario, osm)
    place = data.place if data is not None and not paths else None
    layer = None
    if layer_path is not None:  # read and checked before the (slow) network load
        column = speed_limits_column or (data.speed_limits_column if data is not None else None) or "maxspeed"
        layer = read_speed_limits(layer_path, column)
    inputs = read_inputs(scenario, parking=parking)
    net = load_network(paths, place=place, cache=True, progress=progress)
    inputs.network = net if layer is None else apply_speed_limits(net, layer)[0]
    return inputs


def apply_speed_limit_file(net: Network, path: str | Path | SpeedLimitLayer,
                           column: str = "maxspeed") -> tuple[Network, SpeedLimitMatch]:
    """Read a speed-limit layer and apply it (``--speed-limits`` / ``[data] speed_limits``).

    Parameters
    ----------
    net
        The network as loaded.
    path
        Lines with a limit column or a CSV of street names (:func:`mobisim.load.read_speed_limits`),
        or a layer already read that way.
    column
        The limit column (of a file; a layer already read has its own).

    Returns
    -------
    net : Network
        A copy with the layer's limits where the class defaults were.
    match : SpeedLimitMatch
        What was matched and set.
    """
    layer = path if isinstance(path, SpeedLimitLayer) else read_speed_limits(path, column)
    return apply_speed_limits(net, layer)


def with_speed_limits(scenario: Scenario, path: str | Path, column: str | None = None) -> Scenario:
    """A copy of ``scenario`` whose ``data.speed_limits`` is ``path`` (``mobisim run
    --speed-limits``); ``column`` replaces ``data.speed_limits_column`` when given."""
    from mobisim.scenario import DataSettings

    update: dict[str, object] = {"speed_limits": Path(path)}
    if column:
        update["speed_limits_column"] = column
    if scenario.data is None:  # the files come from --osm: a carrier for the layer only
        data = DataSettings.model_construct(osm=None, place=None, buildings=[]).model_copy(update=update)
    else:
        data = scenario.data.model_copy(update=update)
    return scenario.model_copy(update={"data": data})
