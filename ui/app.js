// The Command Center: plain JavaScript, no framework. Every page reads the /api/* reports of
// `x07lp ui serve` (or the reports `ui export` embedded in data.js) and renders them with DOM
// calls only: report text never becomes markup.
'use strict';
const EXPORTED = window.X07LP_EXPORT;
const POLL_MS = 3000;
let timer = null;
let generation = 0;

// h('div', {class: 'x'}, child, 'text', ...): an element; null children are skipped.
function h(tag, attrs, ...children) {
  const svg = ['svg', 'polyline', 'line', 'circle', 'rect', 'text', 'title', 'g'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v); else el.setAttribute(k, v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) el.append(c.nodeType ? c : String(c));
  return el;
}
const pill = (v) => h('span', { class: 'pill ' + String(v) }, v === null || v === undefined ? '—' : String(v));
const link = (href, text) => h('a', { href }, text);
const fields = (pairs) => h('dl', null, pairs.map(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '—')]));

// A local time with "3 min ago"; the exact value on hover.
function when(ms) {
  if (typeof ms !== 'number') return '—';
  const d = new Date(ms);
  const s = Math.round((Date.now() - ms) / 1000);
  const ago = Math.abs(s) < 60 ? s + ' s' : Math.abs(s) < 3600 ? Math.round(s / 60) + ' min'
    : Math.abs(s) < 86400 ? Math.round(s / 3600) + ' h' : Math.round(s / 86400) + ' d';
  return h('time', { datetime: d.toISOString(), title: d.toISOString() + ' (' + ms + ' ms)' },
    d.toLocaleString() + ' (' + ago + ' ago)');
}

function banner(kind, text) {
  const b = document.getElementById('banner');
  b.hidden = !kind; b.className = kind || ''; b.textContent = text || '';
}

// The report of an API path: fetched, or from the export. Throws the report's diagnostics.
async function api(path) {
  let doc;
  if (EXPORTED) {
    doc = EXPORTED[path];
    if (!doc) throw new Error('not in this export: ' + path);
  } else {
    const res = await fetch(path, { cache: 'no-store', headers: { Accept: 'application/json' } });
    doc = await res.json();
  }
  if (!doc.ok) throw new Error(JSON.stringify(doc.diagnostics || doc));
  return doc.result;
}

// A control: confirmed, same-origin JSON with the custom header the server requires.
async function control(path, what, body) {
  if (!window.confirm(what + '?')) return;
  const headers = { 'Content-Type': 'application/json', 'X-X07LP-UI': '1' };
  const token = sessionStorage.getItem('x07lp-token');
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(path, { method: 'POST', cache: 'no-store', headers, body: JSON.stringify(body || {}) });
  const doc = await res.json();
  banner(doc.ok ? 'done' : 'error', (doc.ok ? 'Last action result: ' : 'Last action refused: ') + JSON.stringify(doc));
  render();
  return doc;
}

// Buttons with a shared reason field.
function controls(base, ops, extra) {
  const reason = h('input', { type: 'text', placeholder: 'reason (optional)', 'aria-label': 'reason' });
  return h('div', { class: 'controls' }, reason, ops.map((op) => h('button', {
    'data-op': op,
    onclick: () => control(base + '/' + op, op, Object.assign(reason.value ? { reason: reason.value } : {}, extra && extra(op))),
  }, op)));
}

async function pageApps(root) {
  const [apps, incidents] = await Promise.all([api('/api/apps'), api('/api/incidents')]);
  root.append(h('h1', null, 'Apps'), h('div', { class: 'controls' },
    h('button', { onclick: () => control('/api/platform/kill', 'kill the platform') }, 'Kill platform'),
    h('button', { onclick: () => control('/api/platform/unkill', 'unkill the platform') }, 'Unkill platform')));
  const cards = (apps.items || []).map((a) => h('div', { class: 'card app-card' },
    h('h3', null, a.app_id + ' / ' + a.environment),
    fields([['Status', pill(a.deployment_status)], ['Outcome', pill(a.outcome)], ['Weight', (a.current_weight_pct ?? '—') + ' %'],
      ['Kill', pill(a.kill_state)], ['Incidents', (a.incident_count_open ?? 0) + ' open / ' + (a.incident_count_total ?? 0)],
      ['Listener', a.public_listener], ['Deployment', a.latest_deployment_id ? link('#/deployments/' + a.latest_deployment_id, a.latest_deployment_id) : null],
      ['Latest incident', a.latest_incident_id ? link('#/incidents/' + a.latest_incident_id, a.latest_incident_id) : null],
      ['History', link('#/history/' + a.app_id + '/' + a.environment, 'deployments')], ['Updated', when(a.updated_unix_ms)]]),
    controls('/api/apps/' + a.app_id + '/' + a.environment, ['kill', 'unkill'])));
  root.append(h('div', { class: 'grid' }, cards.length ? cards : h('p', { class: 'muted' }, 'No apps yet.')));
  root.append(h('h2', null, 'Recent incidents'), incidentTable(incidents.items || []));
}

