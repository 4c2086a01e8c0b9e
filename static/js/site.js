/* SCI Events — small progressive enhancements for the public site.
 * Everything works without this file: the navigation is visible, forms submit.
 * Loaded as an external file (no inline scripts) so a strict CSP can apply.
 */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  function setupNavToggle() {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("site-nav");
    if (!toggle || !nav) return;
    toggle.hidden = false;

    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("is-open", open);
    }
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  /* Quantity steppers on the checkout: keep the visible total in step with inputs. */
  function setupQuantityTotals() {
    var form = document.querySelector("[data-checkout-form]");
    if (!form) return;
    var output = form.querySelector("[data-checkout-count]");
    if (!output) return;
    function update() {
      var count = 0;
      form.querySelectorAll("input[data-ticket-quantity]").forEach(function (input) {
        var value = parseInt(input.value, 10);
        if (!isNaN(value) && value > 0) count += value;
      });
      output.textContent = String(count);
    }
    form.addEventListener("input", update);
    update();
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    setupNavToggle();
    setupQuantityTotals();
  });
})();
