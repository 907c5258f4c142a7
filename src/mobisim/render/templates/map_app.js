{#- The page script of map.html (mobisim.render.map.page): base layers, views, search, permalink and
    the side panel. ``map`` is folium's element name (an identifier); every other value goes through
    tojson. Texts from the data reach the page only through textContent. -#}
(function() {
var map = {{ map }};
var data = {{ data|tojson }};
var offline = {{ offline|tojson }};
map.attributionControl.addAttribution({{ attribution|escape|tojson }});
var canvas = L.canvas({tolerance: 4});  // thin lines are hard to hit at their own width
var segs = data.segments, segShapes = mobisimShapes(segs.shapes);
var streets = [], streetOf = new Int32Array(segShapes.length).fill(-1), at = 0;
segs.streets.forEach(function(s, i) {
    streets.push({name: s[0], fold: mobisimFold(s[0]), start: at, count: s[1]});
    streetOf.fill(i, at, at + s[1]);
    at += s[1];
});
var app = {map: map, streets: streets, view: null, selected: null, built: {}, fold: mobisimFold, data: data};
window.mobisimMap = map;
window.mobisimLayers = app.built;
window.mobisimApp = app;

function streetName(g) {
    return streetOf[g] >= 0 ? streets[streetOf[g]].name : "(unnamed " + segs.classes[segs.h[g]] + ")";
}

// ---------------------------------------------------------------- the offline basemap
function geoLayer(geoms, options) {
    var features = geoms.map(function(g) { return {type: "Feature", geometry: g, properties: {}}; });
    return L.geoJson({type: "FeatureCollection", features: features}, L.extend({renderer: canvas, interactive: false}, options));
}
var bm = data.basemap, basemap = L.layerGroup();
geoLayer(mobisimShapes(bm.built_up), {style: {stroke: false, fillColor: "#ddd3c7", fillOpacity: 0.6}}).addTo(basemap);
var streetGeoms = segs.classes.map(function(c, h) {
    // one multi-line per road class: the basemap needs no feature per segment (fast to build and draw)
    return {type: "Feature", geometry: {type: "MultiLineString", coordinates: []}, properties: {h: h}};
});
segShapes.forEach(function(g, i) {
    var lines = streetGeoms[segs.h[i]].geometry.coordinates;
    if (g.type === "LineString") { lines.push(g.coordinates); } else { lines.push.apply(lines, g.coordinates); }
});
function streetStyle(f) {
    // white streets, thin at city zoom (a white plane otherwise), wider at street zoom
    var z = map.getZoom(), w = z >= 16 ? 3.5 : z >= 14 ? 2 : 0.8;
    return {color: "#ffffff", weight: w * (segs.weights[segs.classes[f.properties.h]] || 1), opacity: 1};
}
var streetBase = L.geoJson({type: "FeatureCollection", features: streetGeoms},
                           {renderer: canvas, interactive: false, style: streetStyle}).addTo(basemap);
map.on("zoomend", function() { streetBase.setStyle(streetStyle); });
geoLayer(mobisimShapes(bm.wijken), {style: {color: "#6f6f6f", weight: 1.2, dashArray: "5 4", fill: false}}).addTo(basemap);
var tiles = L.tileLayer({{ tiles|tojson }}, {attribution: {{ tile_attribution|tojson }}, maxZoom: 19});
(offline ? basemap : tiles).addTo(map);
app.basemap = basemap;
app.tiles = tiles;
var bases = {};
bases["Offline basemap (from this run's data)"] = basemap;
bases["OpenStreetMap tiles (online)"] = tiles;
L.control.layers(bases, null, {collapsed: false, position: "bottomright"}).addTo(map);

function labelSet(table, className) {
    var xy = mobisimPoints(table.c, table.d);
    return table.t.map(function(t, i) { return {text: t, zoom: table.z[i], latlng: L.latLng(xy[i][1], xy[i][0]), cls: className}; });
}
var labels = labelSet(bm.street_labels, "mobisim-label").concat(labelSet(bm.wijk_labels, "mobisim-label mobisim-wijk-label"));
var labelLayer = L.layerGroup().addTo(map);
function drawLabels() {
    // street names from their zoom on (main streets first), wijk names below street zoom; only in view
    labelLayer.clearLayers();
    if (!map.hasLayer(basemap)) { return; }  // the tiles have their own names
    var z = map.getZoom(), box = map.getBounds(), n = 0, placed = [];
    for (var i = 0; i < labels.length && n < 300; i++) {
        var lb = labels[i], wijk = lb.cls.indexOf("wijk") >= 0;
        if ((wijk ? (z < lb.zoom || z >= 15) : z < lb.zoom) || !box.contains(lb.latlng)) { continue; }
        var pt = map.latLngToContainerPoint(lb.latlng), near = placed.some(function(q) {
            // no label on another, nor the same name twice close by
            return Math.abs(q.pt.x - pt.x) < 70 && Math.abs(q.pt.y - pt.y) < 14
                || (q.text === lb.text && q.pt.distanceTo(pt) < 250);
        });
        if (near) { continue; }
        placed.push({pt: pt, text: lb.text});
        var span = mobisimEl("span", "", lb.text);
        L.marker(lb.latlng, {icon: L.divIcon({className: lb.cls, html: span, iconSize: null}), interactive: false,
                             keyboard: false}).addTo(labelLayer);
        n++;
    }
}
map.on("zoomend moveend baselayerchange", drawLabels);

// ---------------------------------------------------------------- the layers of the views
var layerData = {};
data.layers.forEach(function(ld) { layerData[ld.key] = ld; });

function poiIcon(style) {
    var el = mobisimEl("span", "poi poi-" + style.shape);
    el.style.setProperty("--poi", style.fillColor);
    return L.divIcon({className: "mobisim-poi-icon", html: el, iconSize: [style.size, style.size]});
}
function buildLayer(ld) {
    var shapes = ld.shared ? segShapes : [].concat.apply([], (ld.shapes || []).map(mobisimShapes));
    var g = mobisimUndelta(ld.g), features = new Array(ld.k.length);
    for (var i = 0; i < ld.k.length; i++) {
        var combo = ld.combos[ld.k[i]];
        var props = {s: combo[0], p: combo.slice(1), g: g[i], street: ld.shared ? streetName(g[i]) : null};
        features[i] = {type: "Feature", geometry: shapes[g[i]], properties: props};
    }
    var layer = L.geoJson(null, {
        renderer: canvas,
        style: function(f) {
            var st = ld.styles[f.properties.s];
            if (!ld.shared) { return st; }
            return L.extend({}, st, {weight: st.weight * (segs.weights[segs.classes[segs.h[f.properties.g]]] || 1)});
        },
        pointToLayer: function(f, latlng) {
            var st = ld.styles[f.properties.s];
            if (st.shape) { return L.marker(latlng, {icon: poiIcon(st)}); }
            return L.circleMarker(latlng, L.extend({renderer: canvas}, st));
        }
    });
    layer.addData({type: "FeatureCollection", features: features});
    // one tooltip and one click handler for the whole layer (not one closure per feature)
    layer.bindTooltip(function(l) { return tooltip(ld, l.feature); }, {sticky: true, className: "mobisim-tooltip"});
    layer.on("click", function(e) { L.DomEvent.stopPropagation(e); select(ld, e.layer.feature); });
    layer.mobisimLabels = ld.labels;
    layer.mobisimLookups = ld.lookups;
    layer.mobisimData = ld;
    return layer;
}
function layerOf(key) {
    if (!app.built[key]) { app.built[key] = buildLayer(layerData[key]); }
    return app.built[key];
}
function value(ld, f, i) { return ld.lookups[i][f.properties.p[i]] || ""; }
function featureName(ld, f) { return f.properties.street || (ld.labels.length ? value(ld, f, 0) : "") || ld.title; }

function tooltip(ld, f) {
    // one or two lines: what it is, and its verdict (the legend label of its style)
    var div = mobisimEl("div", "mobisim-tip");
    div.appendChild(mobisimEl("div", "mobisim-tip-title", featureName(ld, f)));
    div.appendChild(mobisimEl("div", "", ld.styles[f.properties.s].label || ld.title));
    return div;
}

// ---------------------------------------------------------------- views
var viewSelect = document.getElementById("mobisim-view");
function setView(key) {
    var view = data.views.filter(function(v) { return v.key === key; })[0] || data.views[0];
    if (!view) { return; }
    if (app.view) { app.view.layers.forEach(function(k) { if (app.built[k]) { map.removeLayer(app.built[k]); } }); }
    view.layers.forEach(function(k) { layerOf(k).addTo(map); });
    app.view = view;
    viewSelect.value = view.key;
    document.querySelectorAll("#mobisim-legend [data-view]").forEach(function(el) {
        el.hidden = el.getAttribute("data-view") !== view.key;
    });
    if (app.selected) { selectStreet(app.selected, {fit: false}); }
    permalink();
}
viewSelect.addEventListener("change", function() { setView(viewSelect.value); });
app.setView = setView;
app.viewOf = function(layerKey) {
    var view = data.views.filter(function(v) { return v.layers.indexOf(layerKey) >= 0; })[0];
    return view ? view.key : null;
};

// ---------------------------------------------------------------- selection and the side panel
// the selected street's halo, under the view's lines (a pane below Leaflet's overlay pane)
map.createPane("mobisimHighlight").style.zIndex = 390;
var haloCanvas = L.canvas({pane: "mobisimHighlight"}), highlight = L.layerGroup().addTo(map);
var panel = document.getElementById("mobisim-panel"), panelBody = document.getElementById("mobisim-panel-body");
document.getElementById("mobisim-panel-close").addEventListener("click", function() {
    panel.hidden = true; highlight.clearLayers(); app.selected = null; permalink();
});
function streetSegments(name) {
    var s = streets.filter(function(st) { return st.name === name; })[0];
    if (!s) { return []; }
    var out = [];
    for (var g = s.start; g < s.start + s.count; g++) { out.push(g); }
    return out;
}
function showHighlight(geoms) {
    highlight.clearLayers();
    geoLayer(geoms, {renderer: haloCanvas, style: {color: "#ffd400", weight: 14, opacity: 0.9},
                     pointToLayer: function(f, ll) {
        return L.circleMarker(ll, {renderer: haloCanvas, radius: 13, color: "#ffd400", weight: 5, opacity: 0.9,
                                   fill: false});
    }}).addTo(highlight);
}
function summary(name) {
    // per layer of the view: how many of the street's segments show each verdict
    var lines = [];
    app.view.layers.forEach(function(k) {
        var ld = layerData[k], counts = {}, n = 0;
        if (!ld.shared) { return; }
        layerOf(k).eachLayer(function(l) {
            if (l.feature.properties.street !== name) { return; }
            var label = ld.styles[l.feature.properties.s].label || ld.title;
            counts[label] = (counts[label] || 0) + 1; n++;
        });
        if (n) {
            lines.push(ld.title + ": " + Object.keys(counts).map(function(c) { return counts[c] + " × " + c; }).join("; "));
        }
    });
    return lines;
}
function fillPanel(name, ld, f) {
    panelBody.textContent = "";
    panelBody.appendChild(mobisimEl("h3", "", name));
    panelBody.appendChild(mobisimEl("div", "mobisim-panel-view", app.view ? app.view.title : ""));
    if (ld && f) {
        panelBody.appendChild(mobisimEl("div", "mobisim-panel-verdict", ld.styles[f.properties.s].label || ld.title));
        var table = mobisimEl("table");
        ld.labels.forEach(function(label, i) {
            var v = value(ld, f, i);
            if (!v) { return; }
            var tr = mobisimEl("tr");
            tr.appendChild(mobisimEl("th", "", label));
            tr.appendChild(mobisimEl("td", "", v));
            table.appendChild(tr);
        });
        panelBody.appendChild(mobisimEl("div", "mobisim-panel-layer", ld.title));
        panelBody.appendChild(table);
    } else {
        panelBody.appendChild(mobisimEl("div", "mobisim-panel-verdict", "Not drawn in this view."));
    }
    var lines = f && !f.properties.street ? [] : summary(name);
    if (lines.length) {
        panelBody.appendChild(mobisimEl("div", "mobisim-panel-layer", "This street in this view"));
        lines.forEach(function(line) { panelBody.appendChild(mobisimEl("div", "mobisim-panel-sum", line)); });
    }
    panel.hidden = false;
}
function select(ld, f) {
    if (f.properties.street) { selectStreet(f.properties.street, {fit: false, feature: f, layer: ld}); return; }
    app.selected = null;
    showHighlight([f.geometry]);
    fillPanel(featureName(ld, f), ld, f);
    permalink();
}
function firstFeature(name) {
    // a feature of the street with its most common verdict, in the view's top layer that has the street
    var keys = app.view.layers.slice().reverse();
    for (var i = 0; i < keys.length; i++) {
        var ld = layerData[keys[i]], count = {}, first = {}, best = null;
        if (!ld.shared) { continue; }
        layerOf(keys[i]).eachLayer(function(l) {
            var s = l.feature.properties.s;
            if (l.feature.properties.street !== name) { return; }
            count[s] = (count[s] || 0) + 1;
            if (!first[s]) { first[s] = l.feature; }
            if (best === null || count[s] > count[best]) { best = s; }
        });
        if (best !== null) { return {layer: ld, feature: first[best]}; }
    }
    return {layer: null, feature: null};
}
function selectStreet(name, options) {
    options = options || {};
    var gs = streetSegments(name);
    if (!gs.length) { return false; }
    app.selected = name;
    var geoms = gs.map(function(g) { return segShapes[g]; });
    showHighlight(geoms);
    if (options.fit !== false) { map.fitBounds(L.geoJson({type: "GeometryCollection", geometries: geoms}).getBounds(), {maxZoom: 17}); }
    var hit = options.feature ? {layer: options.layer, feature: options.feature} : firstFeature(name);
    fillPanel(name, hit.layer, hit.feature);
    permalink();
    return true;
}
app.selectStreet = selectStreet;

// ---------------------------------------------------------------- search
var search = document.getElementById("mobisim-search"), input = document.getElementById("mobisim-search-input");
var message = document.getElementById("mobisim-search-msg"), list = document.getElementById("mobisim-streets");
streets.forEach(function(s) { var o = mobisimEl("option"); o.value = s.name; list.appendChild(o); });
function findStreet(text) {
    // the CLI's matching (mobisim.names): equal when folded; else the first that starts with, or holds, the text
    var q = mobisimFold(text);
    if (!q) { return null; }
    var tests = [function(s) { return s.fold === q; }, function(s) { return s.fold.indexOf(q) === 0; },
                 function(s) { return s.fold.indexOf(q) >= 0; }];
    for (var i = 0; i < tests.length; i++) {
        var hit = streets.filter(tests[i])[0];
        if (hit) { return hit; }
    }
    return null;
}
app.findStreet = findStreet;
search.addEventListener("submit", function(e) {
    e.preventDefault();
    var hit = findStreet(input.value);
    message.textContent = hit ? "" : "No street named “" + input.value + "” on this map.";
    if (hit) { selectStreet(hit.name); }
});

// ---------------------------------------------------------------- permalink
var link = document.getElementById("mobisim-permalink"), restoring = true;
function permalink() {
    if (restoring || !app.view) { return; }
    var c = map.getCenter(), p = new URLSearchParams();
    p.set("view", app.view.key);
    p.set("z", String(map.getZoom()));
    p.set("c", c.lat.toFixed(5) + "," + c.lng.toFixed(5));
    if (app.selected) { p.set("street", app.selected); }
    var hash = "#" + p.toString();
    link.setAttribute("href", hash);
    history.replaceState(null, "", hash);
}
map.on("moveend", permalink);
function restore() {
    // after folium's fitBounds: the view, selected street, centre and zoom of the URL's hash
    var p = new URLSearchParams(location.hash.slice(1)), c = (p.get("c") || "").split(",").map(Number);
    setView(p.get("view"));
    if (p.get("street")) { selectStreet(p.get("street"), {fit: !(c.length === 2 && p.get("z"))}); }
    if (c.length === 2 && isFinite(c[0]) && isFinite(c[1]) && p.get("z")) { map.setView(c, Number(p.get("z")), {animate: false}); }
    restoring = false;
    permalink();
    drawLabels();
    app.ready = true;
}
function start() {
    // folium's opening fitBounds may still be animating: its end would undo the restored view
    if (map._animatingZoom) { map.once("zoomend", function() { setTimeout(start, 0); }); } else { restore(); }
}
setTimeout(start, 0);
})();
