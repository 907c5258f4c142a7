"""``mobisim serve``: the planner's what-if web app on a scenario (:mod:`mobisim.serve`).

Examples::

    mobisim serve scenarios/volt-2026.toml
    mobisim serve tests/data/render_scenario.toml --port 8765 --no-browser

The scenario is read, the inputs loaded and today and the scenario judged (a what-if session,
:class:`mobisim.whatif.Session`) before the server starts; bad input ends there as one line and
exit code 2. The port is taken before that work, so a port in use fails at once. The server
(uvicorn) listens on loopback by default; another ``--host`` is served with a warning (the app
has no login: anyone who reaches it can edit and save).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from mobisim.cli._app import app, check_output_dir, user_errors
from mobisim.cli._text import console, safe
from mobisim.errors import MobisimError

__all__ = ["bind", "serve_command"]

_err = console(stderr=True)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one), or a clear error."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise MobisimError(f"--host {host}: not an address of this machine ({exc.strerror})") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise MobisimError(f"--port {port}: cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _say(text: str) -> None:
    _err.print(f"[dim]serve:[/] {safe(text)}")


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


@app.command("serve")
@user_errors
def serve_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML), e.g. scenarios/volt-2026.toml.")],
    osm: Annotated[list[Path] | None, typer.Option(
        "--osm", help="OSM file(s) replacing the scenario's: the street file first, then feature files.")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: a free one).")] = 8000,
    save_dir: Annotated[Path | None, typer.Option(
        "--save-dir", help="Folder the page saves edited scenarios in (default: the scenario's folder).")] = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open the page in a browser.")] = False,
    reassign_after: Annotated[float, typer.Option(
        "--reassign-after", min=0, help="Seconds without an edit before traffic moved by the edits is re-assigned "
        "(the traffic model, about two minutes on the city; edits go on while it runs).")] = 10.0,
) -> None:
    """A local web app: click a street, see its toets verdict and evidence, edit it (speed, cycle track,
    crossing, fietsstraat, closure, calming) and see the city re-scored; undo; save as a scenario
    file that extends SCENARIO."""
    import uvicorn

    from mobisim.cli._toets_design import Where, _data_keys
    from mobisim.load.inputs import load_inputs
    from mobisim.scenario import load_scenario
    from mobisim.serve import Opened, ServeState, create_app

    check_output_dir(save_dir, "--save-dir")
    sc = load_scenario(scenario)
    if osm and sc.data is not None and sc.data.place:
        raise MobisimError(f"--osm: {scenario} names its network by place ({sc.data.place!r}); saved edits could "
                           "not replace it by --osm files: leave out --osm")
    if not _loopback(host):
        _err.print(f"[yellow]warning:[/] serving on {safe(host)}, not loopback: anyone who reaches this address can "
                   "edit and save scenarios (there is no login)")
    sock = bind(host, port)
    t = time.perf_counter()
    _say(f"loading {scenario} …")
    inputs = load_inputs(sc, list(osm) if osm else None, parking=False)
    _say(f"inputs loaded ({time.perf_counter() - t:.1f} s)")
    where = Where(street=None, way=None, point=None, scenario=scenario, osm=osm, speed_limits=None,
                  speed_limits_column=None)
    opened = Opened(scenario=scenario, data=_data_keys(where), save_dir=save_dir)
    state = ServeState.build(sc, inputs, opened, _say, reassign_after=reassign_after)
    url = _url(host, sock)
    _say(f"ready in {time.perf_counter() - t:.1f} s: {url}  (Ctrl-C stops)")
    if not no_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    server = uvicorn.Server(uvicorn.Config(create_app(state), log_level="warning", lifespan="off"))
    server.run(sockets=[sock])
