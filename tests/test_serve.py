"""``mobisim serve``'s JSON API (:mod:`mobisim.serve`) on the hand-written grid (``render_scenario.toml``).

Through Starlette's test client: the street layer, a segment's evidence (the toets's own facts),
an edit that changes the scores and its undo back to the exact figures, a save that writes a
scenario extending the opened one (whose session gives the same figures), and every bad request
answered 4xx with a message. The command's bad input ends as one line before serving.
"""

from __future__ import annotations

import gzip
import json
import tomllib
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mobisim.cli import app as cli_app
from mobisim.load.inputs import Inputs, load_inputs
from mobisim.scenario import Scenario, load_scenario
from mobisim.serve import Opened, ServeState, create_app
from mobisim.serve.state import rounded
from mobisim.whatif import Session

with warnings.catch_warnings():  # Starlette 1.x asks for httpx2; httpx (installed) works the same here
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def grid(data_dir: Path) -> tuple[Path, Scenario, Inputs]:
    path = data_dir / "render_scenario.toml"
    sc = load_scenario(path)
    return path, sc, load_inputs(sc, None, parking=False)


@pytest.fixture(scope="module")
def state(grid, tmp_path_factory) -> ServeState:
    path, sc, inputs = grid
    return ServeState.build(sc, inputs, Opened(scenario=path, save_dir=tmp_path_factory.mktemp("saved")),
                            reassign_after=0.2)


@pytest.fixture(scope="module")
def client(state: ServeState) -> TestClient:
    return TestClient(create_app(state))


def failing_crossing(state: ServeState) -> int:
    """A crossing node failing the toets in the scenario (a crossing edit changes the figures there)."""
    nodes = state.session.after.nodes
    failing = nodes.index[nodes["toets_crossing"].eq("fail").fillna(False).to_numpy(bool)]
    assert len(failing) > 0
    return int(failing[0])


def test_the_page_and_its_assets_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and '<div id="map"' in page.text
    assert "http" not in page.text.replace('http-equiv', '')  # nothing from the internet
    for path in ("/static/app.js", "/static/app.css", "/assets/leaflet.js", "/assets/leaflet.css"):
        assert client.get(path).status_code == 200, path


