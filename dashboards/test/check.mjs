#!/usr/bin/env node
// Checks the Heapscope dashboards (dashboards/json/*.json). Plain Node 18+, no dependencies.
//
//   node check.mjs static                         structure, variables, and that each panel's unit fits its queries
//   node check.mjs query <prometheus-url> [--rate-interval=4s] [--range=60s]
//                                                 every panel target, template variables filled in the way Grafana
//                                                 does, must return series through Prometheus' HTTP API
//                                                 (instant queries for every filling, a range query at All)
//   node check.mjs self-test [<prometheus-url>]   proves the checks can fail: broken copies must be rejected
//
// Exit status 0 when everything passes; otherwise each failure is printed with dashboard, panel and query.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const jsonDir = join(here, '..', 'json');

export function loadDashboards(dir = jsonDir) {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((file) => ({ file, dash: JSON.parse(readFileSync(join(dir, file), 'utf8')) }));
}

const panelsOf = (dash) => dash.panels.filter((p) => p.type !== 'row');
const BUILTINS = new Set(['__rate_interval', '__range', '__interval']);

// ---- static structure --------------------------------------------------------------------------------------
export function staticErrors(dashboards) {
  const errors = [];
  const uids = new Set();
  for (const { file, dash } of dashboards) {
    const where = (p) => `${file}: panel ${p.id} "${p.title}"`;
    if (uids.has(dash.uid)) errors.push(`${file}: uid ${dash.uid} used twice`);
    uids.add(dash.uid);
    const vars = dash.templating.list.map((v) => v.name);
    for (const need of ['datasource', 'job', 'instance']) {
      if (!vars.includes(need)) errors.push(`${file}: no template variable ${need}`);
    }
    if (!vars.includes('allocator') && !vars.includes('framework')) {
      errors.push(`${file}: neither an allocator nor a framework template variable`);
    }
    const ids = new Set();
    const cells = new Map();
    for (const p of dash.panels) {
      if (ids.has(p.id)) errors.push(`${where(p)}: id used twice`);
      ids.add(p.id);
      const { x, y, w, h } = p.gridPos;
      if (x < 0 || w < 1 || x + w > 24) errors.push(`${where(p)}: gridPos outside the 24 columns`);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          const k = `${i},${j}`;
          if (cells.has(k)) errors.push(`${where(p)}: overlaps panel ${cells.get(k)}`);
          cells.set(k, p.id);
        }
      }
    }
    for (const p of panelsOf(dash)) {
      if (p.datasource?.uid !== '${datasource}') errors.push(`${where(p)}: datasource is not the $datasource variable`);
      if (!p.fieldConfig?.defaults?.unit) errors.push(`${where(p)}: no unit (fieldConfig.defaults.unit)`);
      if (!p.targets?.length) errors.push(`${where(p)}: no targets`);
      for (const t of p.targets ?? []) {
        if (!t.expr) errors.push(`${where(p)} ${t.refId}: no expr`);
        for (const [, name] of (t.expr ?? '').matchAll(/\$\{?(\w+)/g)) {
          if (!vars.includes(name) && !BUILTINS.has(name)) errors.push(`${where(p)} ${t.refId}: unknown variable $${name}`);
        }
        if (!/otel_scope_name|heapscope_/.test(t.expr ?? '')) errors.push(`${where(p)} ${t.refId}: queries no Heapscope metric`);
      }
      errors.push(...unitErrors(p).map((e) => `${where(p)}: ${e}`));
    }
    for (const v of dash.templating.list.filter((v) => v.type === 'query')) {
      if (v.query !== v.definition) errors.push(`${file}: variable ${v.name}: query and definition differ`);
      for (const [, name] of v.definition.matchAll(/\$\{?(\w+)/g)) {
        const at = vars.indexOf(name);
        if (at < 0 || at >= vars.indexOf(v.name)) errors.push(`${file}: variable ${v.name} uses $${name}, not defined before it`);
      }
    }
  }
  return errors;
}

// ---- units -------------------------------------------------------------------------------------------------
// What a query measures, from the Heapscope metric names it reads and the functions around them; then the Grafana
// units that fit. A panel's targets must all measure the same thing.
export const UNITS = {
  bytes: ['bytes', 'decbytes'],
  byterate: ['Bps', 'binBps'],
  count: ['short', 'none'],
  countrate: ['ops', 'cps', 'reqps'],
  fraction: ['percentunit'],
  ratio: ['percentunit'],
  bool: ['bool', 'bool_yes_no', 'bool_on_off'],
};

