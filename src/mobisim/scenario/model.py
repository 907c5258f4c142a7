"""The :class:`Scenario` model: every section of a scenario file, typed and with its defaults.

Only settings are imported here (each step's ``*Settings`` and the intervention models), not the
steps' algorithms: validating a scenario needs no network code. Reading a file is
:mod:`mobisim.scenario.files`; :func:`mobisim.scenario.load_scenario` puts the two together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, field_validator, model_validator

from mobisim.parking.settings import ParkingSettings
from mobisim.plan.settings import PlanSettings
from mobisim.rules.settings import CalmingPlan, DrivenSpeedSettings, RuleSettings
from mobisim.rules.toets.settings import ToetsSettings
from mobisim.scenario.interventions.models import Intervention, with_ids
from mobisim.schools.settings import SchoolSettings
from mobisim.score.settings import ScoreSettings
from mobisim.settings_base import Settings
from mobisim.traffic.settings import TrafficSettings

__all__ = ["SECTIONS", "AreaSettings", "DataSettings", "Scenario"]


class DataSettings(Settings):
    """Where the network comes from: OSM file(s) or a place name (exactly one)."""

    osm: list[Path] | None = Field(
        None,
        description="OSM files (XML, .osm.bz2, PBF, GraphML): the street file first, then feature "
        "files. Relative to the scenario file. `--osm` overrides.",
    )
    place: str | None = Field(
        None, min_length=1,
        description="A place name osmnx downloads once into data/osm/places/ (needs internet).",
    )
    buildings: list[Path] = Field(
        default_factory=list, description="Optional building file(s), loaded as feature files.",
    )
    speed_limits: Path | None = Field(
        None,
        description="Today's real speed limits, overriding the class defaults (never a tagged "
        "maxspeed): lines (GeoPackage/GeoJSON) with a limit column, or a CSV of street names "
        "(columns `name`, `maxspeed`). Relative to the scenario file. `--speed-limits` overrides.",
    )
    speed_limits_column: str = Field(
        "maxspeed", min_length=1,
        description="The column of `speed_limits` holding the limit in km/h.",
    )
    traffic_counts: Path | None = Field(
        None,
        description="Traffic counts per street: a CSV with the columns `name` and `daily` (motor "
        "vehicles a day, both directions). A counted street's figure wins over the traffic model "
        "and the class table (source `count:<file>`). Relative to the scenario file.",
    )

    @field_validator("osm", "buildings", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """One file may be given as text instead of a list."""
        return [value] if isinstance(value, (str, Path)) else value

    @field_validator("osm")
    @classmethod
    def _not_empty(cls, value: list[Path] | None) -> list[Path] | None:
        """``osm = []`` names no file."""
        if value is not None and not value:
            raise ValueError("expected at least one file")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> DataSettings:
        """Exactly one of ``osm`` and ``place``."""
        if (self.osm is None) == (self.place is None):
            raise ValueError("give exactly one of `osm` (files) or `place` (a place name)")
        return self

    def files(self) -> list[Path]:
        """Street file first, then feature files (OSM files then buildings); empty for a place."""
        return [*(self.osm or []), *self.buildings]


class AreaSettings(Settings):
    """The area the scenario judges: the municipality by default.

    Segments outside it stay in the network (school routes may cross the border; maps draw them
    greyed) but are not judged by the 30/50 rule, not scored and not listed.
    """

    wijken: list[str] = Field(
        default_factory=list,
        description="Wijk names or WK0518nn codes (case/accents ignored) to clip the run to; empty = "
        "the whole municipality (the union of the 44 wijken of den-haag-wijken.geojson).",
    )
    boundary: Path | None = Field(
        None, description="A polygon file (GeoJSON/GeoPackage) of the area to judge instead of the "
        "wijken, relative to the scenario file; it must overlap the network.")
    boundary_tolerance_m: float = Field(
        0.0, ge=0, le=500, description="A segment is inside when its midpoint lies within the area "
        "(gaps under 10 m between wijk outlines closed) grown by this distance.")


class Scenario(Settings):
    """A validated scenario. Build it with :func:`mobisim.scenario.load_scenario`.

    Every section of a scenario file is one typed attribute with a default instance (the
    documented defaults of its settings class), so a step reads ``scenario.rules``,
    ``scenario.toets``, ``scenario.schools``, ``scenario.parking``, ``scenario.scores``,
    ``scenario.traffic``, ``scenario.driven_speed``, ``scenario.calming_plan``, ``scenario.area``
    and ``scenario.interventions`` directly. Only ``data`` may be ``None``: the network may come
    from the command line (``--osm``) instead.

    Attributes beyond the fields: :attr:`path` (the file read) and :attr:`chain` (the file and
    the files it extends, child first).
    """

    name: str = Field(..., min_length=1, pattern=r"^[A-Za-z0-9._-]+$",
                      description="Short name: letters, digits, `.`, `_`, `-` (the output folder).")
    description: str = Field("", description="What the scenario is, for the report.")
    data: DataSettings | None = Field(
        None,
        description="Where the network comes from. May be left out when the command line gives "
        "`--osm` (the run stops with a clear error when neither does).",
    )
    area: AreaSettings = Field(default_factory=AreaSettings)
    base_year: int = Field(2026, ge=2000, le=2100, description="First year of the programme.")
    horizon: int = Field(2030, ge=2000, le=2100, description="Year the scores look ahead to.")
    programme: bool = Field(
        False,
        description="Apply the programme's 30/50 rule (proposed limits). False keeps today's "
        "limits: the baseline. Interventions apply either way.",
    )
    rules: RuleSettings = Field(default_factory=RuleSettings)
    toets: ToetsSettings = Field(default_factory=ToetsSettings)
    schools: SchoolSettings = Field(default_factory=SchoolSettings)
    parking: ParkingSettings = Field(default_factory=ParkingSettings)
    scores: ScoreSettings = Field(default_factory=ScoreSettings)
    traffic: TrafficSettings = Field(default_factory=TrafficSettings)
    driven_speed: DrivenSpeedSettings = Field(default_factory=DrivenSpeedSettings)
    calming_plan: CalmingPlan = Field(default_factory=CalmingPlan)
    plan: PlanSettings = Field(default_factory=PlanSettings)
    interventions: list[Intervention] = Field(default_factory=list)

    _path: Path | None = PrivateAttr(None)
    _chain: list[Path] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _years(self) -> Scenario:
        """The horizon lies after the first year."""
        if self.horizon <= self.base_year:
            raise ValueError(f"horizon ({self.horizon}) must be after base_year ({self.base_year})")
        return self

    @model_validator(mode="after")
    def _unique_ids(self) -> Scenario:
        """Every intervention has an id (``<type>-<n>`` by default) and no id is used twice."""
        self.interventions = with_ids(self.interventions)
        ids = [iv.ident() for iv in self.interventions]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"intervention ids must be unique, repeated: {', '.join(dup)}")
        return self

    @property
    def path(self) -> Path | None:
        """The scenario file this was read from."""
        return self._path

    @property
    def chain(self) -> list[Path]:
        """The file and the files it extends, child first."""
        return list(self._chain)


#: Every settings section of a scenario: its attribute on :class:`Scenario` (= its table in the
#: file) and its settings class; each has a default instance.
SECTIONS: dict[str, type[Settings]] = {
    "area": AreaSettings,
    "rules": RuleSettings,
    "toets": ToetsSettings,
    "schools": SchoolSettings,
    "parking": ParkingSettings,
    "scores": ScoreSettings,
    "traffic": TrafficSettings,
    "driven_speed": DrivenSpeedSettings,
    "calming_plan": CalmingPlan,
    "plan": PlanSettings,
}
