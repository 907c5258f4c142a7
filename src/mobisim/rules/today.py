"""The regime of a run without the programme (the baseline): today's limits as they are."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.frames import flags
from mobisim.network import Network
from mobisim.rules.settings import RuleSettings

__all__ = ["today_regime"]


def today_regime(net: Network, settings: RuleSettings) -> Network:
    """Regime columns for today's limits, without the 30/50 rule (in place; ``net`` returned).

    ``regime`` is the class of today's limit (``30`` for ≤ 30 incl. 15, ``50`` for 31–50),
    ``outside_area`` outside the area judged (``in_area``), ``out_of_scope`` for the classes outside
    the urban rule (``settings.out_of_scope_classes``) and limits above 50, ``not_road`` for segments
    that are not motor roads; ``proposed_maxspeed`` equals ``maxspeed``; rule ``B0-today`` with the
    reason.

    Parameters
    ----------
    net
        The network with ``maxspeed``, ``is_road``, ``highway`` and ``in_area``.
    settings
        The scenario's ``[rules]``.
    """
    e = net.edges
    limit = pd.to_numeric(e["maxspeed"], errors="coerce").astype("Float64")
    is_road = flags(e, "is_road") if "is_road" in e.columns else limit.notna().to_numpy()
    out_class = e["highway"].isin(list(settings.out_of_scope_classes)).to_numpy()
    lim = limit.to_numpy(dtype=float, na_value=np.nan)
    inside = e["in_area"].to_numpy(dtype=bool) if "in_area" in e.columns else np.ones(len(e), dtype=bool)
    regime = np.select([~inside, ~is_road, out_class | (lim > 50), lim <= 30, lim <= 50],
                       ["outside_area", "not_road", "out_of_scope", "30", "50"], "out_of_scope")
    text = np.where(np.isnan(lim), "unknown", np.char.mod("%d", np.nan_to_num(lim).astype(int)))
    reason = np.where(regime == "not_road", "not a motor road",
                      np.where(regime == "outside_area", "outside the area judged (the municipality): not judged",
                               np.char.add(np.char.add("today's limit ", text),
                                           " km/h (no 30/50 programme in this scenario)")))
    net.edges = e.assign(regime=pd.array(regime, dtype="string"), proposed_maxspeed=e["maxspeed"],
                         regime_rule=pd.array(np.full(len(e), "B0-today"), dtype="string"),
                         regime_reason=pd.array(reason, dtype="string"))
    return net
