// The dashboard of `pipewright serve`, and the page `pipewright report --html` writes: a small
// hash-routed app over the JSON API (docs/dashboard.md). In a report the API's answers are
// embedded (window.PW_STATIC) and nothing is fetched.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { ansiToHtml, esc } from './ansi.js';

const STATIC = window.PW_STATIC || null;
const main = () => document.getElementById('main');
let project = new URLSearchParams(location.search).get('project') || '';
let cleanup = [];

function withProject(path) {
  if (!project) return path;
  return path + (path.includes('?') ? '&' : '?') + 'project=' + encodeURIComponent(project);
}

async function api(path) {
  if (STATIC) {
    const key = path.split('?')[0];
    if (key in STATIC.answers) return STATIC.answers[key];
    throw new Error('not part of this report (open it with `pipewright serve`)');
  }
  const res = await fetch(withProject(path));
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

// ---------- formatting ----------
function dur(ms) {
  if (ms == null) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}
const pct = (v) => (v == null ? '–' : `${v.toFixed(1)}%`);
const badge = (st) => `<span class="badge st-${esc(st || 'UNKNOWN')}">${esc(st || '?')}</span>`;
const short = (sha) => esc((sha || '').slice(0, 10));
const link = (n) => `<a href="#/build/${n}">#${n}</a>`;
function h(html) {
  main().innerHTML = html;
}
function qs(hash) {
  const i = hash.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : hash.slice(i + 1));
}
function setHash(path, params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v != null) p.set(k, v);
  const s = p.toString();
  location.hash = path + (s ? '?' + s : '');
}

// ---------- builds ----------
async function buildsPage(params) {
  const status = params.get('status') || '';
  const branch = params.get('branch') || '';
  const offset = Number(params.get('offset') || 0);
  const limit = 25;
  const q = new URLSearchParams({ limit, offset });
  if (status) q.set('status', status);
  if (branch) q.set('branch', branch);
  const data = await api('/api/builds?' + q);
  const rows = data.builds
    .map((b) => {
      const t = b.tests || {};
      const f = b.findings || {};
      const vul = (f.dependency || 0) + (f.image || 0);
      const nf = b.new_findings > 0 ? `<span class="new">+${b.new_findings}</span>` : '';
      return `<tr class="build-row" data-number="${b.number}">
        <td>${link(b.number)}</td><td>${badge(b.status)}${b.running ? ' <span class="live">live</span>' : ''}</td>
        <td><code>${short(b.commit)}</code> ${esc(b.message || '')}</td><td>${esc(b.branch)}</td>
        <td>${dur(b.duration_ms)}</td>
        <td>${t.total ? `${t.passed}/${t.total}${t.failed + t.errors ? ` <span class="fail">${t.failed + t.errors} failed</span>` : ''}` : '–'}</td>
        <td>${pct(b.coverage)}</td><td>${f.quality ?? '–'} / ${vul} ${nf}</td></tr>`;
    })
    .join('');
  const opts = (list, cur) => list.map((v) => `<option ${v === cur ? 'selected' : ''}>${esc(v)}</option>`).join('');
  h(`<h1>Builds</h1>
    <div class="filters">
      <label>Status <select id="f-status"><option value="">any</option>${opts(['SUCCESS', 'UNSTABLE', 'FAILURE', 'ABORTED', 'RUNNING'], status)}</select></label>
      <label>Branch <select id="f-branch"><option value="">any</option>${opts(data.branches || [], branch)}</select></label>
      <span class="muted">${data.total} build(s)</span>
    </div>
    <table class="grid builds"><thead><tr><th>#</th><th>Status</th><th>Commit</th><th>Branch</th><th>Duration</th><th>Tests</th><th>Coverage</th><th>Findings / vulns</th></tr></thead>
    <tbody>${rows || '<tr><td colspan="8" class="muted">No builds yet: run <code>pipewright run</code>.</td></tr>'}</tbody></table>
    <div class="pager">${offset > 0 ? `<a href="#" id="prev">← newer</a>` : ''} ${offset + limit < data.total ? `<a href="#" id="next">older →</a>` : ''}</div>`);
  const go = (o) => setHash('#/', { status: document.getElementById('f-status').value, branch: document.getElementById('f-branch').value, offset: o || '' });
  document.getElementById('f-status').onchange = () => go(0);
  document.getElementById('f-branch').onchange = () => go(0);
  const prev = document.getElementById('prev');
  if (prev) prev.onclick = (e) => (e.preventDefault(), go(Math.max(0, offset - limit)));
  const next = document.getElementById('next');
  if (next) next.onclick = (e) => (e.preventDefault(), go(offset + limit));
  document.querySelectorAll('tr.build-row').forEach((tr) => {
    tr.onclick = (e) => {
      if (e.target.tagName !== 'A') location.hash = `#/build/${tr.dataset.number}`;
    };
  });
  if (!STATIC) {
    // New and running builds appear without a reload.
    const running = data.builds.some((b) => b.running);
    const timer = setTimeout(() => route(), running ? 2000 : 10000);
    cleanup.push(() => clearTimeout(timer));
  }
}

