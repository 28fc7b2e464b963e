/* The console's maps (Leaflet, vendored): boundaries, fixes with accuracy circles, night
 * centroids and a legend, from the data web/maps.py builds.
 *
 *   const drawn = FieldMap.draw(element, data);
 *   // drawn.map: the Leaflet map; drawn.fixLayer: a layer group holding every fix;
 *   // drawn.markers: one layer per fix (its dot and accuracy circle), in row order, so a
 *   // script can replay them in time order (fixLayer.removeLayer / addLayer); each
 *   // has .fix = {latlng, t, slot, verdict}.
 *
 * No basemap unless data.basemap.url is set. Sets element.dataset.fixes to the number of
 * fixes drawn, and element.fieldMap to what it returns. FieldMap.mount(element) draws from <script type="application/json"> whose
 * id is element.dataset.source (default "map-data").
 */
(function () {
  "use strict";

  var SLOT_STYLE = {
    day: { color: "#ffffff", fillColor: "#f08c00", radius: 5 },
    night: { color: "#ffffff", fillColor: "#1c3d7a", radius: 5 },
    none: { color: "#ffffff", fillColor: "#868e96", radius: 3 },
  };
  var POST_COLOR = "#0b69a3";
  var CENTROID_COLOR = "#c92a2a";

  function escaped(value) {
    var box = document.createElement("span");
    box.textContent = value == null ? "" : String(value);
    return box.innerHTML;
  }

  // popups and tooltips are HTML: every word in them goes through escaped()
  function text(labels, key, fallback) {
    return escaped((labels && labels[key]) || fallback);
  }

  function fill(template, value) {
    return template.replace("%(m)s", value);
  }

  // Epoch seconds as "2026-11-30 05:51:14" in the settings' zone, as the pages write times
  // (the sv-SE locale formats dates that way, whatever the browser's own locale).
  function localTime(epoch, zone) {
    try {
      return new Date(epoch * 1000).toLocaleString("sv-SE", zone ? { timeZone: zone } : {});
    } catch (e) {
      return new Date(epoch * 1000).toISOString();
    }
  }

  function boundaryLayer(collection) {
    return L.geoJSON(collection, {
      style: function (feature) {
        var p = feature.properties || {};
        var post = p.role === "post";
        return { color: post ? POST_COLOR : "#52606d", weight: post ? 3 : 1.5,
          fillColor: p.color || POST_COLOR, fillOpacity: p.color ? 0.45 : 0.06 };
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        var name = p.label || p.name || p.code;
        if (name) layer.bindTooltip(escaped(name), { sticky: true });
      },
    });
  }

  function fixMarkers(fixes, labels, zone) {
    var col = {};
    (fixes.columns || []).forEach(function (name, i) { col[name] = i; });
    return (fixes.rows || []).map(function (row) {
      var at = [row[col.lat], row[col.lon]];
      var slot = SLOT_STYLE[row[col.slot]] ? row[col.slot] : "none";
      var style = SLOT_STYLE[slot];
      var parts = [];
      var acc = row[col.acc];
      if (acc) {
        parts.push(L.circle(at, { radius: acc, stroke: false, fillColor: style.fillColor,
          fillOpacity: 0.08, interactive: false }));
      }
      var dot = L.circleMarker(at, { radius: style.radius, color: style.color, weight: 1,
        fillColor: style.fillColor, fillOpacity: 0.9 });
      var verdict = row[col.verdict];
      dot.bindPopup(escaped(localTime(row[col.t], zone)) + "<br>" + text(labels, slot, slot) + " · " +
        text(labels, verdict, verdict) +
        (acc ? "<br>" + fill(text(labels, "accuracy_m", "accuracy %(m)s m"), acc) : ""));
      parts.push(dot);
      var group = L.featureGroup(parts);
      group.fix = { latlng: at, t: row[col.t], slot: slot, verdict: verdict };
      return group;
    });
  }

  // Each night's centroid; the last one's distance to the boundary stays written on the map
  // (the others show theirs on hover: nights in the same place would cover each other).
  function centroidLayer(centroids, labels) {
    var list = centroids || [];
    return L.layerGroup(list.map(function (c, i) {
      var away = c.distance_m == null ? "" :
        fill(text(labels, "metres_away", "%(m)s m from the boundary"), Math.round(c.distance_m));
      return L.circleMarker([c.lat, c.lon], { radius: 12, color: CENTROID_COLOR, weight: 3,
        fill: false })
        .bindTooltip(text(labels, "centroid", "Night centroid") + " " + escaped(c.date) +
          (away ? "<br>" + away : ""), { direction: "top", permanent: i === list.length - 1 });
    }));
  }

  function legend(labels) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend");
      var swatch = function (color, ring) {
        return '<span class="dot" style="background:' + color + (ring ? ";border:3px solid " +
          CENTROID_COLOR : "") + '"></span> ';
      };
      box.innerHTML = [
        swatch(SLOT_STYLE.day.fillColor) + text(labels, "day", "Day fix"),
        swatch(SLOT_STYLE.night.fillColor) + text(labels, "night", "Night fix"),
        swatch(SLOT_STYLE.none.fillColor) + text(labels, "none", "Other fix"),
        swatch("rgba(28,61,122,.15)") + text(labels, "accuracy", "Accuracy circle"),
        swatch("#ffffff", true) + text(labels, "centroid", "Night centroid"),
        '<span class="line" style="border-color:' + POST_COLOR + '"></span> ' +
          text(labels, "post", "Village boundary"),
      ].join("<br>");
      return box;
    };
    return control;
  }

  function draw(element, data) {
    var labels = data.labels || {};
    var map = L.map(element, { preferCanvas: true, attributionControl: true });
    map.attributionControl.setPrefix("Leaflet");  // its licence asks for credit; no link, no flag
    var basemap = data.basemap || {};
    if (basemap.url) {
      L.tileLayer(basemap.url, { attribution: basemap.attribution || "", maxZoom: 19 }).addTo(map);
    }
    var boundaries = boundaryLayer(data.boundaries || { type: "FeatureCollection", features: [] })
      .addTo(map);
    var markers = fixMarkers(data.fixes || {}, labels, data.zone);
    var fixLayer = L.layerGroup(markers).addTo(map);
    var centroids = centroidLayer(data.centroids, labels).addTo(map);
    legend(labels).addTo(map);
    var bounds = L.latLngBounds([]);
    if (boundaries.getLayers().length) bounds.extend(boundaries.getBounds());
    markers.forEach(function (m) { bounds.extend(m.fix.latlng); });
    (data.centroids || []).forEach(function (c) { bounds.extend([c.lat, c.lon]); });
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
    } else {
      map.setView([35, 105], 4);
    }
    // day and night fixes over those outside the windows, centroids over all (the layers
    // exist once the view is set)
    markers.forEach(function (m) { if (m.fix.slot !== "none") m.bringToFront(); });
    centroids.eachLayer(function (c) { c.bringToFront(); });
    element.dataset.fixes = String(markers.length);
    element.fieldMap = { map: map, fixLayer: fixLayer, markers: markers };
    return element.fieldMap;
  }

  function mount(element) {
    var source = document.getElementById(element.dataset.source || "map-data");
    return draw(element, JSON.parse(source.textContent));
  }

  window.FieldMap = { draw: draw, mount: mount, localTime: localTime };
})();
