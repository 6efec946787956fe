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
})();
