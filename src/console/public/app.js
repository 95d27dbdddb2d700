// Spindle's web console: the page's only script, an ES module served as it is (no build step,
// nothing fetched from elsewhere). It draws five views from the console's JSON API
// (src/console/api.ts documents every endpoint) and keeps the overview charts live from the
// server-sent events of /api/events: the last five minutes of samples on connecting, then one
// sample a second.
//
//   #/                         overview: broker, listeners, data directories, workers, live charts
//   #/topics                   topics; create
//   #/topics/NAME              partitions, configs; alter configs, add partitions, delete
//   #/messages?topic=&…        message browser: records by offset or time, search
//   #/groups, #/groups/ID      consumer groups: members, offsets, lag; reset offsets
//   #/transactions             open and hanging transactions: age, partitions, the LSO each pins,
//                              the groups parked behind it; abort
//
// Charts are SVG drawn here. Every write goes to the API, which makes it a Kafka admin request.

const SVG_NS = 'http://www.w3.org/2000/svg';
const SVG_TAGS = new Set(['svg', 'path', 'line', 'text', 'g', 'rect', 'circle', 'title']);
const HISTORY_MS = 5 * 60 * 1000;
const main = document.getElementById('main');

// ───────────────────────────── small helpers ─────────────────────────────

/** Builds an element: h('a', { href: '#/', class: 'x', onclick: f }, 'text', child, [more]). */
function h(tag, attrs, ...children) {
  const el = SVG_TAGS.has(tag) ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error || `${res.status} ${res.statusText}`);
  return data;
}

const enc = encodeURIComponent;
const nf = new Intl.NumberFormat('en-US');
const fmtInt = (n) => (n === null || n === undefined || n < 0 ? '–' : nf.format(Math.round(n)));

