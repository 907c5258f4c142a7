"""``mobisim serve``: the planner's what-if web app (issue 17, item 3).

A local ASGI app (Starlette, served by uvicorn on loopback by default) around one
:class:`mobisim.whatif.Session` of the opened scenario: a Leaflet map of every street coloured by
its toets verdict (a search box finds a street by name); a click shows the segment's verdict and
evidence and an edit menu (the ``mobisim toets --set`` vocabulary); an edit re-scores the city at
once and the page recolours the segments that changed and shows the headline figures today →
scenario → now.

JSON API (every error is ``{"error": "…"}`` with a 4xx status; never a 500 for a bad request):

``GET /``
    The page (``serve/static``: ``index.html``, ``app.js``, ``app.css``; Leaflet from
    ``render/assets``, nothing from the internet).
``GET /api/streets``
    The street layer, GeoJSON in WGS84 (:mod:`mobisim.serve.geojson`: coordinates simplified to
    about a metre; properties ``n`` name, ``b``/``w`` toets bike/walk, ``r`` regime, ``l`` limit,
    ``v`` daily traffic, ``a`` in the area judged), gzip-compressed when the browser accepts it.
``GET /api/street/{edge_id}`` or ``GET /api/street?at=LAT,LON``
    The segment's facts as ``mobisim toets`` gives them (:func:`mobisim.serve.evidence.segment_facts`):
    verdicts with rule, reason and fix, the 30/50 tier and criteria with evidence, the crossings at
    its ends, today's verdict, the street's totals.
``GET /api/scores``
    ``today``, ``scenario_figures`` (as opened) and ``current`` (with the edits) headline figures
    (toets pass rates, crossings, children with a child-safe school route), the ``edits`` in
    order, ``approximate``, the ``traffic`` re-assignment's status and the ``version``.
``GET /api/menu``
    The edit vocabulary: key → intervention type, the values allowed, the menu's choices.
``POST /api/edit``
    ``{"key": "maxspeed", "value": "30", "edge_id": 12}`` (or ``way``, ``street``; ``node`` for
    ``crossing``) → ``figures_before``, ``figures``, ``changed_segments`` / ``changed_crossings``
    (verdict changed), ``segments`` (every segment whose layer properties changed, with them),
    ``approximate`` and ``reason``, ``seconds``, ``scores``.
``POST /api/undo``
    Reverts the last edit; the same answer as an edit.
``POST /api/save``
    ``{"name": "my-design"}`` (or ``{"path": "sub/x.toml"}`` inside the save folder) → writes the
    edits as a scenario file that ``extends`` the opened one, in the scenario's folder or
    ``--save-dir``; an existing file is never overwritten (409).
``GET /api/status?since=VERSION``
    The traffic re-assignment (``none``, ``running``, ``done``, ``failed``, ``unavailable``) and
    the segments whose properties changed after ``VERSION``.

Modules: :mod:`~mobisim.serve.app` (routes), :mod:`~mobisim.serve.state` (the session, its lock),
:mod:`~mobisim.serve.edits` (requests → interventions, the saved file),
:mod:`~mobisim.serve.evidence` (a segment's facts), :mod:`~mobisim.serve.geojson` (the layer),
:mod:`~mobisim.serve.traffic` (the background re-assignment).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mobisim._lazy import lazy_exports

if TYPE_CHECKING:
    from mobisim.serve.app import create_app
    from mobisim.serve.state import Opened, ServeState

__all__ = ["Opened", "ServeState", "create_app"]

__getattr__, __dir__ = lazy_exports(__name__, {"mobisim.serve.app": ("create_app",),
                                               "mobisim.serve.state": ("Opened", "ServeState")})
