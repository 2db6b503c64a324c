// The web chat without page reloads: send with fetch, poll for replies, render as text only.
// Older messages on demand, one length limit with a counter, the input's hint per step, a new long
// answer shown from its start, and the tab's title counting what arrived while it was hidden.
(function () {
  "use strict";
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  if (!log || !form) { return; }
  var input = document.getElementById("chat-text");
  var counter = document.getElementById("chat-count");
  var errorBox = document.getElementById("chat-error");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var maxText = parseInt(log.getAttribute("data-max-text"), 10) || 0;
  var baseTitle = document.title;
  var unread = 0;
  var lastId = 0;
  var busy = false;
  Array.prototype.forEach.call(log.querySelectorAll("[data-id]"), function (el) {
    lastId = Math.max(lastId, parseInt(el.getAttribute("data-id"), 10) || 0);
  });

  function nonce() {
    var a = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function scrollToEnd() { log.scrollTop = log.scrollHeight; window.scrollTo(0, document.body.scrollHeight); }

  // Where the reader should land: at the end, unless what came in is taller than the screen, when
  // the first new answer is brought to the top so it is read from its start, not mid-sentence.
  function reveal(first) {
    var end = document.getElementById("end");
    var room = Math.min(window.innerHeight, log.clientHeight || window.innerHeight) - form.offsetHeight;
    if (first && end.getBoundingClientRect().top - first.getBoundingClientRect().top > room) {
      first.scrollIntoView({ block: "start" });
    } else {
      scrollToEnd();
    }
  }

  function disableOldChoices() {
    Array.prototype.forEach.call(log.querySelectorAll(".choices button"), function (b) { b.disabled = true; });
  }

  function bubble(m) {
    var div = document.createElement("div");
    div.className = "bubble " + (m.from === "me" ? "me" : "bot");
    div.setAttribute("data-id", String(m.id));
    div.textContent = m.text;  // never innerHTML: a message is text, whatever it contains
    if (m.link && /^https?:\/\//.test(m.link)) {
      var a = document.createElement("a");
      a.href = m.link; a.rel = "noopener noreferrer"; a.target = "_blank"; a.textContent = m.link;
      div.appendChild(document.createTextNode("\n")); div.appendChild(a);
    }
    return div;
  }

  function choices(m, live) {
    var box = document.createElement("div");
    box.className = "choices";
    m.choices.forEach(function (c) {
      var b = document.createElement("button");
      b.type = "button"; b.textContent = c.label; b.disabled = !live;
      b.addEventListener("click", function () { send({ choice: c.id, label: c.label }); });
      box.appendChild(b);
    });
    return box;
  }

  function hint(data) {
    var h = data && data.input;
    if (!h) { return; }
    if (h.locale && h.locale !== document.documentElement.lang) {
      // The bot's /lang switched the conversation's language: the page follows it.
      window.location.reload();
      return;
    }
    input.placeholder = h.placeholder || input.placeholder;
    input.setAttribute("inputmode", h.tel ? "tel" : "text");
    if (h.limit) {
      // A description's step takes more than a question's: the box, counter and check follow the bot.
      maxText = h.limit;
      input.maxLength = h.limit;
      if (h.too_long) { form.setAttribute("data-too-long", h.too_long); }
      updateCount();
    }
  }

  function countUnread(n) {
    if (document.visibilityState !== "hidden" || !n) { return; }
    unread += n;
    document.title = "(" + unread + ") " + baseTitle;
  }

  function seen() {
    if (document.visibilityState === "hidden") { return; }
    unread = 0;
    document.title = baseTitle;
  }

  function show(data) {
    var messages = data.messages || [];
    var end = document.getElementById("end");
    var start = document.getElementById("chat-start");
    var first = null;
    var fromBot = 0;
    if (messages.length && start) { start.remove(); }
    messages.forEach(function (m) {
      if (m.id <= lastId) { return; }
      lastId = m.id;
      var el = bubble(m);
      if (m.from === "bot") { disableOldChoices(); fromBot += 1; first = first || el; }
      log.insertBefore(el, end);
      if (m.from === "bot" && m.choices && m.choices.length) { log.insertBefore(choices(m, true), end); }
    });
    hint(data);
    countUnread(fromBot);
    if (messages.length) { reveal(first); }
  }

  function older(link) {
    var before = link.getAttribute("data-before");
    fetch("/chat/older?before=" + encodeURIComponent(before), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { messages: [], older: before }; })
      .then(function (data) {
        // Prepended in place: the reader stays on the message they were reading.
        var height = document.documentElement.scrollHeight;
        var at = link.nextSibling;
        (data.messages || []).forEach(function (m) {
          log.insertBefore(bubble(m), at);
          if (m.from === "bot" && m.choices && m.choices.length) { log.insertBefore(choices(m, false), at); }
        });
        if (data.older) { link.setAttribute("data-before", String(data.older)); link.href = "/?before=" + data.older; }
        else { link.remove(); }
        window.scrollBy(0, document.documentElement.scrollHeight - height);
      })
      .catch(function () {});
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
  }

  function slowDown(text) {
    var notice = document.getElementById("chat-slow") || document.createElement("div");
    notice.id = "chat-slow"; notice.className = "bubble bot notice"; notice.setAttribute("role", "status");
    notice.textContent = text;
    log.insertBefore(notice, document.getElementById("end"));
    scrollToEnd();
  }

  function updateCount() {
    var n = input.value.length;
    counter.textContent = n + "/" + maxText;
    counter.classList.toggle("near", maxText > 0 && n >= maxText * 0.9);
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, window.innerHeight * 0.4) + "px";
  }

  function send(fields) {
    if (busy) { return; }
    busy = true;
    var body = new URLSearchParams();
    body.set("csrf_token", csrf);
    body.set("nonce", nonce());
    body.set("after", String(lastId));
    Object.keys(fields).forEach(function (k) { body.set(k, fields[k]); });
    fetch("/chat/send", {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf }
    }).then(function (r) {
      if (r.status === 429 || r.status === 422) {
        // Too fast, or too long: the server's words (in the reader's language); the text stays typed.
        return r.json().then(function (data) {
          if (r.status === 429) { slowDown(data.error || ""); } else { showError(data.error || ""); }
          return { messages: [] };
        });
      }
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json().then(function (data) {
        // Sent: the box empties, unless the person has typed something new meanwhile.
        if (fields.text !== undefined && input.value.trim() === fields.text) { input.value = ""; updateCount(); }
        showError("");
        return data;
      });
    }).then(show)
      .catch(function () { showError(form.getAttribute("data-error") || ""); })
      .then(function () { busy = false; });
  }

  function poll() {
    fetch("/chat/messages?after=" + lastId, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(show)
      .catch(function () {})
      .then(function () { window.setTimeout(poll, document.hidden ? 10000 : 3000); });
  }

  function remember(f) {
    var body = new URLSearchParams(new FormData(f));
    fetch(f.action, { method: "POST", credentials: "same-origin", body: body, headers: { "Accept": "application/json", "X-CSRF-Token": csrf } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        f.elements.remember.value = data.remembered ? "0" : "1";
        document.getElementById("chat-remember").setAttribute("aria-pressed", data.remembered ? "true" : "false");
        document.getElementById("chat-footer").textContent = data.footer;
      })
      .catch(function () {});
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    if (maxText && text.length > maxText) { showError(form.getAttribute("data-too-long") || ""); return; }
    send({ text: text });
  });
  input.addEventListener("input", updateCount);
  input.addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter starts a new line (as in other chats); never while composing (IME).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  // Buttons rendered by the server keep working as forms; with scripts they send in place.
  Array.prototype.forEach.call(log.querySelectorAll(".choices form"), function (f) {
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      send({ choice: f.elements.choice.value, label: f.elements.label.value });
    });
  });
  var olderLink = document.getElementById("chat-older");
  if (olderLink) {
    olderLink.addEventListener("click", function (event) { event.preventDefault(); older(olderLink); });
  }
  var rememberForm = document.getElementById("chat-remember-form");
  if (rememberForm) {
    rememberForm.addEventListener("submit", function (event) { event.preventDefault(); remember(rememberForm); });
  }
  document.addEventListener("visibilitychange", seen);
  window.addEventListener("focus", seen);
  var start = document.getElementById("chat-start");
  if (start) {
    start.addEventListener("submit", function (event) { event.preventDefault(); send({ start: "1" }); });
    send({ start: "1" });  // a newcomer is greeted at once
  }
  updateCount();
  if (!errorBox.hidden) { input.focus(); }
  // On arrival, the last answers as a new one would be: from their start when they fill the screen.
  var bots = log.querySelectorAll(".bubble");
  var firstOfLast = null;
  for (var i = bots.length - 1; i >= 0 && bots[i].classList.contains("bot"); i -= 1) { firstOfLast = bots[i]; }
  reveal(firstOfLast);
  window.setTimeout(poll, 3000);
})();
