// Draws every chart on the page, and those htmx brings in later, with the local plotly.js.
(function () {
  "use strict";
  function draw(root) {
    root.querySelectorAll(".chart").forEach(function (el) {
      if (el.dataset.drawn) return;
      var data = el.querySelector("script.chart-data");
      if (!data || !window.Plotly) return;
      var figure = JSON.parse(data.textContent);
      // No mode bar: its buttons would be focusable inside a drawing hidden from screen
      // readers (the figure's summary and table carry the numbers).
      var config = { displayModeBar: false, responsive: true,
                     locale: document.documentElement.lang || "en" };
      el.dataset.drawn = "1";
      window.Plotly.newPlot(el, figure.data, figure.layout, config).then(function () {
        // A point with a link in its customdata opens it (e.g. the initiative).
        el.on("plotly_click", function (ev) {
          var point = ev.points && ev.points[0];
          var href = point && point.customdata && (point.customdata.href || point.customdata[0]);
          if (typeof href === "string" && href.charAt(0) === "/") window.location.href = href;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:load", function (ev) { draw(ev.target); });
})();
