// Connective KG: the interactive sociogram of the analytics page (cytoscape.js, served from
// /static/vendor/cytoscape; nothing remote, no inline script).
//
// Reads the sociogram as JSON from the page's own API (data-src: /api/analytics/sociogram?actor=...,
// computed in the request's view, so a public page shows hidden people under their anonymous label
// only) and the texts in the page's language (data-texts). A sociogram of more than
// `aggregate_above` actors starts grouped (by school, or by community); the groupings, their sizes
// and the edges between groups come from the server (kg/analytics/aggregate.py). Here: zoom and pan
// (cytoscape), search a name (drills into its group, highlights and centres it), click an actor to
// highlight its ties, click a group to see its members, filters by depth and strength, a legend.
// The static SVG stays in the page for downloads and is the picture without JavaScript.
//
// For tests the container says what is shown: data-state (loading, ready, failed), data-grouping,
// data-group (the group drilled into), data-rendered (nodes drawn), data-selected (an actor's IRI);
// its `cy` property is the cytoscape instance.
"use strict";

(function () {
  const root = document.getElementById("sociogram-live");
  if (!root || typeof window.cytoscape !== "function") {
    return;
  }
  const T = JSON.parse(root.dataset.texts || "{}");
  const src = new URL(root.dataset.src, window.location.href);
  if (src.origin !== window.location.origin) {
    return;  // never fetch elsewhere
  }
  const $ = function (id) { return document.getElementById(id); };
  const status = $("sociogram-status");
  const SHAPES = { person: "ellipse", artefact: "round-rectangle", network: "diamond", organisation: "hexagon" };
  const INK = "#1d2433";
  const BROKER = "#1d2433";
  const ISOLATED = "#c0392b";

  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return k in values ? String(values[k]) : m; });
  }

  function say(text) {
    status.textContent = text;
    if (root.cy) {
      // the text above the canvas may take more or fewer lines: cytoscape keeps the canvas' place
      // on the page cached (it notices scrolling and resizing, not this), so it must look again
      root.cy.resize();
    }
  }

  fetch(src.href, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (resp) { return resp.ok ? resp.json() : Promise.reject(new Error(String(resp.status))); })
    .then(start)
    .catch(function () {
      root.hidden = false;
      root.dataset.state = "failed";
      say(T.failed);
    });

  function start(data) {
    root.hidden = false;   // before cytoscape measures its container
    const nodes = new Map(data.nodes.map(function (n) { return [n.iri, n]; }));
    const groupOf = {};          // grouping -> member IRI -> group
    for (const [by, grouping] of Object.entries(data.groupings)) {
      groupOf[by] = new Map();
      for (const g of grouping.groups) {
        for (const m of g.members) {
          groupOf[by].set(m, g);
        }
      }
    }
    const state = { grouping: data.initial, group: null, depth: 0, strength: 0, selected: null, text: "" };

    // --- the controls ------------------------------------------------------------------
    const grouping = $("sociogram-grouping");
    const offered = ["school", "role", "community"].filter(function (by) {   // one group is no grouping
      return by in data.groupings && (data.groupings[by].groups.length > 1 || by === data.initial);
    });
    for (const by of ["none"].concat(offered)) {
      const option = document.createElement("option");
      option.value = by;
      option.textContent = T[by] || by;
      grouping.append(option);
    }
    grouping.value = state.grouping;
    const depth = $("sociogram-depth");
    for (const d of data.depths) {
      const option = document.createElement("option");
      option.value = String(d.rank);
      option.textContent = d.rank + " · " + (d.label || "");
      depth.append(option);
    }
    const strength = $("sociogram-strength");
    const strengthValue = $("sociogram-strength-value");
    const maxStrength = Math.ceil(data.edges.reduce(function (m, e) { return Math.max(m, e.strength || 0); }, 0));
    strength.max = String(maxStrength);
    strength.disabled = maxStrength === 0;
    const names = $("sociogram-names");
    const labels = Array.from(new Set(data.nodes.map(function (n) { return n.label; })))
      .sort(function (a, b) { return a.localeCompare(b); });
    for (const label of labels) {
      const option = document.createElement("option");
      option.value = label;
      names.append(option);
    }
    const back = $("sociogram-back");

    const cy = window.cytoscape({
      container: $("sociogram-canvas"),
      elements: [],
      minZoom: 0.1,
      maxZoom: 4,
      style: [
        { selector: "node", style: {
          "background-color": "data(colour)", "shape": "data(shape)", "width": "data(size)", "height": "data(size)",
          "label": "data(label)", "font-size": 10, "color": INK, "text-valign": "bottom", "text-margin-y": 3,
          "text-outline-color": "#fff", "text-outline-width": 2, "border-color": "#fff", "border-width": 1 } },
        { selector: "node.broker", style: { "border-color": BROKER, "border-width": 3 } },
        { selector: "node.isolated", style: { "border-color": ISOLATED, "border-width": 3, "border-style": "dashed" } },
        { selector: "node.centre", style: { "font-weight": "bold" } },
        { selector: "node.group", style: { "font-size": 12, "font-weight": "bold", "text-wrap": "wrap",
          "text-max-width": 140, "border-color": INK, "border-width": 1, "background-opacity": 0.85 } },
        { selector: "edge", style: { "width": "data(width)", "line-color": "#8a93a3", "opacity": 0.6,
          "curve-style": "straight" } },
        { selector: "edge.artefact", style: { "line-style": "dashed" } },
        { selector: "edge.link", style: { "line-color": "#56589e", "opacity": 0.5 } },
        { selector: ".faded", style: { "opacity": 0.12 } },
        { selector: "node.selected", style: { "border-color": "#f0b429", "border-width": 5, "z-index": 10 } },
        { selector: "node.tied", style: { "z-index": 9 } },
        { selector: "edge.tied", style: { "line-color": "#b4234a", "opacity": 0.95, "z-index": 9 } },
      ],
    });
    root.cy = cy;

    // --- what is shown -----------------------------------------------------------------
    function passes(e) {
      if (state.depth > 0 && (e.depth === null || e.depth < state.depth)) {
        return false;
      }
      return !(state.strength > 0 && (e.strength === null || e.strength < state.strength));
    }

    function actor(n) {
      const classes = [n.broker ? "broker" : "", n.isolated ? "isolated" : "", n.centre ? "centre" : ""];
      const colour = n.group ? (data.colours[n.group.iri] || data.other_colour) : data.other_colour;
      return { group: "nodes", classes: classes.join(" ").trim(), data: {
        id: n.iri, label: n.label, kind: "actor", colour: colour, shape: SHAPES[n.kind] || "hexagon",
        size: Math.round(2 * (5 + 2.2 * Math.sqrt(n.degree))) } };
    }

    function groupNode(g) {
      return { group: "nodes", classes: "group", data: {
        id: "group:" + g.id, group: g.id, label: g.label + " (" + g.size + ")", kind: "group", colour: g.colour,
        shape: "ellipse", size: Math.round(22 + 9 * Math.sqrt(g.size)) } };
    }

    function edge(e) {
      const artefact = e.relations.indexOf("tie") < 0;
      return { group: "edges", classes: artefact ? "artefact" : "", data: {
        id: "e:" + e.source + " " + e.target, source: e.source, target: e.target, depth: e.depth,
        strength: e.strength, width: 1 + 0.8 * (e.depth || 0) } };
    }

    function countEdge(id, source, target, count) {
      return { group: "edges", classes: "link", data: {
        id: id, source: source, target: target, count: count, width: Math.min(14, 1 + 2 * Math.sqrt(count)) } };
    }

    function elements() {
      if (state.grouping === "none") {
        const edges = data.edges.filter(passes);
        return { els: data.nodes.map(actor).concat(edges.map(edge)),
                 text: fill(T.all, { actors: data.nodes.length, edges: edges.length }) };
      }
      const grouped = data.groupings[state.grouping];
      const where = groupOf[state.grouping];
      if (state.group === null) {
        const els = grouped.groups.map(groupNode);
        for (const link of grouped.links) {
          const count = link.edges.filter(function (i) { return passes(data.edges[i]); }).length;
          if (count > 0) {
            els.push(countEdge("link:" + link.source + " " + link.target, "group:" + link.source,
                               "group:" + link.target, count));
          }
        }
        return { els: els, text: fill(T.overview, { groups: grouped.groups.length, actors: data.nodes.length }) };
      }
      // drilled into one group: its members and their edges; every other group one node, linked to
      // the members with the number of their edges into it
      const inside = grouped.groups.find(function (g) { return g.id === state.group; });
      const members = new Set(inside.members);
      const els = inside.members.map(function (m) { return actor(nodes.get(m)); });
      const outside = new Map();
      for (const e of data.edges) {
        if (!passes(e)) {
          continue;
        }
        const a = members.has(e.source);
        const b = members.has(e.target);
        if (a && b) {
          els.push(edge(e));
        } else if (a || b) {
          const member = a ? e.source : e.target;
          const other = where.get(a ? e.target : e.source);
          const key = member + " " + other.id;
          outside.set(key, (outside.get(key) || 0) + 1);
        }
      }
      const shown = new Set();
      for (const [key, count] of outside) {
        const cut = key.lastIndexOf(" ");
        const member = key.slice(0, cut);
        const other = key.slice(cut + 1);
        if (!shown.has(other)) {
          shown.add(other);
          els.push(groupNode(grouped.groups.find(function (g) { return g.id === other; })));
        }
        els.push(countEdge("out:" + key, member, "group:" + other, count));
      }
      return { els: els, text: fill(T.inside, { group: inside.label, n: inside.size }) };
    }

    function render() {
      const found = elements();
      cy.batch(function () {
        cy.elements().remove();
        cy.add(found.els);
      });
      cy.resize();
      const many = cy.nodes().length > 300;
      const box = { x1: 0, y1: 0, w: Math.max(cy.width(), 300), h: Math.max(cy.height(), 300) };  // the canvas' shape
      cy.layout({ name: "circle", animate: false, boundingBox: box }).run();
      cy.layout({ name: "cose", animate: false, randomize: false, numIter: many ? 250 : 1000, boundingBox: box,
                  nodeRepulsion: function () { return 4500; }, idealEdgeLength: function () { return 50; },
                  gravity: 60, componentSpacing: 30, nodeDimensionsIncludeLabels: true }).run();
      cy.fit(undefined, 20);
      back.hidden = state.group === null;
      root.dataset.grouping = state.grouping;
      root.dataset.group = state.group || "";
      root.dataset.rendered = String(cy.nodes().length);
      root.dataset.selected = "";
      state.text = found.text;
      say(found.text);
      legend();
      if (state.selected && cy.getElementById(state.selected).length) {
        select(cy.getElementById(state.selected), true);
      } else {
        state.selected = null;
      }
    }

    function clear() {
      cy.elements().removeClass("faded selected tied");
      state.selected = null;
      root.dataset.selected = "";
    }

    function select(node, centre) {
      clear();
      const near = node.closedNeighborhood();
      cy.elements().not(near).addClass("faded");
      near.addClass("tied");
      node.removeClass("tied").addClass("selected");
      state.selected = node.id();
      root.dataset.selected = node.id();
      const ties = node.connectedEdges().reduce(function (sum, e) { return sum + (e.data("count") || 1); }, 0);
      say(fill(T.selected, { name: node.data("label"), n: ties }));
      if (centre) {
        cy.fit(near, 30);                      // then half that zoom: centred on it, its ties still in view
        cy.zoom(Math.min(cy.zoom() / 2, 1.5));
        cy.center(node);
      }
    }

    function drill(groupId) {
      state.group = groupId;
      render();
    }

    // --- the legend --------------------------------------------------------------------
    function item(list, swatch, text) {
      const li = document.createElement("li");
      li.append(swatch, document.createTextNode(" " + text));
      list.append(li);
    }

    function swatch(cls, colour) {
      const span = document.createElement("span");
      span.className = "swatch " + cls;
      if (colour) {
        span.style.backgroundColor = colour;
      }
      span.setAttribute("aria-hidden", "true");
      return span;
    }

    function legend() {
      const box = $("sociogram-legend");
      box.replaceChildren();
      const title = document.createElement("p");
      title.className = "legend-title";
      title.textContent = T.legend;
      const list = document.createElement("ul");
      const overview = state.grouping !== "none" && state.group === null;
      if (overview) {
        for (const g of data.groupings[state.grouping].groups.slice(0, 12)) {
          item(list, swatch("group", g.colour), g.label);
        }
        item(list, swatch("group big", data.other_colour), T.size_members);
        item(list, swatch("line wide", null), T.width_count);
      } else {
        const shownGroups = new Map();
        cy.nodes("[kind = 'actor']").forEach(function (n) {
          const g = nodes.get(n.id()).group;
          if (g && data.colours[g.iri] && data.colours[g.iri] !== data.other_colour) {
            shownGroups.set(g.iri, g.label);
          }
        });
        for (const [iri, label] of shownGroups) {
          item(list, swatch("person", data.colours[iri]), label);
        }
        item(list, swatch("person", data.other_colour), T.other);
        const kinds = new Set();
        cy.nodes("[kind = 'actor']").forEach(function (n) { kinds.add(nodes.get(n.id()).kind); });
        for (const kind of ["person", "artefact", "network", "organisation"]) {
          if (kinds.has(kind)) {
            item(list, swatch(kind, data.other_colour), T[kind]);
          }
        }
        item(list, swatch("person ring broker", "#fff"), T.broker);
        item(list, swatch("person ring isolated", "#fff"), T.isolated);
        item(list, swatch("person big", data.other_colour), T.size_degree);
        item(list, swatch("line", null), T.width_depth);
        item(list, swatch("line dashed", null), T.dashed);
        if (state.group !== null) {
          item(list, swatch("group big", data.other_colour), T.size_members);
        }
      }
      box.append(title, list);
    }

    // --- events ------------------------------------------------------------------------
    cy.on("tap", "node", function (evt) {
      const node = evt.target;
      if (node.data("kind") === "group") {
        drill(node.data("group"));
      } else {
        select(node, false);
      }
    });
    cy.on("tap", function (evt) {
      if (evt.target === cy) {
        clear();
        say(state.text);
      }
    });
    grouping.addEventListener("change", function () {
      state.grouping = grouping.value;
      state.group = null;
      render();
    });
    depth.addEventListener("change", function () {
      state.depth = Number(depth.value);
      render();
    });
    strength.addEventListener("input", function () {
      strengthValue.textContent = strength.value;
    });
    strength.addEventListener("change", function () {
      state.strength = Number(strength.value);
      strengthValue.textContent = strength.value;
      render();
    });
    back.addEventListener("click", function () {
      state.group = null;
      state.selected = null;
      render();
    });
    $("sociogram-fit").addEventListener("click", function () { cy.fit(undefined, 20); });
    $("sociogram-search").addEventListener("submit", function (evt) {
      evt.preventDefault();
      const q = $("sociogram-name").value.trim().toLocaleLowerCase();
      if (!q) {
        return;
      }
      const hit = data.nodes.find(function (n) { return n.label.toLocaleLowerCase() === q; })
        || data.nodes.find(function (n) { return n.label.toLocaleLowerCase().indexOf(q) >= 0; });
      if (!hit) {
        say(fill(T.not_found, { q: $("sociogram-name").value.trim() }));
        return;
      }
      state.selected = hit.iri;
      if (state.grouping !== "none") {
        state.group = groupOf[state.grouping].get(hit.iri).id;
      }
      render();   // selects and centres it
    });

    const figure = $("sociogram-figure");
    if (figure) {
      figure.hidden = true;  // the static picture stays for downloads and without JavaScript
    }
    render();
    root.dataset.state = "ready";
  }
})();