function metricKind(name) {
  if (name.endsWith('_bytes_total')) return 'bytecounter';
  if (name.endsWith('_total')) return 'countcounter';
  if (name.endsWith('_bytes')) return 'bytes';
  if (name === 'heapscope_memory_fragmentation') return 'fraction';
  if (name === 'heapscope_memory_pressure') return 'bool';
  if (['heapscope_heaps', 'heapscope_buffers', 'heapscope_framework_buffers_live'].includes(name)) return 'count';
  return null;
}

/** Splits at the first operator `op` outside parentheses, brackets and braces; null if none. */
function splitTopLevel(expr, ops) {
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && ops.includes(c)) return [expr.slice(0, i), c, expr.slice(i + 1)];
  }
  return null;
}

/** { cls, names } of a PromQL expression, or throws with the reason. */
export function measure(expr) {
  // label matchers, grouping clauses and the `> 0` guards of denominators do not change what is measured
  const bare = expr.replace(/\{[^}]*\}/g, '').replace(/\b(by|without)\s*\([^)]*\)/g, '')
    .replace(/\s*>\s*0\s*\)/g, ')').trim();
  const sum = splitTopLevel(bare, '+-');
  if (sum) {
    const a = measure(sum[0]); const b = measure(sum[2]);
    if (a.cls !== b.cls) throw new Error(`adds or subtracts ${a.cls} and ${b.cls}`);
    return { cls: a.cls, names: [...a.names, ...b.names] };
  }
  const div = splitTopLevel(bare, '/');
  if (div) {
    const n = measure(div[0]); const d = measure(div[2]);
    const same = n.names.join() === d.names.join();
    if (n.cls === 'count' && d.cls === 'count' && !same) return { cls: 'count', names: n.names }; // e.g. buffers per heap
    if (n.cls === d.cls) return { cls: 'ratio', names: n.names };
    if ((n.cls === 'bytes' && d.cls === 'count') || (n.cls === 'byterate' && d.cls === 'countrate')) return { cls: 'bytes', names: n.names };
    throw new Error(`divides ${n.cls} by ${d.cls}`);
  }
  const classes = new Set();
  const names = [];
  for (const m of bare.matchAll(/heapscope_[a-z_]+/g)) {
    const name = m[0];
    const kind = metricKind(name);
    if (!kind) throw new Error(`unknown metric ${name}`);
    const fn = /(\w+)\(\s*$/.exec(bare.slice(0, m.index))?.[1];
    let cls = kind;
    if (kind.endsWith('counter')) {
      if (fn === 'rate' || fn === 'irate') cls = kind === 'bytecounter' ? 'byterate' : 'countrate';
      else if (fn === 'increase') cls = kind === 'bytecounter' ? 'bytes' : 'count';
      else throw new Error(`counter ${name} shown without rate() or increase()`);
    } else if (fn === 'rate' || fn === 'irate' || fn === 'increase') {
      throw new Error(`${fn}() of ${name}, which is not a counter`);
    }
    classes.add(cls);
    names.push(name);
  }
  if (classes.size !== 1) throw new Error(classes.size ? `mixes ${[...classes].join(' and ')}` : 'no Heapscope metric');
  return { cls: [...classes][0], names: names.sort() };
}

export function unitErrors(panel) {
  const unit = panel.fieldConfig?.defaults?.unit;
  const errors = [];
  const classes = new Set();
  for (const t of panel.targets ?? []) {
    try {
      const { cls } = measure(t.expr);
      classes.add(cls);
      if (!UNITS[cls].includes(unit)) errors.push(`unit "${unit}" does not fit ${t.refId} (${cls}: ${UNITS[cls].join(' or ')}): ${t.expr}`);
    } catch (e) {
      errors.push(`${t.refId}: ${e.message}: ${t.expr}`);
    }
  }
  if (classes.size > 1) errors.push(`targets measure different things (${[...classes].join(', ')}) on one unit`);
  return errors;
}

// ---- queries against Prometheus ----------------------------------------------------------------------------
async function api(base, path, params) {
  const url = `${base.replace(/\/$/, '')}${path}?${new URLSearchParams(params)}`;
  const res = await fetch(url);
  const body = await res.json().catch(() => ({}));
  if (res.status !== 200 || body.status !== 'success') {
    throw new Error(`HTTP ${res.status} ${body.errorType ?? ''} ${body.error ?? ''}`.trim());
  }
  return body.data;
}

