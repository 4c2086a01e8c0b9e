// Follows a background job (a badge print job, an XLSX export): polls its JSON status
// every second, moves the progress bar, and shows the download link (or the error)
// when it ends. The page (templates/registration/jobs/admin/job.html) marks its parts
// with data-job-* attributes and names the class that hides them in data-hidden-class.
(function () {
  "use strict";

  var INTERVAL_MS = 1000;
  var MAX_FAILURES = 10;

  function follow(root) {
    var url = root.getAttribute("data-status-url");
    var bar = root.querySelector("[data-job-bar]");
    var label = root.querySelector("[data-job-label]");
    var done = root.querySelector("[data-job-done]");
    var total = root.querySelector("[data-job-total]");
    var download = root.querySelector("[data-job-download]");
    var link = root.querySelector("[data-job-link]");
    var error = root.querySelector("[data-job-error]");
    var lost = root.querySelector("[data-job-lost]");
    var hidden = root.getAttribute("data-hidden-class") || "job-progress--hidden";
    var failures = 0;

    function show(status) {
      bar.value = status.progress;
      bar.textContent = status.progress + " %";
      label.textContent = status.label;
      done.textContent = status.done;
      if (total) {
        total.textContent = status.total;
      }
      root.setAttribute("data-status", status.status);
      var fileUrl = status.file_url || status.pdf_url;
      if (fileUrl) {
        link.href = fileUrl;
        download.classList.remove(hidden);
      }
      if (status.error) {
        error.textContent = status.error;
        error.classList.remove(hidden);
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
            lost.classList.remove(hidden);
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
    var roots = document.querySelectorAll("[data-job]");
    for (var i = 0; i < roots.length; i += 1) {
      follow(roots[i]);
    }
  });
})();
