"""Scenario files: one TOML file holds every input and threshold of a run.

``mobisim run scenarios/volt-2026.toml`` reads the file with :func:`load_scenario`. The file is
validated completely before anything runs: a wrong key, type or value raises
:class:`~mobisim.errors.ScenarioError` with **one line** naming the file, the dotted key path and
what was expected, e.g.::

    scenarios/x.toml: rules.sensitive_distance_m: expected a number, got "far"

and the CLI exits with code 2. A TOML syntax error names the file and the line.

Layout
------
==========================  =====================================================================
key                         meaning
==========================  =====================================================================
``extends``                 another scenario file (relative to this one) this one builds on:
                            tables are deep-merged, this file wins; ``[[interventions]]`` are
                            appended after the parent's. Chains are allowed, cycles are an error.
``name``                    short name (the output folder ``maps/<name>/``).
``description``             one paragraph for the report.
``[data]``                  ``osm``: list of OSM files (the street file first, then feature files
                            such as buildings), relative to the scenario file or absolute; or
                            ``place``: a place name osmnx downloads once into ``data/osm/``.
                            ``buildings``: optional extra file(s). ``--osm FILE`` on the command
                            line overrides all of them. ``speed_limits``: a speed-limit layer
                            (lines or a CSV of street names, column ``speed_limits_column``)
                            overriding the class-default limits; ``--speed-limits`` overrides it.
``[area]``                  the area judged (segments outside it are drawn but not judged, scored or
                            listed): the municipality (the 44 wijken) by default; ``boundary``: a
                            polygon file instead; ``wijken``: wijk names or ``WK0518nn`` codes to
                            clip the run to.
``base_year``, ``horizon``  first and last year of the programme (the parking cap runs between
                            them; ``[parking]`` inherits both unless it sets its own).
``programme``               apply the 30/50 rule (true) or keep today's limits (false, baseline).
``[rules]``                 :class:`mobisim.rules.RuleSettings` (30/50 regime and criteria).
``[toets]``                 :class:`mobisim.rules.toets.ToetsSettings` (8-jarigen-toets / LTS tables).
``[schools]``               :class:`mobisim.schools.SchoolSettings` (school routes).
``[parking]``               :class:`mobisim.parking.ParkingSettings` (permit cap, tariff, re-use).
``[scores]``                :class:`mobisim.score.ScoreSettings` (Power Model, composite).
``[driven_speed]``          :class:`mobisim.rules.driven_speed.DrivenSpeedSettings` (speed driven
                            where only the sign changed).
``[calming_plan]``          :class:`mobisim.rules.driven_speed.CalmingPlan` (redesign of 30-roads
                            year by year).
``[[interventions]]``       street-level changes, see :mod:`mobisim.scenario.interventions`; ``type`` is
                            one of ``set_speed``, ``add_cycle_track``, ``crossing``,
                            ``fietsstraat``, ``calm``, ``close_through_traffic``,
                            ``convert_parking``.
==========================  =====================================================================

Every settings table is optional: a missing table or key takes the documented default of its
settings class (``XSettings()``). File paths inside the settings (``data.osm``,
``data.buildings``, ``data.speed_limits``, ``rules.air_layer_path``, ``schools.schools_csv``,
``schools.wijken_path``, ``parking.garages_path``, ``parking.spaces_path``) are relative to the file that names them, also through ``extends``.

Modules
-------
- :mod:`~mobisim.scenario.model`: :class:`Scenario` and its sections (imports only settings);
- :mod:`~mobisim.scenario.files`: reading TOML with ``extends``, size checks, paths made absolute;
- :mod:`~mobisim.scenario.messages`: the one-line error messages;
- :mod:`~mobisim.scenario.interventions`: the intervention models and applying them to a network.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from mobisim.errors import ScenarioError
from mobisim.scenario.files import ALTERNATIVE_KEYS, MAX_SCENARIO_BYTES, PATH_KEYS, load_raw, read_scenario_dict
from mobisim.scenario.messages import display_path, first_error, origin_of
from mobisim.scenario.model import SECTIONS, AreaSettings, DataSettings, Scenario

__all__ = [
    "ALTERNATIVE_KEYS",
    "MAX_SCENARIO_BYTES",
    "PATH_KEYS",
    "SECTIONS",
    "AreaSettings",
    "DataSettings",
    "Scenario",
    "load_scenario",
    "read_scenario_dict",
]


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (following ``extends``).

    Parameters
    ----------
    path : str or Path
        The TOML file.

    Returns
    -------
    Scenario
        Validated settings; relative file paths are made absolute against the file that names
        them; intervention ids are filled in (``<type>-<n>``); ``parking.base_year`` and
        ``parking.horizon`` follow the scenario's ``base_year``/``horizon`` unless ``[parking]``
        sets them.

    Raises
    ------
    ScenarioError
        One line: the file, the dotted key path, what was expected and what was found; or the
        file and line of a TOML syntax error; or a missing/cyclic ``extends``.
    """
    path = Path(path)
    raw, origins, chain = load_raw(path)
    base_year, horizon = raw.get("base_year", 2026), raw.get("horizon", 2030)
    if type(base_year) is int and type(horizon) is int and horizon <= base_year:
        file = display_path(origin_of(("horizon",), origins, chain[0]))
        raise ScenarioError(f"{file}: horizon: expected a year after base_year ({base_year}), got {horizon}")
    parking = raw.get("parking")
    if parking is None or isinstance(parking, dict):
        parking = dict(parking or {})
        for key in ("base_year", "horizon"):
            if key in raw and key not in parking:
                parking[key] = raw[key]
        raw["parking"] = parking
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise first_error(exc, origins, chain[0]) from None
    scenario._path = chain[0]
    scenario._chain = chain
    return scenario
