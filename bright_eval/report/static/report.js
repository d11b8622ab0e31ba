// Sorting, searching and folding for the bright_eval report. Plain JavaScript, no libraries:
// the pages open from disk with no network.
"use strict";

(function () {
  function valueOf(row, key) {
    var cell = row.querySelector('[data-key="' + key + '"]');
    var text = cell ? cell.getAttribute("data-value") : "";
    if (text === null || text === "") return null;
    var n = Number(text);
    return isNaN(n) ? text.toLowerCase() : n;
  }

  function compare(x, y) {
    if (typeof x === typeof y) return x < y ? -1 : x > y ? 1 : 0;
    return typeof x === "number" ? -1 : 1; // numbers before text
  }

  // Click a header: ascending, or descending when it is already ascending. Rows without a
  // value go last either way; ties keep the order the page was written in.
  function sortBy(th) {
    var table = th.closest("table");
    var body = table.tBodies[0];
    var key = th.getAttribute("data-sort");
    var descending = th.getAttribute("aria-sort") === "ascending";
    table.querySelectorAll("th[data-sort]").forEach(function (h) {
      h.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = valueOf(a, key), y = valueOf(b, key);
      var c;
      if (x === null || y === null) c = (x === null) - (y === null);
      else c = descending ? -compare(x, y) : compare(x, y);
      return c || a.getAttribute("data-index") - b.getAttribute("data-index");
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  document.querySelectorAll("table.sortable th[data-sort]").forEach(function (th) {
    th.tabIndex = 0;
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); }
    });
  });

  // Search boxes filter the rows of their table by query text (data-text, lower-cased).
  document.querySelectorAll("input[data-search-target]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-search-target"));
    if (!table) return;
    var reveal = input.hasAttribute("data-reveal");
    input.addEventListener("input", function () {
      var term = input.value.trim().toLowerCase();
      if (reveal) table.hidden = term === "";
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.hidden = term !== "" && row.getAttribute("data-text").indexOf(term) < 0;
      });
    });
  });

  document.querySelectorAll("button[data-fold]").forEach(function (button) {
    button.addEventListener("click", function () {
      var open = button.getAttribute("data-fold") === "open";
      document.querySelectorAll("main details").forEach(function (d) { d.open = open; });
    });
  });
})();