function incidentTable(items) {
  if (!items.length) return h('p', { class: 'muted' }, 'No incidents.');
  return h('div', { class: 'scroll' }, h('table', null, h('tr', null, ['Incident', 'Class', 'Status', 'Target', 'Regression', 'Captured'].map((t) => h('th', null, t))),
    items.map((i) => h('tr', null, h('td', null, link('#/incidents/' + i.incident_id, i.incident_id)), h('td', null, i.classification),
      h('td', null, pill(i.incident_status)), h('td', null, i.target ? i.target.app_id + ' / ' + i.target.environment : '—'),
      h('td', null, pill(i.regression_status)), h('td', null, when(i.captured_unix_ms))))));
}

async function pageDeployment(root, id) {
  const [d, inc] = await Promise.all([api('/api/deployments/' + id), api('/api/deployments/' + id + '/incidents')]);
  root.append(h('h1', null, 'Deployment ' + id),
    controls('/api/deployments/' + id, ['pause', 'resume', 'promote', 'rollback', 'stop', 'rerun'], (op) => (op === 'rerun' ? { from_step: 0 } : {})),
    h('div', { class: 'grid' }, h('div', { class: 'card' }, h('h3', null, 'Summary'), fields([
      ['Target', d.target ? d.target.app_id + ' / ' + d.target.environment : null], ['Status', pill(d.status)], ['Outcome', pill(d.outcome)],
      ['Control', pill(d.control_state)], ['Weight', (d.current_weight_pct ?? '—') + ' %'], ['Kill', d.kill_latched ? pill('killed') : 'no'],
      ['Signature', pill(d.signature_status)], ['Created', when(d.created_unix_ms)], ['Updated', when(d.updated_unix_ms)],
      ['History', d.target ? link('#/history/' + d.target.app_id + '/' + d.target.environment, 'deployments') : null]]))),
    h('h2', null, 'Timeline'), timeline(d), h('h2', null, 'Analyses'), await analyses(d),
    h('h2', null, 'Decisions'), decisionTable(d.decisions || []),
    h('h2', null, 'Artifacts'), artifactTable(d.artifacts || []),
    h('h2', null, 'Incidents'), incidentTable(inc.items || []));
}

// Candidate weight over the steps (a step without one keeps the last); each analysis a dot
// (pass / fail / inconclusive), each control action a ring.
function timeline(d) {
  const steps = d.steps || [];
  if (!steps.length) return h('p', { class: 'muted' }, 'No steps yet.');
  let last = 0;
  const weights = steps.map((s) => (last = typeof s.latest_weight_pct === 'number' ? s.latest_weight_pct : last));
  const controlSteps = new Set((d.decisions || []).filter((x) => /control/.test(x.kind || '')).map((x) => x.step_idx ?? steps.length - 1));
  const W = 800, H = 220, L = 40, B = 30, x = (i) => L + (i + 0.5) * ((W - L - 10) / steps.length), y = (w) => H - B - (w / 100) * (H - B - 15);
  const marks = steps.map((s, i) => {
    const outcome = analysisOutcome(s);
    const label = 'step ' + i + ' ' + (s.name || s.kind) + ': ' + weights[i] + ' %' + (outcome ? ', analysis ' + outcome : '');
    return [outcome ? h('circle', { class: 'm-' + outcome, cx: x(i), cy: y(weights[i]), r: 6 }, h('title', null, label)) : null,
      controlSteps.has(s.idx ?? i) ? h('circle', { class: 'm-control', cx: x(i), cy: y(weights[i]), r: 10 }, h('title', null, label + ', control action')) : null];
  });
  return h('svg', { class: 'timeline', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'candidate weight over the steps' },
    [0, 50, 100].map((w) => [h('line', { class: 'axis', x1: L, x2: W - 10, y1: y(w), y2: y(w) }), h('text', { x: 4, y: y(w) + 4 }, w + '%')]),
    h('polyline', { class: 'weight', points: weights.map((w, i) => x(i) + ',' + y(w)).join(' ') }), marks,
    steps.map((s, i) => h('text', { x: x(i) - 4, y: H - 10 }, String(i))));
}
// promote → pass, rollback → fail, anything else (inconclusive) as it is.
function analysisOutcome(s) {
  const v = s.analysis_decision;
  return v ? ({ promote: 'pass', rollback: 'fail' }[v] || String(v)) : null;
}

