// "Log values": after a row is saved through htmx, move the focus to the next row's value
// (or back to the field at fault when it was refused) and announce the result.
(function () {
  "use strict";
  function announce(text) {
    var live = document.getElementById("log-announcer");
    if (live) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 50); }
  }
  document.addEventListener("htmx:load", function (ev) {
    var row = ev.target;
    if (!row || !row.classList || !row.classList.contains("log-row") || !row.dataset.result) return;
    var status = row.querySelector(".log-status");
    var name = row.querySelector(".log-name");
    announce((name ? name.textContent + ": " : "") + (status ? status.textContent : ""));
    if (row.dataset.result === "error") {
      var bad = row.querySelector("[aria-invalid='true']") || row.querySelector(".log-value");
      if (bad) { bad.focus(); if (bad.select) bad.select(); }
      return;
    }
    var rows = Array.prototype.slice.call(document.querySelectorAll(".log-row"));
    var next = rows[rows.indexOf(row) + 1];
    var target = next ? next.querySelector(".log-value") : row.querySelector("button[type=submit]");
    if (target) { target.focus(); if (target.select) target.select(); }
  });
})();
