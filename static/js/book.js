// The appointment book: click a slot to book, click (or Enter) an appointment to open it,
// drag an appointment to another time or column to move it. Pointer events, so it works with a
// mouse, a pen or a finger on a tablet. Everything else is htmx.
(function () {
  "use strict";

  var wrap = document.getElementById("book-grid");
  if (!wrap) return;
  var ZERO = "00000000-0000-0000-0000-000000000000";
  var phone = window.matchMedia("(max-width: 640px)");

  // Phone: the day shows one clinician's column, chosen in the picker above the grid (kept for
  // the next visit). Wider screens show every column.
  var solo = document.querySelector("[data-solo-pick]");
  var SOLO_KEY = "ncc.book.solo";
  if (solo && !solo.querySelector("[data-own]")) {
    var kept = window.localStorage && localStorage.getItem(SOLO_KEY);
    if (kept && solo.querySelector('option[value="' + kept + '"]')) solo.value = kept;
  }
  function applySolo() {
    var book = wrap.querySelector(".book");
    if (!book || book.dataset.view !== "day") return;
    var on = !!(solo && phone.matches);
    if (!book.dataset.tracks) book.dataset.tracks = book.style.getPropertyValue("--tracks");
    var heads = book.querySelectorAll(".book-head .col-head");
    var cols = book.querySelectorAll(".book-body .book-col");
    cols.forEach(function (col, i) {
      var show = !on || col.dataset.clinician === solo.value;
      col.hidden = !show;
      if (heads[i]) heads[i].hidden = !show;
    });
    book.classList.toggle("solo", on);
    book.style.setProperty("--cols", on ? 1 : cols.length);
    if (on) book.style.setProperty("--tracks", "minmax(0, 1fr)");
    else if (book.dataset.tracks) book.style.setProperty("--tracks", book.dataset.tracks);
  }
  if (solo) {
    solo.addEventListener("change", function () {
      if (window.localStorage) localStorage.setItem(SOLO_KEY, solo.value);
      applySolo();
    });
  }
  if (phone.addEventListener) phone.addEventListener("change", applySolo);
  wrap.addEventListener("htmx:afterSettle", applySolo);
  applySolo();

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  function hhmm(minute) {
    var h = Math.floor(minute / 60), m = minute % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function clockLabel(minute) {
    var h = Math.floor(minute / 60), m = minute % 60;
    return (h % 12 || 12) + ":" + (m < 10 ? "0" : "") + m + (h < 12 ? " am" : " pm");
  }

  function openDialog(url) {
    htmx.ajax("GET", url, { target: "#dialog-body", swap: "innerHTML", source: wrap });
  }

  function openAppointment(el) {
    openDialog(wrap.dataset.detailUrl.replace(ZERO, el.dataset.id));
  }

  // The clinic's week splits each day into one lane per clinician (data-lanes, left to right).
  function laneClinician(col, x) {
    var lanes = col.dataset.lanes.split(",");
    var r = col.getBoundingClientRect();
    var i = Math.floor((x - r.left) / (r.width / lanes.length));
    return lanes[Math.min(Math.max(i, 0), lanes.length - 1)];
  }

  function bookSlot(slot, x) {
    var col = slot.closest(".book-col");
    var book = slot.closest(".book");
    var clinician = col.dataset.lanes ? laneClinician(col, x)
      : (col.dataset.clinician || book.dataset.clinician);
    var params = new URLSearchParams({
      date: col.dataset.date,
      time: hhmm(parseInt(slot.dataset.m, 10)),
      clinician: clinician
    });
    openDialog(wrap.dataset.newUrl + "?" + params.toString());
  }

  // Clicks: a free slot books, an appointment opens (unless it was just dragged).
  var justDragged = false;
  wrap.addEventListener("click", function (e) {
    if (justDragged) { justDragged = false; e.preventDefault(); return; }
    if (e.target.closest(".appt-quick")) return;  // htmx handles the one-click status
    var appt = e.target.closest(".appt");
    if (appt) { openAppointment(appt); return; }
    var slot = e.target.closest(".slot");
    if (slot && !slot.disabled) bookSlot(slot, e.clientX);
  });
  wrap.addEventListener("keydown", function (e) {
    var appt = e.target.closest(".appt");
    if (appt && e.target === appt && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault();
      openAppointment(appt);
    }
  });

  // Drag to move ---------------------------------------------------------------------------
  var drag = null;

  function colAt(x, y) {
    var els = document.elementsFromPoint(x, y);
    for (var i = 0; i < els.length; i++) {
      if (els[i].classList && els[i].classList.contains("book-col")) return els[i];
    }
    return null;
  }

  wrap.addEventListener("pointerdown", function (e) {
    if (phone.matches) return;  // a phone scrolls and taps; moves are made in the dialog
    var el = e.target.closest(".appt.can-move");
    if (!el || e.target.closest("button") || e.button !== 0) return;
    var r = el.getBoundingClientRect();
    drag = { el: el, x: e.clientX, y: e.clientY, grabY: e.clientY - r.top, started: false };
  });

  document.addEventListener("pointermove", function (e) {
    if (!drag) return;
    if (!drag.started) {
      if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) < 6) return;
      drag.started = true;
      drag.el.classList.add("dragging");
      drag.ghost = drag.el.cloneNode(true);
      drag.ghost.classList.add("ghost");
      drag.ghost.classList.remove("focus", "dragging");
      drag.ghost.removeAttribute("tabindex");
      if (!drag.el.dataset.clinician) {  // clinic week: the ghost stays in its lane
        drag.ghost.style.left = "";
        drag.ghost.style.width = "";
      }
      document.body.classList.add("book-dragging");
    }
    e.preventDefault();
    var col = colAt(e.clientX, e.clientY);
    if (!col) { drag.ghost.hidden = true; drag.col = null; return; }
    var book = col.closest(".book");
    var step = parseInt(book.dataset.step, 10);
    var ppm = parseFloat(book.dataset.ppm);
    var start = parseInt(book.dataset.start, 10);
    var rect = col.getBoundingClientRect();
    var minutes = parseInt(drag.el.dataset.minutes, 10);
    var maxM = Math.max(0, Math.round(rect.height / ppm) - minutes);
    var m = Math.round((e.clientY - rect.top - drag.grabY) / ppm / step) * step;
    m = Math.min(Math.max(m, 0), maxM - (maxM % step));
    if (drag.ghost.parentNode !== col) col.appendChild(drag.ghost);
    drag.ghost.hidden = false;
    drag.ghost.style.top = Math.round(m * ppm) + "px";
    var t = drag.ghost.querySelector(".appt-time");
    if (t) t.textContent = clockLabel(start + m) + "–" + clockLabel(start + m + minutes);
    drag.col = col;
    drag.minute = start + m;
  });

  function endDrag(commit) {
    var d = drag;
    drag = null;
    if (!d || !d.started) return;
    justDragged = true;
    setTimeout(function () { justDragged = false; }, 0);
    document.body.classList.remove("book-dragging");
    if (!commit || !d.col) {
      d.el.classList.remove("dragging");
      if (d.ghost) d.ghost.remove();
      return;
    }
    d.ghost.classList.add("pending");
    var book = d.col.closest(".book");
    var values = {
      date: d.col.dataset.date,
      time: hhmm(d.minute),
      // In the clinic's week a move changes the day or time, never the clinician.
      clinician: d.col.dataset.lanes ? d.el.dataset.clinician
        : (d.col.dataset.clinician || book.dataset.clinician)
    };
    htmx.ajax("POST", wrap.dataset.moveUrl.replace(ZERO, d.el.dataset.id), {
      target: "#book-flash", swap: "innerHTML", values: values, source: wrap,
      headers: { "X-CSRFToken": csrf() }
    });
  }

  document.addEventListener("pointerup", function () { endDrag(true); });
  document.addEventListener("pointercancel", function () { endDrag(false); });
  document.addEventListener("keydown", function (e) {
    if (drag && e.key === "Escape") endDrag(false);
  });

  // Keyboard navigation: ← → previous/next, T today (not while typing).
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable) return;
    if (document.getElementById("dialog").open) return;
    var key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    var link = document.querySelector('.book-toolbar [data-key="' + key + '"]');
    if (link) { e.preventDefault(); link.click(); }
  });

  // In the booking and edit forms, choosing a type sets its usual length.
  document.addEventListener("change", function (e) {
    if (e.target.name !== "appointment_type") return;
    var opt = e.target.selectedOptions[0];
    var minutes = e.target.form && e.target.form.querySelector("[name=minutes]");
    if (opt && opt.dataset.minutes && minutes) minutes.value = opt.dataset.minutes;
  });

  // Messages above the book can be dismissed.
  document.addEventListener("click", function (e) {
    var x = e.target.closest("[data-dismiss]");
    if (x) x.closest(".book-msg").remove();
  });

  // The "now" line creeps down once a minute.
  setInterval(function () {
    document.querySelectorAll(".now-line").forEach(function (line) {
      var ppm = parseFloat(line.closest(".book").dataset.ppm);
      line.style.top = (parseFloat(line.style.top) + ppm) + "px";
    });
  }, 60000);

  function focusAppointment() {
    var f = wrap.querySelector(".appt.focus");
    if (f) { f.scrollIntoView({ block: "center" }); f.focus({ preventScroll: true }); }
  }
  focusAppointment();
})();