// Each analysis step with its SLO evaluation: every indicator, observed against its objective.
async function analyses(d) {
  const steps = (d.steps || []).filter((s) => s.analysis_decision);
  if (!steps.length) return h('p', { class: 'muted' }, 'No analyses.');
  const cards = await Promise.all(steps.map(async (s) => {
    const decision = (d.decisions || []).find((x) => x.step_idx === s.idx) || {};
    const report = (decision.evidence || []).find((e) => e.role === 'slo_eval_report');
    let indicators = [];
    if (report) indicators = ((await api('/api/blobs/' + report.digest.sha256)).document.result || {}).indicators || [];
    return h('div', { class: 'card' }, h('h3', null, (s.name || 'analysis') + ' ', pill(analysisOutcome(s))),
      indicators.length ? h('table', null, h('tr', null, ['Indicator', 'Observed', 'Objective', ''].map((t) => h('th', null, t))),
        indicators.map((i) => h('tr', { class: 'indicator' }, h('td', null, i.id), h('td', null, String(i.observed)),
          h('td', null, JSON.stringify(i.objective)), h('td', null, pill(i.ok ? 'pass' : 'fail')))))
        : h('p', { class: 'muted' }, 'No evaluation report.'));
  }));
  return h('div', { class: 'grid' }, cards);
}

function decisionTable(items) {
  if (!items.length) return h('p', { class: 'muted' }, 'No decisions.');
  return h('div', { class: 'scroll' }, h('table', null, h('tr', null, ['Decision', 'Kind', 'Outcome', 'Signature', 'At'].map((t) => h('th', null, t))),
    items.map((x) => h('tr', null, h('td', null, x.decision_id), h('td', null, x.kind), h('td', null, pill(x.outcome ?? x.decision)),
      h('td', null, pill(x.signature_status)), h('td', null, when(x.created_unix_ms ?? x.at_unix_ms))))));
}

function artifactTable(items) {
  if (!items.length) return h('p', { class: 'muted' }, 'No artifacts.');
  return h('div', { class: 'scroll' }, h('table', null, h('tr', null, ['Role', 'Kind', 'SHA-256', 'Bytes'].map((t) => h('th', null, t))),
    items.map((a) => h('tr', null, h('td', null, a.role ?? a.logical_name ?? '—'), h('td', null, a.kind ?? '—'),
      h('td', null, h('code', null, (a.digest && a.digest.sha256) || a.sha256 || '—')), h('td', null, (a.digest && a.digest.bytes_len) ?? '—')))));
}

async function pageIncident(root, id) {
  const i = await api('/api/incidents/' + id);
  const m = i.meta || {};
  root.append(h('h1', null, 'Incident ' + id),
    h('div', { class: 'controls' }, h('button', { onclick: () => control('/api/incidents/' + id + '/regress', 'generate a regression', { name: 'ui-' + id }) }, 'Generate regression')),
    h('div', { class: 'grid' }, h('div', { class: 'card' }, h('h3', null, 'Overview'), fields([
      ['Class', pill(i.classification)], ['Source', i.source], ['Status', pill(i.incident_status)], ['HTTP status', i.status_code],
      ['Target', i.target ? i.target.app_id + ' / ' + i.target.environment : null],
      ['Deployment', i.deployment_id ? link('#/deployments/' + i.deployment_id, i.deployment_id) : null],
      ['Device release', (i.release_exec_id ?? m.release_exec_id) ? link('#/device-releases/' + (i.release_exec_id ?? m.release_exec_id), i.release_exec_id ?? m.release_exec_id) : null],
      ['Decision', i.decision_id], ['Signature', pill(i.signature_status)], ['Captured', when(i.captured_unix_ms)]])),
    h('div', { class: 'card' }, h('h3', null, 'Regression'), fields([['Status', pill(i.regression_status)], ['Regression', i.regression_id],
      ['Bundle', i.bundle ? h('code', null, i.bundle.digest && i.bundle.digest.sha256) : null]]))),
    h('h2', null, 'Request, response and trace (redacted at capture)'),
    ['request', 'response', 'trace'].map((k) => h('div', { class: 'card' }, h('h3', null, k), h('pre', null, JSON.stringify(i[k] ?? m[k] ?? (i.bundle_document || {})[k] ?? null, null, 2)))),
    h('h2', null, 'Raw'), h('pre', null, JSON.stringify(i, null, 2)));
}