function fmtBytes(n) {
  if (n === null || n === undefined || n < 0) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : +n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0)} ${units[i]}`;
}

/** 1234 → "1.23k": axis labels and rates. */
function fmtCompact(n) {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a >= 1e9) return `${+(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${+(n / 1e3).toFixed(2)}k`;
  return `${+n.toFixed(a < 10 ? 2 : 1)}`;
}

const fmtBytesRate = (n) => `${fmtBytes(n)}/s`;
const fmtMsValue = (n) => (Number.isFinite(n) ? (n < 1 ? `${+n.toFixed(3)} ms` : n < 100 ? `${+n.toFixed(1)} ms` : `${fmtInt(n)} ms`) : '–');

function fmtDuration(ms) {
  if (ms < 0) return 'forever';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  if (d > 0) return `${d}d${hh || mm ? ` ${hh}h` : ''}${mm ? ` ${mm}m` : ''}`;
  if (hh > 0) return `${hh}h${mm ? ` ${mm}m` : ''}`;
  if (mm > 0) return `${mm}m ${ss}s`;
  return `${ss}s`;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
function fmtTime(t) {
  if (t === null || t === undefined || t < 0) return '–';
  const d = new Date(t);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}
const fmtClock = (t) => {
  const d = new Date(t);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

function toast(message, isError = false) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.className = isError ? 'toast error' : 'toast';
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), isError ? 7000 : 3500);
}

/** A modal question; with `typeToConfirm` the confirm button waits for that exact text. */
function confirmDialog({ title, text, confirmLabel = 'Confirm', danger = false, typeToConfirm }) {
  return new Promise((resolve) => {
    const input = typeToConfirm ? h('input', { id: 'confirm-input', placeholder: typeToConfirm, autocomplete: 'off', style: 'width:100%' }) : null;
    const ok = h('button', { id: 'confirm-ok', class: danger ? 'danger solid' : 'primary', disabled: !!typeToConfirm }, confirmLabel);
    const cancel = h('button', { id: 'confirm-cancel' }, 'Cancel');
    const dlg = h('dialog', {}, h('h2', {}, title), h('p', {}, text), input && h('p', { class: 'muted' }, 'Type ', h('code', {}, typeToConfirm), ' to confirm.'), input, h('div', { class: 'actions' }, cancel, ok));
    const done = (v) => {
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    if (input) input.addEventListener('input', () => (ok.disabled = input.value !== typeToConfirm));
    ok.addEventListener('click', () => done(true));
    cancel.addEventListener('click', () => done(false));
    dlg.addEventListener('cancel', () => done(false));
    document.body.append(dlg);
    dlg.showModal();
    (input || ok).focus();
  });
}

/** Runs an action from a button: disabled while it runs, errors shown as a toast. */
async function act(button, fn) {
  button.disabled = true;
  try {
    await fn();
  } catch (e) {
    toast(e.message, true);
  } finally {
    button.disabled = false;
  }
}

// ───────────────────────────── charts (SVG) ─────────────────────────────

function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** niceCeil in units of 1024^k, so that byte axes read 256 KiB rather than 244 KiB. */
function niceCeilBinary(v) {
  if (!(v > 0)) return 1;
  let unit = 1;
  while (v >= unit * 1024) unit *= 1024;
  return niceCeil(v / unit) * unit;
}

/**
 * A time-series line chart that redraws itself at its container's width.
 * update(series): series = [{ name, color, points: [[t, v|null], …] }], over the last windowMs.
 */
function lineChart({ height = 190, yFormat = fmtCompact, windowMs = HISTORY_MS, binary = false } = {}) {
  const box = h('div', {});
  const legend = h('div', { class: 'legend' });
  const el = h('div', {}, box, legend);
  let last = [];
  const draw = () => {
    const series = last;
    const width = Math.max(280, box.clientWidth || 600);
    const left = 56;
    const right = 12;
    const top = 10;
    const bottom = 24;
    const innerW = width - left - right;
    const innerH = height - top - bottom;
    let tMax = Date.now();
    for (const s of series) for (const [t] of s.points) if (t > tMax) tMax = t;
    const tMin = tMax - windowMs;
    let vMax = 0;
    for (const s of series) for (const [t, v] of s.points) if (t >= tMin && Number.isFinite(v) && v > vMax) vMax = v;
    const yMax = binary ? niceCeilBinary(vMax) : niceCeil(vMax);
    const x = (t) => left + ((t - tMin) / windowMs) * innerW;
    const y = (v) => top + innerH - (v / yMax) * innerH;
    const svg = h('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
    for (let i = 0; i <= 4; i++) {
      const v = (yMax * i) / 4;
      svg.append(h('line', { class: i === 0 ? 'axis' : 'grid-line', x1: left, x2: width - right, y1: y(v), y2: y(v) }));
      svg.append(h('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, yFormat(v)));
    }
    const minute = 60_000;
    for (let t = Math.ceil(tMin / minute) * minute; t <= tMax; t += minute) {
      svg.append(h('line', { class: 'grid-line', x1: x(t), x2: x(t), y1: top, y2: top + innerH }));
      svg.append(h('text', { x: x(t), y: height - 6, 'text-anchor': 'middle' }, fmtClock(t)));
    }
    for (const s of series) {
      let d = '';
      let pen = false;
      for (const [t, v] of s.points) {
        if (t < tMin || !Number.isFinite(v)) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
        pen = true;
      }
      if (d) svg.append(h('path', { d, fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'stroke-dasharray': s.dashed ? '5 4' : null }));
    }
    box.replaceChildren(svg);
    legend.replaceChildren(
      ...series.map((s) => {
        const lastPoint = [...s.points].reverse().find(([, v]) => Number.isFinite(v));
        return h('span', {}, h('i', { style: `background:${s.color}` }), s.name, lastPoint ? h('b', {}, ` ${yFormat(lastPoint[1])}`) : null);
      }),
    );
  };
  return {
    el,
    update(series) {
      last = series;
      draw();
    },
    redraw: draw,
  };
}

// ───────────────────────────── live samples (server-sent events) ─────────────────────────────

const live = { samples: [], listeners: new Set(), connected: false };

function connectEvents() {
  const status = document.getElementById('live');
  const es = new EventSource('/api/events');
  const setStatus = (on) => {
    live.connected = on;
    status.textContent = on ? 'live' : 'reconnecting…';
    status.className = on ? 'live on' : 'live';
  };
  es.addEventListener('history', (e) => {
    live.samples = JSON.parse(e.data);
    setStatus(true);
    for (const f of live.listeners) f();
  });
  es.addEventListener('sample', (e) => {
    live.samples.push(JSON.parse(e.data));
    const cutoff = Date.now() - HISTORY_MS - 5000;
    while (live.samples.length > 0 && live.samples[0].t < cutoff) live.samples.shift();
    setStatus(true);
    for (const f of live.listeners) f();
  });
  es.addEventListener('error', () => setStatus(false));
}

/** Calls f on every sample while the current view is shown. */
function onSample(f) {
  live.listeners.add(f);
  leaving.push(() => live.listeners.delete(f));
  f();
}

// ───────────────────────────── routing ─────────────────────────────

let leaving = [];
let renderId = 0;

function every(ms, f) {
  const timer = setInterval(f, ms);
  leaving.push(() => clearInterval(timer));
}

async function route() {
  for (const f of leaving) f();
  leaving = [];
  const id = ++renderId;
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = hash.split('?');
  const params = new URLSearchParams(qs || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const section = parts[0] || 'overview';
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === section);
  const view = { overview: overviewPage, topics: parts[1] ? () => topicPage(parts[1]) : topicsPage, messages: messagesPage, groups: parts[1] ? () => groupPage(parts[1]) : groupsPage, transactions: transactionsPage }[section];
  try {
    const content = view ? await view(params) : h('p', { class: 'error' }, `No page ${path}`);
    if (id !== renderId) return;
    main.replaceChildren(content);
    for (const f of live.listeners) f();
  } catch (e) {
    if (id !== renderId) return;
    main.replaceChildren(h('h1', {}, 'Something went wrong'), h('p', { class: 'error' }, e.message), h('p', {}, h('a', { href: '#/' }, 'Back to the overview')));
  }
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// ───────────────────────────── overview ─────────────────────────────

async function overviewPage() {
  const o = await api('GET', '/api/overview');
  const uptime = h('dd', { id: 'uptime' }, fmtDuration(o.broker.uptimeMs));
  const startedAt = Date.now() - o.broker.uptimeMs;
  every(1000, () => (uptime.textContent = fmtDuration(Date.now() - startedAt)));

  const stat = (k, v, id) => h('div', { class: 'stat' }, h('div', { class: 'v', id }, v), h('div', { class: 'k' }, k));
  const liveIn = h('span', {}, '–');
  const liveOut = h('span', {}, '–');
  const liveConn = h('span', {}, fmtInt(o.totals.connections));
  const liveLoop = h('span', {}, '–');

  const records = lineChart({ yFormat: fmtCompact });
  const bytes = lineChart({ yFormat: (v) => fmtBytes(v), binary: true });
  const latency = lineChart({ yFormat: fmtMsValue });
  const apiSelect = h('select', { id: 'latency-api', onchange: () => drawLatency() });
  const apisSeen = new Set(['Produce', 'Fetch']);
  const drawLatency = () => {
    const api = apiSelect.value || 'Produce';
    const pts = (i) => live.samples.map((s) => [s.t, s.latencyMs[api] ? s.latencyMs[api][i] : null]);
    latency.update([
      { name: `${api} p50`, color: 'var(--p50)', points: pts(0) },
      { name: `${api} p99`, color: 'var(--p99)', points: pts(1) },
    ]);
  };
  const refreshApis = () => {
    for (const s of live.samples) for (const k of Object.keys(s.latencyMs)) apisSeen.add(k);
    if (apiSelect.options.length !== apisSeen.size) {
      const current = apiSelect.value || 'Produce';
      apiSelect.replaceChildren(...[...apisSeen].sort().map((a) => h('option', { value: a, selected: a === current }, a)));
    }
  };
  onSample(() => {
    const s = live.samples;
    records.update([
      { name: 'records in/s', color: 'var(--in)', points: s.map((x) => [x.t, x.recordsInPerSec]) },
      { name: 'records out/s (estimated)', color: 'var(--out)', points: s.map((x) => [x.t, x.recordsOutPerSec]) },
    ]);
    bytes.update([
      { name: 'bytes in/s', color: 'var(--in)', points: s.map((x) => [x.t, x.bytesInPerSec]) },
      { name: 'bytes out/s', color: 'var(--out)', points: s.map((x) => [x.t, x.bytesOutPerSec]) },
    ]);
    refreshApis();
    drawLatency();
    const last = s[s.length - 1];
    if (last) {
      liveIn.textContent = fmtCompact(last.recordsInPerSec);
      liveOut.textContent = fmtCompact(last.recordsOutPerSec);
      liveConn.textContent = fmtInt(last.connections);
      liveLoop.textContent = fmtMsValue(last.eventLoopDelayP99Ms);
      last.workerBusy.forEach((b, i) => {
        const cell = document.getElementById(`worker-busy-${i}`);
        if (cell) cell.replaceChildren(busyBar(b));
      });
    }
  });
  const onResize = () => {
    records.redraw();
    bytes.redraw();
    latency.redraw();
  };
  window.addEventListener('resize', onResize);
  leaving.push(() => window.removeEventListener('resize', onResize));

  const listeners = o.listeners.map((l) => `${l.name}://${l.host}:${l.port}`).join(', ');
  return h(
    'div',
    {},
    h('h1', {}, 'Overview', h('small', {}, `node ${o.broker.nodeId} · cluster ${o.broker.clusterId}`)),
    h('p', { class: 'sub' }, `Spindle ${o.broker.version} on Node.js ${o.broker.nodeVersion}, pid ${o.broker.pid}`),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card span-4', id: 'broker-card' },
        h('h2', {}, 'Broker'),
        h(
          'dl',
          { class: 'kv' },
          h('dt', {}, 'Version'), h('dd', { id: 'version' }, o.broker.version),
          h('dt', {}, 'Node id'), h('dd', {}, o.broker.nodeId),
          h('dt', {}, 'Cluster id'), h('dd', { class: 'mono' }, o.broker.clusterId),
          h('dt', {}, 'Uptime'), uptime,
          h('dt', {}, 'Started'), h('dd', {}, fmtTime(o.broker.startedMs).slice(0, 19)),
          h('dt', {}, 'Listeners'), h('dd', { class: 'mono', id: 'listeners' }, listeners),
          h('dt', {}, 'Advertised'), h('dd', { class: 'mono' }, o.advertised),
          h('dt', {}, 'Console'), h('dd', { class: 'mono' }, o.console, ' · ', h('a', { href: '/metrics' }, '/metrics')),
          h('dt', {}, 'I/O threads'), h('dd', {}, o.broker.numIoThreads === 0 ? 'none (logs on the main thread)' : `${o.broker.numIoThreads} partition worker${o.broker.numIoThreads > 1 ? 's' : ''}`),
        ),
      ),
      h(
        'section',
        { class: 'card span-8' },
        h('h2', {}, 'At a glance'),
        h(
          'div',
          { class: 'stats' },
          stat('topics', fmtInt(o.totals.topics), 'total-topics'),
          stat('partitions', fmtInt(o.totals.partitions)),
          stat('consumer groups', fmtInt(o.totals.groups)),
          stat('open transactions', h('a', { href: '#/transactions' }, fmtInt(o.totals.openTransactions)), 'total-open-transactions'),
          stat('connections', liveConn),
          stat('data on disk', fmtBytes(o.totals.dataBytes)),
          stat('records in/s', liveIn),
          stat('records out/s (est.)', liveOut),
          stat('event loop p99', liveLoop),
          stat('memory (RSS)', fmtBytes(o.process.rssBytes)),
          stat('heap used', fmtBytes(o.process.heapUsedBytes)),
        ),
      ),
      h('section', { class: 'card span-6' }, h('div', { class: 'chart-head' }, h('h2', {}, 'Records per second')), records.el),
      h('section', { class: 'card span-6' }, h('div', { class: 'chart-head' }, h('h2', {}, 'Bytes per second')), bytes.el),
      h('section', { class: 'card span-12' }, h('div', { class: 'chart-head' }, h('h2', {}, 'Request latency, p50 and p99 over 5 s'), h('label', { class: 'field' }, apiSelect)), latency.el),
      h(
        'section',
        { class: 'card span-6' },
        h('h2', {}, 'Data directories'),
        h(
          'table',
          { id: 'log-dirs' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Directory'), h('th', {}, 'State'), h('th', { class: 'num' }, 'Partitions'), h('th', { class: 'num' }, 'Spindle data'), h('th', { class: 'num' }, 'Free'), h('th', { class: 'num' }, 'Size'), h('th', {}, 'Used'))),
          h(
            'tbody',
            {},
            o.logDirs.map((d) => {
              const used = d.capacityBytes > 0 ? 1 - d.freeBytes / d.capacityBytes : 0;
              return h(
                'tr',
                {},
                h('td', { class: 'mono' }, d.path),
                h('td', {}, d.online ? h('span', { class: 'badge ok' }, 'online') : h('span', { class: 'badge danger', title: `${d.offlineReason}: writes are refused until it accepts them again` }, 'offline')),
                h('td', { class: 'num' }, fmtInt(d.partitions)),
                h('td', { class: 'num' }, fmtBytes(d.dataBytes)),
                h('td', { class: 'num' }, fmtBytes(d.freeBytes)),
                h('td', { class: 'num' }, fmtBytes(d.capacityBytes)),
                h('td', {}, h('div', { class: `bar${used > 0.9 ? ' danger' : used > 0.75 ? ' warn' : ''}`, title: `${(used * 100).toFixed(1)}% used` }, h('span', { style: `width:${(used * 100).toFixed(1)}%` }))),
              );
            }),
          ),
        ),
      ),
      h(
        'section',
        { class: 'card span-6' },
        h('h2', {}, 'Partition workers'),
        o.workers.length === 0
          ? h('p', { class: 'muted' }, 'Logs run on the main thread (num.io.threads=0): no workers, no rings.')
          : h(
              'table',
              { id: 'workers' },
              h('thead', {}, h('tr', {}, h('th', {}, 'Worker'), h('th', { class: 'num' }, 'Partitions'), h('th', {}, 'Busy'), h('th', { class: 'num' }, 'Command ring'), h('th', { class: 'num' }, 'Reply ring'))),
              h(
                'tbody',
                {},
                o.workers.map((w) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, `#${w.worker}`),
                    h('td', { class: 'num' }, fmtInt(w.partitions)),
                    h('td', { id: `worker-busy-${w.worker}` }, busyBar(w.busy)),
                    h('td', { class: 'num' }, `${fmtBytes(w.commandRingUsedBytes)} / ${fmtBytes(w.commandRingCapacityBytes)}`),
                    h('td', { class: 'num' }, `${fmtBytes(w.replyRingUsedBytes)} / ${fmtBytes(w.replyRingCapacityBytes)}`),
                  ),
                ),
              ),
            ),
      ),
    ),
  );
}

