"""The intervention models: what a scenario's ``[[interventions]]`` tables validate into.

A discriminated union on ``type`` (:data:`Intervention`); applying them to a network is
:mod:`mobisim.scenario.interventions.apply`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "MODELS",
    "SOURCE_PREFIX",
    "AddCycleTrack",
    "Calm",
    "CloseThroughTraffic",
    "ConvertParking",
    "Crossing",
    "Fietsstraat",
    "Intervention",
    "InterventionBase",
    "InterventionModel",
    "SetSpeed",
    "StreetIntervention",
    "StreetSelection",
    "with_ids",
]

#: Start of every ``*_source`` value an intervention writes.
SOURCE_PREFIX = "intervention:"


class InterventionBase(BaseModel):
    """Every intervention: unknown keys, NaN and ±inf are refused (as in
    :class:`mobisim.settings_base.Settings`, whose field-wide validator cannot sit on the ``type``
    discriminator)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: str | None = Field(
        None, min_length=1,
        description="Name of the intervention, used in `*_source` = `intervention:<id>`. "
        "Default `<type>-<n>` (n = position in the file, from 1).",
    )
    note: str | None = Field(None, description="Why: shown in the report next to the change.")

    def source(self) -> str:
        """The provenance label written to the ``*_source`` columns."""
        return f"{SOURCE_PREFIX}{self.id}"

    def ident(self) -> str:
        """The id, filled in by :func:`with_ids` before an intervention is applied."""
        if self.id is None:
            raise ValueError(f"{type(self).__name__} without an id: fill the ids with with_ids()")
        return self.id


class StreetSelection(InterventionBase):
    """An intervention on the motor-road segments of one or more streets or OSM ways."""

    street: str | list[str] | None = Field(
        None, description="Street name(s), case- and accent-insensitive.",
    )
    way: int | list[int] | None = Field(None, description="OSM way id(s).")

    @model_validator(mode="after")
    def _one_selector(self) -> StreetSelection:
        if (self.street is None) == (self.way is None):
            raise ValueError("give exactly one of `street` or `way`")
        return self

    def streets(self) -> list[str]:
        """The street names selected (empty when the selection is by way)."""
        if self.street is None:
            return []
        return [self.street] if isinstance(self.street, str) else list(self.street)

    def ways(self) -> list[int]:
        """The OSM way ids selected (empty when the selection is by street)."""
        if self.way is None:
            return []
        return [self.way] if isinstance(self.way, int) else list(self.way)

    def where(self) -> str:
        """Human-readable selection, for messages and the report."""
        if self.street is not None:
            return ", ".join(self.streets())
        return "way " + ", ".join(str(w) for w in self.ways())


class SetSpeed(StreetSelection):
    """Set the speed limit of a street (``maxspeed``)."""

    type: Literal["set_speed"]
    maxspeed: int = Field(..., ge=5, le=130, strict=True, description="New limit in km/h.")

    def summary(self) -> str:
        """One line for the report."""
        return f"{self.where()}: limit {self.maxspeed} km/h"


class AddCycleTrack(StreetSelection):
    """Add a physically separated cycle track (fietspad) on one or both sides."""

    type: Literal["add_cycle_track"]
    side: Literal["left", "right", "both"] = Field(
        "both", description="Side relative to the OSM way direction (`both` is the usual case).",
    )
    twoway: bool = Field(False, description="A two-way track on that side.")

    def summary(self) -> str:
        """One line for the report."""
        return f"{self.where()}: separated cycle track ({self.side})"


class Fietsstraat(StreetSelection):
    """Make a street a fietsstraat (cycle street: cars are guests, 30 km/h)."""

    type: Literal["fietsstraat"]
    maxspeed: int = Field(
        30, ge=5, le=30,
        description="Limit on the fietsstraat. Source: CROW fietsstraat design, 30 km/h.",
    )

    def summary(self) -> str:
        """One line for the report."""
        return f"{self.where()}: fietsstraat ({self.maxspeed} km/h, cars as guests)"


