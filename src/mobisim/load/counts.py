"""Read traffic counts per street: a CSV of street names and motor vehicles a day."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mobisim.errors import InputFileError
from mobisim.load.messages import columns_text, first_line
from mobisim.names import fold_names

__all__ = ["read_traffic_counts"]


def read_traffic_counts(path: Path | str) -> pd.DataFrame:
    """Traffic counts per street: a CSV with the columns ``name`` and ``daily`` (motor vehicles a
    day, both directions; ``,``, ``;`` or tab separated, UTF-8). A count wins over the traffic
    model on every car segment of the street (:func:`mobisim.traffic.apply_counts`).

    Returns
    -------
    pandas.DataFrame
        ``name``, ``daily`` (float), ``row`` (line in the file, from 2).

    Raises
    ------
    mobisim.errors.InputFileError
        Missing or unreadable file, missing columns, a count that is not a non-negative number,
        or a street counted twice with two figures.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: traffic-count list not found")
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = fh.readline()
        sep = max((",", ";", "\t"), key=header.count)
        table = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(f"{path}: cannot read the traffic-count list ({first_line(exc)})") from None
    lower = {str(c).strip().lower(): c for c in table.columns}
    if "name" not in lower or "daily" not in lower:
        raise InputFileError(f"{path}: a traffic-count list needs the columns 'name' and 'daily' "
                             f"(columns: {columns_text(table.columns)})")
    names = table[lower["name"]].astype("string").str.strip()
    raw = table[lower["daily"]].astype("string").str.strip().str.replace(r"[\s_]", "", regex=True)
    daily = pd.to_numeric(raw, errors="coerce")
    bad = names.fillna("").ne("") & (daily.isna() | ~np.isfinite(daily.fillna(0)) | (daily < 0))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputFileError(f"{path}: row {i + 2}: count {table[lower['daily']].iloc[i]!r} is not a number of "
                             "vehicles a day (0 or more)")
    frame = pd.DataFrame({"name": names, "daily": daily.astype("float64"), "row": np.arange(2, len(table) + 2)})
    frame = frame[names.fillna("").ne("").to_numpy()]
    if frame.empty:
        raise InputFileError(f"{path}: no street with a count in the list")
    key = fold_names(frame["name"])
    twice = key.duplicated(keep=False) & frame.groupby(key)["daily"].transform("nunique").gt(1)
    if twice.any():
        clash = frame[twice.to_numpy()].head(2)
        raise InputFileError(f"{path}: rows {clash['row'].iloc[0]} and {clash['row'].iloc[1]}: street "
                             f"{clash['name'].iloc[0]!r} has two counts; give one per street")
    return frame.drop_duplicates("name").reset_index(drop=True)