function busyBar(fraction) {
  if (fraction === null || fraction === undefined) return h('span', { class: 'muted' }, '–');
  return h('div', { style: 'display:flex;gap:8px;align-items:center' }, h('div', { class: 'bar', style: 'flex:1' }, h('span', { style: `width:${(fraction * 100).toFixed(1)}%` })), h('span', { class: 'mono' }, `${(fraction * 100).toFixed(1)}%`));
}

// ───────────────────────────── topics ─────────────────────────────

function parseConfigLines(text) {
  const configs = {};
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`"${t}" is not key=value`);
    configs[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return configs;
}

async function topicsPage(params) {
  const internal = params.get('internal') === '1';
  const { topics } = await api('GET', `/api/topics${internal ? '?internal=1' : ''}`);
  const name = h('input', { id: 'create-name', placeholder: 'orders', required: true, autocomplete: 'off' });
  const partitions = h('input', { id: 'create-partitions', type: 'number', min: 1, value: '1', style: 'width:90px' });
  const configs = h('textarea', { id: 'create-configs', rows: 2, cols: 36, placeholder: 'retention.ms=86400000\ncleanup.policy=delete' });
  const submit = h('button', { id: 'create-submit', class: 'primary', type: 'submit' }, 'Create topic');
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: (e) => {
        e.preventDefault();
        act(submit, async () => {
          const body = { name: name.value.trim(), partitions: Number(partitions.value), configs: parseConfigLines(configs.value) };
          await api('POST', '/api/topics', body);
          toast(`Topic ${body.name} created`);
          go(`#/topics/${enc(body.name)}`);
        });
      },
    },
    h('label', { class: 'field' }, 'Name', name),
    h('label', { class: 'field' }, 'Partitions', partitions),
    h('label', { class: 'field' }, 'Configs (key=value per line)', configs),
    submit,
  );
  return h(
    'div',
    {},
    h('h1', {}, 'Topics', h('small', {}, `${topics.length} topic${topics.length === 1 ? '' : 's'}`)),
    h('p', { class: 'sub' }, 'Partitions, records (log end − log start, summed), size on disk, retention and cleanup policy.'),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card' },
        h(
          'div',
          { class: 'toolbar', style: 'margin-bottom:10px' },
          h('label', {}, h('input', { type: 'checkbox', id: 'show-internal', checked: internal, onchange: (e) => go(e.target.checked ? '#/topics?internal=1' : '#/topics') }), ' show internal topics'),
        ),
        h(
          'table',
          { id: 'topics' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Topic'), h('th', { class: 'num' }, 'Partitions'), h('th', { class: 'num' }, 'Records'), h('th', { class: 'num' }, 'Size'), h('th', { class: 'num' }, 'Retention'), h('th', {}, 'Cleanup policy'), h('th', {}, ''))),
          h(
            'tbody',
            {},
            topics.length === 0
              ? h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No topics yet: create one below.'))
              : topics.map((t) =>
                  h(
                    'tr',
                    { 'data-topic': t.name },
                    h('td', {}, h('a', { href: `#/topics/${enc(t.name)}` }, t.name), t.internal ? [' ', h('span', { class: 'badge internal' }, 'internal')] : null),
                    h('td', { class: 'num' }, fmtInt(t.partitions)),
                    h('td', { class: 'num' }, fmtInt(t.records)),
                    h('td', { class: 'num' }, fmtBytes(t.sizeBytes)),
                    h('td', { class: 'num' }, t.retentionMs === null ? '–' : t.retentionMs < 0 ? 'forever' : fmtDuration(t.retentionMs)),
                    h('td', {}, t.cleanupPolicy ?? '–'),
                    h('td', {}, h('a', { href: `#/messages?topic=${enc(t.name)}` }, 'browse')),
                  ),
                ),
          ),
        ),
      ),
      h('section', { class: 'card' }, h('h2', {}, 'Create a topic'), form),
    ),
  );
}