// ---------- one build ----------
function stageGraph(stages) {
  // Columns by depth in the DAG (needs), so parallel stages stand side by side; without needs
  // (the pipeline changed or could not be read) stages that overlapped in time share a column.
  const byId = Object.fromEntries(stages.map((s) => [s.id, s]));
  const depth = {};
  const d = (id, seen = new Set()) => {
    if (depth[id] != null) return depth[id];
    if (seen.has(id)) return 0;
    seen.add(id);
    const needs = (byId[id].needs || []).filter((n) => byId[n]);
    depth[id] = needs.length ? 1 + Math.max(...needs.map((n) => d(n, seen))) : 0;
    return depth[id];
  };
  const haveNeeds = stages.some((s) => (s.needs || []).length);
  if (haveNeeds) {
    stages.forEach((s) => d(s.id));
    // `post` needs nothing but always runs last.
    if (byId.post) depth.post = 1 + Math.max(0, ...stages.filter((s) => s.id !== 'post').map((s) => depth[s.id]));
  }
  else {
    // Without the graph: columns by time, stages that overlap side by side; those that never
    // started (NOT_BUILT) together in a last column, not before everything else.
    let col = -1;
    let end = -Infinity;
    const ran = stages.filter((s) => s.started);
    [...ran]
      .sort((a, b) => Date.parse(a.started) - Date.parse(b.started))
      .forEach((s) => {
        const st = Date.parse(s.started);
        if (!(st < end)) col++;
        depth[s.id] = Math.max(col, 0);
        end = Math.max(end, st + (s.duration_ms || 0));
      });
    stages.filter((s) => !s.started).forEach((s) => (depth[s.id] = col + 1));
  }
  const cols = [];
  stages.forEach((s) => (cols[depth[s.id]] ||= []).push(s));
  return `<div class="dag">${cols
    .map(
      (c) => `<div class="dag-col">${(c || [])
        .map(
          (s) => `<a class="stage st-${esc(s.status)}" href="#/build/${currentBuild}/log/${encodeURIComponent(s.id)}" title="${esc(s.summary || '')}">
          <b>${esc(s.id)}</b><span>${esc(s.status)} · ${dur(s.duration_ms)}</span>${(s.needs || []).length ? `<small>needs ${esc(s.needs.join(', '))}</small>` : ''}</a>`
        )
        .join('')}</div>`
    )
    .join('<div class="dag-arrow">→</div>')}</div>`;
}

function criticalPath(stages) {
  const byId = Object.fromEntries(stages.map((s) => [s.id, s]));
  const end = (s) => Date.parse(s.started || 0) + (s.duration_ms || 0);
  const started = stages.filter((s) => s.started && s.id !== 'post');
  if (!started.length) return new Set();
  let cur = started.reduce((a, b) => (end(a) >= end(b) ? a : b));
  const path = new Set([cur.id]);
  for (;;) {
    const needs = (cur.needs || []).map((n) => byId[n]).filter((s) => s && s.started);
    if (!needs.length) break;
    cur = needs.reduce((a, b) => (end(a) >= end(b) ? a : b));
    path.add(cur.id);
  }
  return path;
}

