// The FAQ editor's conveniences: phrasings as a list (add, remove, move up and down), the phone
// preview following what is typed, and an answer length counter. Without scripts the form works as
// it is: one phrasing per line in the textarea, whose line order is the phrasings' order.
(function () {
  "use strict";
  var form = document.getElementById("af-form");
  if (!form) { return; }

  var answer = document.getElementById("af-answer");
  var more = document.getElementById("af-more");
  var category = document.getElementById("af-category");
  var bubble = document.getElementById("af-preview-answer");
  var moreButton = document.getElementById("af-preview-more");
  var morePart = document.getElementById("af-preview-more-part");
  var moreText = document.getElementById("af-preview-more-text");
  var counter = document.getElementById("af-answer-count");

  function refreshPreview() {
    if (bubble && answer) {
      // textContent only: the preview shows the text as the chat will, markup included as text.
      bubble.textContent = answer.value.trim() || bubble.getAttribute("data-empty") || "";
    }
    var hasMore = !!(more && more.value.trim());
    if (moreButton) { moreButton.hidden = !hasMore; }
    if (morePart) { morePart.hidden = !hasMore; }
    if (moreText && more) { moreText.textContent = more.value.trim(); }
    var helps = document.querySelectorAll(".af-preview-help");
    for (var i = 0; i < helps.length; i++) { helps[i].hidden = !(category && category.value); }
    if (counter && answer) {
      var length = answer.value.trim().length;
      var max = parseInt(answer.getAttribute("data-max"), 10) || 0;
      var recommended = parseInt(answer.getAttribute("data-recommended"), 10) || 0;
      counter.textContent = "· " + length + " / " + max + " " + (answer.getAttribute("data-chars") || "");
      counter.className = length > max ? "af-over" : (recommended && length > recommended ? "af-warn" : "");
    }
  }
  [answer, more].forEach(function (el) { if (el) { el.addEventListener("input", refreshPreview); } });
  if (category) { category.addEventListener("change", refreshPreview); }
  refreshPreview();

  var area = document.getElementById("af-phrasings");
  if (!area) { return; }
  var labels = {
    up: area.getAttribute("data-label-up") || "Up",
    down: area.getAttribute("data-label-down") || "Down",
    remove: area.getAttribute("data-label-remove") || "Remove",
    add: area.getAttribute("data-label-add") || "Add"
  };
  var maxLength = parseInt(area.getAttribute("data-max"), 10) || 300;
  var list = document.createElement("ol");
  list.className = "af-phrasing-list";

  function sync() {
    var values = [];
    Array.prototype.forEach.call(list.querySelectorAll("input"), function (input) { values.push(input.value); });
    area.value = values.join("\n");
  }

  function button(text, label, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.title = label;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  function row(text) {
    var li = document.createElement("li");
    var input = document.createElement("input");
    input.type = "text";
    input.value = text;
    input.maxLength = maxLength;
    input.addEventListener("input", sync);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        // Enter would submit the whole form: here it starts the next phrasing instead.
        event.preventDefault();
        var next = row("");
        li.parentNode.insertBefore(next, li.nextSibling);
        next.querySelector("input").focus();
        sync();
      }
    });
    li.appendChild(input);
    li.appendChild(button("↑", labels.up, function () {
      if (li.previousElementSibling) { list.insertBefore(li, li.previousElementSibling); sync(); input.focus(); }
    }));
    li.appendChild(button("↓", labels.down, function () {
      if (li.nextElementSibling) { list.insertBefore(li.nextElementSibling, li); sync(); input.focus(); }
    }));
    li.appendChild(button("✕", labels.remove, function () { li.remove(); sync(); }));
    return li;
  }

  area.value.split("\n").forEach(function (line) {
    if (line.trim()) { list.appendChild(row(line.trim())); }
  });
  var add = button("+ " + labels.add, labels.add, function () {
    var fresh = row("");
    list.appendChild(fresh);
    fresh.querySelector("input").focus();
  });
  add.className = "af-add-phrasing";
  area.hidden = true;
  area.parentNode.insertBefore(list, area);
  area.parentNode.insertBefore(add, area);
  form.addEventListener("submit", sync);
})();
