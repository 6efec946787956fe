// Live character and SMS-part count beside every <textarea data-sms-counter>, and templates that
// fill the message box. Mirrors messaging/segments.py: GSM-7 160/153, UCS-2 70/67.
(function () {
  "use strict";
  if (window.nccSmsLoaded) return;
  window.nccSmsLoaded = true;

  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXT = "^{}\\[~]|€\f";

  function count(text) {
    var gsm = true, units = 0, i, ch, odd = [];
    var chars = Array.from(text);
    for (i = 0; i < chars.length; i++) {
      ch = chars[i];
      if (BASIC.indexOf(ch) === -1 && EXT.indexOf(ch) === -1) {
        gsm = false;
        if (odd.indexOf(ch) === -1 && odd.length < 5) odd.push(ch);
      }
    }
    var single = gsm ? 160 : 70, part = gsm ? 153 : 67, costs = [];
    for (i = 0; i < chars.length; i++) {
      costs.push(gsm ? (EXT.indexOf(chars[i]) === -1 ? 1 : 2)
                     : (chars[i].codePointAt(0) > 0xffff ? 2 : 1));
      units += costs[i];
    }
    var parts = units === 0 ? 0 : 1;
    if (units > single) {
      // A two-unit character is never cut between parts: it opens the next one.
      var used = 0;
      for (i = 0; i < costs.length; i++) {
        if (used + costs[i] > part) { parts++; used = 0; }
        used += costs[i];
      }
    }
    return { gsm: gsm, units: units, parts: parts, odd: odd };
  }

  function counterFor(area) {
    var scope = area.closest("form, .field") || area.parentNode;
    return scope.querySelector(".sms-counter");
  }

  function update(area) {
    var box = counterFor(area);
    if (!box) return;
    var c = count(area.value);
    var limit = parseInt(box.getAttribute("data-limit") || "0", 10);
    box.querySelector("[data-count]").textContent = c.units + " character" + (c.units === 1 ? "" : "s");
    box.querySelector("[data-parts]").textContent = c.parts + " SMS part" + (c.parts === 1 ? "" : "s");
    box.querySelector("[data-encoding]").textContent = c.gsm ? "" :
      "(Unicode because of " + c.odd.join(" ") + ": 67 characters a part)";
    var over = limit && c.parts > limit;
    box.classList.toggle("sms-over", !!over);
    box.classList.toggle("sms-unicode", !c.gsm);
  }

  document.addEventListener("input", function (e) {
    if (e.target.matches("textarea[data-sms-counter]")) update(e.target);
  });
  document.addEventListener("change", function (e) {
    var sel = e.target;
    if (!sel.matches("select[data-sms-template]")) return;
    var opt = sel.options[sel.selectedIndex];
    var area = document.getElementById(sel.getAttribute("data-sms-template"));
    if (area && opt && opt.getAttribute("data-body") !== null) {
      area.value = opt.getAttribute("data-body");
      update(area);
      area.focus();
    }
  });
  function init() {
    document.querySelectorAll("textarea[data-sms-counter]").forEach(update);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  window.nccSmsCount = count;
})();
