"""The ASGI app of ``mobisim serve`` (Starlette): the page, its assets and the JSON API.

The API is described in :mod:`mobisim.serve`. Every handler runs the session's work in a worker
thread (:func:`starlette.concurrency.run_in_threadpool`), never on the event loop; the state's
lock serialises the changes. A bad request is answered ``{"error": "…"}`` with a 4xx status
(:func:`_error`): 400 a bad value, 404 an unknown street, segment, node or route, 405 a wrong
method, 409 a file that exists; only a bug is a 500, and it is JSON too.
"""

from __future__ import annotations

import json
import logging
from importlib import resources
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from mobisim.errors import MobisimError, NotFoundError
from mobisim.serve.edits import SaveConflict, menu
from mobisim.serve.evidence import parse_edge_id

if TYPE_CHECKING:
    from mobisim.serve.state import ServeState

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})


def _status(exc: MobisimError) -> int:
    """The HTTP status of a user error."""
    if isinstance(exc, SaveConflict):
        return 409
    return 404 if isinstance(exc, NotFoundError) else 400


async def _error(request: Request, exc: Exception) -> Response:
    """Every failure as ``{"error": message}``: user errors 4xx, a bug 500 (logged)."""
    if isinstance(exc, MobisimError):
        return _json({"error": str(exc)}, _status(exc))
    if isinstance(exc, HTTPException):
        return _json({"error": f"{request.method} {request.url.path}: {exc.detail}"}, exc.status_code)
    log.exception("mobisim serve: %s %s failed", request.method, request.url.path, exc_info=exc)
    return _json({"error": f"internal error ({type(exc).__name__}): {exc}"}, 500)


async def _body(request: Request) -> Any:
    """The request's JSON (an empty body is ``{}``)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MobisimError("request: the body is not JSON") from None


def _folder(package: str) -> str:
    return str(resources.files(package))


def create_app(state: ServeState) -> Starlette:
    """The app serving ``state`` (:class:`mobisim.serve.state.ServeState`)."""

    async def page(request: Request) -> Response:
        html = (resources.files("mobisim.serve") / "static" / "index.html").read_text(encoding="utf-8")
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def streets(request: Request) -> Response:
        packed = "gzip" in request.headers.get("accept-encoding", "")
        body = await run_in_threadpool(state.streets, packed)
        headers = {"Cache-Control": "no-store", "Vary": "Accept-Encoding"} | ({"Content-Encoding": "gzip"} if packed else {})
        return Response(body, media_type="application/geo+json", headers=headers)

    async def street(request: Request) -> Response:
        raw = request.path_params.get("edge_id")
        edge_id = parse_edge_id(raw) if raw is not None else None
        return _json(await run_in_threadpool(state.street, edge_id, request.query_params.get("at")))

    async def scores(request: Request) -> Response:
        return _json(await run_in_threadpool(state.scores))

    async def edit(request: Request) -> Response:
        return _json(await run_in_threadpool(state.edit, await _body(request)))

    async def undo(request: Request) -> Response:
        return _json(await run_in_threadpool(state.undo))

    async def save(request: Request) -> Response:
        return _json(await run_in_threadpool(state.save, await _body(request)))

    async def status(request: Request) -> Response:
        since = request.query_params.get("since", "")
        if since and not since.lstrip("-").isdigit():
            raise MobisimError(f"status: since={since!r}: expected a version number")
        out = await run_in_threadpool(state.changes, int(since or 0)) if since else {"version": state.version}
        return _json({"traffic": state.traffic.describe(), **out})

    async def edit_menu(request: Request) -> Response:
        return _json(menu())

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [
        Route("/", page), Route("/api/streets", streets), Route("/api/street", street),
        Route("/api/street/{edge_id}", street), Route("/api/scores", scores), Route("/api/menu", edit_menu),
        Route("/api/edit", edit, methods=["POST"]), Route("/api/undo", undo, methods=["POST"]),
        Route("/api/save", save, methods=["POST"]), Route("/api/status", status),
        Route("/favicon.ico", no_icon),
        Mount("/static", StaticFiles(directory=_folder("mobisim.serve") + "/static"), name="static"),
        Mount("/assets", StaticFiles(directory=_folder("mobisim.render.assets")), name="assets"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=1000)],
                     exception_handlers={MobisimError: _error, HTTPException: _error, Exception: _error})
