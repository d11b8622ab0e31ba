// Filters for the leaderboard site: kind, model size and first stage hide the rows of every
// board that do not match (sorting is report.js's). Plain JavaScript, no libraries.
"use strict";

(function () {
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  if (!selects.length) return;
  var shown = document.getElementById("shown");
  var none = document.querySelector(".none-shown");

  function apply() {
    var visible = 0, total = 0;
    document.querySelectorAll("section.board").forEach(function (section) {
      var rows = section.querySelectorAll("table.filterable tbody tr");
      var here = 0;
      Array.prototype.forEach.call(rows, function (row) {
        var match = selects.every(function (s) {
          return s.value === "" || row.getAttribute("data-" + s.getAttribute("data-filter")) === s.value;
        });
        row.hidden = !match;
        if (match) here += 1;
      });
      // A board with nothing left to show goes, its heading too.
      section.hidden = here === 0;
      var count = section.querySelector("[data-count]");
      if (count) count.textContent = here + " of " + rows.length + " rows";
      visible += here;
      total += rows.length;
    });
    if (shown) shown.textContent = visible + " of " + total + " rows shown";
    if (none) none.hidden = visible > 0;
  }

  selects.forEach(function (s) { s.addEventListener("change", apply); });
  apply();
})();
