// The leaderboard page's only script: sort the table by any column, filter rows and task sections.
(function () {
  var table = document.getElementById('leaderboard');
  if (!table) { return; }
  var body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, column) {
    th.addEventListener('click', function () {
      var ascending = th.getAttribute('data-dir') ? th.getAttribute('data-dir') !== 'asc' : th.getAttribute('data-first') === 'asc';
      Array.prototype.forEach.call(heads, function (other) { other.removeAttribute('data-dir'); });
      th.setAttribute('data-dir', ascending ? 'asc' : 'desc');
      var numeric = th.getAttribute('data-kind') === 'num';
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute('data-v'), y = b.cells[column].getAttribute('data-v');
        if (x === null) { x = a.cells[column].textContent; }
        if (y === null) { y = b.cells[column].textContent; }
        if (numeric) {
          x = parseFloat(x); y = parseFloat(y);
          if (isNaN(x) || isNaN(y)) { return isNaN(x) - isNaN(y); }  // missing values last either way
          return ascending ? x - y : y - x;
        }
        return ascending ? x.localeCompare(y) : y.localeCompare(x);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  var filters = document.querySelectorAll('select[data-filter]');
  var count = document.getElementById('shown');
  function apply() {
    var wanted = {};
    Array.prototype.forEach.call(filters, function (f) { if (f.value) { wanted[f.getAttribute('data-filter')] = f.value; } });
    function keep(el) {
      return Object.keys(wanted).every(function (k) {
        var v = el.getAttribute('data-' + k);
        return v === null || v === wanted[k];
      });
    }
    var shown = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var ok = keep(row);
      row.hidden = !ok;
      shown += ok ? 1 : 0;
    });
    document.querySelectorAll('section.task').forEach(function (s) { s.hidden = !keep(s); });
    if (count) { count.textContent = shown + ' of ' + body.rows.length + ' rows'; }
  }
  Array.prototype.forEach.call(filters, function (f) { f.addEventListener('change', apply); });
  var reset = document.getElementById('reset-filters');
  if (reset) {
    reset.addEventListener('click', function () {
      Array.prototype.forEach.call(filters, function (f) { f.value = ''; });
      apply();
    });
  }
  apply();
}());