/** Grafana's Prometheus data source: a multi-value or regex variable becomes (a|b) with regex characters escaped. */
function formatRegex(values) {
  const esc = values.map((v) => v.replace(/[\\^$*+?.()|{}[\]]/g, '\\\\$&'));
  return esc.length === 1 ? esc[0] : `(${esc.join('|')})`;
}

function interpolate(text, values, builtins) {
  return text.replace(/\$\{?(\w+)\}?/g, (all, name) => {
    if (name in builtins) return builtins[name];
    if (name in values) return formatRegex(values[name]);
    return all;
  });
}

/** Values of each query variable, resolved in order as Grafana does (label_values(selector, label)). */
async function resolveVariables(base, dash, window) {
  const values = {};
  for (const v of dash.templating.list.filter((x) => x.type === 'query')) {
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(v.definition);
    if (!m) throw new Error(`variable ${v.name}: unsupported query ${v.definition}`);
    const selector = interpolate(m[1], values, {});
    const got = await api(base, `/api/v1/label/${m[2]}/values`, { 'match[]': selector, ...window });
    if (!got.length) throw new Error(`variable ${v.name}: no values for ${v.definition} (${selector})`);
    values[v.name] = got;
  }
  return values;
}

/**
 * Runs every target of every dashboard: with all variables at All, and with each value of the dashboard's
 * narrowing variables (allocator, pool, framework) alone. Returns { errors, runs }.
 */
export async function queryErrors(base, dashboards, builtins, log = () => {}) {
  const errors = [];
  let runs = 0;
  const now = Date.now() / 1000;
  const window = { start: String(Math.floor(now - 600)), end: String(Math.ceil(now)) };
  const rangeSeconds = Math.max(10, parseInt(builtins.__range, 10) || 60);
  for (const { file, dash } of dashboards) {
    let all;
    try {
      all = await resolveVariables(base, dash, window);
    } catch (e) {
      errors.push(`${file}: ${e.message}`);
      continue;
    }
    log(`${file}: ${Object.entries(all).map(([k, v]) => `${k}=${v.join('|')}`).join('  ')}`);
    const assignments = [all];
    for (const name of ['allocator', 'pool', 'framework']) {
      for (const value of all[name] ?? []) assignments.push({ ...all, [name]: [value] });
    }
    for (const p of panelsOf(dash)) {
      for (const t of p.targets) {
        const seen = new Set();
        const before = errors.length;
        let series = 0;
        for (const a of assignments) {
          const q = interpolate(t.expr, a, builtins);
          if (seen.has(q)) continue;
          seen.add(q);
          runs++;
          try {
            const data = await api(base, '/api/v1/query', { query: q });
            if (!data.result.length) errors.push(`${file}: panel ${p.id} "${p.title}" ${t.refId}: no series for ${q}`);
            else if (data.result.every((r) => !Number.isFinite(Number(r.value[1])))) {
              errors.push(`${file}: panel ${p.id} "${p.title}" ${t.refId}: only NaN/Inf values for ${q}`);
            }
            series += data.result.length;
          } catch (e) {
            errors.push(`${file}: panel ${p.id} "${p.title}" ${t.refId}: ${e.message} for ${q}`);
          }
        }
        // what a time series panel sends: a range query over the window, with everything at All
        if (t.range !== false) {
          const q = interpolate(t.expr, all, builtins);
          runs++;
          try {
            const data = await api(base, '/api/v1/query_range', { query: q, start: String(now - rangeSeconds), end: String(now), step: '2' });
            if (!data.result.length) errors.push(`${file}: panel ${p.id} "${p.title}" ${t.refId}: no series in the range query for ${q}`);
          } catch (e) {
            errors.push(`${file}: panel ${p.id} "${p.title}" ${t.refId}: range query: ${e.message} for ${q}`);
          }
        }
        log(`  ${errors.length > before ? 'FAIL' : 'ok  '} ${String(series).padStart(3)} series over ${seen.size} fillings + range query  ${p.title} [${t.refId}]`);
      }
    }
  }
  return { errors, runs };
}

