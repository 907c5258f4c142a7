{#- One map layer (mobisim.render.map.CompactGeoJson): a global var named like the folium element.
    ``name`` is folium's element name (an identifier) and ``data`` the JSON rows of layer_data
    (numbers and GeoJSON coordinates only); every other value goes through tojson. -#}
var {{ name }}_styles = {{ styles|tojson }};
var {{ name }}_lookups = {{ lookups|tojson }};
var {{ name }}_labels = {{ labels|tojson }};
var {{ name }} = L.geoJson(null, {
  renderer: mobisimRenderer(),
  style: function(f) { return {{ name }}_styles[f.properties.s]; },
  pointToLayer: function(f, latlng) { return L.circleMarker(latlng, L.extend({renderer: mobisimRenderer()}, {{ name }}_styles[f.properties.s])); },
  onEachFeature: function(f, layer) {
    var make = function() { return mobisimTable({{ title|tojson }}, {{ name }}_labels, {{ name }}_lookups, f.properties.p || []); };
    layer.bindTooltip(make, {sticky: true, className: 'mobisim-tooltip'});
    layer.bindPopup(make, {maxWidth: 420});
  }
});
{{ name }}.addData(mobisimFeatures({{ data }}));
{{ name }}.mobisimLabels = {{ name }}_labels;
{{ name }}.mobisimLookups = {{ name }}_lookups;
window.mobisimLayers = window.mobisimLayers || {};
window.mobisimLayers[{{ key|tojson }}] = {{ name }};
