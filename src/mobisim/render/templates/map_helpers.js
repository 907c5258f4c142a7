{#- The map's helper functions (in the page head, before any layer script). -#}
{# a tooltip or popup: the layer title and one row per tooltip field that has a value, as text -#}
function mobisimTable(title, labels, lookups, p) {
    var div = document.createElement("div");
    div.className = "mobisim-tip";
    var head = document.createElement("div");
    head.className = "mobisim-tip-title";
    head.textContent = title;
    div.appendChild(head);
    var table = document.createElement("table");
    for (var i = 0; i < labels.length; i++) {
        var value = lookups[i][p[i]];
        if (value === undefined || value === "") { continue; }
        var tr = document.createElement("tr");
        var th = document.createElement("th");
        th.textContent = labels[i];
        var td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(th);
        tr.appendChild(td);
        table.appendChild(tr);
    }
    div.appendChild(table);
    return div;
}
var mobisimCanvas = null;
function mobisimRenderer() {
    // one canvas for every layer, as preferCanvas gives, but with a hover tolerance: thin lines
    // (the greyed roads outside the area, 30-streets) are hard to hit at their own width
    if (mobisimCanvas === null) { mobisimCanvas = L.canvas({tolerance: 4}); }
    return mobisimCanvas;
}
function mobisimLegendSync() {
    // dim the legend group of a layer that is switched off, and hide its rows
    var map = window.mobisimMap, layers = window.mobisimLayers || {};
    if (!map) { return; }
    var groups = document.querySelectorAll("#mobisim-legend [data-layer]");
    for (var i = 0; i < groups.length; i++) {
        var layer = layers[groups[i].getAttribute("data-layer")];
        groups[i].classList.toggle("off", !!layer && !map.hasLayer(layer));
    }
}
var mobisimGeometryTypes = {{ geometry_types|tojson }};
function mobisimFeatures(rows) {
    // rows of [style, [lookup indices], geometry type code, coordinates] (see mobisim.render.map.layer_data)
    var features = new Array(rows.length);
    for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        var geometry = r[2] ? {type: mobisimGeometryTypes[r[2]], coordinates: r[3]} : r[3];
        features[i] = {type: "Feature", geometry: geometry, properties: {s: r[0], p: r[1]}};
    }
    return {type: "FeatureCollection", features: features};
}
