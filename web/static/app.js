// Connective KG: small progressive enhancements (no external scripts).
"use strict";

// --- Autocomplete --------------------------------------------------------
// Every <input data-autocomplete="/api/...">: a debounced same-origin fetch of
// {"results": [{"label", "kind_label", "matched", "url"}]}, shown as an ARIA
// listbox (combobox pattern): arrows move, Enter picks, Escape closes.
// Picking navigates to the hit's page, or, with data-autocomplete-fill, puts
// the label in the input. Text is inserted with textContent only.
(function () {
  var DEBOUNCE_MS = 200;
  var MIN_CHARS = 2;
  var TEXT = {
    nl: { none: "Geen suggesties", count: " suggesties; kies met de pijltjestoetsen en Enter" },
    en: { none: "No suggestions", count: " suggestions; choose with the arrow keys and Enter" }
  };
  var counter = 0;

  function pageLang() {
    return document.documentElement.lang === "en" ? "en" : "nl";
  }

  function requestUrl(base, text) {
    var url = new URL(base, window.location.href);
    if (url.origin !== window.location.origin) return null;  // never fetch elsewhere
    url.searchParams.set("q", text);
    url.searchParams.set("lang", pageLang());
    return url;
  }

  function isLocalPath(href) {
    return typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/";
  }

  function setup(input) {
    if (input.dataset.autocompleteReady) return;
    input.dataset.autocompleteReady = "1";
    var id = "ac-" + (++counter);
    var fill = input.hasAttribute("data-autocomplete-fill");
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var label = input.labels && input.labels[0];
    if (label) {
      if (!label.id) label.id = id + "-label";
      list.setAttribute("aria-labelledby", label.id);
    }
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var hits = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var asked = "";

    function close() {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function open() {
      if (!hits.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      active = (index + options.length) % options.length;
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === active ? "true" : "false");
      }
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var hit = hits[index];
      if (!hit) return;
      if (fill) {
        input.value = hit.label;
        close();
        input.focus();
      } else if (isLocalPath(hit.url)) {
        window.location.assign(hit.url);
      }
    }

    function render(results) {
      hits = results;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      while (list.firstChild) list.removeChild(list.firstChild);
      results.forEach(function (hit, i) {
        var li = document.createElement("li");
        li.id = id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "ac-label";
        name.textContent = hit.label;
        li.appendChild(name);
        if (hit.matched && hit.matched !== hit.label) {
          var matched = document.createElement("span");
          matched.className = "ac-matched";
          matched.textContent = hit.matched;
          li.appendChild(matched);
        }
        var kind = document.createElement("span");
        kind.className = "ac-kind";
        kind.textContent = hit.kind_label || hit.kind || "";
        li.appendChild(kind);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      status.textContent = results.length ? results.length + TEXT[pageLang()].count : TEXT[pageLang()].none;
      if (results.length) open(); else close();
    }

    function lookup() {
      var text = input.value.trim();
      if (text.length < MIN_CHARS) { render([]); status.textContent = ""; return; }
      if (text === asked && hits.length) { open(); return; }
      var url = requestUrl(input.getAttribute("data-autocomplete"), text);
      if (!url) return;
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      asked = text;
      fetch(url.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (data) {
        if (text !== input.value.trim()) return;  // a newer lookup is under way
        render(Array.isArray(data.results) ? data.results : []);
      }).catch(function () { /* aborted or offline: keep the plain input */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "Down") {
        event.preventDefault();
        if (list.hidden) { open(); if (!hits.length) lookup(); }
        highlight(active + 1);
      } else if (event.key === "ArrowUp" || event.key === "Up") {
        event.preventDefault();
        if (list.hidden) open();
        highlight(active - 1);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) { event.preventDefault(); choose(active); }
      } else if (event.key === "Escape" || event.key === "Esc") {
        if (!list.hidden) { event.preventDefault(); close(); }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
  }

  function setupAll(root) {
    var inputs = (root || document).querySelectorAll("input[data-autocomplete]");
    for (var i = 0; i < inputs.length; i++) setup(inputs[i]);
  }

  window.ConnectiveKG = window.ConnectiveKG || {};
  window.ConnectiveKG.autocomplete = setupAll;
  setupAll(document);
})();

// --- Expertise finder: add a topic field without reloading -----------------
(function () {
  var button = document.getElementById("add-topic");
  var fields = document.getElementById("topic-fields");
  if (!button || !fields) return;
  button.addEventListener("click", function (event) {
    var first = fields.querySelector("input[name=topic]");
    if (!first) return;
    event.preventDefault();
    var n = fields.querySelectorAll("input[name=topic]").length + 1;
    var wrapper = document.createElement("div");
    wrapper.className = "topic-field";
    var label = document.createElement("label");
    label.htmlFor = "topic-" + n;
    label.textContent = (fields.getAttribute("data-label") || "") + " " + n;
    var input = document.createElement("input");
    input.id = "topic-" + n;
    input.name = "topic";
    input.type = "text";
    input.autocomplete = "off";
    input.setAttribute("data-autocomplete", first.getAttribute("data-autocomplete"));
    if (first.hasAttribute("data-autocomplete-fill")) input.setAttribute("data-autocomplete-fill", "");
    wrapper.appendChild(label);
    wrapper.appendChild(input);
    fields.appendChild(wrapper);
    window.ConnectiveKG.autocomplete(wrapper);
    input.focus();
  });
})();
