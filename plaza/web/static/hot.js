// The hot list page (热搜榜) keeps itself current: every few seconds it asks the server for the
// list again (an HTML fragment, rendered and escaped by the server) and swaps it in when it
// changed. Without this script the page is still whole; it just shows the list as loaded.
(function () {
  "use strict";

  function keepFresh(box) {
    var url = box.getAttribute("data-refresh-url");
    var seconds = parseInt(box.getAttribute("data-refresh-seconds"), 10) || 30;
    var last = null;
    var busy = false;

    function update() {
      if (busy || document.hidden) { return; }
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html !== null && html !== last) {
            box.innerHTML = html;
            last = html;
            box.setAttribute("data-updated", String(Date.now()));
          }
        })
        .catch(function () { /* offline for a moment: try again at the next tick */ })
        .then(function () { busy = false; });
    }

    window.setInterval(update, seconds * 1000);
    document.addEventListener("visibilitychange", update);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh-url]").forEach(keepFresh);
  });
})();
