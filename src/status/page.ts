// The cutover lead's status page: one self-contained document (no CDN, no build
// step) whose script polls /api/status and draws each row's chart as inline SVG.
// The page itself holds no data, so it is served without the bearer token; the
// script sends the token (from #token=… or the form) with every data request.
// No template placeholders or backticks appear below: the script builds strings by concatenation.

export const STATUS_PAGE = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tidemark — cutover status</title>
<style>
  :root { --ok: #1a7f37; --bad: #cf222e; --wait: #9a6700; --ink: #1f2328; --muted: #656d76; --line: #d0d7de; }
  body { font: 14px/1.4 system-ui, sans-serif; color: var(--ink); margin: 24px; background: #fff; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .muted { color: var(--muted); }
  .banner { border: 2px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 16px 0; }
  .banner h2 { margin: 0 0 6px; font-size: 18px; }
  .gate-open { border-color: var(--ok); background: #dafbe1; }
  .gate-closed { border-color: var(--bad); background: #ffebe9; }
  .gate-undecided { border-color: var(--wait); background: #fff8c5; }
  .banner ul { margin: 6px 0 0; padding-left: 20px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border-bottom: 1px solid var(--line); padding: 6px 10px; text-align: right; vertical-align: middle; white-space: nowrap; }
  th:first-child, td:first-child, td.phase { text-align: left; }
  th { font-weight: 600; background: #f6f8fa; }
  td.over { color: var(--bad); font-weight: 600; }
  td.unknown { color: var(--wait); }
  svg.chart { display: block; }
  #error { color: var(--bad); }
  form#auth { display: none; margin: 16px 0; }
</style>
</head>
<body>
<h1>tidemark — cutover status</h1>
<div class="muted" id="updated">loading…</div>
<div id="error" role="alert"></div>
<form id="auth">This page needs its bearer token (TIDEMARK_STATUS_TOKEN):
  <input id="token" type="password" autocomplete="off"> <button>Show</button></form>
<section id="gate" class="banner"><h2>Gate: …</h2></section>
<section id="verification" class="banner"><h2>Last verification: …</h2></section>
<table id="collections">
  <thead><tr>
    <th>Collection</th><th>Source</th><th>Source lag</th><th>Kafka records</th><th>Apply lag</th>
    <th>End-to-end</th><th>p50 / p99 (window)</th><th>Parked</th><th>Rejected</th><th id="chart-head">End-to-end lag chart</th>
  </tr></thead>
  <tbody></tbody>
</table>
<script>
(function () {
  var hash = /token=([^&]+)/.exec(location.hash);
  if (hash) { sessionStorage.setItem('tidemark-token', decodeURIComponent(hash[1])); history.replaceState(null, '', location.pathname); }
  var INTERVAL = 2000;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function dur(ms) {
    if (ms === null || ms === undefined) return 'unknown';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(1) + ' s';
    var s = Math.round(ms / 1000);
    if (s < 3600) return Math.floor(s / 60) + ' m ' + (s % 60) + ' s';
    var m = Math.round(ms / 60000);
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' m';
  }
  function ago(iso) { return dur(Date.now() - Date.parse(iso)) + ' ago'; }
  function lagCell(ms, bound) {
    var td = el('td', {}, dur(ms));
    if (ms === null) td.className = 'unknown'; else if (ms > bound) td.className = 'over';
    return td;
  }

  // The worst end-to-end lag per bucket as a line, the gate bound dashed; unknown stretches break the line.
  function chart(series, bound, spanMs, now) {
    var W = 260, H = 52, top = 15;
    var max = bound * 1.15;
    series.forEach(function (p) { if (p[1] !== null && p[1] * 1.1 > max) max = p[1] * 1.1; });
    var x = function (t) { return Math.max(0, W - ((now - t) / spanMs) * W); };
    var y = function (v) { return H - (v / max) * (H - top); };
    var s = svg('svg', { width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, class: 'chart', role: 'img' });
    s.appendChild(svg('rect', { x: 0, y: 0, width: W, height: H, fill: '#f6f8fa' }));
    s.appendChild(svg('line', { x1: 0, x2: W, y1: y(bound), y2: y(bound), stroke: '#cf222e', 'stroke-dasharray': '4 3', class: 'bound' }));
    var runs = [[]];
    series.forEach(function (p) {
      if (p[1] === null) { if (runs[runs.length - 1].length) runs.push([]); return; }
      runs[runs.length - 1].push(x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1));
    });
    runs.forEach(function (pts) {
      if (pts.length === 1) pts.push(pts[0]);
      if (pts.length) s.appendChild(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: '#0969da', 'stroke-width': 2, class: 'lag' }));
    });
    var peak = null;
    series.forEach(function (p) { if (p[1] !== null && (peak === null || p[1] > peak)) peak = p[1]; });
    var label = svg('text', { x: 4, y: 11, 'font-size': 10, fill: '#656d76', class: 'peak' });
    label.textContent = peak === null ? 'no samples' : 'peak ' + dur(peak);
    s.appendChild(label);
    var title = svg('title', {});
    title.textContent = 'end-to-end lag, last ' + dur(spanMs) + '; dashed: the gate bound ' + dur(bound) + '; top: ' + dur(max);
    s.appendChild(title);
    return s;
  }

  function renderGate(gate) {
    var box = document.getElementById('gate');
    box.className = 'banner gate-' + gate.decision;
    box.replaceChildren();
    var says = { open: 'OPEN — reads may flip to PostgreSQL', closed: 'CLOSED — reads must not flip', undecided: 'UNDECIDED — cannot tell yet' };
    box.appendChild(el('h2', {}, 'Gate: ' + says[gate.decision]));
    box.appendChild(el('div', { class: 'muted' }, 'end-to-end lag under ' + dur(gate.maxLagMs) + ' for the last ' + dur(gate.windowMs) + ', and a clean verification inside that window'));
    if (gate.reasons.length) {
      var ul = el('ul');
      gate.reasons.forEach(function (r) { ul.appendChild(el('li', {}, r)); });
      box.appendChild(ul);
    }
  }

  function renderVerification(v) {
    var box = document.getElementById('verification');
    box.replaceChildren();
    var text;
    if (v === 'not-installed') text = 'Last verification: the verifier\'s table does not exist yet';
    else if (v === null) text = 'Last verification: none has finished yet';
    else {
      var outcome = v.couldNotVerify ? 'could not verify' : v.clean ? 'clean' : 'differences found';
      var diffs = v.differences === null ? '' : ', ' + v.differences + ' difference' + (v.differences === 1 ? '' : 's');
      text = 'Last verification: ' + outcome + diffs + ', finished ' + ago(v.finishedAt);
      box.className = 'banner ' + (v.clean && !v.couldNotVerify ? 'gate-open' : 'gate-closed');
    }
    box.appendChild(el('h2', {}, text));
  }

  function renderRows(view) {
    var body = document.querySelector('#collections tbody');
    body.replaceChildren();
    var now = Date.parse(view.generatedAt);
    view.collections.forEach(function (c) {
      var tr = el('tr', { 'data-collection': c.collection });
      tr.appendChild(el('td', {}, c.collection));
      tr.appendChild(el('td', { class: 'phase' }, ({ stream: 'streaming', snapshot: 'snapshotting', stopped: 'stopped' })[c.phase] || 'not started'));
      tr.appendChild(lagCell(c.sourceLagMs, view.maxLagMs));
      tr.appendChild(el('td', {}, String(c.recordsBehind)));
      tr.appendChild(lagCell(c.applyLagMs, view.maxLagMs));
      tr.appendChild(lagCell(c.endToEndLagMs, view.maxLagMs));
      tr.appendChild(el('td', {}, c.window ? dur(c.window.p50) + ' / ' + dur(c.window.p99) : 'no samples'));
      tr.appendChild(el('td', {}, c.parked + (c.parkedExpired ? ' (' + c.parkedExpired + ' expired)' : '')));
      tr.appendChild(el('td', {}, String(c.rejected)));
      var cell = el('td');
      cell.appendChild(chart(c.series, view.maxLagMs, view.chartMs, now));
      tr.appendChild(cell);
      body.appendChild(tr);
    });
  }

  function poll() {
    var token = sessionStorage.getItem('tidemark-token');
    var headers = token ? { authorization: 'Bearer ' + token } : {};
    fetch('api/status', { headers: headers, cache: 'no-store' }).then(function (res) {
      if (res.status === 401) { document.getElementById('auth').style.display = 'block'; throw new Error('the bearer token is missing or wrong'); }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    }).then(function (view) {
      INTERVAL = view.sampleIntervalMs;
      document.getElementById('auth').style.display = 'none';
      document.getElementById('error').textContent = '';
      document.getElementById('updated').textContent = 'sampled ' + new Date(view.sampledAt).toLocaleTimeString() + ', refreshing every ' + dur(view.sampleIntervalMs);
      renderGate(view.gate);
      renderVerification(view.verification);
      document.getElementById('chart-head').textContent = 'End-to-end, last ' + dur(view.chartMs);
      renderRows(view);
    }).catch(function (err) {
      document.getElementById('error').textContent = 'Cannot refresh: ' + err.message + ' (showing the last data received)';
    }).finally(function () { clearTimeout(timer); timer = setTimeout(poll, INTERVAL); });
  }
  var timer;
  document.getElementById('auth').addEventListener('submit', function (e) {
    e.preventDefault();
    sessionStorage.setItem('tidemark-token', document.getElementById('token').value);
    clearTimeout(timer);
    poll();
  });
  poll();
})();
</script>
</body>
</html>
`;
