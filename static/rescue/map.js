// The dispatcher board's map (Leaflet, vendored): open calls and units with a position, on the tiles the store set
// (its own tile server). The points come converted to the tiles' coordinate system in a data attribute of the
// board's body, which htmx fetches again every few seconds: the markers are redrawn after each refresh.
(function () {
  "use strict";

  var map = null;
  var layer = null;
  var fitted = false;

  function color(point) {
    if (point.kind === "unit") { return point.status === "available" ? "#20c997" : "#6c757d"; }
    return point.priority === 1 ? "#dc3545" : (point.priority === 2 ? "#fd7e14" : "#0d6efd");
  }

  function draw() {
    var source = document.querySelector("[data-map-points]");
    if (!map || !source) { return; }
    var points = JSON.parse(source.getAttribute("data-map-points"));
    layer.clearLayers();
    var bounds = [];
    points.forEach(function (point) {
      var marker = window.L.circleMarker([point.lat, point.lng], {
        radius: point.kind === "unit" ? 7 : 10, color: color(point), fillColor: color(point), fillOpacity: 0.8
      });
      var label = document.createElement("span");
      label.textContent = point.label;  // the address as typed: text, never markup
      marker.bindTooltip(label);
      marker.addTo(layer);
      bounds.push([point.lat, point.lng]);
    });
    document.querySelector("[data-testid=board-map]").setAttribute("data-markers", String(points.length));
    if (bounds.length && !fitted) {
      map.fitBounds(bounds, {padding: [30, 30], maxZoom: 14});
      fitted = true;
    }
  }

  function start() {
    var element = document.querySelector("[data-testid=board-map]");
    if (!element || !window.L) { return; }
    map = window.L.map(element, {zoomControl: true, attributionControl: false}).setView([23.1, 113.3], 9);
    window.L.tileLayer(element.getAttribute("data-tiles"), {maxZoom: 18}).addTo(map);
    layer = window.L.layerGroup().addTo(map);
    draw();
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.target && event.target.id === "rescue-board") { draw(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
