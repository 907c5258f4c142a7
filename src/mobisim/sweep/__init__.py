"""Sweeps on Dask: one scenario over many settings, or over many areas (``mobisim sweep``).

- :mod:`~mobisim.sweep.spec` — ``--vary KEY=VALUES`` (a list, a range, a distribution);
- :mod:`~mobisim.sweep.design` — the variants: a grid, a Monte Carlo sample, one per area;
- :mod:`~mobisim.sweep.evaluate` — one task: a variant's headline row from the scattered state;
- :mod:`~mobisim.sweep.cluster` — a LocalCluster or an existing scheduler;
- :mod:`~mobisim.sweep.stream` — scatter once, submit, stream the rows back and log them;
- :mod:`~mobisim.sweep.summary`, :mod:`~mobisim.sweep.plots`, :mod:`~mobisim.sweep.outputs` — what is written;
- :mod:`~mobisim.sweep.run` — :func:`run_sweep`, all of it.
"""

from mobisim.sweep.design import Design, Variant, make_design
from mobisim.sweep.run import SweepResult, run_sweep
from mobisim.sweep.spec import Vary, parse_vary

__all__ = ["Design", "SweepResult", "Variant", "Vary", "make_design", "parse_vary", "run_sweep"]
