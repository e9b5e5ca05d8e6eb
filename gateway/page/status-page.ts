/**
 * The status page: static HTML whose script polls /status every 2 s and rebuilds the tables.
 * Every value from Consul is inserted with textContent, never as HTML. Per-route request rate and
 * 5xx share (lua mode) come from `routes[].traffic`; certificates (with --https-listen) from
 * `certificates`.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>gateway status</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f7f8fa; }
  h1 { font-size: 1.4rem; margin: 0 0 .3rem; }
  h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; box-shadow: 0 1px 2px #0002; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e4e7ec; vertical-align: top; }
  th { background: #eef1f5; font-weight: 600; }
  code { font: 12.5px ui-monospace, monospace; }
  .badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: 12px; color: #fff; }
  .ok { background: #2e7d32; } .bad { background: #c62828; } .warn { background: #ef6c00; } .muted { color: #667; }
  #summary span { margin-right: 1.2rem; }
  .empty { color: #667; font-style: italic; }
</style>
</head>
<body>
<h1>gateway</h1>
<div id="summary" class="muted">loading…</div>
<h2>Routes</h2>
<table id="routes"><thead><tr><th>route</th><th>protocol</th><th>strip</th><th>services</th><th>upstream servers</th><th>req/s</th><th>5xx</th></tr></thead><tbody></tbody></table>
<h2>Instances</h2>
<table id="instances"><thead><tr><th>service</th><th>instance</th><th>address</th><th>health</th><th>tags</th></tr></thead><tbody></tbody></table>
<h2 id="certs-title" hidden>Certificates</h2>
<table id="certificates" hidden><thead><tr><th>name</th><th>hosts</th><th>source</th><th>issuer</th><th>not after</th><th>days left</th><th>state</th></tr></thead><tbody></tbody></table>
<h2>Last changes</h2>
<table id="changes"><thead><tr><th>what</th><th>when</th><th>result</th></tr></thead><tbody></tbody></table>
<h2>Errors</h2>
<table id="errors"><thead><tr><th>when</th><th>source</th><th>message</th></tr></thead><tbody></tbody></table>
<p class="muted">Updates every 2 s · <a href="/status">/status</a> · <a href="/metrics">/metrics</a> · <span id="updated"></span></p>
<script>
'use strict';
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function fill(id, rows, empty) {
  const body = document.querySelector('#' + id + ' tbody');
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = el('tr'); const td = el('td', empty, 'empty');
    td.colSpan = document.querySelectorAll('#' + id + ' th').length; tr.append(td); body.append(tr); return;
  }
  for (const cells of rows) {
    const tr = el('tr');
    for (const c of cells) { const td = el('td'); if (c instanceof Node) td.append(c); else td.textContent = c == null ? '' : String(c); tr.append(td); }
    body.append(tr);
  }
}
function badge(text, cls) { return el('span', text, 'badge ' + cls); }
function rate(t) { return t ? (t.requestsPerSecond < 10 ? t.requestsPerSecond.toFixed(2) : Math.round(t.requestsPerSecond)) : ''; }
function errorShare(t) {
  if (!t || t.requestsPerSecond === 0) return '';
  const pct = t.errorRatio * 100;
  const text = (pct > 0 && pct < 0.1 ? '<0.1' : pct.toFixed(1)) + ' %';
  return pct >= 5 ? badge(text, 'bad') : pct > 0 ? badge(text, 'warn') : text;
}
function when(iso) { return iso ? new Date(iso).toLocaleTimeString() : ''; }
async function refresh() {
  try {
    const res = await fetch('/status', { cache: 'no-store' });
    const s = await res.json();
    const sum = document.getElementById('summary');
    sum.replaceChildren(
      badge(s.ready ? 'ready' : 'not ready', s.ready ? 'ok' : 'bad'), el('span', ''),
      el('span', 'listen ' + s.listen), el('span', 'generation ' + s.generation),
      el('span', 'nginx ' + (s.nginx.running ? 'running (pid ' + s.nginx.pid + ')' : 'down') + ', restarts ' + s.nginx.restarts),
      el('span', (s.mode || '?') + ' mode'),
      s.pool ? el('span', 'upstream pool ' + (s.pool.running ? 'running' : 'down') + ', generation ' + s.pool.generation + ', restarts ' + s.pool.restarts) : el('span', ''),
      el('span', 'Consul ' + s.consul), el('span', 'template ' + s.template));
    fill('routes', s.routes.map(r => [
      el('code', (r.host || '*') + r.path),
      (r.protocol === 'grpc' ? 'gRPC' : r.protocol === 'https' ? 'HTTPS, WebSocket' : 'HTTP, WebSocket') + (r.timeout ? ' (idle ' + r.timeout + ' s)' : ''),
      r.strip || '', r.services.join(', '),
      r.servers.length ? r.servers.map(x => x.target).join(' ') : badge('503: no healthy instance', 'bad'),
      rate(r.traffic), errorShare(r.traffic)]), 'no routes');
    fill('instances', s.instances.map(i => [i.service, el('code', i.id), el('code', i.address + ':' + i.port),
      badge(i.status + (i.valid ? '' : ', invalid'), i.healthy && i.valid ? 'ok' : i.status === 'warning' ? 'warn' : 'bad'),
      el('code', i.tags.join(', '))]), 'no instances');
    const certs = s.certificates;
    document.getElementById('certs-title').hidden = !certs;
    document.getElementById('certificates').hidden = !certs;
    if (certs) fill('certificates', certs.map(c => [c.name + (c.isDefault ? ' (default)' : ''),
      el('code', c.hosts.join(', ')), el('code', c.source), c.issuer || '', c.notAfter ? c.notAfter.slice(0, 10) : '',
      c.expiry === 'expired' ? badge('expired ' + c.notAfter.slice(0, 10) + ', still serving', 'bad')
        : c.expiry === 'expiring' ? badge(c.daysLeft, c.daysLeft < 3 ? 'bad' : 'warn') : c.daysLeft ?? '',
      c.error ? badge(c.serving ? 'rejected, previous serving: ' + c.error : c.error, 'bad') : badge('serving', 'ok')]),
      'no certificates');
    const changes = [];
    if (s.lastRender) changes.push(['render', when(s.lastRender.at), (s.lastRender.changed ? 'changed' : 'unchanged') + ', ' + s.lastRender.durationMs + ' ms']);
    if (s.lastValidation) changes.push(['validation', when(s.lastValidation.at), s.lastValidation.ok ? badge('ok', 'ok') : badge('rejected', 'bad')]);
    if (s.lastReload) changes.push(['reload', when(s.lastReload.at), s.lastReload.result + ' (generation ' + s.lastReload.generation + ', ' + s.lastReload.durationMs + ' ms)']);
    fill('changes', changes, 'nothing yet');
    const errors = s.routeErrors.map(e => ['now', 'routes', e.service + ': ' + e.message])
      .concat(s.errors.map(e => [when(e.at), e.source, e.message]));
    fill('errors', errors, 'no errors');
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById('updated').textContent = 'status unavailable: ' + e.message;
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
`;
