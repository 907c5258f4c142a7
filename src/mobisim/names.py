"""Matching names the way people type them: case-, accent- and punctuation-insensitive.

Used for street names (``mobisim toets "laan van meerdervoort"``, scenario interventions) and wijk
names (``"Geuzen- en Statenkwartier"`` = ``"geuzen en statenkwartier"``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from mobisim.errors import NotFoundError


def fold_names(names: pd.Series) -> pd.Series:
    """Fold a column of names for matching (vectorised).

    Accents are removed (NFKD, combining marks dropped), letters case-folded, and every run of
    characters that is not a letter or digit becomes one space.

    Parameters
    ----------
    names
        Names (NA stays NA).

    Returns
    -------
    pandas.Series of str
    """
    return (
        names.astype("string")
        .str.normalize("NFKD")
        .str.replace(r"[\u0300-\u036f]", "", regex=True)
        .str.casefold()
        .str.replace(r"[^0-9a-z]+", " ", regex=True)
        .str.strip()
    )


def fold_name(name: str) -> str:
    """Fold one name (see :func:`fold_names`)."""
    return str(fold_names(pd.Series([name], dtype="string")).iloc[0])


def closest_names(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names closest to ``name`` (difflib on the folded forms, else substring hits)."""
    unique = pd.unique(pd.Series(list(known), dtype="string").dropna())
    folded = fold_names(pd.Series(unique, dtype="string")).tolist()
    lookup = dict(zip(folded, unique.tolist()))
    target = fold_name(name)
    hits = difflib.get_close_matches(target, list(lookup), n=n, cutoff=0.6)
    if not hits:
        hits = [k for k in lookup if target and target in k][:n]
    return [lookup[h] for h in hits]


def street_mask(edges: pd.DataFrame, name: str, *, folded: pd.Series | None = None,
                context: str = "") -> np.ndarray:
    """Segments whose ``name`` matches ``name`` when folded.

    Parameters
    ----------
    edges
        Segments with a ``name`` column (every network has one: :data:`mobisim.network.SCHEMA`).
    name
        The street name as the user typed it.
    folded
        ``fold_names(edges["name"])``, when the caller has it already.
    context
        Prefix of the error message (e.g. ``'intervention "x": '``).

    Raises
    ------
    NotFoundError
        No segment has that name; the message names the closest streets.
    """
    if folded is None:
        folded = fold_names(edges["name"])
    mask = folded.eq(fold_name(name)).fillna(False).to_numpy(dtype=bool)
    if not mask.any():
        close = closest_names(name, edges["name"].dropna())
        hint = f"; closest matches: {', '.join(close)}" if close else ""
        raise NotFoundError(f"{context}street {name!r} not found in the network{hint}")
    return mask
