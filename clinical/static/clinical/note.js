// A closed tab or a tablet put to sleep must not lose what was typed since the last autosave:
// when the page is hidden with changes not yet saved, send them with sendBeacon (which the
// browser delivers even as the page goes away).
(function () {
  var form = document.getElementById("note-form");
  if (!form || !navigator.sendBeacon) return;
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt === form && e.detail.successful) dirty = false;
  });
  function flush() {
    if (dirty) {
      navigator.sendBeacon(form.getAttribute("data-autosave-url"), new FormData(form));
      dirty = false;
    }
  }
  window.addEventListener("pagehide", flush);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });
})();
