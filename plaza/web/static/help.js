// Help requests' pages: conveniences over plain forms (every page works without this).
// - The help form's "use my location" fills latitude and longitude from the browser's own
//   geolocation (nothing is asked of any other server).
// - The verifiers' queue answers keys: j / k move, Enter (or o) opens the request.
(function () {
  "use strict";

  function locate(button) {
    var status = document.getElementById("help-locate-status");
    var lat = document.getElementById("help-lat");
    var lon = document.getElementById("help-lon");
    if (!navigator.geolocation || !lat || !lon) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (status) { status.textContent = button.dataset.locating || ""; }
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        if (status) { status.textContent = ""; }
      }, function () {
        if (status) { status.textContent = button.dataset.failed || ""; }
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  function queueKeys(rows) {
    var current = -1;
    function select(index) {
      if (!rows.length) { return; }
      current = Math.max(0, Math.min(rows.length - 1, index));
      rows.forEach(function (row, i) { row.classList.toggle("current", i === current); });
      rows[current].focus({ preventScroll: true });
      rows[current].scrollIntoView({ block: "nearest" });
    }
    function open() {
      if (current < 0) { return; }
      var link = rows[current].querySelector("a.help-open");
      if (link) { window.location.href = link.href; }
    }
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.target.matches("input, textarea, select, button, a, [contenteditable]")) { return; }
      switch (event.key) {
        case "j": select(current + 1); break;
        case "k": select(current - 1); break;
        case "Enter": case "o": open(); break;
        default: return;
      }
      event.preventDefault();
    });
    rows.forEach(function (row, i) { row.addEventListener("click", function () { select(i); }); });
    if (rows.length) { select(0); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("help-locate");
    if (button) { locate(button); }
    var rows = Array.from(document.querySelectorAll("#help-queue .help-row"));
    if (rows.length) { queueKeys(rows); }
  });
})();