async function pageHistory(root, app, env) {
  const r = await api('/api/apps/' + app + '/' + env + '/deployments');
  root.append(h('h1', null, 'History of ' + app + ' / ' + env));
  const items = r.items || [];
  root.append(items.length ? h('div', { class: 'scroll' }, h('table', null, h('tr', null, ['Deployment', 'Status', 'Outcome', 'Weight', 'Updated'].map((t) => h('th', null, t))),
    items.map((d) => h('tr', null, h('td', null, link('#/deployments/' + d.deployment_id, d.deployment_id)), h('td', null, pill(d.status)),
      h('td', null, pill(d.outcome)), h('td', null, (d.current_weight_pct ?? '—') + ' %'), h('td', null, when(d.updated_unix_ms ?? d.created_unix_ms))))))
    : h('p', { class: 'muted' }, 'No deployments.'));
}

async function pageDeviceReleases(root) {
  const r = await api('/api/device-releases');
  const items = r.items || [];
  root.append(h('h1', null, 'Device releases'));
  const cards = items.map((d) => {
    const app = d.app || {};
    const rollup = d.latest_native_health_rollup || {};
    const native = Object.entries(rollup).filter(([k, v]) => /_count$/.test(k) && v > 0).map(([k, v]) => k.replace(/_count$/, '') + ' ' + v);
    return h('div', { class: 'card release-card' }, h('h3', null, (app.app_id || d.exec_id) + ' / ' + d.target),
      h('p', null, pill(d.status), ' ', pill(d.current_state), ' ', pill(d.automation_state), ' ', pill(d.release_readiness_status)),
      fields([['Release', link('#/device-releases/' + d.exec_id, d.exec_id)], ['Provider', d.provider_id + ' (' + d.provider_kind + ')'],
        ['Lane', d.distribution_lane], ['Rollout', (d.current_rollout_percent ?? '—') + ' %'], ['Version', (app.version ?? '—') + ' (' + (app.build ?? '—') + ')'],
        ['Evaluation', pill(d.latest_eval_outcome)], ['Regression', pill(d.latest_regression_status)],
        ['Native incidents', native.length ? native.join(', ') : 'none'],
        ['Latest incident', d.latest_native_incident_id ? link('#/incidents/' + d.latest_native_incident_id, d.latest_native_incident_id) : null],
        ['Updated', when(d.updated_unix_ms)]]));
  });
  root.append(h('div', { class: 'grid' }, cards.length ? cards : h('p', { class: 'muted' }, 'No device releases yet.')));
}

// A document value for a field list: lists joined, objects as their enabled keys (or k=v),
// digests shortened with the full value on hover.
function show(v) {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : 'none';
  if (typeof v === 'object') {
    const on = (x) => x === true || (x && typeof x === 'object' && x.enabled === true);
    const parts = Object.entries(v).filter(([, x]) => x !== false && x !== null && !(x && typeof x === 'object' && x.enabled === false))
      .map(([k, x]) => (on(x) ? k : k + '=' + (typeof x === 'object' ? JSON.stringify(x) : x)));
    return parts.length ? parts.join(', ') : 'none';
  }
  if (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)) return h('code', { title: v }, v.slice(0, 12) + '…');
  return String(v);
}
const documentFields = (doc, skip) => fields(Object.entries(doc || {}).filter(([k]) => !(skip || []).includes(k)).map(([k, v]) => [k.replace(/_/g, ' '), show(v)]));

