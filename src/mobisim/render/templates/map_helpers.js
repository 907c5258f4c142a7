{#- The map's helper functions (in the page head, before the page script). -#}
function mobisimFold(name) {
    // mobisim.names.fold_name: accents removed (NFKD, combining marks dropped), case folded
    // (Python's casefold turns ß into ss), every run of other characters one space
    return String(name).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .replace(/\u00df/g, "ss").replace(/[^0-9a-z]+/g, " ").trim();
}
function mobisimGroup(items, counts) {
    // consecutive items in groups of the given sizes (one level of a ragged array)
    var out = new Array(counts.length), at = 0;
    for (var i = 0; i < counts.length; i++) { out[i] = items.slice(at, at + counts[i]); at += counts[i]; }
    return out;
}
function mobisimPoints(c, decimals) {
    // coordinates stored as differences from the previous value, x and y interleaved
    var scale = Math.pow(10, decimals), xy = new Array(c.length / 2), x = 0, y = 0;
    for (var i = 0, j = 0; i < c.length; i += 2, j++) {
        x += c[i]; y += c[i + 1];
        xy[j] = [x / scale, y / scale];
    }
    return xy;
}
function mobisimShapes(table) {
    // a shape table (mobisim.render.map.encode.shape_table) as GeoJSON geometries
    if (!table) { return []; }
    var items = mobisimPoints(table.c, table.d);
    for (var k = 0; k < table.o.length; k++) { items = mobisimGroup(items, table.o[k]); }
    return items.map(function(c) { return {type: table.type, coordinates: c}; });
}
function mobisimUndelta(values) {
    // integers stored as differences from the previous one
    var out = new Array(values.length), v = 0;
    for (var i = 0; i < values.length; i++) { v += values[i]; out[i] = v; }
    return out;
}
function mobisimEl(tag, className, text) {
    // an element with a class and a text (never parsed as HTML)
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (text !== undefined) { el.textContent = text; }
    return el;
}
