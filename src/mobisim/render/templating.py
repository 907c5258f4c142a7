"""The jinja2 templates of the outputs (``mobisim/render/templates/``, shipped as package data).

One environment for the map and the report: templates ending in ``.html``, ``.htm`` or ``.xml``
are autoescaped (every ``{{ value }}`` is HTML-escaped unless marked safe); ``.js``, ``.css`` and
``.md`` templates are not, so a value reaches a script only through the ``tojson`` filter.

``tojson`` writes compact JSON (no spaces, keys in their given order, non-ASCII characters as
they are) that is safe inside a ``<script>`` element: ``<``, ``>``, ``&`` and ``'`` become
``\\u003c``-style escapes (jinja2's rule), and so do the line separators U+2028 and U+2029 (which
older JavaScript engines do not accept in a string literal).

Examples
--------
>>> from mobisim.render.templating import environment
>>> environment().from_string("{{ name }}: {{ data|tojson }}").render(name="<b>", data={"a": "</script>"})
'&lt;b&gt;: {"a":"\\\\u003c/script\\\\u003e"}'
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

__all__ = ["environment", "render"]


def _script_json(obj: object, **kwargs: Any) -> str:
    """``json.dumps`` with the line separators U+2028/U+2029 escaped (jinja2 escapes ``<>&'``).

    ``kwargs`` are :func:`json.dumps` options (the environment's ``json.dumps_kwargs`` policy).
    """
    text = json.dumps(obj, **kwargs)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@cache
def environment() -> Environment:
    """The shared template environment (created once).

    Returns
    -------
    jinja2.Environment
        Loads from the package folder ``mobisim/render/templates``; autoescape by file extension
        (:func:`jinja2.select_autoescape`: on for HTML and XML, and for templates from strings);
        an undefined name is an error, not an empty text.
    """
    env = Environment(
        loader=PackageLoader("mobisim.render"),
        autoescape=select_autoescape(),
        undefined=StrictUndefined,
    )
    env.policies["json.dumps_function"] = _script_json
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "separators": (",", ":")}
    return env


def render(name: str, /, **context: object) -> str:
    """Render the template ``name`` (a file in ``mobisim/render/templates``) with ``context``.

    Parameters
    ----------
    name
        Template file name, e.g. ``"map_legend.html"``.
    **context
        The template's variables.

    Returns
    -------
    str
        The rendered text.
    """
    return environment().get_template(name).render(**context)
