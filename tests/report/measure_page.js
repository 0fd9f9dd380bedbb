// Measures the laid-out leaderboard page, then sorts and filters its table; writes JSON into pre#measure-result.
(function () {
  var ready = performance.now();
  var out = {ready_ms: ready, page_height: document.documentElement.scrollHeight};
  var SVG = 'http://www.w3.org/2000/svg';
  var clipCache = new Map();
  function clipOf(el) {  // the visible box of el's nearest clipping ancestors, or null
    if (!el || el === document.body || el.namespaceURI === SVG && el.tagName !== 'svg') {
      return el && el !== document.body ? clipOf(el.parentElement) : null;
    }
    if (clipCache.has(el)) { return clipCache.get(el); }
    var style = getComputedStyle(el), box = clipOf(el.parentElement);
    if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
      var r = el.getBoundingClientRect();
      box = intersect(box, {left: r.left, top: r.top, right: r.right, bottom: r.bottom});
    }
    clipCache.set(el, box);
    return box;
  }
  function intersect(a, b) {
    if (!a) { return b; }
    if (!b) { return a; }
    return {left: Math.max(a.left, b.left), top: Math.max(a.top, b.top), right: Math.min(a.right, b.right),
            bottom: Math.min(a.bottom, b.bottom)};
  }
  var boxes = [], svgTexts = 0, seen = new Set();
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    var node = walker.currentNode, parent = node.parentElement;
    if (!node.textContent.trim() || parent.closest('title, script, style, select, option, #measure-result')) { continue; }
    var rects;
    if (parent.namespaceURI === SVG) {
      if (seen.has(parent)) { continue; }
      seen.add(parent);
      svgTexts += 1;
      rects = [parent.getBoundingClientRect()];
    } else {
      var range = document.createRange();
      range.selectNodeContents(node);
      rects = Array.prototype.slice.call(range.getClientRects());
    }
    var clip = clipOf(parent);
    rects.forEach(function (r) {
      var b = intersect(clip, {left: r.left, top: r.top, right: r.right, bottom: r.bottom});
      if (b.right - b.left > 0.5 && b.bottom - b.top > 0.5) { boxes.push({b: b, text: node.textContent.trim()}); }
    });
  }
  boxes.sort(function (p, q) { return p.b.left - q.b.left; });
  var overlaps = [];
  for (var i = 0; i < boxes.length; i++) {
    for (var j = i + 1; j < boxes.length && boxes[j].b.left < boxes[i].b.right - 1; j++) {
      var a = boxes[i].b, c = boxes[j].b;
      var w = Math.min(a.right, c.right) - Math.max(a.left, c.left), h = Math.min(a.bottom, c.bottom) - Math.max(a.top, c.top);
      if (w > 1 && h > 1 && overlaps.length < 50) { overlaps.push([boxes[i].text, boxes[j].text, Math.round(w), Math.round(h)]); }
    }
  }
  out.texts = boxes.length;
  out.svg_texts = svgTexts;
  out.overlaps = overlaps;
  out.figures = [];
  out.boxes = [];
  document.querySelectorAll('figure.plot').forEach(function (figure) {
    var svg = figure.querySelector('svg'), box = svg.getBoundingClientRect(), whole = figure.getBoundingClientRect();
    out.boxes.push([box.left, box.top + window.scrollY, box.width, box.height].map(Math.round));
    out.figures.push({
      caption: figure.querySelector('figcaption').textContent,
      areas: Array.prototype.map.call(figure.querySelectorAll('rect.area'), function (r) {
        var a = r.getBoundingClientRect(); return [a.width, a.height];
      }),
      right: whole.right, marks: figure.querySelectorAll('.mark').length});
  });
  var table = document.getElementById('leaderboard');
  if (!table) { return finish(); }
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var names = heads.map(function (th) { return th.textContent; });
  var body = table.tBodies[0];
  function column(name, visibleOnly) {
    var k = names.indexOf(name);
    return Array.prototype.filter.call(body.rows, function (row) { return !visibleOnly || !row.hidden; })
      .map(function (row) { return row.cells[k].textContent; });
  }
  function sortBy(name) {
    heads.forEach(function (th) { th.removeAttribute('data-dir'); });
    heads[names.indexOf(name)].click();
  }
  out.rows = body.rows.length;
  out.table_right = table.getBoundingClientRect().right;
  out.first_row = Array.prototype.map.call(body.rows[0].cells, function (td) { return td.textContent; });
  sortBy('rank');
  out.sorted_by_rank = column('rank');
  sortBy('mean ± std');
  out.sorted_by_mean = column('rank');
  var task = document.querySelector('select[data-filter="task"]'), dataset = document.querySelector('select[data-filter="dataset"]');
  var pairs = {};
  Array.prototype.forEach.call(body.rows, function (row) {
    var key = row.getAttribute('data-task') + ' / ' + row.getAttribute('data-dataset');
    pairs[key] = (pairs[key] || 0) + 1;
  });
  out.filtered = {};
  Object.keys(pairs).forEach(function (key) {
    var parts = key.split(' / ');
    task.value = parts[0]; task.dispatchEvent(new Event('change'));
    dataset.value = parts[1]; dataset.dispatchEvent(new Event('change'));
    sortBy('mean ± std');
    var sections = Array.prototype.filter.call(document.querySelectorAll('section.task'), function (s) { return !s.hidden; });
    var ranks = column('rank', true).map(parseFloat);
    out.filtered[key] = [ranks.length, pairs[key], sections.length, ranks[0], Math.min.apply(null, ranks)];
  });
  document.getElementById('reset-filters').click();
  return finish();
  function finish() {
    var pre = document.createElement('pre');
    pre.id = 'measure-result';
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  }
}());
