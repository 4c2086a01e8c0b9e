// Draws the event report's charts with the vendored Chart.js. Each canvas names
// (data-chart) the JSON script element that holds its labels and datasets; the
// same figures are in the table under it, so nothing is lost without script.
(function () {
  "use strict";

  var COLOURS = ["#1f6fb2", "#e07b00", "#2e8540", "#8e44ad", "#c0392b"];

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var stacked = Boolean(spec.stacked);
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset, index) {
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: COLOURS[index % COLOURS.length],
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: stacked },
          y: { stacked: stacked, beginAtZero: true },
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i += 1) {
      draw(canvases[i]);
    }
  });
})();