class Calm(StreetSelection):
    """Redesign a street so that its limit is the speed driven (humps, plateaus, narrowings)."""

    type: Literal["calm"]
    measure: Literal["redesign", "hump", "table", "chicane", "choker", "cushion"] = Field(
        "redesign",
        description="What is built (OSM `traffic_calming` values; `redesign` = a combination). "
        "Any of them makes the driven speed the limit (mobisim.rules.driven_speed).",
    )

    def summary(self) -> str:
        """One line for the report."""
        return f"{self.where()}: traffic calming ({self.measure}), the limit is what people drive"


class CloseThroughTraffic(StreetSelection):
    """Close a street to through traffic (access for residents and deliveries stays)."""

    type: Literal["close_through_traffic"]
    daily_traffic: float = Field(
        500.0, ge=0, le=100_000, strict=True,
        description="Motor vehicles/day left after the closure (destination traffic only), written "
        "to the `daily_traffic` edge column. Assumption: the order of an erftoegangsweg's "
        "destination traffic (CROW: access streets carry up to a few thousand vehicles/day).",
    )

    def summary(self) -> str:
        """One line for the report."""
        return f"{self.where()}: closed to through traffic"


class ConvertParking(StreetSelection):
    """Remove on-street car spaces and give the area another use."""

    type: Literal["convert_parking"]
    spaces: int = Field(..., ge=1, le=100_000, strict=True, description="Car spaces removed.")
    use: Literal[
        "bike_parking", "greenery", "cycle_track", "sidewalk", "play", "terrace", "housing", "other"
    ] = Field(..., description="New use of the space.")

    def summary(self) -> str:
        """One line for the report."""
        return f"{self.where()}: {self.spaces} car spaces → {self.use.replace('_', ' ')}"


CrossingKind = Literal["signals", "zebra", "island"]


class Crossing(InterventionBase):
    """Add or upgrade a crossing on a node: traffic signals, zebra, refuge island (combinable)."""

    type: Literal["crossing"]
    node: int | None = Field(None, description="OSM node id.")
    at: tuple[float, float] | None = Field(
        None, description="[lat, lon] (WGS84): the nearest node on a motor road is used.",
    )
    kind: list[CrossingKind] = Field(
        ..., min_length=1, description="`signals`, `zebra`, `island`, or a list of them.",
    )
    max_snap_m: float = Field(
        50.0, gt=0, le=1000, strict=True, description="Largest distance from `at` to the node used (m).",
    )

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("at")
    @classmethod
    def _lat_lon(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not (-90 <= value[0] <= 90 and -180 <= value[1] <= 180):
            raise ValueError("expected [lat, lon] in degrees (lat −90…90, lon −180…180)")
        return value

    @model_validator(mode="after")
    def _one_selector(self) -> Crossing:
        if (self.node is None) == (self.at is None):
            raise ValueError("give exactly one of `node` or `at`")
        return self

    def where(self) -> str:
        """Human-readable selection, for messages and the report."""
        if self.at is None or self.node is not None:
            return f"node {self.node}"
        return f"[{self.at[0]}, {self.at[1]}]"

    def summary(self) -> str:
        """One line for the report."""
        return f"{self.where()}: crossing with {' + '.join(self.kind)}"


#: An intervention on streets (every type but ``crossing``).
StreetIntervention = SetSpeed | AddCycleTrack | Fietsstraat | Calm | CloseThroughTraffic | ConvertParking

#: Any intervention model.
InterventionModel = SetSpeed | AddCycleTrack | Crossing | Fietsstraat | Calm | CloseThroughTraffic | ConvertParking

#: One intervention as a scenario file gives it: a discriminated union on ``type``.
Intervention = Annotated[InterventionModel, Field(discriminator="type")]

#: The models by their ``type`` (the scenario loader names their keys in messages).
MODELS: dict[str, type[InterventionModel]] = {
    "set_speed": SetSpeed, "add_cycle_track": AddCycleTrack, "crossing": Crossing,
    "fietsstraat": Fietsstraat, "calm": Calm, "close_through_traffic": CloseThroughTraffic,
    "convert_parking": ConvertParking,
}

def with_ids(interventions: Sequence[InterventionModel]) -> list[InterventionModel]:
    """The interventions with ``id`` filled in (``<type>-<n>``, n = position from 1)."""
    return [
        iv if iv.id is not None else iv.model_copy(update={"id": f"{iv.type}-{i}"})
        for i, iv in enumerate(interventions, start=1)
    ]