def test_streets_layer_is_geojson_in_wgs84_with_the_verdicts(client: TestClient, state: ServeState) -> None:
    res = client.get("/api/streets", headers={"Accept-Encoding": "gzip"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/geo+json")
    assert res.headers.get("content-encoding") == "gzip"  # the city's layer travels compressed
    layer = res.json()
    edges = state.session.after.edges
    assert [f["id"] for f in layer["features"]] == [int(i) for i in edges.index]
    for f in layer["features"]:
        row = edges.loc[f["id"]]
        lons, lats = zip(*f["geometry"]["coordinates"])
        assert all(4.2 < x < 4.4 for x in lons) and all(52.0 < y < 52.2 for y in lats)  # Den Haag, WGS84
        assert all(len(str(x).split(".")[1]) <= 5 for x in lons)  # rounded
        p = f["properties"]
        assert p["b"] == (None if str(row["toets_bike"]) == "<NA>" else row["toets_bike"])
        assert p["n"] == ("" if str(row["name"]) == "<NA>" else row["name"])
        assert p["r"] == row["regime"]


def test_street_evidence_is_the_toets_report(client: TestClient, state: ServeState) -> None:
    edges = state.session.after.edges
    failing = edges.index[edges["toets_bike"].eq("fail").fillna(False).to_numpy(bool)]
    assert len(failing) > 0
    edge = int(failing[0])
    facts = client.get(f"/api/street/{edge}").json()
    seg, row = facts["segment"], edges.loc[edge]
    for col in ("toets_bike", "toets_bike_rule", "toets_bike_reason", "toets_bike_fix", "regime_rule"):
        assert seg[col] == row[col], col
    assert seg["toets_bike_fix"]  # a failing segment names its fix
    assert facts["today"]["toets_bike"] in ("pass", "fail", "n/a")
    assert {c["node_id"] for c in facts["crossings"]} <= {int(row["u"]), int(row["v"])}
    assert facts["street"]["name"] == row["name"]
    middle = edges.loc[[edge]].geometry.interpolate(0.5, normalized=True).to_crs(4326).iloc[0]
    lat, lon = round(middle.y, 6), round(middle.x, 6)
    assert client.get(f"/api/street?at={lat},{lon}").json()["edge_id"] == edge


def test_edit_rescores_and_undo_restores_the_exact_figures(client: TestClient, state: ServeState) -> None:
    opened = client.get("/api/scores").json()
    assert opened["current"] == opened["scenario_figures"] == rounded(state.session.figures())
    assert opened["today"]["toets_crossings"] is not None
    node = failing_crossing(state)
    res = client.post("/api/edit", json={"key": "crossing", "value": "signals", "node": node})
    assert res.status_code == 200, res.text
    edit = res.json()
    assert edit["figures_before"] == opened["current"]
    assert edit["figures"]["toets_crossings"] > edit["figures_before"]["toets_crossings"]
    assert node in edit["changed_crossings"]
    now = client.get("/api/scores").json()
    assert now["current"] == edit["figures"] and [e["words"] for e in now["edits"]] == [f"crossing=signals at node {node}"]
    undone = client.post("/api/undo")
    assert undone.status_code == 200, undone.text
    back = client.get("/api/scores").json()
    assert back["current"] == opened["current"] and back["edits"] == []
    assert client.get("/api/streets").json() == json.loads(state.streets())
    assert gzip.decompress(state.streets(compressed=True)) == state.streets()


def test_changed_segments_come_with_their_new_properties(client: TestClient, state: ServeState) -> None:
    edges = state.session.after.edges
    edge = int(edges.index[edges["toets_bike"].eq("fail").fillna(False).to_numpy(bool)][0])
    version = client.get("/api/scores").json()["version"]
    res = client.post("/api/edit", json={"key": "cycleway", "value": "track", "edge_id": edge}).json()
    try:
        changed = {p["id"]: p for p in res["segments"]}
        assert edge in changed and changed[edge]["b"] == "pass"
        assert set(res["changed_segments"]) <= set(changed)
        since = client.get(f"/api/status?since={version}").json()
        assert {p["id"] for p in since["segments"]} == set(changed)
    finally:
        assert client.post("/api/undo").status_code == 200


def test_save_writes_a_scenario_that_extends_the_opened_one(client: TestClient, state: ServeState, grid) -> None:
    path, sc, inputs = grid
    node = failing_crossing(state)
    figures = client.post("/api/edit", json={"key": "crossing", "value": "zebra+island", "node": node}).json()["figures"]
    try:
        saved = client.post("/api/save", json={"name": "zebra-test"})
        assert saved.status_code == 200, saved.text
        target = Path(saved.json()["saved"])
        assert target.parent == state.opened.folder.resolve() and target.name == "zebra-test.toml"
        doc = tomllib.loads(target.read_text(encoding="utf-8"))
        assert (target.parent / doc["extends"]).resolve() == path.resolve()
        assert doc["interventions"] == [{"id": f"design-crossing-{node}", "type": "crossing", "node": node,
                                         "kind": ["zebra", "island"]}]
        again = client.post("/api/save", json={"name": "zebra-test"})
        assert again.status_code == 409 and "never overwritten" in again.json()["error"]
        reopened = load_scenario(target)
        assert [iv.ident() for iv in reopened.interventions] == [*(iv.ident() for iv in sc.interventions),
                                                                 f"design-crossing-{node}"]
        assert rounded(Session.build(reopened, inputs).figures()) == figures  # the saved file scores the same
    finally:
        assert client.post("/api/undo").status_code == 200


@pytest.mark.parametrize(("method", "path", "body", "status", "words"), [
    ("post", "/api/edit", {"key": "maxspeed", "value": "300", "edge_id": 0}, 400, "5–130"),
    ("post", "/api/edit", {"key": "maxspeed", "value": "fast", "edge_id": 0}, 400, "whole number"),
    ("post", "/api/edit", {"key": "speed", "value": "30", "edge_id": 0}, 400, "did you mean maxspeed"),
    ("post", "/api/edit", {"key": "calm", "value": "bumps", "edge_id": 0}, 400, "hump"),
    ("post", "/api/edit", {"key": "maxspeed", "value": "30", "street": "Nergensstraat"}, 404, "Nergensstraat"),
    ("post", "/api/edit", {"key": "maxspeed", "value": "30", "edge_id": 99999}, 404, "edge 99999"),
    ("post", "/api/edit", {"key": "maxspeed", "value": "30", "way": "x"}, 400, "whole number"),
    ("post", "/api/edit", {"key": "maxspeed", "value": "30"}, 400, "exactly one place"),
    ("post", "/api/edit", {"key": "maxspeed", "value": "30", "edge_id": 0, "street": "Hoofdweg"}, 400, "exactly one"),
    ("post", "/api/edit", {"key": "crossing", "value": "zebra", "edge_id": 0}, 400, "give node"),
    ("post", "/api/edit", {"key": "crossing", "value": "zebra", "node": 424242}, 404, "node 424242"),
    ("post", "/api/edit", [1, 2], 400, "JSON object"),
    ("post", "/api/edit", "not json", 400, "not JSON"),
    ("post", "/api/undo", {}, 400, "no edit to undo"),
    ("post", "/api/save", {"name": "x"}, 400, "no edits"),
    ("get", "/api/street/abc", None, 400, "whole number"),
    ("get", "/api/street/99999", None, 404, "edge 99999"),
    ("get", "/api/street?at=91,4", None, 400, "out of range"),
    ("get", "/api/street?at=0,0", None, 404, "no street segment"),
    ("get", "/api/street", None, 400, "?at=LAT,LON"),
    ("get", "/api/status?since=abc", None, 400, "version"),
    ("get", "/api/nothing", None, 404, "Not Found"),
    ("get", "/api/edit", None, 405, "Method Not Allowed"),
])
def test_bad_requests_are_answered_4xx_with_a_message(client, method, path, body, status, words) -> None:
    if body == "not json":
        res = client.post(path, content=b"{nope", headers={"Content-Type": "application/json"})
    elif method == "post":
        res = client.post(path, json=body)
    else:
        res = client.get(path)
    assert res.status_code == status, res.text
    assert words in res.json()["error"]


def test_a_save_outside_the_folder_is_refused(client: TestClient, state: ServeState) -> None:
    node = failing_crossing(state)
    assert client.post("/api/edit", json={"key": "crossing", "value": "zebra", "node": node}).status_code == 200
    try:
        for body in ({"name": "../escape"}, {"path": "../escape.toml"}, {"path": "/tmp/escape.toml"},
                     {"name": "a", "path": "b.toml"}, {}):
            res = client.post("/api/save", json=body)
            assert res.status_code == 400 and "save" in res.json()["error"], (body, res.text)
        assert not (state.opened.folder.parent / "escape.toml").exists()
    finally:
        assert client.post("/api/undo").status_code == 200


def test_serve_refuses_bad_input_before_serving(data_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli_app, ["serve", str(tmp_path / "nope.toml"), "--no-browser", "--port", "0"])
    assert missing.exit_code == 2 and missing.stderr.count("mobisim: error:") == 1 and "nope.toml" in missing.stderr
    bad_osm = tmp_path / "broken.osm"
    bad_osm.write_text("<osm><node", encoding="utf-8")
    res = runner.invoke(cli_app, ["serve", str(data_dir / "render_scenario.toml"), "--osm", str(bad_osm),
                                  "--no-browser", "--port", "0"])
    assert res.exit_code == 2 and res.stderr.count("mobisim: error:") == 1 and "broken.osm" in res.stderr
    assert "Traceback" not in res.output


def test_an_edit_that_moves_traffic_is_approximate_until_reassigned(client: TestClient, state: ServeState) -> None:
    opened = client.get("/api/scores").json()
    res = client.post("/api/edit", json={"key": "through_traffic", "value": "no", "street": "Noordstraat"}).json()
    try:
        assert res["approximate"] and res["traffic"] == "approximate" and "traffic" in res["reason"]
        assert res["scores"]["traffic"]["status"] in ("waiting", "running", "done")
        state.traffic.join(120)
        status = client.get(f"/api/status?since={res['scores']['version']}").json()
        assert status["traffic"]["status"] == "done", status["traffic"]
        scores = client.get("/api/scores").json()
        assert not scores["approximate"] and not scores["edits"][0]["approximate"]
        assert scores["version"] == res["scores"]["version"] + 1  # the re-assignment's changes were logged
    finally:
        undone = client.post("/api/undo").json()
    assert undone["scores"]["current"] == opened["current"] and not undone["approximate"]


def test_a_port_in_use_fails_before_any_work(data_dir: Path) -> None:
    from mobisim.cli.serve import bind

    taken = bind("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        res = CliRunner().invoke(cli_app, ["serve", str(data_dir / "render_scenario.toml"), "--no-browser",
                                           "--port", str(port)])
        assert res.exit_code == 2 and res.stderr.count("mobisim: error:") == 1
        assert f"--port {port}" in res.stderr and "loading" not in res.stderr
    finally:
        taken.close()


def test_concurrent_edits_are_serialised(client: TestClient, state: ServeState) -> None:
    from concurrent.futures import ThreadPoolExecutor

    opened = client.get("/api/scores").json()["current"]
    edges = state.session.after.edges
    failing = [int(i) for i in edges.index[edges["toets_bike"].eq("fail").fillna(False).to_numpy(bool)]]
    ways = sorted({int(edges.at[i, "way_id"]) for i in failing})[:2]
    assert len(ways) == 2
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda w: state.edit({"key": "cycleway", "value": "track", "way": w}), ways))
    assert len(state.edits) == 2 and len(state.session.edits) == 2
    figures = sorted((r["figures_before"]["toets_bike"], r["figures"]["toets_bike"]) for r in results)
    assert figures[0][1] == figures[1][0]  # the second edit started from the first one's result
    client.post("/api/undo")
    client.post("/api/undo")
    assert client.get("/api/scores").json()["current"] == opened