function timeline(stages) {
  const started = stages.filter((s) => s.started);
  if (!started.length) return '<p class="muted">No stage has started.</p>';
  const t0 = Math.min(...started.map((s) => Date.parse(s.started)));
  const t1 = Math.max(...started.map((s) => Date.parse(s.started) + Math.max(s.duration_ms || 0, 1)));
  const span = Math.max(t1 - t0, 1);
  const crit = criticalPath(stages);
  return `<div class="timeline">${started
    .map((s) => {
      const left = ((Date.parse(s.started) - t0) / span) * 100;
      const width = Math.max(((s.duration_ms || 0) / span) * 100, 0.5);
      return `<div class="tl-row"><span class="tl-name">${esc(s.id)}</span><span class="tl-track">
        <span class="tl-bar st-${esc(s.status)} ${crit.has(s.id) ? 'critical' : ''}" style="left:${left}%;width:${width}%"
        title="${esc(s.id)}: +${dur(Date.parse(s.started) - t0)} for ${dur(s.duration_ms)}"></span></span>
        <span class="tl-dur">${dur(s.duration_ms)}</span></div>`;
    })
    .join('')}<p class="muted">Critical path in bold outline: ${[...crit].reverse().map(esc).join(' → ')}</p></div>`;
}

let currentBuild = 0;

function buildHeader(b) {
  return `<h1>Build #${b.number} ${badge(b.status)} ${b.running ? '<span class="live">live</span>' : ''}</h1>
    <p class="meta"><code>${short(b.commit)}</code> ${esc(b.message || '')} · branch <b>${esc(b.branch || '–')}</b> ·
    ${esc(b.started || '')}${b.trigger ? ` · started by ${esc(b.trigger)}` : ''} · ${dur(b.duration_ms)}${b.previous ? ` · previous ${link(b.previous)}` : ''}</p>
    ${(b.problems || []).length ? `<p class="warn">Unreadable reports: ${b.problems.map(esc).join('; ')}</p>` : ''}`;
}

function tabs(n, active) {
  const t = [
    ['', 'Overview'],
    ['tests', 'Tests'],
    ['coverage', 'Coverage'],
    ['findings', 'Findings'],
    ['artifacts', 'Artifacts'],
  ];
  return `<nav class="tabs">${t
    .map(([k, label]) => `<a href="#/build/${n}${k ? '/' + k : ''}" class="${k === active ? 'active' : ''}">${label}</a>`)
    .join('')}</nav>`;
}

function changes(b) {
  const d = b.diff || {};
  if (!b.previous || !Object.keys(d).length) return '';
  const list = (xs) => (xs || []).map((x) => `<li><a href="#/test?name=${encodeURIComponent(x)}">${esc(x)}</a></li>`).join('');
  const fd = d.findings_delta || {};
  const sign = (v) => (v > 0 ? `+${v}` : `${v}`);
  return `<section><h2>Changes since ${link(b.previous)}</h2><div class="cards">
    <div class="card"><h3>Newly failing</h3><ul class="fail">${list(d.newly_failing) || '<li class="muted">none</li>'}</ul></div>
    <div class="card"><h3>Fixed</h3><ul class="ok">${list(d.fixed) || '<li class="muted">none</li>'}</ul></div>
    <div class="card"><h3>Coverage</h3><p>${d.coverage_delta == null ? '–' : sign(Number(d.coverage_delta.toFixed(2))) + ' points'}</p>
    <h3>Findings</h3><p>quality ${sign(fd.quality || 0)}, dependencies ${sign(fd.dependency || 0)}, image ${sign(fd.image || 0)}</p></div></div></section>`;
}

function gateTable(b) {
  if (!(b.gate_conditions || []).length) return '';
  return `<section><h2>Quality gate ${badge(b.gate)}</h2><table class="grid"><thead><tr><th>Condition</th><th>Operator</th><th>Threshold</th><th>Actual</th><th>Status</th></tr></thead><tbody>
    ${b.gate_conditions.map((c) => `<tr><td>${esc(c.name || c.metric)}</td><td>${esc(c.op)}</td><td>${esc(c.threshold)}</td><td>${esc(c.actual)}</td><td>${badge(c.status)}</td></tr>`).join('')}
    </tbody></table></section>`;
}

