// Follows a badge print job: polls its JSON status every second, moves the
// progress bar, and shows the download link (or the error) when it ends.
(function () {
  "use strict";

  var INTERVAL_MS = 1000;
  var MAX_FAILURES = 10;

  function follow(root) {
    var url = root.getAttribute("data-status-url");
    var bar = root.querySelector("[data-badge-job-bar]");
    var label = root.querySelector("[data-badge-job-label]");
    var done = root.querySelector("[data-badge-job-done]");
    var download = root.querySelector("[data-badge-job-download]");
    var link = root.querySelector("[data-badge-job-link]");
    var error = root.querySelector("[data-badge-job-error]");
    var lost = root.querySelector("[data-badge-job-lost]");
    var failures = 0;

    function show(status) {
      bar.value = status.progress;
      bar.textContent = status.progress + " %";
      label.textContent = status.label;
      done.textContent = status.done;
      root.setAttribute("data-status", status.status);
      if (status.pdf_url) {
        link.href = status.pdf_url;
        download.classList.remove("badge-job--hidden");
      }
      if (status.error) {
        error.textContent = status.error;
        error.classList.remove("badge-job--hidden");
      }
    }

    function finished(status) {
      return status === "done" || status === "failed";
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (status) {
          failures = 0;
          show(status);
          if (!finished(status.status)) {
            window.setTimeout(poll, INTERVAL_MS);
          }
        })
        .catch(function () {
          failures += 1;
          if (failures >= MAX_FAILURES) {
            lost.classList.remove("badge-job--hidden");
          } else {
            window.setTimeout(poll, INTERVAL_MS);
          }
        });
    }

    if (!finished(root.getAttribute("data-status"))) {
      window.setTimeout(poll, INTERVAL_MS);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var roots = document.querySelectorAll("[data-badge-job]");
    for (var i = 0; i < roots.length; i += 1) {
      follow(roots[i]);
    }
  });
})();