def test_loopback_hosts() -> None:
    from mobisim.cli.serve import _loopback

    assert _loopback("127.0.0.1") and _loopback("::1") and _loopback("localhost")
    assert not _loopback("0.0.0.0") and not _loopback("192.168.1.10") and not _loopback("example.org")


def test_the_command_serves_the_api(data_dir: Path, tmp_path: Path) -> None:
    """``mobisim serve`` as a user starts it: progress on stderr, then the app on a free port."""
    import re
    import subprocess
    import sys
    import urllib.request

    cmd = [sys.executable, "-c", "from mobisim.cli import main; main()", "serve",
           str(data_dir / "render_scenario.toml"), "--port", "0", "--no-browser", "--save-dir", str(tmp_path)]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.append(line)
            if "ready in" in line:
                break
        url = re.search(r"(http://127\.0\.0\.1:\d+/)", "".join(lines))
        assert url, "".join(lines)
        assert any("today and the scenario judged" in x for x in lines) and any("street layer ready" in x for x in lines)
        with urllib.request.urlopen(url.group(1) + "api/scores", timeout=30) as res:
            scores = json.loads(res.read())
        assert scores["scenario"] == "render-volt" and scores["current"] == scores["scenario_figures"]
    finally:
        proc.terminate()
        proc.wait(30)
