// Draw each [data-figure] element from the JSON <script> it names (Plotly, served from this site),
// and make tables with .sortable headers sortable. Every chart has a data table with the same numbers.
(function () {
  var drawing = [];
  document.querySelectorAll("[data-figure]").forEach(function (element) {
    var source = document.getElementById(element.dataset.figure);
    if (!source || typeof Plotly === "undefined") return;
    var figure = JSON.parse(source.textContent);
    drawing.push(Plotly.newPlot(element, figure.data, figure.layout, { displaylogo: false, responsive: true }));
  });
  // Printing to PDF waits for this.
  Promise.all(drawing).then(function () { document.body.dataset.charts = "drawn"; });

  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th button[data-sort-column]").forEach(function (button) {
      button.addEventListener("click", function () {
        var column = Number(button.dataset.sortColumn);
        var header = button.closest("th");
        var ascending = header.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("thead th").forEach(function (th) { th.setAttribute("aria-sort", "none"); });
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (row) {
          var value = row.cells[column].dataset.sortValue;
          if (button.dataset.sortType === "text") return row.cells[column].textContent.trim().toLowerCase();
          return value === "" || value === undefined ? null : Number(value);
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          if (x === null) return 1;  // suppressed cells always last
          if (y === null) return -1;
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
