// Sortable tables (class "sortable"): a column header becomes a button; a click sorts the rows by
// the cells' data-sort values (numbers as numbers), again in the other direction; aria-sort says
// which. Without JavaScript the table stays in the server's order.
(function () {
  "use strict";
  function value(cell) {
    var v = cell ? cell.getAttribute("data-sort") : "";
    var n = v === "" || v === null ? NaN : Number(v);
    return isNaN(n) ? { text: (v || "").toString() } : { number: n };
  }
  function compare(a, b) {
    if (a.number !== undefined && b.number !== undefined) return a.number - b.number;
    if (a.number !== undefined) return -1;   // numbers before empty or text cells
    if (b.number !== undefined) return 1;
    return a.text.localeCompare(b.text, document.documentElement.lang || undefined);
  }
  function sort(table, index, th) {
    var body = table.tBodies[0];
    var descending = th.getAttribute("aria-sort") === "ascending";
    var rows = Array.prototype.slice.call(body.rows).map(function (row, i) { return { row: row, i: i }; });
    rows.sort(function (x, y) {
      var c = compare(value(x.row.cells[index]), value(y.row.cells[index]));
      return (descending ? -c : c) || x.i - y.i;   // stable: equal cells keep their order
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () { sort(table, index, th); });
    });
    table.setAttribute("data-sortable", "ready");
  });
})();