async function buildPage(n, tab, rest, params) {
  currentBuild = n;
  const b = await api(`/api/builds/${n}`);
  const render = (b) => {
    if (tab === '') {
      h(`${buildHeader(b)}${tabs(n, '')}
        <section><h2>Stages</h2>${stageGraph(b.stages)}</section>
        <section><h2>Timeline</h2>${timeline(b.stages)}</section>
        <section><h2>Stage results</h2><table class="grid"><thead><tr><th>Stage</th><th>Status</th><th>Duration</th><th>Attempts</th><th>Summary</th></tr></thead><tbody>
        ${b.stages.map((s) => `<tr><td><a href="#/build/${n}/log/${encodeURIComponent(s.id)}">${esc(s.id)}</a></td><td>${badge(s.status)}</td><td>${dur(s.duration_ms)}</td><td>${s.attempts}</td><td>${esc(s.summary)}</td></tr>`).join('')}
        </tbody></table></section>${changes(b)}${gateTable(b)}`);
    }
  };
  if (tab === '') {
    render(b);
    live(n, null, (nb) => render(nb));
  } else if (tab === 'tests') await testsTab(b);
  else if (tab === 'coverage') coverageTab(b);
  else if (tab === 'findings') await findingsTab(b);
  else if (tab === 'artifacts') artifactsTab(b);
  else if (tab === 'log') await logTab(b, decodeURIComponent(rest), params);
}

// Server-sent events of a running build: the page updates as `pipewright run` progresses.
function live(n, stage, onBuild, onLog, from) {
  if (STATIC) return;
  const q = stage ? `?stage=${encodeURIComponent(stage)}&from=${from || 0}` : '';
  const es = new EventSource(withProject(`/api/builds/${n}/events${q}`));
  let first = true;
  es.addEventListener('build', (e) => {
    if (first) {
      first = false; // the page was just drawn from the same state
      return;
    }
    onBuild && onBuild(JSON.parse(e.data));
  });
  es.addEventListener('log', (e) => onLog && onLog(JSON.parse(e.data)));
  es.addEventListener('end', () => es.close());
  cleanup.push(() => es.close());
}

async function testsTab(b) {
  const tests = await api(`/api/builds/${b.number}/tests`);
  const failing = tests.filter((t) => t.outcome === 'failed' || t.outcome === 'error');
  const skipped = tests.filter((t) => t.outcome === 'skipped');
  const passed = tests.filter((t) => t.outcome === 'passed');
  // The stage that ran the tests: the built-in `tests`, else (a `run:` stage wrote the report)
  // the first that did not succeed.
  const testStage = (b.stages.find((s) => s.id === 'tests') || b.stages.find((s) => s.status === 'FAILURE' || s.status === 'UNSTABLE') || b.stages[0] || {}).id;
  const fail = failing
    .map((t) => {
      const hs = t.history || {};
      return `<div class="test-fail" data-nodeid="${esc(t.nodeid)}">
        <h3>${badge(t.outcome.toUpperCase())} <a href="#/test?name=${encodeURIComponent(t.nodeid)}">${esc(t.nodeid)}</a></h3>
        <p class="where">${esc(t.file || '')}${t.line ? ':' + t.line : ''} · ${dur(t.duration_ms)}</p>
        <pre class="message">${esc(t.message || '')}</pre>
        ${t.history ? `<p class="since">failing since ${link(hs.failing_since)}${hs.failing_since_commit ? ` (<code>${short(hs.failing_since_commit)}</code>)` : ''} · first failed in <span class="first-failed">${hs.first_failed ? link(hs.first_failed) : '–'}</span>${hs.last_passed ? ` · last passed ${link(hs.last_passed)}` : ''}${hs.flaky ? ' · <span class="flaky">flaky</span>' : ''}</p>` : ''}
        <p><a href="#/build/${b.number}/log/${encodeURIComponent(testStage || 'tests')}">open the tests log</a></p></div>`;
    })
    .join('');
  const row = (t) => `<tr><td><a href="#/test?name=${encodeURIComponent(t.nodeid)}">${esc(t.nodeid)}</a></td><td>${badge(t.outcome.toUpperCase())}</td><td>${dur(t.duration_ms)}</td><td>${esc(t.message || '')}</td></tr>`;
  h(`${buildHeader(b)}${tabs(b.number, 'tests')}
    <p>${tests.length} test(s): ${passed.length} passed, <span class="fail">${failing.length} failed</span>, ${skipped.length} skipped</p>
    ${failing.length ? `<section><h2>Failures</h2>${fail}</section>` : ''}
    <section><h2>All tests</h2><input id="tfilter" placeholder="filter tests"><table class="grid" id="ttable"><thead><tr><th>Test</th><th>Outcome</th><th>Duration</th><th>Message</th></tr></thead><tbody>
    ${[...skipped, ...passed].slice(0, 3000).map(row).join('')}</tbody></table></section>`);
  document.getElementById('tfilter').oninput = (e) => {
    const v = e.target.value.toLowerCase();
    document.querySelectorAll('#ttable tbody tr').forEach((tr) => (tr.style.display = tr.textContent.toLowerCase().includes(v) ? '' : 'none'));
  };
}

