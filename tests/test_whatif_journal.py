"""The what-if journal's comparison (:func:`mobisim.whatif.journal.differs`): values, not storage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobisim.whatif.journal import differs


def test_differs_compares_values_whatever_their_array() -> None:
    idx = pd.Index([10, 11, 12, 13], name="edge_id")
    old = pd.DataFrame({
        "verdict": pd.array(["pass", "fail", None, "pass"], dtype=pd.StringDtype("python")),
        "speed": pd.array([30, 50, None, 30], dtype="Int64"),
        "length": [1.0, np.nan, 2.0, 3.0],
    }, index=idx)
    new = pd.DataFrame({
        "verdict": pd.array(["pass", "pass", None, "pass"], dtype=pd.StringDtype("pyarrow")),
        "speed": [30.0, 50.0, np.nan, 50.0],
        "length": [1.0, np.nan, 2.5, 3.0],
    }, index=idx)
    d = differs(new, old)
    assert list(d.columns) == ["verdict", "speed", "length"] and d.index.equals(idx)
    assert d.dtypes.eq(bool).all()
    assert d["verdict"].tolist() == [False, True, False, False]  # missing equals missing (NA, None)
    assert d["speed"].tolist() == [False, False, False, True]  # 30 (Int64) equals 30.0
    assert d["length"].tolist() == [False, False, True, False]  # NaN equals NaN
    assert d.to_numpy().sum() == 3
