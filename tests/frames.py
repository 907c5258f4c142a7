"""Small builders shared by the tests (``from frames import edges_frame, scenario_error``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mobisim.errors import MobisimError, ScenarioError
from mobisim.scenario import load_scenario


def edges_frame(**cols) -> pd.DataFrame:
    """A hand-built edges frame indexed by ``edge_id`` (the loader's index name)."""
    df = pd.DataFrame(cols)
    df.index.name = "edge_id"
    return df


def scenario_error(path: Path) -> str:
    """The one-line error of loading ``path`` (fails the test unless it is one line, exit code 2)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "\n" not in message
    assert isinstance(info.value, MobisimError) and info.value.exit_code == 2
    return message