async function pageDeviceRelease(root, id) {
  const [d, inc] = await Promise.all([api('/api/device-releases/' + id), api('/api/device-releases/' + id + '/incidents')]);
  const app = d.app || {};
  const summary = d.native_summary || {};
  const readiness = d.release_readiness || {};
  root.append(h('h1', null, 'Device release ' + id),
    controls('/api/device-releases/' + id, ['observe', 'pause', 'resume', 'complete', 'halt', 'stop', 'rollback', 'rerun'],
      (op) => (op === 'rerun' ? { from_step: 0 } : {})),
    h('div', { class: 'grid' },
      h('div', { class: 'card' }, h('h3', null, 'Release'), fields([
        ['App', (app.app_id ?? '—') + ' ' + (app.version ?? '') + ' (' + (app.build ?? '—') + ')'], ['Target', d.target],
        ['Provider', d.provider_kind], ['Lane', d.distribution_lane], ['Status', pill(d.status)], ['Store state', pill(d.current_state)],
        ['Automation', pill(d.automation_state)], ['Rollout', (d.current_rollout_percent ?? '—') + ' %'],
        ['Evaluation', pill(d.latest_eval_outcome)], ['Signature', pill(d.signature_status)], ['Decisions', d.decision_count],
        ['Store release', d.provider_release_id], ['Updated', when(d.updated_unix_ms)]])),
      h('div', { class: 'card' }, h('h3', null, 'Readiness ', pill(readiness.status)), documentFields(readiness, ['status'])),
      h('div', { class: 'card' }, h('h3', null, 'Native summary'), documentFields(summary)),
      h('div', { class: 'card' }, h('h3', null, 'Native health'), documentFields(d.latest_native_health_rollup))),
    h('h2', null, 'Steps'), stepTable(d.steps || []),
    h('h2', null, 'Incidents'), incidentTable(inc.items || []),
    h('h2', null, 'Raw'), h('pre', null, JSON.stringify(d, null, 2)));
}

function stepTable(items) {
  if (!items.length) return h('p', { class: 'muted' }, 'No steps yet.');
  return h('div', { class: 'scroll' }, h('table', null, h('tr', null, ['Step', 'Kind', 'Status', 'Rollout', 'Started'].map((t) => h('th', null, t))),
    items.map((s) => h('tr', null, h('td', null, s.idx + ' ' + (s.name || '')), h('td', null, s.kind), h('td', null, pill(s.status)),
      h('td', null, (s.latest_rollout_percent ?? '—') + ' %'), h('td', null, when(s.started_unix_ms))))));
}

// #/apps, #/deployments/<id>, #/incidents/<id>, #/history/<app>/<env>, #/device-releases[/<id>]: hash routes, so the
// export works from file:// and the server needs no fallback.
async function render() {
  const mine = ++generation;
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const next = h('main', { id: 'app' });
  document.getElementById('live').textContent = EXPORTED ? 'Export' : 'Refreshing';
  try {
    if (parts[0] === 'deployments' && parts[1]) await pageDeployment(next, parts[1]);
    else if (parts[0] === 'incidents' && parts[1]) await pageIncident(next, parts[1]);
    else if (parts[0] === 'history' && parts[2]) await pageHistory(next, parts[1], parts[2]);
    else if (parts[0] === 'device-releases' && parts[1]) await pageDeviceRelease(next, parts[1]);
    else if (parts[0] === 'device-releases') await pageDeviceReleases(next);
    else await pageApps(next);
    if (document.getElementById('banner').className === 'error' && !EXPORTED) banner(null);
  } catch (err) {
    banner('error', 'Request failed: ' + err.message);
    return;
  } finally {
    document.getElementById('live').textContent = EXPORTED ? 'Export' : 'Live';
  }
  // A slower, older render (another page, or an earlier poll) never replaces a newer one; nor
  // does a refresh replace a page whose input the user is typing in.
  if (mine !== generation) return;
  if (document.activeElement && document.activeElement.tagName === 'INPUT') return;
  document.getElementById('app').replaceWith(next);
}

function poll() {
  clearInterval(timer);
  if (!EXPORTED && !document.hidden) timer = setInterval(render, POLL_MS);
}

if (EXPORTED) document.body.classList.add('export');
// The token lives for this tab only; the server refuses controls without it unless it was
// started with --allow-local-control.
const tokenInput = document.getElementById('token');
tokenInput.value = sessionStorage.getItem('x07lp-token') || '';
tokenInput.addEventListener('change', () => sessionStorage.setItem('x07lp-token', tokenInput.value.trim()));
window.addEventListener('hashchange', () => { banner(null); render(); });
document.addEventListener('visibilitychange', () => { poll(); if (!document.hidden) render(); });
render();
poll();
