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

  function text(node) {
    return node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  }

  /* Error summary: the server marks each invalid field (aria-invalid, or
   * data-invalid on a group of checkboxes) and ties its message to it; here the
   * alert above the form gets a link to each of them and takes the focus, so a
   * screen reader announces it and a keyboard user can jump to each field. */
  function setupErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    var fields = document.querySelectorAll('#main [aria-invalid="true"], #main [data-invalid]');
    if (fields.length) {
      var list = document.createElement("ul");
      list.className = "error-summary__list";
      fields.forEach(function (field) {
        var isGroup = field.tagName === "FIELDSET";
        var label = isGroup
          ? text(field.querySelector("legend"))
          : text(document.querySelector('label[for="' + field.id + '"]'));
        var group = (isGroup ? field.parentElement : field).closest("fieldset");
        var context = group ? text(group.querySelector("legend")) : "";
        var message = (field.getAttribute("aria-describedby") || "")
          .split(/\s+/)
          .map(function (id) { return document.getElementById(id); })
          .filter(function (node) { return node && node.classList.contains("field__error"); })
          .map(text)
          .join(" ");
        label = label.replace(/[.:]\s*$/, "");
        var link = document.createElement("a");
        link.href = "#" + field.id;
        link.textContent = (context ? context + " · " : "") + label + (message ? ": " + message : "");
        link.addEventListener("click", function (event) {
          var target = isGroup ? field.querySelector("input, select, textarea") : field;
          if (!target) return;
          event.preventDefault();
          target.focus();
        });
        var item = document.createElement("li");
        item.appendChild(link);
        list.appendChild(item);
      });
      summary.appendChild(list);
    }
    summary.focus();
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    setupNavToggle();
    setupQuantityTotals();
    setupErrorSummary();
  });
})();