function coverageTab(b) {
  const pk = b.coverage_packages || [];
  h(`${buildHeader(b)}${tabs(b.number, 'coverage')}
    <section><h2>Coverage ${pct(b.coverage)}</h2><p>lines ${pct(b.line_coverage)} · branches ${pct(b.branch_coverage)}${b.diff && b.diff.coverage_delta != null ? ` · ${b.diff.coverage_delta >= 0 ? '+' : ''}${b.diff.coverage_delta.toFixed(2)} points since ${link(b.previous)}` : ''}</p>
    <table class="grid"><thead><tr><th>Package</th><th>Lines</th><th>Branches</th><th></th></tr></thead><tbody>
    ${pk.map((p) => {
      const l = p.lines_valid ? (100 * p.lines_covered) / p.lines_valid : 100;
      return `<tr><td>${esc(p.package)}</td><td>${p.lines_covered}/${p.lines_valid}</td><td>${p.branches_covered}/${p.branches_valid}</td><td><span class="bar"><span style="width:${l}%"></span></span> ${pct(l)}</td></tr>`;
    }).join('') || '<tr><td colspan="4" class="muted">No coverage report in this build.</td></tr>'}
    </tbody></table></section>${gateTable(b)}`);
}

async function findingsTab(b) {
  const f = await api(`/api/builds/${b.number}/findings`);
  const sevOrder = { critical: 0, high: 1, medium: 2, moderate: 2, low: 3, error: 0, warning: 1, note: 2 };
  const sort = (xs) => [...xs].sort((a, b) => (sevOrder[a.severity ?? a.level] ?? 9) - (sevOrder[b.severity ?? b.level] ?? 9));
  const vulnRows = (xs) =>
    sort(xs)
      .map((v) => `<tr class="${v.new ? 'is-new' : ''}"><td>${v.link ? `<a href="${esc(v.link)}" rel="noreferrer">${esc(v.id)}</a>` : esc(v.id)}${v.new ? ' <span class="new">new</span>' : ''}</td><td>${esc(v.package)} ${esc(v.version)}</td><td>${badge((v.severity || '').toUpperCase())}</td><td>${(v.fixed_versions || []).map(esc).join(', ') || '<span class="muted">no fix</span>'}</td><td>${esc(v.summary)}</td></tr>`)
      .join('');
  // A kind this build did not scan (it stopped before the scan) says so instead of "None.";
  // new and resolved are against the last build that scanned it (compared_<kind>).
  const scanned = (kind) => !f.scanned || f.scanned[kind];
  const none = (kind) => `<p class="muted">${scanned(kind) ? 'None.' : 'Not scanned in this build.'}</p>`;
  const vt = (title, kind) => {
    const xs = f[kind], resolved = f['resolved_' + kind];
    return `<section><h2>${title} (${scanned(kind) ? xs.length : '-'})</h2>${xs.length ? `<table class="grid vulns"><thead><tr><th>Advisory</th><th>Package</th><th>Severity</th><th>Fixed in</th><th>Summary</th></tr></thead><tbody>${vulnRows(xs)}</tbody></table>` : none(kind)}
    ${resolved.length ? `<p class="ok">Resolved since ${link(f['compared_' + kind])}: ${resolved.map((v) => esc(v.id + ' ' + v.package)).join(', ')}</p>` : ''}</section>`;
  };
  h(`${buildHeader(b)}${tabs(b.number, 'findings')}
    ${vt('Dependency vulnerabilities', 'dependency')}
    ${vt('Image vulnerabilities', 'image')}
    <section><h2>Quality findings (${scanned('quality') ? f.quality.length : '-'})</h2>${f.quality.length ? `<table class="grid"><thead><tr><th>Tool</th><th>Rule</th><th>Level</th><th>Where</th><th>Message</th></tr></thead><tbody>
    ${sort(f.quality).slice(0, 2000).map((q) => `<tr class="${q.new ? 'is-new' : ''}"><td>${esc(q.tool)}</td><td>${esc(q.rule)}${q.new ? ' <span class="new">new</span>' : ''}</td><td>${esc(q.level)}</td><td>${esc(q.file)}:${q.line}</td><td>${esc(q.message)}</td></tr>`).join('')}
    </tbody></table>` : none('quality')}
    ${f.resolved_quality.length ? `<p class="ok">${f.resolved_quality.length} resolved since ${link(f.compared_quality)}</p>` : ''}</section>`);
}

