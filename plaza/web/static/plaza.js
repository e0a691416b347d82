// Plaza's only script: small conveniences; every page works without it.
(function () {
  "use strict";

  // Live character counter for the compose box, counted as the server counts (code points).
  function bindCounter(counter) {
    var area = document.getElementById(counter.getAttribute("data-for"));
    if (!area) { return; }
    var max = parseInt(area.getAttribute("data-max"), 10) || 0;
    var box = counter.parentNode;
    function update() {
      var length = Array.from(area.value.replace(/\r\n/g, "\n")).length;
      counter.textContent = String(length);
      box.classList.toggle("over", max > 0 && length > max);
    }
    area.addEventListener("input", update);
    update();
  }

  // Forms marked data-confirm ask before they are sent (delete, suspend).
  function bindConfirm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  }

  // A select marked data-autosubmit sends its form on change (the city picker).
  function bindAutosubmit(select) {
    select.addEventListener("change", function () { select.form.submit(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".count[data-for]").forEach(bindCounter);
    document.querySelectorAll("form[data-confirm]").forEach(bindConfirm);
    document.querySelectorAll("select[data-autosubmit]").forEach(bindAutosubmit);
  });
})();
