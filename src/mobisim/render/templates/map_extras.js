{#- After the map is defined: the data attribution (Leaflet shows it as HTML: escaped first), the
    map as window.mobisimMap (tests) and the legend kept in step with the layer control. -#}
{{ map }}.attributionControl.addAttribution({{ attribution|escape|tojson }});
window.mobisimMap = {{ map }};
{{ map }}.on('overlayadd overlayremove', mobisimLegendSync);
setTimeout(mobisimLegendSync, 0);
