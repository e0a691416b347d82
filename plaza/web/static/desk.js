// The service desk's pages: conveniences over plain forms (every page works without this).
// - A category picker (one <select> of leaves grouped by <optgroup>) becomes three cascading
//   selects: level 1, level 2, level 3; the original select keeps the value that is sent.
// - The staff queue answers keys: j / k move, a accept, f forward, r decline (picks the reason),
//   o open.
(function () {
  "use strict";

  function option(value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  // The leaf paths of a picker ("城乡建设/城市建设和市政管理/城市公共设施"), in order.
  function leafPaths(select) {
    return Array.from(select.querySelectorAll("optgroup option")).map(function (o) { return o.value; });
  }

  function cascade(select) {
    var paths = leafPaths(select);
    if (!paths.length) { return; }
    var empty = select.options[0] ? select.options[0].textContent : "";
    var box = document.createElement("span");
    box.className = "category-cascade";
    var levels = [0, 1, 2].map(function (depth) {
      var s = document.createElement("select");
      s.setAttribute("aria-label", (select.labels && select.labels[0] ? select.labels[0].textContent : "") + " " + (depth + 1));
      s.dataset.depth = String(depth);
      box.appendChild(s);
      return s;
    });
    function prefixOf(depth) {
      var parts = [];
      for (var i = 0; i < depth; i++) { parts.push(levels[i].value); }
      return parts;
    }
    function fill(depth) {
      var s = levels[depth];
      var prefix = prefixOf(depth);
      var keep = s.value;
      s.textContent = "";
      var seen = {};
      s.appendChild(option("", depth === 0 ? empty : "—"));
      paths.forEach(function (path) {
        var names = path.split("/");
        if (names.length <= depth) { return; }
        for (var i = 0; i < depth; i++) { if (names[i] !== prefix[i]) { return; } }
        if (!seen[names[depth]]) {
          seen[names[depth]] = true;
          s.appendChild(option(names[depth], names[depth]));
        }
      });
      s.value = seen[keep] ? keep : "";
      s.hidden = depth > 0 && (s.options.length <= 1 || !prefix.every(Boolean));
    }
    function sync() {
      var parts = prefixOf(3).filter(Boolean);
      var path = parts.join("/");
      select.value = paths.indexOf(path) >= 0 ? path : "";
    }
    function changed(depth) {
      for (var d = depth + 1; d < 3; d++) { levels[d].value = ""; fill(d); }
      sync();
    }
    var initial = select.value ? select.value.split("/") : [];
    fill(0);
    levels[0].value = initial[0] || "";
    fill(1);
    levels[1].value = initial[1] || "";
    fill(2);
    levels[2].value = initial[2] || "";
    levels.forEach(function (s, depth) { s.addEventListener("change", function () { changed(depth); }); });
    select.hidden = true;
    select.parentNode.insertBefore(box, select);
    select.required = false;  // the leaf may be left to the desk; the server checks what it needs
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
    function submit(action) {
      if (current < 0) { return; }
      var form = rows[current].querySelector("form[data-action='" + action + "']");
      if (!form) { return; }
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    }
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      var target = event.target;
      if (target.matches("select.reject-reason") && event.key === "Enter") {
        event.preventDefault();
        target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
        return;
      }
      if (target.matches("input, textarea, select, [contenteditable]")) { return; }
      switch (event.key) {
        case "j": select(current + 1); break;
        case "k": select(current - 1); break;
        case "a": submit("accept"); break;
        case "f": submit("forward"); break;
        case "r":
          if (current >= 0) {
            var reason = rows[current].querySelector("select.reject-reason");
            if (reason) { reason.focus(); }
          }
          break;
        case "o":
          if (current >= 0) {
            var link = rows[current].querySelector("a.case-open");
            if (link) { window.location.href = link.href; }
          }
          break;
        default: return;
      }
      event.preventDefault();
    });
    rows.forEach(function (row, i) { row.addEventListener("click", function () { current = i; select(i); }); });
    var hash = window.location.hash;
    var start = hash ? rows.findIndex(function (row) { return "#" + row.id === hash; }) : -1;
    if (start >= 0 || rows.length) { select(Math.max(0, start)); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select.category-select").forEach(cascade);
    var rows = Array.from(document.querySelectorAll("#queue .desk-row"));
    if (rows.length) { queueKeys(rows); }
  });
})();
