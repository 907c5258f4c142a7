"""Car spaces freed by the horizon, the street area they give back and the bikes parked on them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from mobisim.score.result import ScoreResult, rounded, score_result
from mobisim.score.settings import ScoreSettings

if TYPE_CHECKING:
    from mobisim.parking import ParkingResult, ParkingSettings

__all__ = ["PARKING_FORMULA", "parking_space"]

PARKING_FORMULA = (
    "spaces freed = permit-cap reduction by the horizon + spaces converted by interventions; "
    "re-used area m² = spaces freed × parking.space_area_m2; "
    "bikes = round(spaces freed by the cap × parking.reuse_mix.bike_parking) × parking.bikes_per_space "
    "(whole car spaces for bike parking, the re-use mix's share, as in the report; spaces converted by "
    "interventions carry their own use); whole numbers"
)

#: The parking model's headline figures repeated as ranges in ``value["range"]``.
_RANGE_FIGURES = ("spaces_freed", "area_m2", "bikes", "cap_base", "permits_city", "large_car_revenue_eur")


def _result_and_settings(
    parking: ParkingResult | ParkingSettings | None,
) -> tuple[ParkingResult | None, ParkingSettings]:
    """The parking result (when given) and the parking settings in force (defaults when neither)."""
    from mobisim.parking import ParkingResult, ParkingSettings

    if isinstance(parking, ParkingResult):
        return parking, parking.settings if parking.settings is not None else ParkingSettings()
    return None, parking if parking is not None else ParkingSettings()


def _ranges(head: dict[str, Any], converted: float, area: float) -> dict[str, Any]:
    """The low / central / high headline figures of the parking model, with the spaces converted by
    interventions added to the space figures (the model's range is the cap's)."""
    ranges: dict[str, Any] = {k: dict(head[k]) for k in _RANGE_FIGURES if head.get(k)}
    if converted:
        for k, extra in (("spaces_freed", converted), ("area_m2", converted * area)):
            ranges[k] = {b: int(round(v + extra)) for b, v in ranges[k].items()}
    ranges["year"] = head.get("year")
    return ranges


def parking_space(
    spaces_freed_by_cap: float,
    settings: ScoreSettings | None = None,
    *,
    spaces_converted: float = 0.0,
    horizon: int | None = None,
    parking: ParkingResult | ParkingSettings | None = None,
) -> ScoreResult:
    """Car spaces freed by the horizon, the street area they give back and the bikes parked on them.

    The bikes are computed by :func:`mobisim.parking.reuse` — the function behind the report's
    and ``mobisim parking``'s re-use tables — so every output shows one figure.

    Parameters
    ----------
    spaces_freed_by_cap : float
        Spaces freed by the permit cap by the horizon (from :mod:`mobisim.parking`).
    settings : ScoreSettings, optional
        Unused (kept for a uniform signature); the space figures are parking settings.
    spaces_converted : float
        Spaces converted by ``convert_parking`` interventions (column
        ``parking_converted_spaces`` summed over ``net.edges``).
    horizon : int, optional
        The scenario horizon year, recorded in the inputs.
    parking : mobisim.parking.ParkingResult or mobisim.parking.ParkingSettings, optional
        The parking model's result (its settings, and its low / central / high figures, which
        then go into ``value["range"]``) or just its settings; defaults when omitted, so the
        score uses the same figures as the parking model.

    Returns
    -------
    dict
        ``value``: ``spaces_freed``, ``spaces_freed_by_cap``, ``area_m2``,
        ``bike_parking_equivalent`` (bikes on the bike-parking share), all whole numbers, and
        with a parking result ``range`` — ``{figure: {"low", "central", "high"}}`` for
        ``spaces_freed``, ``area_m2``, ``bikes``, ``cap_base``, ``permits_city`` and
        ``large_car_revenue_eur`` — plus ``basis`` (what the figures rest on).
    """
    from mobisim.parking import reuse

    result, ps = _result_and_settings(parking)
    area = float(ps.space_area_m2)
    cap_freed = float(spaces_freed_by_cap)
    converted = float(spaces_converted)
    use = reuse(pd.Series([cap_freed]), ps).iloc[0]
    value: dict[str, Any] = {
        "spaces_freed": int(round(cap_freed + converted)),
        "spaces_freed_by_cap": int(round(cap_freed)),
        "area_m2": int(round((cap_freed + converted) * area)),
        "bike_parking_equivalent": int(round(float(use["bikes"]))),
    }
    head = result.headline if result is not None else {}
    if head:
        value["range"] = _ranges(head, converted, area)
        value["basis"] = head.get("basis")
    inputs = {
        "spaces_freed_by_cap": rounded(cap_freed, 1),
        "spaces_converted": rounded(converted, 1),
        "space_area_m2": area,
        "bikes_per_space": float(ps.bikes_per_space),
        "bike_parking_share": float(ps.reuse_mix.bike_parking),
        "horizon": horizon,
    }
    return score_result(value, "spaces / m² / bicycles", PARKING_FORMULA, inputs)
