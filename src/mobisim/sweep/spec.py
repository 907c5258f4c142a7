"""What a sweep varies: ``--vary KEY=VALUES`` parsed into a :class:`Vary`.

``VALUES`` is one of

* a comma list — ``rules.noise_limit=who-2018,wgh-max-urban`` or ``parking.cap_rate=0.01,0.02,0.03``;
* a range ``start:stop:step``, both ends included when the steps land on them —
  ``rules.noise_threshold_lden_db=51:70:1`` is 20 values;
* a distribution for Monte Carlo — ``normal(mu,sd)``, ``uniform(a,b)``, ``triangular(a,mode,b)``,
  ``lognormal(mu,sigma)`` (of the underlying normal, as :meth:`numpy.random.Generator.lognormal`).

Examples
--------
>>> parse_vary("rules.noise_threshold_lden_db=53:57:2").values
(53, 55, 57)
>>> parse_vary("traffic.volume=normal(1,0.1)").distribution
('normal', (1.0, 0.1))
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from mobisim.errors import ScenarioError

__all__ = ["DISTRIBUTIONS", "MAX_VALUES", "Vary", "parse_value", "parse_vary"]

#: Distribution name → the names of its parameters (in the order they are written).
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "normal": ("mu", "sd"),
    "uniform": ("a", "b"),
    "triangular": ("a", "mode", "b"),
    "lognormal": ("mu", "sigma"),
}
#: Most values one ``--vary`` may list or a range may make.
MAX_VALUES = 10_000

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_DIST = re.compile(r"^([a-z]+)\((.*)\)$")


@dataclass(frozen=True)
class Vary:
    """One varied setting: a dotted scenario key and its values or its distribution.

    Attributes
    ----------
    key
        The dotted key of the scenario (``rules.noise_threshold_lden_db``).
    values
        The values of a list or range (empty for a distribution).
    distribution
        ``(name, parameters)`` of a distribution, else ``None``.
    """

    key: str
    values: tuple[Any, ...] = ()
    distribution: tuple[str, tuple[float, ...]] | None = None

    @property
    def sampled(self) -> bool:
        """Whether the values are drawn from a distribution (Monte Carlo)."""
        return self.distribution is not None

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws of the distribution with ``rng``."""
        if self.distribution is None:
            raise ValueError(f"{self.key} is not a distribution")
        name, p = self.distribution
        draw = {"normal": lambda: rng.normal(p[0], p[1], n), "uniform": lambda: rng.uniform(p[0], p[1], n),
                "triangular": lambda: rng.triangular(p[0], p[1], p[2], n),
                "lognormal": lambda: rng.lognormal(p[0], p[1], n)}[name]
        return np.asarray(draw(), dtype=float)


def _error(text: str, problem: str) -> ScenarioError:
    return ScenarioError(f"--vary {text}: {problem}")


def parse_value(text: str) -> Any:
    """One listed value as TOML would read it: a whole number, a number, ``true``/``false``, else text
    (quotes around text are dropped)."""
    t = text.strip()
    if t in ("true", "false"):
        return t == "true"
    for kind in (int, float):
        try:
            value = kind(t)
        except ValueError:
            continue
        return value
    return t[1:-1] if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"" else t


def _number(text: str, where: str, what: str) -> float:
    value = parse_value(text)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _error(where, f"{what} must be a finite number, got {text.strip()!r}")
    return float(value)


def _range(text: str, where: str) -> tuple[Any, ...]:
    """``start:stop:step`` → the values from start to stop (included when a step lands on it)."""
    parts = text.split(":")
    if len(parts) != 3:
        raise _error(where, "a range is start:stop:step")
    start, stop, step = (_number(p, where, w) for p, w in zip(parts, ("start", "stop", "step")))
    if step == 0 or (stop - start) / step < 0:
        raise _error(where, f"the step {step:g} never reaches {stop:g} from {start:g}")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count > MAX_VALUES:
        raise _error(where, f"the range makes {count:,} values, at most {MAX_VALUES:,}")
    values = start + step * np.arange(count)
    whole = all(parse_value(p).__class__ is int for p in parts)
    return tuple(int(v) for v in values) if whole else tuple(round(float(v), 12) for v in values)


def _distribution(name: str, args: str, where: str) -> tuple[str, tuple[float, ...]]:
    if name not in DISTRIBUTIONS:
        raise _error(where, f"unknown distribution {name!r} (have: {', '.join(DISTRIBUTIONS)})")
    names = DISTRIBUTIONS[name]
    parts = [a for a in args.split(",") if a.strip()]
    if len(parts) != len(names):
        raise _error(where, f"{name} takes {len(names)} numbers ({', '.join(names)}), got {len(parts)}")
    p = tuple(_number(a, where, n) for a, n in zip(parts, names))
    bad = {"normal": p[-1] <= 0, "lognormal": p[-1] <= 0, "uniform": p[0] >= p[-1],
           "triangular": not p[0] <= p[1] <= p[-1] or p[0] == p[-1]}[name]
    if bad:
        rule = {"normal": "sd > 0", "lognormal": "sigma > 0", "uniform": "a < b", "triangular": "a ≤ mode ≤ b, a < b"}
        raise _error(where, f"{name} needs {rule[name]}")
    return name, p


def parse_vary(text: str) -> Vary:
    """Parse one ``--vary KEY=VALUES``.

    Raises
    ------
    ScenarioError
        The text is not ``KEY=VALUES``, the key is not a dotted name, or the values are not a
        list, a range or a known distribution. Whether the key exists and the values are in range
        is the scenario's to say (:func:`mobisim.sweep.design.check_design`).
    """
    key, sep, values = text.partition("=")
    key, values = key.strip(), values.strip()
    if not sep or not key or not values:
        raise _error(text, "expected KEY=VALUES, e.g. rules.noise_threshold_lden_db=53:70:1")
    if not _KEY.match(key):
        raise _error(text, f"{key!r} is not a dotted scenario key such as rules.noise_threshold_lden_db")
    dist = _DIST.match(values)
    if dist:
        return Vary(key, distribution=_distribution(dist.group(1), dist.group(2), text))
    if ":" in values and "," not in values:
        return Vary(key, values=_range(values, text))
    items = [v for v in values.split(",")]
    if any(not v.strip() for v in items):
        raise _error(text, "an empty value in the list")
    if len(items) > MAX_VALUES:
        raise _error(text, f"{len(items):,} values, at most {MAX_VALUES:,}")
    return Vary(key, values=tuple(parse_value(v) for v in items))
