// Small behaviours htmx does not cover. No framework, no build step.
(function () {
  "use strict";

  // Clinic switcher submits on change.
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-autosubmit]")) e.target.form.requestSubmit();
  });

  // Destructive actions ask first: <button data-confirm="Archive John Smith?">.
  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  // The shared <dialog>: htmx loads a fragment into #dialog-body, we open it.
  var dialog = document.getElementById("dialog");
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "dialog-body" && dialog && !dialog.open) {
      dialog.showModal();
      var first = dialog.querySelector("[autofocus], input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    }
  });
  document.body.addEventListener("ncc:close-dialog", function () {
    if (dialog && dialog.open) dialog.close();
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-close-dialog]") && dialog) dialog.close();
  });
  if (dialog) {
    dialog.addEventListener("close", function () {
      document.getElementById("dialog-body").innerHTML = "";
    });
  }

  // Narrow screens: the menu button opens and closes the sidebar as a drop-down.
  document.addEventListener("click", function (e) {
    var toggle = e.target.closest("[data-nav-toggle]");
    if (!toggle) return;
    var open = document.body.classList.toggle("nav-open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // Flash messages clear: dismissed with ×, success and info fade after a while, and every
  // message goes once the user changes something else (an htmx POST).
  function dismiss(msg) {
    msg.classList.add("leaving");
    setTimeout(function () { msg.remove(); }, 300);
  }
  document.addEventListener("click", function (e) {
    var x = e.target.closest("[data-dismiss-flash]");
    if (x) dismiss(x.closest("[data-flash]"));
  });
  document.querySelectorAll(".msg-success[data-flash], .msg-info[data-flash]").forEach(function (msg) {
    setTimeout(function () { if (msg.isConnected) dismiss(msg); }, 8000);
  });
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    var verb = (e.detail.requestConfig && e.detail.requestConfig.verb || "get").toLowerCase();
    if (verb !== "get") document.querySelectorAll("[data-flash]").forEach(dismiss);
  });

  // Tables become lists of cards on a phone: each cell carries its column's name (CSS shows it).
  function labelCells() {
    document.querySelectorAll("table.list").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      if (!heads.length) return;
      table.querySelectorAll("tbody tr, tfoot tr").forEach(function (tr) {
        var i = 0;
        Array.prototype.forEach.call(tr.children, function (td) {
          if (heads[i] && !td.hasAttribute("data-label")) td.setAttribute("data-label", heads[i]);
          i += td.colSpan || 1;
        });
      });
    });
  }
  labelCells();
  document.body.addEventListener("htmx:afterSettle", labelCells);
})();
