"""Name matching shared by the reviewer command, interventions and wijk selection."""

from __future__ import annotations

import pandas as pd
import pytest

from mobisim.errors import NotFoundError
from mobisim.names import closest_names, fold_name, street_mask


def test_fold_ignores_case_accents_and_punctuation() -> None:
    assert fold_name("Laan van Nieuw Oost-Indië") == fold_name("laan van nieuw oost indie")
    assert fold_name("'s-Gravenzandelaan") == "s gravenzandelaan"
    assert fold_name("  Bètaerf ") == "betaerf"


def test_street_mask_and_closest_matches() -> None:
    edges = pd.DataFrame({"name": ["Laan van Meerdervoort", "Laan van Meerdervoort", "Dr. Lelylaan", None]})
    assert street_mask(edges, "LAAN VAN MEERDERVOORT").tolist() == [True, True, False, False]
    with pytest.raises(NotFoundError, match="street 'Laan van Meerdervort' not found.*closest matches: Laan van Meerdervoort"):
        street_mask(edges, "Laan van Meerdervort")
    assert closest_names("meerdervoort", edges["name"].dropna()) == ["Laan van Meerdervoort"]