async function topicPage(name) {
  const t = await api('GET', `/api/topics/${enc(name)}`);
  const records = t.partitions.reduce((a, p) => a + Math.max(0, p.logEndOffset - p.logStartOffset), 0);
  const size = t.partitions.reduce((a, p) => a + Math.max(0, p.sizeBytes), 0);
  const segments = t.partitions.reduce((a, p) => a + Math.max(0, p.segments), 0);
  const stat = (k, v) => h('div', { class: 'stat' }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, k));
  const reload = () => route();

  const overrides = Object.entries(t.overrides);
  const cfgName = h('input', { id: 'config-name', list: 'config-names', placeholder: 'retention.ms', autocomplete: 'off' });
  const cfgValue = h('input', { id: 'config-value', placeholder: 'value', autocomplete: 'off' });
  const cfgSubmit = h('button', { id: 'config-submit', class: 'primary', type: 'submit' }, 'Set');
  const count = h('input', { id: 'partition-count', type: 'number', min: t.partitions.length + 1, value: String(t.partitions.length + 1), style: 'width:90px' });
  const countSubmit = h('button', { id: 'partition-submit', type: 'submit' }, 'Add partitions');
  const deleteButton = h(
    'button',
    {
      id: 'delete-topic',
      class: 'danger',
      onclick: () =>
        act(deleteButton, async () => {
          const yes = await confirmDialog({ title: `Delete topic ${name}?`, text: `Every record of its ${t.partitions.length} partition(s) is removed. This cannot be undone.`, confirmLabel: 'Delete topic', danger: true, typeToConfirm: name });
          if (!yes) return;
          await api('DELETE', `/api/topics/${enc(name)}?confirm=${enc(name)}`);
          toast(`Topic ${name} deleted`);
          go('#/topics');
        }),
    },
    'Delete topic…',
  );

  return h(
    'div',
    {},
    h('div', { class: 'crumbs' }, h('a', { href: '#/topics' }, 'Topics'), ' / '),
    h('h1', {}, t.name, t.internal ? h('small', {}, 'internal') : null),
    h('p', { class: 'sub mono' }, `topic id ${t.topicId}`),
    h(
      'div',
      { class: 'grid' },
      h('section', { class: 'card' }, h('div', { class: 'stats' }, stat('partitions', fmtInt(t.partitions.length)), stat('records', fmtInt(records)), stat('size on disk', fmtBytes(size)), stat('segments', fmtInt(segments)), stat('overrides', fmtInt(overrides.length)))),
      h(
        'section',
        { class: 'card span-8' },
        h('h2', {}, 'Partitions'),
        h(
          'table',
          { id: 'partitions' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Partition'), h('th', { class: 'num' }, 'Leader'), h('th', { class: 'num' }, 'Log start'), h('th', { class: 'num' }, 'End offset'), h('th', { class: 'num' }, 'Records'), h('th', { class: 'num' }, 'Segments'), h('th', { class: 'num' }, 'Size'), h('th', {}, ''))),
          h(
            'tbody',
            {},
            t.partitions.map((p) =>
              h(
                'tr',
                {},
                h('td', {}, p.partition),
                h('td', { class: 'num' }, p.leaderId),
                h('td', { class: 'num' }, fmtInt(p.logStartOffset)),
                h('td', { class: 'num' }, fmtInt(p.logEndOffset)),
                h('td', { class: 'num' }, fmtInt(p.logEndOffset - p.logStartOffset)),
                h('td', { class: 'num' }, fmtInt(p.segments)),
                h('td', { class: 'num' }, fmtBytes(p.sizeBytes)),
                h(
                  'td',
                  {},
                  p.offline ? h('span', { class: 'badge danger', title: 'Its data directory is offline: writes are refused, reads are served' }, 'offline') : null,
                  p.uncleanable ? h('span', { class: 'badge warn', title: `The cleaner gave up on this partition: ${p.uncleanable}` }, 'uncleanable') : null,
                  h('a', { href: `#/messages?topic=${enc(t.name)}&partition=${p.partition}` }, 'browse'),
                ),
              ),
            ),
          ),
        ),
      ),
      h(
        'section',
        { class: 'card span-4' },
        h('h2', {}, 'Config overrides'),
        h(
          'table',
          { id: 'overrides' },
          h(
            'tbody',
            {},
            overrides.length === 0
              ? h('tr', {}, h('td', { class: 'empty' }, 'None: every config is the broker default.'))
              : overrides.map(([k, v]) => {
                  const remove = h('button', { class: 'link', title: `Remove the override of ${k}` }, 'remove');
                  remove.addEventListener('click', () =>
                    act(remove, async () => {
                      await api('PATCH', `/api/topics/${enc(name)}/configs`, { delete: [k] });
                      toast(`${k} is back to its default`);
                      reload();
                    }),
                  );
                  return h('tr', {}, h('td', { class: 'mono' }, k), h('td', { class: 'mono' }, v ?? ''), h('td', { class: 'num' }, remove));
                }),
          ),
        ),
        h('datalist', { id: 'config-names' }, t.configs.filter((c) => !c.readOnly).map((c) => h('option', { value: c.name }))),
        h(
          'form',
          {
            class: 'inline',
            style: 'margin-top:12px',
            onsubmit: (e) => {
              e.preventDefault();
              act(cfgSubmit, async () => {
                await api('PATCH', `/api/topics/${enc(name)}/configs`, { set: { [cfgName.value.trim()]: cfgValue.value.trim() } });
                toast(`${cfgName.value.trim()} set`);
                reload();
              });
            },
          },
          h('label', { class: 'field' }, 'Config', cfgName),
          h('label', { class: 'field' }, 'Value', cfgValue),
          cfgSubmit,
        ),
        h('h2', { style: 'margin-top:22px' }, 'Partitions'),
        h(
          'form',
          {
            class: 'inline',
            onsubmit: (e) => {
              e.preventDefault();
              act(countSubmit, async () => {
                await api('POST', `/api/topics/${enc(name)}/partitions`, { count: Number(count.value) });
                toast(`${name} has ${count.value} partitions`);
                reload();
              });
            },
          },
          h('label', { class: 'field' }, 'New partition count', count),
          countSubmit,
        ),
        h('h2', { style: 'margin-top:22px' }, 'Delete'),
        deleteButton,
      ),
      h(
        'section',
        { class: 'card' },
        h(
          'details',
          {},
          h('summary', {}, h('b', {}, `All configs (${t.configs.length})`)),
          h(
            'table',
            { style: 'margin-top:10px' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Value'), h('th', {}, 'Source'))),
            h('tbody', {}, t.configs.map((c) => h('tr', {}, h('td', { class: 'mono' }, c.name), h('td', { class: 'mono' }, c.sensitive ? '(hidden)' : c.value ?? 'null'), h('td', { class: 'muted' }, c.source)))),
          ),
        ),
      ),
    ),
  );
}

// ───────────────────────────── message browser ─────────────────────────────

function bytesOf(b64) {
  if (b64 === null || b64 === undefined) return null;
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const utf8 = new TextDecoder('utf-8');
const asText = (bytes) => (bytes === null ? null : utf8.decode(bytes));

function hexDump(bytes) {
  const lines = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

/** A value rendered as text, pretty JSON (text when it is not JSON) or a hex dump. */
function render(bytes, format) {
  if (bytes === null) return 'null';
  if (format === 'hex') return hexDump(bytes);
  const text = asText(bytes);
  if (format === 'json') {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}

function oneLine(bytes, format) {
  if (bytes === null) return 'null';
  if (format === 'hex') return [...bytes.subarray(0, 64)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = asText(bytes);
  if (format === 'json') {
    try {
      return JSON.stringify(JSON.parse(text));
    } catch {
      return text;
    }
  }
  return text;
}

function toLocalInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

async function messagesPage(params) {
  const { topics } = await api('GET', '/api/topics?internal=1');
  const wanted = params.get('topic') || (topics.find((t) => !t.internal) || topics[0] || {}).name || '';
  const topicSel = h('select', { id: 'mb-topic' }, topics.map((t) => h('option', { value: t.name, selected: t.name === wanted }, t.name)));
  const partitionSel = h('select', { id: 'mb-partition' });
  const fillPartitions = (selected) => {
    const t = topics.find((x) => x.name === topicSel.value);
    partitionSel.replaceChildren(...Array.from({ length: t ? t.partitions : 0 }, (_, p) => h('option', { value: String(p), selected: String(p) === String(selected) }, String(p))));
  };
  fillPartitions(params.get('partition') || '0');
  topicSel.addEventListener('change', () => fillPartitions('0'));

  const fromSel = h(
    'select',
    { id: 'mb-from' },
    [
      ['newest', 'newest records'],
      ['oldest', 'oldest records'],
      ['offset', 'from offset'],
      ['timestamp', 'from time'],
    ].map(([v, label]) => h('option', { value: v, selected: (params.get('from') || 'newest') === v }, label)),
  );
  const offsetIn = h('input', { id: 'mb-offset', type: 'number', min: 0, value: params.get('offset') || '0', style: 'width:120px' });
  const timeIn = h('input', { id: 'mb-time', type: 'datetime-local', value: toLocalInput(Number(params.get('timestamp')) || Date.now() - 3600_000) });
  const offsetField = h('label', { class: 'field' }, 'Offset', offsetIn);
  const timeField = h('label', { class: 'field' }, 'Time', timeIn);
  const showStart = () => {
    offsetField.hidden = fromSel.value !== 'offset';
    timeField.hidden = fromSel.value !== 'timestamp';
  };
  fromSel.addEventListener('change', showStart);
  showStart();
  const limitIn = h('input', { id: 'mb-limit', type: 'number', min: 1, max: 500, value: params.get('limit') || '50', style: 'width:80px' });
  const qIn = h('input', { id: 'mb-q', placeholder: 'substring', value: params.get('q') || '', autocomplete: 'off' });
  const inSel = h('select', { id: 'mb-in' }, ['any', 'key', 'value'].map((v) => h('option', { value: v, selected: (params.get('in') || 'any') === v }, v === 'any' ? 'key or value' : v)));
  const scanIn = h('input', { id: 'mb-scan', type: 'number', min: 1, max: 10000, value: params.get('scan') || '1000', style: 'width:90px' });
  let format = params.get('format') || 'text';
  const formatSeg = h('div', { class: 'seg', id: 'mb-format' });
  const drawFormat = () =>
    formatSeg.replaceChildren(
      ...['text', 'json', 'hex'].map((f) =>
        h(
          'button',
          {
            type: 'button',
            'data-format': f,
            class: f === format ? 'on' : '',
            onclick: () => {
              format = f;
              drawFormat();
              drawRecords();
            },
          },
          f === 'json' ? 'JSON' : f,
        ),
      ),
    );
  drawFormat();
  const load = h('button', { id: 'mb-load', class: 'primary', type: 'submit' }, 'Load');
  const results = h('div', { id: 'mb-results' });
  let answer = null;

  const query = (overrides = {}) => {
    const q = new URLSearchParams({ partition: partitionSel.value, limit: limitIn.value });
    const from = overrides.offset !== undefined ? 'offset' : fromSel.value;
    if (from === 'offset') q.set('offset', String(overrides.offset ?? offsetIn.value));
    else if (from === 'timestamp') q.set('timestamp', String(new Date(timeIn.value).getTime()));
    else q.set('from', from);
    if (qIn.value) {
      q.set('q', qIn.value);
      q.set('in', inSel.value);
      q.set('scan', scanIn.value);
    }
    return q;
  };

  const fetchRecords = async (overrides) => {
    const q = query(overrides);
    const shown = new URLSearchParams(q);
    shown.set('topic', topicSel.value);
    shown.set('from', overrides && overrides.offset !== undefined ? 'offset' : fromSel.value);
    if (format !== 'text') shown.set('format', format);
    history.replaceState(null, '', `#/messages?${shown}`);
    answer = await api('GET', `/api/topics/${enc(topicSel.value)}/messages?${q}`);
    drawRecords();
  };

  function drawRecords() {
    if (!answer) {
      results.replaceChildren(h('p', { class: 'empty' }, 'Pick a topic and partition, then Load.'));
      return;
    }
    const a = answer;
    const next = h('button', { id: 'mb-next', disabled: a.reachedEnd }, 'Next page →');
    next.addEventListener('click', () => {
      offsetIn.value = String(a.nextOffset);
      fromSel.value = 'offset';
      showStart();
      act(next, () => fetchRecords({ offset: a.nextOffset }));
    });
    const rows = [];
    for (const r of a.records) {
      const key = bytesOf(r.key);
      const value = bytesOf(r.value);
      const detail = h(
        'tr',
        { class: 'detail', hidden: true },
        h(
          'td',
          { colspan: 5 },
          r.headers.length > 0 ? h('p', {}, h('b', {}, 'Headers: '), r.headers.map((x, i) => [i > 0 ? ', ' : '', h('code', {}, `${x.key}=${x.value === null ? 'null' : asText(bytesOf(x.value))}`)])) : null,
          h('p', { class: 'muted' }, `key ${r.keySize < 0 ? 'null' : `${r.keySize} B`} · value ${r.valueSize < 0 ? 'null' : fmtBytes(r.valueSize)}${r.valueTruncated ? ' (first 64 KiB shown)' : ''} · ${r.timestampType}`),
          h('pre', { class: 'value' }, render(value, format)),
        ),
      );
      const row = h(
        'tr',
        { class: 'clickable record', 'data-offset': r.offset, onclick: () => (detail.hidden = !detail.hidden) },
        h('td', { class: 'num' }, fmtInt(r.offset)),
        h('td', { class: 'mono' }, fmtTime(r.timestamp)),
        h('td', {}, h('span', { class: 'preview record-key' }, key === null ? h('i', { class: 'muted' }, 'null') : oneLine(key, format === 'json' ? 'text' : format))),
        h('td', { class: 'num' }, r.headers.length || ''),
        h('td', {}, h('span', { class: 'preview record-value' }, oneLine(value, format))),
      );
      rows.push(row, detail);
    }
    results.replaceChildren(
      h('p', { class: 'muted', id: 'mb-summary' }, `${a.topic}-${a.partition}: log ${fmtInt(a.logStartOffset)} … ${fmtInt(a.logEndOffset)}. Read ${fmtInt(a.scanned)} record(s) from offset ${fmtInt(a.startOffset)}, ${a.records.length} shown${a.reachedEnd ? ', end of the log reached' : ''}.`),
      h(
        'table',
        { id: 'records' },
        h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Offset'), h('th', {}, 'Timestamp'), h('th', {}, 'Key'), h('th', { class: 'num' }, 'Headers'), h('th', {}, 'Value'))),
        h('tbody', {}, rows.length > 0 ? rows : h('tr', {}, h('td', { colspan: 5, class: 'empty' }, a.scanned > 0 ? 'No record matched.' : 'No records here.'))),
      ),
      h('div', { class: 'toolbar', style: 'margin-top:10px' }, next),
    );
  }
  drawRecords();

  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: (e) => {
        e.preventDefault();
        act(load, () => fetchRecords());
      },
    },
    h('label', { class: 'field' }, 'Topic', topicSel),
    h('label', { class: 'field' }, 'Partition', partitionSel),
    h('label', { class: 'field' }, 'Start', fromSel),
    offsetField,
    timeField,
    h('label', { class: 'field' }, 'Records', limitIn),
    h('label', { class: 'field' }, 'Search', qIn),
    h('label', { class: 'field' }, 'in', inSel),
    h('label', { class: 'field' }, 'scan at most', scanIn),
    load,
    h('label', { class: 'field right' }, 'Show values as', formatSeg),
  );
  if (params.get('topic')) fetchRecords().catch((e) => toast(e.message, true));
  return h(
    'div',
    {},
    h('h1', {}, 'Message browser'),
    h('p', { class: 'sub' }, 'Records of one partition from an offset or a time, read with a Kafka fetch. A search reads a bounded number of records and keeps those whose key or value contains the text.'),
    topics.length === 0 ? h('p', { class: 'empty' }, 'No topics yet.') : h('div', { class: 'grid' }, h('section', { class: 'card' }, form), h('section', { class: 'card' }, results)),
  );
}

// ───────────────────────────── consumer groups ─────────────────────────────

const badge = (state) => h('span', { class: `badge ${state}` }, state);

/** A small line of one group's summed lag over the live samples. */
function sparkline(groupId, width = 160, height = 26) {
  const pts = live.samples.filter((s) => s.groupLag[groupId] !== undefined).map((s) => [s.t, s.groupLag[groupId]]);
  const svg = h('svg', { class: 'sparkline', width, height, viewBox: `0 0 ${width} ${height}` });
  if (pts.length < 2) return svg;
  const t0 = Date.now() - HISTORY_MS;
  const vMax = Math.max(1, ...pts.map(([, v]) => v));
  const d = pts
    .filter(([t]) => t >= t0)
    .map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${(((t - t0) / HISTORY_MS) * (width - 2) + 1).toFixed(1)},${(height - 2 - (v / vMax) * (height - 4)).toFixed(1)}`)
    .join('');
  svg.append(h('path', { d, fill: 'none', stroke: 'var(--out)', 'stroke-width': 1.5 }));
  return svg;
}

async function groupsPage() {
  const { groups } = await api('GET', '/api/groups');
  const body = h(
    'tbody',
    {},
    groups.length === 0
      ? h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No consumer groups yet.'))
      : groups.map((g) =>
          h(
            'tr',
            { 'data-group': g.groupId },
            h('td', {}, h('a', { href: `#/groups/${enc(g.groupId)}` }, g.groupId)),
            h('td', {}, badge(g.state)),
            h('td', {}, g.protocolType || '–', g.protocol ? h('span', { class: 'muted' }, ` / ${g.protocol}`) : null),
            h('td', { class: 'num' }, fmtInt(g.members)),
            h('td', { class: 'num' }, fmtInt(g.partitions)),
            h('td', { class: 'num group-lag' }, fmtInt(g.totalLag)),
            h('td', { class: 'spark' }),
          ),
        ),
  );
  onSample(() => {
    for (const row of body.querySelectorAll('tr[data-group]')) row.querySelector('.spark').replaceChildren(sparkline(row.dataset.group));
  });
  every(3000, async () => {
    const fresh = await api('GET', '/api/groups').catch(() => null);
    if (!fresh) return;
    for (const g of fresh.groups) {
      const row = body.querySelector(`tr[data-group="${CSS.escape(g.groupId)}"]`);
      if (row) row.querySelector('.group-lag').textContent = fmtInt(g.totalLag);
    }
  });
  return h(
    'div',
    {},
    h('h1', {}, 'Consumer groups', h('small', {}, `${groups.length} group${groups.length === 1 ? '' : 's'}`)),
    h('p', { class: 'sub' }, 'State, protocol, members, and lag: log end offset minus committed offset, summed over the partitions the group committed.'),
    h('section', { class: 'card' }, h('table', { id: 'groups' }, h('thead', {}, h('tr', {}, h('th', {}, 'Group'), h('th', {}, 'State'), h('th', {}, 'Protocol'), h('th', { class: 'num' }, 'Members'), h('th', { class: 'num' }, 'Partitions'), h('th', { class: 'num' }, 'Lag'), h('th', {}, 'Lag, last 5 minutes'))), body)),
  );
}

