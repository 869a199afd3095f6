// Connective KG: the SPARQL editor (YASGUI, served from /static/vendor/yasgui; nothing remote).
//
// YASGUI would otherwise reach out of this site in three ways, all switched off here:
// - the "class" and "property" autocompleters ask lov.linkeddata.es: removed, only the
//   bundled prefixes and the query's own variables are completed (prefixCcApi stays null,
//   so prefixes come from the list bundled in yasgui.min.js, never from prefix.cc);
// - the endpoint picker suggests dbpedia.org and wikidata.org: replaced by this endpoint;
// - a shared link (#endpoint=...) can point a tab to another endpoint: populateFromUrl is off,
//   and every tab is set to this endpoint on load.
// The page's Content-Security-Policy (connect-src 'self') would block such requests anyway.
"use strict";

(function () {
  const root = document.getElementById("yasgui");
  if (!root || typeof window.Yasgui === "undefined") {
    return;
  }
  const Yasgui = window.Yasgui;
  const endpoint = new URL(root.dataset.endpoint, window.location.href).href;

  const completers = Yasgui.Yasqe.defaults.autocompleters;
  completers.splice(0, completers.length, "variables", "prefixes");
  delete Yasgui.Yasqe.Autocompleters["class"];
  delete Yasgui.Yasqe.Autocompleters["property"];
  Yasgui.Yasqe.defaults.prefixCcApi = null;

  const starter = document.getElementById("sparql-query");
  const yasgui = new Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
      keys: [],
    },
    copyEndpointOnNewTab: true,
    populateFromUrl: false,
    corsProxy: undefined,
    persistenceId: "connective-kg-sparql",
    yasqe: { prefixCcApi: null, consumeShareLink: null, value: starter ? starter.value : "" },
  });
  for (const id of yasgui.persistentConfig.getTabs()) {
    const tab = yasgui.getTab(id);
    if (tab && tab.getEndpoint() !== endpoint) {
      tab.setEndpoint(endpoint);
    }
  }

  // The named queries as examples (their text is in the page): each opens in a new tab.
  for (const button of document.querySelectorAll("button.load-example")) {
    const item = button.closest("li");
    const text = item ? item.querySelector("pre.sparql-text") : null;
    if (!text) {
      continue;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      yasgui.addTab(true, { name: button.dataset.name, yasqe: { value: text.textContent }, requestConfig: { endpoint: endpoint } });
      root.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  }

  // With the editor running, the plain form is not needed.
  const form = document.getElementById("sparql-form");
  if (form) {
    form.hidden = true;
  }
})();
