// The staff workspace: the queue keeps up by itself (every 30 s it fetches its own address and puts
// the new bell, counts and rows in place, and the count needing a reply in the tab's title), a reply
// is sent with Ctrl+Enter, a canned reply fills the reply box, and the queue's rows can be picked (the
// bulk actions show once one is); the filters, folded on a phone, open by themselves on a wide screen.
(function () {
  "use strict";
  // A test may ask for a quicker round (window.HOANHAP_REFRESH_MS, set before the page loads).
  var REFRESH_MS = window.HOANHAP_REFRESH_MS || 30000;

  function busy() {
    // Never pull the page from under someone: a row picked, or typing in a form.
    if (document.querySelector("#queue-live input.ws-pick:checked")) return true;
    var active = document.activeElement;
    return !!(active && active.closest && active.closest("form") && active !== document.body);
  }

  function refresh() {
    if (document.hidden || busy()) return;
    fetch(window.location.href, { credentials: "same-origin", headers: { "X-Refresh": "1" } })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("stale");
        return response.text();
      })
      .then(function (html) {
        if (busy()) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live][id]").forEach(function (old) {
          var next = fresh.getElementById(old.id);
          if (next) old.replaceWith(document.importNode(next, true));
        });
        document.title = fresh.title;
        wirePicking();
      })
      .catch(function () { /* offline or signed out: the next round tries again */ });
  }

  function wirePicking() {
    var all = document.getElementById("pick-all");
    var bar = document.getElementById("bulk");
    if (!all || !bar) return;
    var label = document.getElementById("pick-all-label");
    if (label) label.hidden = false;
    var boxes = function () { return document.querySelectorAll("#queue-live input.ws-pick[name=code]"); };
    var show = function () {
      var n = 0;
      boxes().forEach(function (b) { if (b.checked) n += 1; });
      var count = document.getElementById("bulk-count");
      if (count) count.textContent = String(n);
      bar.classList.toggle("has-picks", n > 0);
    };
    all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
      show();
    });
    boxes().forEach(function (b) { b.addEventListener("change", show); });
    show();
  }

  function wireReplying() {
    document.querySelectorAll("textarea[data-send-with-ctrl-enter]").forEach(function (area) {
      area.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          if (area.form) area.form.requestSubmit();
        }
      });
    });
    var canned = document.getElementById("canned");
    var box = document.getElementById("reply-text");
    if (canned && box) {
      canned.addEventListener("change", function () {
        var option = canned.options[canned.selectedIndex];
        if (!option || !option.dataset.body) return;
        box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + option.dataset.body : option.dataset.body;
        box.focus();
        canned.selectedIndex = 0;
      });
      var fill = document.getElementById("canned-fill");
      if (fill) fill.hidden = true;
    }
  }

  function openOnWideScreens() {
    // Folded on a phone, where they would push the first request two screens down.
    if (!window.matchMedia || !window.matchMedia("(min-width: 761px)").matches) return;
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  }

  document.documentElement.classList.add("js");
  openOnWideScreens();
  wireReplying();
  if (document.body.classList.contains("ws-live")) {
    wirePicking();
    window.setInterval(refresh, REFRESH_MS);
  }
})();