async function groupPage(groupId) {
  let g = await api('GET', `/api/groups/${enc(groupId)}`);
  const history = g.lagHistory.slice();
  const lagChart = lagLine();
  function lagLine() {
    return lineChart({ height: 170, yFormat: fmtCompact });
  }
  const drawLag = () => lagChart.update([{ name: 'total lag', color: 'var(--out)', points: history }]);
  onSample(() => {
    const s = live.samples[live.samples.length - 1];
    if (s && s.groupLag[groupId] !== undefined && (history.length === 0 || history[history.length - 1][0] < s.t)) history.push([s.t, s.groupLag[groupId]]);
    drawLag();
  });
  const offsetsBody = h('tbody', {});
  const totalLag = h('div', { class: 'v', id: 'group-total-lag' });
  const drawOffsets = () => {
    const maxLag = Math.max(1, ...g.offsets.map((o) => o.lag));
    totalLag.textContent = fmtInt(g.totalLag);
    offsetsBody.replaceChildren(
      ...(g.offsets.length === 0
        ? [h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No committed offsets.'))]
        : g.offsets.map((o) =>
            h(
              'tr',
              { 'data-partition': `${o.topic}-${o.partition}` },
              h('td', {}, h('a', { href: `#/topics/${enc(o.topic)}` }, o.topic)),
              h('td', { class: 'num' }, o.partition),
              h('td', { class: 'num' }, fmtInt(o.committedOffset)),
              h('td', { class: 'num' }, fmtInt(o.logEndOffset)),
              h('td', { class: 'num partition-lag' }, fmtInt(o.lag)),
              h('td', { style: 'width:30%' }, h('div', { class: 'bar' }, h('span', { style: `width:${((Math.max(0, o.lag) / maxLag) * 100).toFixed(1)}%;background:var(--out)` }))),
            ),
          )),
    );
  };
  drawOffsets();
  every(3000, async () => {
    const fresh = await api('GET', `/api/groups/${enc(groupId)}`).catch(() => null);
    if (!fresh) return;
    g = fresh;
    drawOffsets();
  });

  const topics = [...new Set(g.offsets.map((o) => o.topic))];
  const toSel = h('select', { id: 'reset-to' }, [['earliest', 'earliest'], ['latest', 'latest'], ['timestamp', 'a time']].map(([v, l]) => h('option', { value: v }, l)));
  const timeIn = h('input', { id: 'reset-time', type: 'datetime-local', value: toLocalInput(Date.now() - 3600_000) });
  const timeField = h('label', { class: 'field', hidden: true }, 'Time', timeIn);
  toSel.addEventListener('change', () => (timeField.hidden = toSel.value !== 'timestamp'));
  const topicSel = h('select', { id: 'reset-topic' }, h('option', { value: '' }, 'every committed topic'), topics.map((t) => h('option', { value: t }, t)));
  const empty = g.state === 'Empty' || g.state === 'Dead';
  const resetButton = h('button', { id: 'reset-submit', class: 'primary', type: 'submit', disabled: !empty }, 'Reset offsets');
  const resetForm = h(
    'form',
    {
      class: 'inline',
      onsubmit: (e) => {
        e.preventDefault();
        act(resetButton, async () => {
          const target = toSel.value === 'timestamp' ? `the first offsets at or after ${timeIn.value.replace('T', ' ')}` : `the ${toSel.value} offsets`;
          const yes = await confirmDialog({ title: `Reset ${groupId}?`, text: `Commit ${target} for ${topicSel.value || 'every topic the group committed'}.`, confirmLabel: 'Reset' });
          if (!yes) return;
          const body = { to: toSel.value, topic: topicSel.value || undefined };
          if (toSel.value === 'timestamp') body.timestamp = new Date(timeIn.value).getTime();
          const r = await api('POST', `/api/groups/${enc(groupId)}/reset`, body);
          toast(`Committed ${r.offsets.length} offset(s)`);
          route();
        });
      },
    },
    h('label', { class: 'field' }, 'Reset to', toSel),
    timeField,
    h('label', { class: 'field' }, 'Topic', topicSel),
    resetButton,
  );

  return h(
    'div',
    {},
    h('div', { class: 'crumbs' }, h('a', { href: '#/groups' }, 'Consumer groups'), ' / '),
    h('h1', {}, groupId, ' ', badge(g.state)),
    h('p', { class: 'sub' }, `protocol type ${g.protocolType || '–'}${g.protocol ? `, assignor ${g.protocol}` : ''}`),
    h(
      'div',
      { class: 'grid' },
      h(
        'section',
        { class: 'card span-4' },
        h('h2', {}, 'Lag'),
        h('div', { class: 'stats' }, h('div', { class: 'stat' }, totalLag, h('div', { class: 'k' }, 'records behind')), h('div', { class: 'stat' }, h('div', { class: 'v' }, fmtInt(g.members.length)), h('div', { class: 'k' }, 'members'))),
      ),
      h('section', { class: 'card span-8' }, h('div', { class: 'chart-head' }, h('h2', {}, 'Total lag, last minutes')), lagChart.el),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Members'),
        h(
          'table',
          { id: 'members' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Member id'), h('th', {}, 'Client id'), h('th', {}, 'Host'), h('th', {}, 'Assignment'))),
          h(
            'tbody',
            {},
            g.members.length === 0
              ? h('tr', {}, h('td', { colspan: 4, class: 'empty' }, 'No members: the group is empty.'))
              : g.members.map((m) =>
                  h(
                    'tr',
                    {},
                    h('td', { class: 'mono' }, m.memberId, m.groupInstanceId ? h('div', { class: 'muted' }, `instance ${m.groupInstanceId}`) : null),
                    h('td', {}, m.clientId),
                    h('td', { class: 'mono' }, m.clientHost),
                    h('td', {}, m.assignment === null ? h('span', { class: 'muted' }, '–') : m.assignment.map((a) => h('div', {}, h('b', {}, a.topic), `: ${a.partitions.join(', ')}`))),
                  ),
                ),
          ),
        ),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Offsets'),
        h('table', { id: 'offsets' }, h('thead', {}, h('tr', {}, h('th', {}, 'Topic'), h('th', { class: 'num' }, 'Partition'), h('th', { class: 'num' }, 'Committed'), h('th', { class: 'num' }, 'End offset'), h('th', { class: 'num' }, 'Lag'), h('th', {}, ''))), offsetsBody),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Reset offsets'),
        h('p', { class: 'muted' }, empty ? 'Commits new offsets for the group (an admin OffsetCommit), clamped to each partition’s log start and end.' : `Only an empty group can be reset: this one is ${g.state}. Stop its consumers first.`),
        resetForm,
      ),
    ),
  );
}

// ───────────────────────────── transactions ─────────────────────────────

const tpName = (p) => `${p.topic}-${p.partition}`;

/** Age against the timeout: a bar that turns red once the transaction is past its timeout. */
function ageBar(ageMs, timeoutMs) {
  const fraction = timeoutMs > 0 ? Math.min(1, ageMs / timeoutMs) : 0;
  const late = ageMs > timeoutMs;
  return h(
    'div',
    { class: 'age' },
    h('div', { class: `bar${late ? ' danger' : fraction > 0.75 ? ' warn' : ''}` }, h('span', { style: `width:${(fraction * 100).toFixed(1)}%` })),
    h('span', { class: 'mono' }, `${fmtDuration(ageMs)} of ${fmtDuration(timeoutMs)}`),
    late ? h('div', { class: 'error' }, 'past its timeout: the coordinator aborts it at its next check') : null,
  );
}

/** Who waits on the LSO a transaction pins on one partition. */
function parkedList(p) {
  if (!p.pinsLso) return null;
  if (p.parked.length === 0) return h('div', { class: 'muted' }, 'no group has reached it');
  return h(
    'div',
    { class: 'parked' },
    'parked: ',
    p.parked.map((g, i) => [i > 0 ? ', ' : '', h('a', { href: `#/groups/${enc(g.groupId)}`, title: `committed offset ${g.committedOffset}` }, g.groupId), g.atLso ? '' : h('span', { class: 'muted' }, ' (past the LSO: reads uncommitted)')]),
  );
}

/** One partition of a transaction: its first offset, and the LSO it pins or what holds the LSO before it. */
function partitionLine(p) {
  const lag = p.logEndOffset - p.lastStableOffset;
  let where;
  if (p.firstOffset === null) where = h('span', { class: 'muted' }, 'added, no records yet');
  else if (p.pinsLso) where = [`from offset ${fmtInt(p.firstOffset)} · `, h('span', { class: 'badge warn' }, 'pins the LSO'), ' ', h('span', { class: 'lso-lag' }, `${fmtInt(lag)} record${lag === 1 ? '' : 's'} held back`)];
  else where = [`from offset ${fmtInt(p.firstOffset)} · `, h('span', { class: 'muted' }, `behind an older transaction (LSO ${fmtInt(p.lastStableOffset)})`)];
  return h(
    'div',
    { class: 'txn-partition', 'data-partition': tpName(p) },
    h('a', { href: `#/messages?topic=${enc(p.topic)}&partition=${p.partition}` }, tpName(p)),
    ' ',
    where,
    p.awaitingMarker ? h('span', { class: 'muted' }, ' · marker being written') : null,
    parkedList(p),
  );
}

async function transactionsPage() {
  let answer = await api('GET', '/api/transactions');
  let fetchedAt = Date.now();
  const open = h('tbody', {});
  const hanging = h('tbody', {});
  const states = h('div', { class: 'stats', id: 'txn-states' });
  const title = h('small', {});

  const abortOne = (button, t) =>
    act(button, async () => {
      const yes = await confirmDialog({
        title: `Abort the transaction of ${t.transactionalId}?`,
        text: `The coordinator aborts it as it aborts a transaction past its timeout: its records on ${t.partitions.length} partition(s) are discarded and the producer (id ${t.producerId}, epoch ${t.producerEpoch}) is fenced: its next request is refused and it must initialize again.`,
        confirmLabel: 'Abort transaction',
        danger: true,
      });
      if (!yes) return;
      await api('POST', `/api/transactions/${enc(t.transactionalId)}/abort`, { producerId: t.producerId, producerEpoch: t.producerEpoch });
      toast(`Aborting the transaction of ${t.transactionalId}`);
      await refresh();
    });

  const abortHanging = (button, x) =>
    act(button, async () => {
      const yes = await confirmDialog({
        title: `Abort the hanging transaction on ${tpName(x)}?`,
        text: `An abort marker is written for producer ${x.producerId} (epoch ${x.producerEpoch}) on ${tpName(x)}, as kafka-transactions abort does: its records from offset ${x.firstOffset} on are discarded and the LSO moves on.`,
        confirmLabel: 'Write abort marker',
        danger: true,
      });
      if (!yes) return;
      await api('POST', `/api/topics/${enc(x.topic)}/partitions/${x.partition}/abort-transaction`, { startOffset: x.firstOffset });
      toast(`Aborted the hanging transaction on ${tpName(x)}`);
      await refresh();
    });

  const draw = () => {
    const a = answer;
    const n = a.transactions.length;
    title.textContent = `${n} open${a.hanging.length ? ` · ${a.hanging.length} hanging` : ''}`;
    states.replaceChildren(
      ...Object.entries(a.coordinator.states).map(([state, count]) => h('div', { class: 'stat', 'data-state': state }, h('div', { class: 'v' }, fmtInt(count)), h('div', { class: 'k' }, state))),
    );
    open.replaceChildren(
      ...(n === 0
        ? [h('tr', {}, h('td', { colspan: 6, class: 'empty' }, a.coordinator.loaded ? 'No open transactions.' : 'The transaction coordinator is not running.'))]
        : a.transactions.map((t) => {
            const button = h('button', { class: 'danger abort', disabled: t.state !== 'Ongoing' || t.pendingState !== null }, 'Abort');
            button.addEventListener('click', () => abortOne(button, t));
            return h(
              'tr',
              { 'data-txn': t.transactionalId },
              h('td', { class: 'mono' }, t.transactionalId),
              h('td', { class: 'num mono' }, `${t.producerId} / ${t.producerEpoch}`),
              h('td', {}, badge(t.state), t.pendingState ? h('div', { class: 'muted' }, `→ ${t.pendingState}`) : null),
              h('td', { class: 'txn-age', 'data-age': t.ageMs }, ageBar(t.ageMs + (Date.now() - fetchedAt), t.timeoutMs), h('div', { class: 'muted' }, `since ${fmtTime(t.startMs).slice(11)}`)),
              h('td', {}, t.partitions.length === 0 ? h('span', { class: 'muted' }, 'none') : t.partitions.map(partitionLine)),
              h('td', {}, button),
            );
          })),
    );
    hanging.replaceChildren(
      ...(a.hanging.length === 0
        ? [h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'None: every transaction open on a partition is open at the coordinator.'))]
        : a.hanging.map((x) => {
            const button = h('button', { class: 'danger abort' }, 'Abort');
            button.addEventListener('click', () => abortHanging(button, x));
            return h(
              'tr',
              { 'data-hanging': `${tpName(x)}@${x.firstOffset}` },
              h('td', {}, partitionLine(x)),
              h('td', { class: 'num mono' }, `${x.producerId} / ${x.producerEpoch}`),
              h('td', { class: 'num' }, fmtInt(x.logEndOffset - x.lastStableOffset)),
              h('td', { class: 'mono' }, fmtTime(x.lastTimestamp)),
              h('td', {}, button),
            );
          })),
    );
  };

  const refresh = async () => {
    const fresh = await api('GET', '/api/transactions').catch(() => null);
    if (!fresh) return;
    answer = fresh;
    fetchedAt = Date.now();
    draw();
  };
  draw();
  every(2000, refresh);
  every(1000, () => {
    for (const cell of open.querySelectorAll('td.txn-age')) {
      const t = answer.transactions.find((x) => x.transactionalId === cell.parentElement.dataset.txn);
      if (t) cell.firstChild.replaceWith(ageBar(t.ageMs + (Date.now() - fetchedAt), t.timeoutMs));
    }
  });

  return h(
    'div',
    {},
    h('h1', {}, 'Transactions', title),
    h(
      'p',
      { class: 'sub' },
      'A transaction’s records on a partition hold back its last stable offset (LSO), the offset read_committed consumers read up to, from its first offset there until its commit or abort marker. ',
      'The oldest open transaction on a partition pins the LSO; a consumer group is shown as parked behind it when its committed offset on that partition has reached the LSO. ',
      'The broker cannot see a group’s isolation level: a read_committed member of a parked group can read no further until the transaction ends, while a group past the LSO reads uncommitted records.',
    ),
    h(
      'div',
      { class: 'grid' },
      h('section', { class: 'card' }, h('h2', {}, 'Transactional ids at the coordinator, by state'), states),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Open transactions'),
        h(
          'table',
          { id: 'transactions' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Transactional id'), h('th', { class: 'num' }, 'Producer id / epoch'), h('th', {}, 'State'), h('th', {}, 'Age, of its timeout'), h('th', {}, 'Partitions: first offset, LSO, parked groups'), h('th', {}, ''))),
          open,
        ),
        h('p', { class: 'muted' }, 'Abort has the coordinator abort the transaction as it aborts one past its timeout: abort markers on every partition, and a new epoch that fences the producer.'),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, 'Hanging transactions'),
        h('p', { class: 'muted' }, 'Open on a partition but not at the coordinator (kafka-transactions find-hanging): nothing will end them. Abort writes an abort marker for the producer on that partition, as kafka-transactions abort does.'),
        h(
          'table',
          { id: 'hanging' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Partition: first offset, parked groups'), h('th', { class: 'num' }, 'Producer id / epoch'), h('th', { class: 'num' }, 'LSO lag'), h('th', {}, 'Last write'), h('th', {}, ''))),
          hanging,
        ),
      ),
    ),
  );
}

// ───────────────────────────── start ─────────────────────────────

window.addEventListener('hashchange', route);
connectEvents();
route();
