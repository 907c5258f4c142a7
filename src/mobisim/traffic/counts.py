"""Traffic counts: a counted street's figure wins over the model (and over the class table).

A count list (:func:`mobisim.load.read_traffic_counts`: street name → motor vehicles a day, both
directions) is applied before the model runs: every car segment of a counted street gets
``daily_traffic`` = the count and ``daily_traffic_source = "count:<file>"``, which
:func:`mobisim.traffic.write_traffic` keeps. The model still routes over the street (a count
describes it, it does not close it); it is not calibrated to the counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.names import fold_names

__all__ = ["apply_counts"]


def apply_counts(edges: pd.DataFrame, counts: pd.DataFrame, source: str) -> tuple[pd.DataFrame, list[str]]:
    """``edges`` with the counted streets' figures.

    Parameters
    ----------
    edges : pandas.DataFrame
        Segments with ``name`` and ``mode_drive``.
    counts : pandas.DataFrame
        ``name``, ``daily``.
    source : str
        Written as ``count:<source>``.

    Returns
    -------
    edges : pandas.DataFrame
        A copy with ``daily_traffic`` and ``daily_traffic_source`` set on the counted streets.
    unmatched : list of str
        Counted names that match no car segment of the network.
    """
    out = edges.copy()
    drive = out["mode_drive"].to_numpy(dtype=bool) if "mode_drive" in out.columns else np.ones(len(out), bool)
    key = fold_names(out["name"]) if "name" in out.columns else pd.Series(pd.NA, index=out.index, dtype="string")
    table = pd.Series(counts["daily"].to_numpy(dtype=float), index=fold_names(counts["name"]).to_numpy())
    table = table[~table.index.duplicated()]
    value = key.map(table).astype("Float64")
    hit = value.notna().to_numpy() & drive
    if "daily_traffic" not in out.columns:
        out["daily_traffic"] = pd.array([pd.NA] * len(out), dtype="Float64")
    if "daily_traffic_source" not in out.columns:
        out["daily_traffic_source"] = pd.Series("default", index=out.index, dtype="string")
    out["daily_traffic"] = out["daily_traffic"].astype("Float64")
    out.loc[hit, "daily_traffic"] = value[hit]
    out["daily_traffic_source"] = out["daily_traffic_source"].astype("string")
    out.loc[hit, "daily_traffic_source"] = f"count:{source}"
    found = set(key[hit].dropna())
    unmatched = [n for n, k in zip(counts["name"], fold_names(counts["name"])) if k not in found]
    return out, unmatched