// ---- self-test: the checks must reject broken dashboards ----------------------------------------------------
async function selfTest(base) {
  const failures = [];
  const baseline = staticErrors(loadDashboards());
  if (baseline.length) failures.push(`the dashboards themselves fail: ${baseline[0]}`);
  let title = '';
  // a rejection counts only if it names the panel that was broken
  const expectRejected = (what, errs) => {
    const hit = errs.filter((e) => e.includes(`"${title}"`));
    if (!hit.length) failures.push(`not rejected: ${what}`);
    else console.log(`rejected as expected: ${what}\n    ${hit[0]}`);
  };
  const fresh = () => loadDashboards();
  const find = (ds, uid, t) => {
    title = t;
    return panelsOf(ds.find((d) => d.dash.uid === uid).dash).find((p) => p.title === t);
  };

  let ds = fresh();
  find(ds, 'heapscope-fragmentation', 'Fragmentation per pool').fieldConfig.defaults.unit = 'bytes';
  expectRejected('fragmentation shown in bytes', staticErrors(ds));
  ds = fresh();
  find(ds, 'heapscope-pools', 'Garbage collection reclaimed').fieldConfig.defaults.unit = 'bytes';
  expectRejected('a byte rate shown as bytes', staticErrors(ds));
  ds = fresh();
  find(ds, 'heapscope-pools', 'Reserved').fieldConfig.defaults.unit = 'short';
  expectRejected('reserved bytes shown as a plain number', staticErrors(ds));
  ds = fresh();
  find(ds, 'heapscope-framework', 'Allocations and frees per second').targets[0].expr = 'sum(heapscope_framework_allocations_total)';
  expectRejected('a counter shown without rate()', staticErrors(ds));
  ds = fresh();
  find(ds, 'heapscope-pools', 'Frees and releases').targets[1].expr = 'sum(heapscope_memory_in_use_bytes)';
  expectRejected('bytes and a rate on one panel', staticErrors(ds));
  ds = fresh();
  find(ds, 'heapscope-pools', 'Heaps').targets[0].expr = 'sum(heapscope_heaps{heapscope_allocator_name=~"$alocator"})';
  expectRejected('a misspelt template variable', staticErrors(ds));
  ds = fresh();
  delete find(ds, 'heapscope-overview', 'Cached').fieldConfig.defaults.unit;
  expectRejected('a panel without a unit', staticErrors(ds));
  if (base) {
    ds = fresh().filter((d) => d.dash.uid === 'heapscope-pools');
    find(ds, 'heapscope-pools', 'Heaps').targets[0].expr = 'sum by (heapscope_pool) (heapscope_heaps{heapscope_allocator_name=~"$allocator", heapscope_pool="NO_SUCH_POOL"})';
    find(ds, 'heapscope-pools', 'Buffers').targets[0].expr = 'sum(heapscope_bufers{job=~"$job"})';
    const { errors } = await queryErrors(base, ds, { __rate_interval: '4s', __range: '60s', __interval: '1s' });
    title = 'Heaps';
    expectRejected('a query for a pool that does not exist', errors.filter((e) => e.includes('NO_SUCH_POOL')));
    title = 'Buffers';
    expectRejected('a misspelt metric name', errors.filter((e) => e.includes('heapscope_bufers')));
    const others = errors.filter((e) => !e.includes('NO_SUCH_POOL') && !e.includes('heapscope_bufers'));
    if (others.length) failures.push(`unbroken panels failed too: ${others[0]}`);
  }
  return failures;
}

// ---- main --------------------------------------------------------------------------------------------------
const [cmd, url, ...rest] = process.argv.slice(2);
const opt = (k, d) => rest.find((a) => a.startsWith(`--${k}=`))?.split('=')[1] ?? d;
if (cmd === 'static') {
  const ds = loadDashboards();
  const errors = staticErrors(ds);
  for (const { file, dash } of ds) {
    const ps = panelsOf(dash);
    console.log(`${file}: ${ps.length} panels, ${ps.reduce((n, p) => n + p.targets.length, 0)} queries, units: `
      + [...new Set(ps.map((p) => p.fieldConfig.defaults.unit))].join(' '));
  }
  errors.forEach((e) => console.error(`FAIL ${e}`));
  process.exit(errors.length ? 1 : 0);
} else if (cmd === 'query') {
  const builtins = { __rate_interval: opt('rate-interval', '4s'), __range: opt('range', '60s'), __interval: opt('interval', '1s') };
  const { errors, runs } = await queryErrors(url, loadDashboards(), builtins, console.log);
  errors.forEach((e) => console.error(`FAIL ${e}`));
  console.log(`${runs} queries run against ${url}, ${errors.length} without data or failing`);
  process.exit(errors.length || runs === 0 ? 1 : 0);
} else if (cmd === 'self-test') {
  const failures = await selfTest(url);
  failures.forEach((f) => console.error(`FAIL ${f}`));
  process.exit(failures.length ? 1 : 0);
} else {
  console.error('usage: node check.mjs static | query <prometheus-url> [--rate-interval=4s --range=60s] | self-test [<prometheus-url>]');
  process.exit(2);
}
