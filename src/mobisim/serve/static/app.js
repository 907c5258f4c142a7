/* mobisim serve: the what-if page (plain JS, no build step). The API is documented in
   mobisim/serve/__init__.py. Data from OSM or the user is always put in as text (textContent). */
"use strict";

(function () {
  const COLOURS = {
    both: ["#882255", 4, "fails for cycling and walking"],
    bike: ["#D55E00", 3.5, "fails for cycling"],
    walk: ["#CC79A7", 3.5, "fails for walking"],
    pass: ["#009E73", 2, "passes the toets"],
    na: ["#8c8c8c", 1, "not judged by the toets (n/a)"],
    outside: ["#c4c4c4", 1, "outside the area judged"],
  };
  const FIGURES = [
    ["children_safe_share", "Children with a child-safe school route", "share"],
    ["toets_all", "Toets pass rate (by length)", "share"],
    ["toets_school_routes", "Toets pass rate on school routes", "share"],
    ["toets_crossings", "Crossings passing the toets", "share"],
    ["toets_bike", "Toets cycling", "share"],
    ["toets_walk", "Toets walking", "share"],
    ["children_safe", "Children safe (count)", "count"],
  ];
  const ACTIONS = [
    ["maxspeed", "Set speed limit"], ["cycleway", "Add cycle track"], ["crossing", "Add or upgrade a crossing"],
    ["fietsstraat", "Make fietsstraat"], ["through_traffic", "Close to through traffic"], ["calm", "Calm traffic"],
  ];
  const app = { ready: false, version: 0, byId: new Map(), selected: null, facts: null, menu: null, scores: null,
                polling: null };
  window.mobisimServe = app;

  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function message(text, ok) {
    const box = $("message");
    box.textContent = text || "";
    box.className = ok ? "ok" : "";
    box.hidden = !text;
  }

  async function api(path, body) {
    const opts = body === undefined ? {} : { method: "POST", headers: { "Content-Type": "application/json" },
                                              body: JSON.stringify(body) };
    let res;
    try {
      res = await fetch(path, opts);
    } catch (err) {
      throw new Error("the server does not answer (" + err.message + ")");
    }
    let data = null;
    try { data = await res.json(); } catch (err) { data = null; }
    if (!res.ok) throw new Error((data && data.error) || (res.status + " " + res.statusText));
    return data;
  }

  // -- the map ------------------------------------------------------------------------------------

  function category(p) {
    if (!p.a) return "outside";
    if (p.b === "fail" && p.w === "fail") return "both";
    if (p.b === "fail") return "bike";
    if (p.w === "fail") return "walk";
    if (p.b === "pass" || p.w === "pass") return "pass";
    return "na";
  }

  function style(feature) {
    const c = COLOURS[category(feature.properties)];
    const sel = app.selected === feature.id;
    return { color: sel ? "#0044ff" : c[0], weight: sel ? c[1] + 4 : c[1], opacity: 0.9 };
  }

  const map = L.map("map", { preferCanvas: true, zoomControl: true });
  app.map = map;
  const renderer = L.canvas({ tolerance: 5, padding: 0.3 });
  const streets = L.geoJSON(null, { renderer: renderer, style: style });
  streets.addTo(map);
  streets.on("click", (e) => { L.DomEvent.stop(e); select(e.layer.feature.id); });
  map.attributionControl.addAttribution("© OpenStreetMap contributors (ODbL)");

  function legend() {
    const ul = $("legend");
    Object.values(COLOURS).forEach(([colour, weight, label]) => {
      const li = el("li");
      const sw = el("span", null, "swatch");
      sw.style.background = colour;
      sw.style.height = Math.max(2, weight) + "px";
      li.append(sw, el("span", label));
      ul.append(li);
    });
  }

  function recolour(segments) {
    (segments || []).forEach((p) => {
      const layer = app.byId.get(p.id);
      if (!layer) return;
      layer.feature.properties = p;
      layer.setStyle(style(layer.feature));
    });
  }

  // -- the scores box -----------------------------------------------------------------------------

  function fmt(value, kind, digits) {
    if (value === null || value === undefined) return "–";
    if (kind === "share") return (100 * value).toFixed(digits || 1) + " %";
    return Math.round(value).toLocaleString("en-GB");
  }

  function beforeAfter(before, after, kind) {
    // "92.5 % → 92.6 %", with more decimals when one decimal hides the change
    let digits = 1;
    while (digits < 4 && fmt(before, kind, digits) === fmt(after, kind, digits)) digits += 1;
    return fmt(before, kind, digits) + " → " + fmt(after, kind, digits);
  }

  function showScores(s, last) {
    app.scores = s;
    app.version = Math.max(app.version, s.version);
    $("scenario-name").textContent = "· " + s.scenario;
    $("scenario-file").textContent = "opened: " + s.file;
    const body = $("scores").querySelector("tbody");
    body.replaceChildren();
    const approx = s.approximate ? "≈ " : "";
    FIGURES.forEach(([key, label, kind]) => {
      const tr = el("tr");
      tr.append(el("td", label));
      [["today", s.today], ["scenario", s.scenario_figures], ["now", s.current]].forEach(([col, figs]) => {
        const v = figs ? figs[key] : null;
        const td = el("td", (col === "now" && v !== null && v !== undefined ? approx : "") + fmt(v, kind));
        td.id = col + "-" + key;
        td.dataset.value = v === null || v === undefined ? "" : String(v);
        if (col === "now" && last && last.figures_before[key] !== last.figures[key]) td.className = "changed";
        tr.append(td);
      });
      body.append(tr);
    });
    const rated = s.current.toets_crossings_rated, passed = s.current.toets_crossings_passed;
    if (rated !== undefined) $("now-toets_crossings").title = passed + " of " + rated + " crossings";
    showEdits(s.edits);
    showTraffic(s.traffic);
  }

  function showLast(result) {
    const p = $("last-edit");
    const parts = FIGURES.filter(([key]) => result.figures_before[key] !== result.figures[key])
      .map(([key, label, kind]) => label + ": " + beforeAfter(result.figures_before[key], result.figures[key], kind));
    p.textContent = result.edit + " — re-scored in " + result.seconds.toFixed(2) + " s. " +
      (parts.length ? parts.join("; ") : "No headline figure changed.") +
      (result.approximate ? " ≈ approximate: " + result.reason : "");
    p.hidden = false;
  }

  function showEdits(edits) {
    const ol = $("edits");
    ol.replaceChildren(...edits.map((e) => el("li", e.words + (e.approximate ? " (≈ traffic approximate)" : ""))));
    $("edit-count").textContent = edits.length ? "(" + edits.length + ")" : "(none)";
    $("undo").disabled = edits.length === 0;
    $("save").disabled = edits.length === 0;
  }

  function showTraffic(t) {
    const p = $("traffic-status");
    const busy = t && (t.status === "waiting" || t.status === "running");
    const show = busy || (t && t.status === "failed");
    p.hidden = !show;
    p.textContent = show ? (t.message || t.status) : "";
    if (busy) poll();
  }

  function poll() {
    // one status request at a time, every second, while the re-assignment waits or runs
    if (app.polling) return;
    const tick = async () => {
      try {
        const st = await api("/api/status?since=" + app.version);
        recolour(st.segments);
        app.version = Math.max(app.version, st.version);
        showTraffic(st.traffic);
        if (st.traffic.status !== "running" && st.traffic.status !== "waiting") {
          app.polling = null;
          showScores(await api("/api/scores"));
          if (app.selected !== null) select(app.selected, true);
          return;
        }
      } catch (err) { message(err.message); }
      app.polling = setTimeout(tick, 1000);
    };
    app.polling = setTimeout(tick, 1000);
  }

  // -- the side panel -----------------------------------------------------------------------------

  function verdictLine(dl, label, verdict, rule, reason, fix, today) {
    dl.append(el("dt", label));
    const dd = el("dd");
    dd.append(el("span", verdict || "not judged", verdict === "pass" ? "verdict-pass" : verdict === "fail" ? "verdict-fail" : ""));
    if (rule) dd.append(el("span", " [" + rule + "]", "dim"));
    if (today && today !== verdict) dd.append(el("span", " (today: " + today + ")", "dim"));
    dl.append(dd);
    if (reason) dl.append(el("dd", reason));
    if (fix && verdict === "fail") dl.append(el("dd", "Fix: " + fix));
  }

  function showFacts(f) {
    app.facts = f;
    const s = f.segment, t = f.today || {};
    $("panel").hidden = false;
    $("panel-title").textContent = s.name || "(unnamed segment)";
    $("panel-sub").textContent = "segment " + f.edge_id + " · OSM way " + s.way_id + " · " + s.highway + " · " +
      Math.round(s.length || 0) + " m";
    const verdicts = el("dl");
    verdictLine(verdicts, "Toets cycling", s.toets_bike, s.toets_bike_rule, s.toets_bike_reason, s.toets_bike_fix,
                t.toets_bike);
    verdictLine(verdicts, "Toets walking", s.toets_walk, s.toets_walk_rule, s.toets_walk_reason, s.toets_walk_fix,
                t.toets_walk);
    $("panel-verdict").replaceChildren(verdicts);
    const body = $("panel-body");
    body.replaceChildren();
    const dl = el("dl");
    dl.append(el("dt", "30/50"), el("dd", s.verdict + (f.deciding ? " — " + f.deciding : "")));
    if (s.regime_reason) dl.append(el("dd", s.regime_reason, "dim"));
    f.criteria.filter((c) => c.value).forEach((c) => dl.append(el("dd", c.name + ": " + c.value +
      (c.evidence ? " — " + c.evidence : ""))));
    const limit = s.proposed_maxspeed !== null && s.proposed_maxspeed !== undefined ? s.proposed_maxspeed : s.maxspeed;
    dl.append(el("dt", "Speed"), el("dd", "limit " + (limit ?? "?") + " km/h (today " + (t.maxspeed ?? s.maxspeed ?? "?") +
      ")" + (s.driven_speed ? ", driven " + s.driven_speed + " km/h" : "") + (s.driven_speed_reason ? " (" + s.driven_speed_reason + ")" : "")));
    const v = f.properties.v;
    dl.append(el("dt", "Motor traffic"), el("dd", v === null ? "no volume" : v.toLocaleString("en-GB") +
      " vehicles/day (model estimate" + (app.scores && app.scores.approximate ? "; ≈ approximate after the edits" : "") + ")"));
    if (f.crossings.length) {
      dl.append(el("dt", "Crossings at its ends"));
      f.crossings.forEach((c) => {
        dl.append(el("dd", "node " + c.node_id + " · " + (c.crossing_kind || "crossing") + " over " +
          (c.crossed_name || "an unnamed road") + ": " + (c.toets_crossing || "n/a") +
          (c.toets_crossing_rule ? " [" + c.toets_crossing_rule + "]" : "")));
        if (c.toets_crossing_reason) dl.append(el("dd", c.toets_crossing_reason, "dim"));
        if (c.toets_crossing === "fail" && c.toets_crossing_fix) dl.append(el("dd", "Fix: " + c.toets_crossing_fix));
      });
    }
    if (f.street) {
      const st = f.street;
      dl.append(el("dt", "The whole street"), el("dd", st.segments_count + " segments, " + (st.length_m / 1000).toFixed(2) +
        " km; cycling " + st.toets_bike_pass + "/" + st.toets_bike_open + " pass, walking " + st.toets_walk_pass + "/" +
        st.toets_walk_open + " pass; " + st.crossings_fail + " of " + st.crossings_count + " crossings fail"));
    }
    body.append(dl);
    fillWhere();
  }

  async function select(id, keepMessage) {
    const old = app.selected;
    app.selected = id;
    [old, id].forEach((k) => { const l = app.byId.get(k); if (l) { l.setStyle(style(l.feature)); } });
    const layer = app.byId.get(id);
    if (layer) layer.bringToFront();
    if (!keepMessage) message("");
    if (app.scores && app.scores.traffic.status === "running") {
      message("The traffic re-assignment is running: the street's facts come when it is done.", true);
    }
    try {
      showFacts(await api("/api/street/" + id));
    } catch (err) { message(err.message); }
  }

  // -- the edit menu ------------------------------------------------------------------------------

  function option(select, value, label) {
    const o = el("option", label);
    o.value = value;
    select.append(o);
  }

  function fillValues() {
    const key = $("edit-action").value;
    const values = $("edit-value");
    values.replaceChildren();
    const speed = key === "maxspeed";
    $("edit-speed").hidden = !speed;
    values.hidden = speed;
    if (!speed) app.menu[key].choices.forEach((c) => option(values, c, c));
    fillWhere();
  }

  function fillWhere() {
    const where = $("edit-where");
    where.replaceChildren();
    const f = app.facts;
    if (!f || !app.menu) return;
    if ($("edit-action").value === "crossing") {
      const seen = new Set();
      f.crossings.forEach((c) => { seen.add(c.node_id); option(where, "node:" + c.node_id, "crossing at node " + c.node_id); });
      [f.segment.u, f.segment.v].filter((n) => !seen.has(n)).forEach((n) => option(where, "node:" + n, "end node " + n));
      return;
    }
    option(where, "edge_id:" + f.edge_id, "this OSM way (" + f.segment.way_id + ")");
    if (f.segment.name) option(where, "street:" + f.segment.name, "the whole street " + f.segment.name);
  }

  async function apply(ev) {
    ev.preventDefault();
    const key = $("edit-action").value;
    const value = key === "maxspeed" ? $("edit-speed").value : $("edit-value").value;
    const where = $("edit-where").value;
    const cut = where.indexOf(":");
    const body = { key: key, value: value };
    const place = where.slice(0, cut), target = where.slice(cut + 1);
    body[place] = place === "street" ? target : Number(target);
    await change("/api/edit", body);
  }

  async function change(path, body) {
    $("busy").hidden = false;
    $("apply").disabled = true;
    message("");
    try {
      const r = await api(path, body);
      recolour(r.segments);
      showScores(r.scores, r);
      showLast(r);
      app.version = Math.max(app.version, r.scores.version);
      if (app.selected !== null) await select(app.selected, true);
      return r;
    } catch (err) {
      message(err.message);
      return null;
    } finally {
      $("busy").hidden = true;
      $("apply").disabled = false;
    }
  }

  async function save() {
    message("");
    try {
      const r = await api("/api/save", { name: $("save-name").value });
      const p = $("saved");
      p.textContent = "Saved " + r.edits + " edit(s) as " + r.saved + " — run it with: " + r.run +
        (r.approximate ? " (its traffic is re-assigned there: figures marked ≈ may differ)" : "");
      p.hidden = false;
      message("Saved " + r.name, true);
    } catch (err) { message(err.message); }
  }

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function find(ev) {
    // zoom to the segments of a street (accent- and case-insensitive), select its first one
    ev.preventDefault();
    const name = fold($("find").value);
    const hits = [];
    app.byId.forEach((layer) => { if (name && fold(layer.feature.properties.n) === name) hits.push(layer); });
    if (!hits.length) {
      message("No street named " + $("find").value + " on the map.");
      return;
    }
    message("");
    map.fitBounds(L.featureGroup(hits).getBounds(), { maxZoom: 17 });
    select(hits[0].feature.id);
  }

  function streetNames() {
    const names = new Set();
    app.byId.forEach((layer) => { if (layer.feature.properties.n) names.add(layer.feature.properties.n); });
    $("street-names").replaceChildren(...[...names].sort().map((n) => { const o = el("option"); o.value = n; return o; }));
  }

  async function start() {
    legend();
    try {
      const [menu, scores, layer] = await Promise.all([api("/api/menu"), api("/api/scores"), api("/api/streets")]);
      app.menu = menu;
      ACTIONS.forEach(([key, label]) => option($("edit-action"), key, label));
      fillValues();
      showScores(scores);
      streets.addData(layer);
      streets.eachLayer((l) => app.byId.set(l.feature.id, l));
      const bounds = streets.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds); else map.setView([52.08, 4.3], 13);
      app.count = app.byId.size;
      streetNames();
    } catch (err) {
      message("The page could not load: " + err.message);
    }
    $("edit-action").addEventListener("change", fillValues);
    $("find-form").addEventListener("submit", find);
    $("edit-form").addEventListener("submit", apply);
    $("undo").addEventListener("click", () => change("/api/undo", {}));
    $("save").addEventListener("click", save);
    app.ready = true;
  }

  start();
})();
