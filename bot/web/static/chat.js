// The web chat without page reloads: send with fetch, poll for replies, render as text only.
(function () {
  "use strict";
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  if (!log || !form) { return; }
  var input = document.getElementById("chat-text");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
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

  function choices(m) {
    var box = document.createElement("div");
    box.className = "choices";
    m.choices.forEach(function (c) {
      var b = document.createElement("button");
      b.type = "button"; b.textContent = c.label;
      b.addEventListener("click", function () { send({ choice: c.id, label: c.label }); });
      box.appendChild(b);
    });
    return box;
  }

  function show(messages) {
    var end = document.getElementById("end");
    var start = document.getElementById("chat-start");
    if (messages.length && start) { start.remove(); }
    messages.forEach(function (m) {
      if (m.id <= lastId) { return; }
      lastId = m.id;
      if (m.from === "bot") { disableOldChoices(); }
      log.insertBefore(bubble(m), end);
      if (m.from === "bot" && m.choices && m.choices.length) { log.insertBefore(choices(m), end); }
      if (m.from === "bot") {
        input.type = m.ask_phone ? "tel" : "text";
        input.placeholder = m.ask_phone ? input.getAttribute("data-phone-placeholder") : input.getAttribute("data-placeholder");
      }
    });
    if (messages.length) { scrollToEnd(); }
  }

  function slowDown(text) {
    var notice = document.getElementById("chat-slow") || document.createElement("div");
    notice.id = "chat-slow"; notice.className = "bubble bot notice"; notice.setAttribute("role", "status");
    notice.textContent = text;
    log.insertBefore(notice, document.getElementById("end"));
    scrollToEnd();
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
      if (r.status === 429) {
        // Too fast: the server's words (in the reader's language), shown once, nothing sent.
        return r.json().then(function (data) { slowDown(data.error || ""); return { messages: [] }; });
      }
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    }).then(function (data) { show(data.messages || []); })
      .catch(function () { input.value = input.value || fields.text || ""; })
      .then(function () { busy = false; });
  }

  function poll() {
    fetch("/chat/messages?after=" + lastId, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (data) { show(data.messages || []); })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, document.hidden ? 10000 : 3000); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send({ text: text });
  });
  // Buttons rendered by the server keep working as forms; with scripts they send in place.
  Array.prototype.forEach.call(log.querySelectorAll(".choices form"), function (f) {
    f.addEventListener("submit", function (event) {
      event.preventDefault();
      send({ choice: f.elements.choice.value, label: f.elements.label.value });
    });
  });
  var start = document.getElementById("chat-start");
  if (start) {
    start.addEventListener("submit", function (event) { event.preventDefault(); send({ start: "1" }); });
    send({ start: "1" });  // a newcomer is greeted at once
  }
  scrollToEnd();
  window.setTimeout(poll, 3000);
})();
