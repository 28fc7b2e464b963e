/* Replaying a map's fixes in time order: a range slider (#replay) and step buttons
 * (data-action="replay-prev" / "replay-next") show the fixes up to the chosen one, and say
 * its time and accuracy.
 *
 *   FieldReplay.attach(controls, drawn, data);
 *   // controls: the element holding the slider, the buttons and #replay-at;
 *   // drawn: what FieldMap.draw returned (its markers are one layer per fix, in time
 *   // order); data: the map data it drew (its fixes.columns and fixes.rows).
 *
 * Sets controls.dataset.shown to the number of fixes on the map.
 */
(function () {
  "use strict";

  var localTime = window.FieldMap.localTime;

  function attach(controls, drawn, data) {
    var slider = controls.querySelector("#replay");
    var caption = controls.querySelector("#replay-at");
    var markers = drawn.markers;
    var rows = (data.fixes && data.fixes.rows) || [];
    var col = {};
    ((data.fixes && data.fixes.columns) || []).forEach(function (name, i) { col[name] = i; });
    var accuracyText = (data.labels && data.labels.accuracy_m) || "accuracy %(m)s m";
    var shown = markers.length;

    function show(count) {
      count = Math.max(1, Math.min(markers.length, count));
      for (var i = 0; i < markers.length; i++) {
        var wanted = i < count;
        var present = drawn.fixLayer.hasLayer(markers[i]);
        if (wanted && !present) drawn.fixLayer.addLayer(markers[i]);
        if (!wanted && present) drawn.fixLayer.removeLayer(markers[i]);
      }
      shown = count;
      slider.value = String(count);
      controls.dataset.shown = String(count);
      var row = rows[count - 1];
      var acc = row[col.acc];
      caption.textContent = count + " / " + markers.length + " · " + localTime(row[col.t], data.zone) +
        (acc == null ? "" : " · " + accuracyText.replace("%(m)s", acc));
    }

    slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
    controls.querySelector('[data-action="replay-prev"]').addEventListener("click", function () {
      show(shown - 1);
    });
    controls.querySelector('[data-action="replay-next"]').addEventListener("click", function () {
      show(shown + 1);
    });
    if (markers.length) show(markers.length);
  }

  window.FieldReplay = { attach: attach };
})();