function artifactsTab(b) {
  const size = (n) => (n > 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
  h(`${buildHeader(b)}${tabs(b.number, 'artifacts')}<section><h2>Artifacts</h2><table class="grid"><thead><tr><th>File</th><th>Size</th><th>SHA-256</th></tr></thead><tbody>
    ${(b.artifacts || []).map((a) => `<tr><td>${STATIC ? esc(a.path) : `<a href="${withProject(`/api/builds/${b.number}/artifacts/${a.path.split('/').map(encodeURIComponent).join('/')}`)}">${esc(a.path)}</a>`}</td><td>${size(a.size)}</td><td><code>${esc(a.sha256)}</code></td></tr>`).join('') || '<tr><td colspan="3" class="muted">No artifacts.</td></tr>'}
    </tbody></table></section>`);
}

async function logTab(b, stage, params) {
  const s = b.stages.find((x) => x.id === stage) || { id: stage, status: '?', summary: '' };
  const base = `/api/builds/${b.number}/log/${encodeURIComponent(stage)}`;
  let win;
  try {
    win = await api(base);
  } catch (e) {
    h(`${buildHeader(b)}${tabs(b.number, 'log')}<p class="warn">${esc(e.message)}</p>`);
    return;
  }
  const q = params.get('q') || '';
  h(`${buildHeader(b)}${tabs(b.number, 'log')}
    <section><h2>Log of ${esc(stage)} ${badge(s.status)}</h2><p>${esc(s.summary || '')}</p>
    <nav class="stage-links">${b.stages.map((x) => `<a class="${x.id === stage ? 'active' : ''}" href="#/build/${b.number}/log/${encodeURIComponent(x.id)}">${esc(x.id)}</a>`).join(' ')}</nav>
    <div class="log-tools"><input id="logq" placeholder="search the whole log" value="${esc(q)}"> ${STATIC ? '' : `<a href="${withProject(base + '/raw')}">raw</a>`} <span class="muted" id="logsize"></span></div>
    <div id="search"></div>
    ${(win.failing || []).length ? `<details open class="failing"><summary>Failing lines (${win.failing.length})</summary><pre class="log">${win.failing.map((l) => ansiToHtml(l.text)).join('\n')}</pre></details>` : ''}
    ${win.offset > 0 ? `<button id="earlier">load earlier</button>` : ''}
    <pre class="log" id="log"></pre></section>`);
  const pre = document.getElementById('log');
  let first = win.offset;
  pre.innerHTML = ansiToHtml(win.text);
  const size = document.getElementById('logsize');
  size.textContent = `${(win.size / 1024).toFixed(1)} KiB${win.offset > 0 ? ', showing the end' : ''}`;
  const earlier = document.getElementById('earlier');
  if (earlier)
    earlier.onclick = async () => {
      const limit = 256 * 1024;
      const start = Math.max(0, first - limit);
      const w = await api(`${base}?offset=${start}&limit=${first - start}&failing=0`);
      pre.insertAdjacentHTML('afterbegin', ansiToHtml(w.text));
      first = w.offset;
      if (first <= 0) earlier.remove();
    };
  const search = async (v) => {
    const box = document.getElementById('search');
    if (!v) return (box.innerHTML = '');
    if (STATIC) {
      const lines = pre.textContent.split('\n').filter((l) => l.toLowerCase().includes(v.toLowerCase()));
      box.innerHTML = `<pre class="log">${lines.map(esc).join('\n')}</pre>`;
      return;
    }
    const r = await api(`${base}?q=${encodeURIComponent(v)}`);
    box.innerHTML = `<p>${r.matches.length}${r.truncated ? '+' : ''} match(es)</p><pre class="log">${r.matches.map((m) => `<span class="ln">${m.line}</span> ${ansiToHtml(m.text)}`).join('\n')}</pre>`;
  };
  const input = document.getElementById('logq');
  input.onchange = () => search(input.value);
  if (q) search(q);
  live(b.number, stage, null, (l) => {
    pre.insertAdjacentHTML('beforeend', ansiToHtml(l.text));
    pre.scrollTop = pre.scrollHeight;
  }, win.end);
}

// ---------- tests across builds ----------
async function testPage(params) {
  const name = params.get('name');
  const hst = await api(`/api/tests/history?name=${encodeURIComponent(name)}`);
  const f = hst.failure || {};
  h(`<h1>Test history</h1><p><code>${esc(name)}</code></p>
    ${hst.failure ? `<p>failing since ${link(f.failing_since)} · first failed in ${link(f.first_failed)}${f.last_passed ? ` · last passed ${link(f.last_passed)}` : ''}${f.flaky ? ' · <span class="flaky">flaky</span>' : ''}</p>` : ''}
    <div class="strip">${hst.runs.map((r) => `<a href="#/build/${r.build}/tests" class="cell o-${r.outcome}" title="#${r.build}: ${r.outcome}"></a>`).reverse().join('')}</div>
    <table class="grid"><thead><tr><th>Build</th><th>Outcome</th><th>Duration</th><th>Commit</th><th>Message</th></tr></thead><tbody>
    ${hst.runs.map((r) => `<tr><td>${link(r.build)}</td><td>${badge(r.outcome.toUpperCase())}</td><td>${dur(r.duration_ms)}</td><td><code>${short(r.commit)}</code></td><td>${esc(r.message || '')}</td></tr>`).join('')}
    </tbody></table>`);
}

async function testsPage(params) {
  const view = params.get('view') || 'failing';
  const data = await api(`/api/tests?view=${view}&builds=30`);
  const views = ['failing', 'flaky', 'slowest', 'grid'];
  const nav = `<nav class="tabs">${views.map((v) => `<a href="#/tests?view=${v}" class="${v === view ? 'active' : ''}">${v}</a>`).join('')}</nav>`;
  const tl = (n) => `<a href="#/test?name=${encodeURIComponent(n)}">${esc(n)}</a>`;
  let body = '';
  if (view === 'failing')
    body = `<table class="grid"><thead><tr><th>Test</th><th>Message</th><th>Failing since</th><th>First failed</th><th>Flaky</th></tr></thead><tbody>${data.tests.map((t) => `<tr><td>${tl(t.nodeid)}</td><td>${esc(t.message)}</td><td>${link(t.history.failing_since)}</td><td>${link(t.history.first_failed)}</td><td>${t.history.flaky ? 'yes' : ''}</td></tr>`).join('') || '<tr><td colspan="5" class="muted">Nothing fails in the newest build.</td></tr>'}</tbody></table>`;
  else if (view === 'flaky')
    body = `<p class="muted">Flaky: passed and failed on the same commit.</p><table class="grid"><thead><tr><th>Test</th><th>Commits with both outcomes</th><th>Last seen</th></tr></thead><tbody>${data.tests.map((t) => `<tr><td>${tl(t.nodeid)}</td><td>${t.flaky_commits}</td><td>${link(t.last_build)}</td></tr>`).join('') || '<tr><td colspan="3" class="muted">No flaky test.</td></tr>'}</tbody></table>`;
  else if (view === 'slowest')
    body = `<table class="grid"><thead><tr><th>Test</th><th>Average</th><th>Slowest</th><th>Runs</th></tr></thead><tbody>${data.tests.map((t) => `<tr><td>${tl(t.nodeid)}</td><td>${dur(t.avg_ms)}</td><td>${dur(t.max_ms)}</td><td>${t.runs}</td></tr>`).join('')}</tbody></table>`;
  else
    body = `<div class="tgrid"><table><thead><tr><th>Test</th>${data.builds.map((n) => `<th><a href="#/build/${n}">${n}</a></th>`).join('')}</tr></thead><tbody>${data.tests.map((t) => `<tr><td>${tl(t.nodeid)}</td>${[...t.cells].map((c, i) => `<td class="cell o-${{ P: 'passed', F: 'failed', E: 'error', S: 'skipped', '-': 'none' }[c]}" title="#${data.builds[i]}"></td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
  h(`<h1>Tests</h1>${nav}${body}`);
}

// ---------- trends ----------
function chart(el, title, xs, series) {
  const wrap = document.createElement('div');
  wrap.className = 'chart';
  el.appendChild(wrap);
  const colors = ['#2e7d32', '#c62828', '#9e9e9e', '#1565c0', '#ef6c00', '#6a1b9a', '#00838f', '#ad1457', '#558b2f', '#4e342e'];
  const opts = {
    title,
    width: Math.min(560, el.clientWidth || 560),
    height: 220,
    scales: { x: { time: false } },
    axes: [{ label: 'build', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] }, {}],
    series: [{ label: 'build' }, ...series.map((s, i) => ({ label: s.label, stroke: s.color || colors[i % colors.length], width: 2, spanGaps: true }))],
  };
  const u = new uPlot(opts, [xs, ...series.map((s) => s.data)], wrap);
  cleanup.push(() => u.destroy());
}

async function trendsPage() {
  const t = await api('/api/trends?limit=100');
  h(`<h1>Trends</h1><p class="muted">${t.builds.length < 2 ? 'Trends appear from the second build.' : `The last ${t.builds.length} builds.`}</p><div id="charts" class="charts"></div>
    <section><h2>Ratings</h2><table class="grid"><thead><tr><th>Build</th><th>Reliability</th><th>Security</th><th>Maintainability</th></tr></thead><tbody>
    ${t.builds.map((n, i) => [n, t.ratings[i]]).filter(([, r]) => r).reverse().slice(0, 20).map(([n, r]) => `<tr><td>${link(n)}</td><td>${esc(r.reliability ?? '')}</td><td>${esc(r.security ?? '')}</td><td>${esc(r.maintainability ?? '')}</td></tr>`).join('') || '<tr><td colspan="4" class="muted">No analysis ratings recorded.</td></tr>'}
    </tbody></table></section>`);
  const el = document.getElementById('charts');
  if (t.builds.length < 1) return;
  const xs = t.builds;
  chart(el, 'Tests', xs, [
    { label: 'passed', data: t.tests.passed },
    { label: 'failed', data: t.tests.failed },
    { label: 'skipped', data: t.tests.skipped },
  ]);
  chart(el, 'Coverage %', xs, [{ label: 'coverage', data: t.coverage, color: '#1565c0' }]);
  chart(el, 'Build duration (s)', xs, [{ label: 'duration', data: t.duration_ms.map((v) => v / 1000), color: '#4e342e' }]);
  const stages = Object.entries(t.stage_duration_ms);
  chart(el, 'Stage duration (s)', xs, stages.map(([id, d]) => ({ label: id, data: d.map((v) => (v == null ? null : v / 1000)) })));
  const v = t.vulnerabilities;
  chart(el, 'Vulnerabilities', xs, [
    { label: 'critical', data: v.critical, color: '#b71c1c' },
    { label: 'high', data: v.high, color: '#e65100' },
    { label: 'medium', data: v.medium, color: '#f9a825' },
    { label: 'low', data: v.low, color: '#9e9e9e' },
  ]);
  chart(el, 'Quality findings', xs, [{ label: 'findings', data: t.quality_findings, color: '#6a1b9a' }]);
}

// ---------- router ----------
async function route() {
  cleanup.forEach((f) => f());
  cleanup = [];
  const hash = location.hash || (STATIC ? `#/build/${STATIC.build}` : '#/');
  const path = hash.split('?')[0];
  const params = qs(hash);
  document.getElementById('nav').innerHTML = STATIC
    ? `<span class="muted">report of build #${STATIC.build}</span>`
    : `<a href="#/">Builds</a><a href="#/tests">Tests</a><a href="#/trends">Trends</a>`;
  try {
    let m;
    if (path === '#/' || path === '#' || path === '') await buildsPage(params);
    else if ((m = path.match(/^#\/build\/(\d+)(?:\/(tests|coverage|findings|artifacts|log)(?:\/(.+))?)?$/))) await buildPage(Number(m[1]), m[2] || '', m[3] || '', params);
    else if (path === '#/tests') await testsPage(params);
    else if (path === '#/test') await testPage(params);
    else if (path === '#/trends') await trendsPage();
    else h('<p>No such page. <a href="#/">Builds</a></p>');
  } catch (e) {
    h(`<p class="warn">${esc(e.message)}</p>`);
  }
}

async function projects() {
  if (STATIC) return;
  const list = await api('/api/projects');
  if (list.length > 1) {
    if (!project) project = list[0].name;
    const sel = `<select id="projsel">${list.map((p) => `<option ${p.name === project ? 'selected' : ''}>${esc(p.name)}</option>`).join('')}</select>`;
    document.getElementById('project').innerHTML = sel;
    document.getElementById('projsel').onchange = (e) => {
      location.search = '?project=' + encodeURIComponent(e.target.value);
    };
  } else if (list.length === 1) document.getElementById('project').textContent = list[0].name;
}

window.addEventListener('hashchange', route);
projects().finally(route);
