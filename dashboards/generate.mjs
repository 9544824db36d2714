#!/usr/bin/env node
// Writes the Heapscope Grafana dashboards (dashboards/json/*.json) from this one description, so the four share
// their template variables, selectors and panel defaults. The JSON files are committed and are what Grafana
// provisions; dashboards/test/run.sh fails when they differ from what this script writes (run it after an edit:
// `node dashboards/generate.mjs`). Plain Node, no dependencies.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// output folder: dashboards/json, or the first argument (the test writes elsewhere and compares)
const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'json');

// ---- template variables -------------------------------------------------------------------------------------
const DS = { type: 'prometheus', uid: '${datasource}' };

const datasourceVar = {
  name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus',
  hide: 0, includeAll: false, multi: false, options: [], refresh: 1, regex: '', skipUrlSync: false,
};

function queryVar(name, label, query, description) {
  return {
    name, label, description, type: 'query', datasource: DS,
    // the query as a string: what Grafana's Prometheus data source has always accepted (grafonnet writes it so);
    // Grafana's variable editor turns it into its object form when the variable is edited
    definition: query, query,
    current: { selected: true, text: ['All'], value: ['$__all'] }, hide: 0, includeAll: true, multi: true, options: [], refresh: 2, regex: '', skipUrlSync: false,
    sort: 1,
  };
}

// every series Heapscope exports carries otel_scope_name="io.heapscope", allocator or agent alike
const jobVar = queryVar('job', 'Job', 'label_values({otel_scope_name="io.heapscope"}, job)',
  'Prometheus job: the scrape job of JVMs serving /metrics, or the service.name of JVMs sending OTLP through the collector');
const instanceVar = queryVar('instance', 'Instance',
  'label_values({otel_scope_name="io.heapscope", job=~"$job"}, instance)', 'Scraped JVM');
const allocatorVar = queryVar('allocator', 'Allocator',
  'label_values(heapscope_memory_reserved_bytes{job=~"$job", instance=~"$instance"}, heapscope_allocator_name)',
  'Heapscope allocator name (HeapAllocator.builder(device).name(...)); metrics need the PROFILING flag');
const poolVar = queryVar('pool', 'Pool',
  'label_values(heapscope_memory_reserved_bytes{job=~"$job", instance=~"$instance", heapscope_allocator_name=~"$allocator"}, heapscope_pool)',
  'PRIVATE_SMALL, PRIVATE_LARGE, SHARED_SMALL, SHARED_LARGE, SCALAR');
const frameworkVar = queryVar('framework', 'Framework',
  'label_values(heapscope_framework_memory_live_bytes{job=~"$job", instance=~"$instance"}, heapscope_framework)',
  'Framework whose off-heap allocations the agent hooks (jdk.direct, unsafe, ffm, netty, ...)');

// ---- selectors -----------------------------------------------------------------------------------------------
const A = 'job=~"$job", instance=~"$instance", heapscope_allocator_name=~"$allocator"';
const AP = `${A}, heapscope_pool=~"$pool"`;
const F = 'job=~"$job", instance=~"$instance", heapscope_framework=~"$framework"';
const BY_ALLOC = 'instance, heapscope_allocator_name';
const BY_POOL = 'instance, heapscope_allocator_name, heapscope_pool';
const BY_FW = 'instance, heapscope_framework';
const RI = '[$__rate_interval]';

// ---- panels --------------------------------------------------------------------------------------------------
let nextId = 1;
let cursor = { x: 0, y: 0, rowHeight: 0 };

function place(w, h) {
  if (cursor.x + w > 24) {
    cursor = { x: 0, y: cursor.y + cursor.rowHeight, rowHeight: 0 };
  }
  const pos = { h, w, x: cursor.x, y: cursor.y };
  cursor.x += w;
  cursor.rowHeight = Math.max(cursor.rowHeight, h);
  return pos;
}

function row(title) {
  cursor = { x: 0, y: cursor.y + cursor.rowHeight, rowHeight: 0 };
  const r = { id: nextId++, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: cursor.y }, panels: [] };
  cursor.y += 1;
  return r;
}

function targets(list) {
  return list.map(([expr, legendFormat], i) => ({
    refId: String.fromCharCode(65 + i), datasource: DS, editorMode: 'code', expr, legendFormat, range: true,
  }));
}

function fieldDefaults(unit, extra = {}) {
  return { unit, color: { mode: 'palette-classic' }, ...extra };
}

/** A time series panel; unit is Grafana's unit id; queries are [expr, legend] pairs. */
function timeseries(title, description, unit, queries, opts = {}) {
  const { w = 12, h = 8, stack = false, min, max, step = false } = opts;
  const defaults = fieldDefaults(unit, {
    custom: {
      drawStyle: 'line', lineInterpolation: step ? 'stepAfter' : 'linear', lineWidth: 1, fillOpacity: stack ? 25 : 10,
      showPoints: 'never', spanNulls: false, stacking: { mode: stack ? 'normal' : 'none', group: 'A' },
      axisPlacement: 'auto', gradientMode: 'none',
    },
  });
  if (min !== undefined) defaults.min = min;
  if (max !== undefined) defaults.max = max;
  return {
    id: nextId++, type: 'timeseries', title, description, datasource: DS, gridPos: place(w, h),
    fieldConfig: { defaults, overrides: [] },
    options: {
      legend: { showLegend: true, displayMode: 'table', placement: 'right', calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets: targets(queries),
  };
}

/** A stat panel (last value of each series). */
function stat(title, description, unit, queries, opts = {}) {
  const { w = 4, h = 4, mappings, thresholds } = opts;
  const defaults = fieldDefaults(unit, { color: { mode: 'thresholds' } });
  defaults.thresholds = thresholds ?? { mode: 'absolute', steps: [{ color: 'green', value: null }] };
  if (mappings) defaults.mappings = mappings;
  return {
    id: nextId++, type: 'stat', title, description, datasource: DS, gridPos: place(w, h),
    fieldConfig: { defaults, overrides: [] },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      orientation: 'auto', colorMode: 'value', graphMode: 'area', justifyMode: 'auto', textMode: 'auto',
      wideLayout: true, showPercentChange: false, percentChangeColorMode: 'standard',
    },
    targets: targets(queries),
  };
}

/** A bar gauge (last value of each series, one bar per series). */
function bargauge(title, description, unit, queries, opts = {}) {
  const { w = 12, h = 8, min, max } = opts;
  const defaults = fieldDefaults(unit, { color: { mode: 'continuous-GrYlRd' } });
  if (min !== undefined) defaults.min = min;
  if (max !== undefined) defaults.max = max;
  return {
    id: nextId++, type: 'bargauge', title, description, datasource: DS, gridPos: place(w, h),
    fieldConfig: { defaults, overrides: [] },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      orientation: 'horizontal', displayMode: 'gradient', valueMode: 'color', namePlacement: 'auto',
      showUnfilled: true, sizing: 'auto', minVizHeight: 16, minVizWidth: 8, maxVizHeight: 300,
      legend: { showLegend: false, displayMode: 'list', placement: 'bottom', calcs: [] },
    },
    targets: targets(queries),
  };
}

const PRESSURE_MAPPINGS = [{ type: 'value', options: { '0': { text: 'no', color: 'green', index: 0 }, '1': { text: 'under pressure', color: 'red', index: 1 } } }];

function dashboard(uid, title, description, variables, panels) {
  return {
    uid, title, description, id: null, editable: true, graphTooltip: 1, schemaVersion: 41, version: 1,
    tags: ['heapscope'], timezone: 'browser', refresh: '10s', time: { from: 'now-30m', to: 'now' },
    fiscalYearStartMonth: 0, liveNow: false, weekStart: '',
    timepicker: {},
    links: [{ title: 'Heapscope', type: 'dashboards', tags: ['heapscope'], asDropdown: true, includeVars: true,
      keepTime: true, icon: 'external link', targetBlank: false, tooltip: '', url: '' }],
    annotations: { list: [{
      builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true,
      iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard',
    }] },
    templating: { list: [datasourceVar, ...variables] },
    panels,
  };
}

function reset() {
  nextId = 1;
  cursor = { x: 0, y: 0, rowHeight: 0 };
}

// ---- allocator pools -----------------------------------------------------------------------------------------
function pools() {
  reset();
  return dashboard('heapscope-pools', 'Heapscope / Allocator pools',
    'Per pool and allocator: reserved, in-use and cached bytes, heaps, buffers, watermarks, memory pressure, '
    + 'garbage collection, out-of-memory errors, new vs recycled allocations. Needs the PROFILING flag.',
    [jobVar, instanceVar, allocatorVar, poolVar], [
      row('Memory per pool'),
      timeseries('Reserved', 'Bytes of heaps the pool holds (heapscope_memory_reserved_bytes)', 'bytes',
        [[`sum by (${BY_POOL}) (heapscope_memory_reserved_bytes{${AP}})`, '{{heapscope_allocator_name}} {{heapscope_pool}} ({{instance}})']], { w: 8, stack: true }),
      timeseries('In use', 'Bytes handed out and not freed (heapscope_memory_in_use_bytes)', 'bytes',
        [[`sum by (${BY_POOL}) (heapscope_memory_in_use_bytes{${AP}})`, '{{heapscope_allocator_name}} {{heapscope_pool}} ({{instance}})']], { w: 8, stack: true }),
      timeseries('Cached', 'Bytes of cached buffers ready for reuse (heapscope_memory_cached_bytes)', 'bytes',
        [[`sum by (${BY_POOL}) (heapscope_memory_cached_bytes{${AP}})`, '{{heapscope_allocator_name}} {{heapscope_pool}} ({{instance}})']], { w: 8, stack: true }),
      row('Allocator totals and watermarks'),
      timeseries('Reserved, in use, cached', 'Sum over the selected pools, per allocator', 'bytes', [
        [`sum by (${BY_ALLOC}) (heapscope_memory_reserved_bytes{${AP}})`, 'reserved {{heapscope_allocator_name}} ({{instance}})'],
        [`sum by (${BY_ALLOC}) (heapscope_memory_in_use_bytes{${AP}})`, 'in use {{heapscope_allocator_name}} ({{instance}})'],
        [`sum by (${BY_ALLOC}) (heapscope_memory_cached_bytes{${AP}})`, 'cached {{heapscope_allocator_name}} ({{instance}})'],
      ]),
      timeseries('Reserved vs watermark limits',
        'Reserved bytes of all pools against the high watermark (allocations beyond it fail) and the low watermark '
        + '(beyond it the allocator is under pressure and garbage-collects cached buffers). A limit is absent when disabled.', 'bytes', [
          [`sum by (${BY_ALLOC}) (heapscope_memory_reserved_bytes{${A}})`, 'reserved {{heapscope_allocator_name}} ({{instance}})'],
          [`max by (${BY_ALLOC}, heapscope_watermark) (heapscope_watermark_limit_bytes{${A}})`, '{{heapscope_watermark}} watermark {{heapscope_allocator_name}} ({{instance}})'],
        ]),
      timeseries('Memory pressure', '1 while the device holds more than the low watermark (heapscope_memory_pressure)', 'bool_yes_no',
        [[`max by (${BY_ALLOC}) (heapscope_memory_pressure{${A}})`, '{{heapscope_allocator_name}} ({{instance}})']], { w: 8, min: 0, max: 1, step: true }),
      timeseries('Garbage collection reclaimed', 'Bytes per second released by garbage collection of cached buffers under pressure', 'Bps',
        [[`sum by (${BY_ALLOC}) (rate(heapscope_gc_reclaimed_bytes_total{${A}}${RI}))`, '{{heapscope_allocator_name}} ({{instance}})']], { w: 8 }),
      timeseries('Out-of-memory errors', 'Allocations per second that failed: high watermark reached or the device out of memory', 'ops',
        [[`sum by (${BY_ALLOC}) (rate(heapscope_out_of_memory_total{${A}}${RI}))`, '{{heapscope_allocator_name}} ({{instance}})']], { w: 8 }),
      row('Heaps and buffers'),
      timeseries('Heaps', 'Heaps per pool (heapscope_heaps)', 'short',
        [[`sum by (${BY_POOL}) (heapscope_heaps{${AP}})`, '{{heapscope_allocator_name}} {{heapscope_pool}} ({{instance}})']]),
      timeseries('Buffers', 'Buffers in use and cached, per pool (heapscope_buffers)', 'short',
        [[`sum by (${BY_POOL}) (heapscope_buffers{${AP}})`, '{{heapscope_allocator_name}} {{heapscope_pool}} ({{instance}})']]),
      row('Allocations'),
      timeseries('New vs recycled allocations', 'Allocations per second that made a new buffer vs reused a cached one', 'ops',
        [[`sum by (${BY_ALLOC}, heapscope_outcome) (rate(heapscope_allocations_total{${A}}${RI}))`, '{{heapscope_outcome}} {{heapscope_allocator_name}} ({{instance}})']], { w: 8, stack: true }),
      timeseries('Recycled share', 'Share of allocations served from the cache', 'percentunit',
        [[`sum by (${BY_ALLOC}) (rate(heapscope_allocations_total{${A}, heapscope_outcome="recycled"}${RI})) / sum by (${BY_ALLOC}) (rate(heapscope_allocations_total{${A}}${RI}))`, '{{heapscope_allocator_name}} ({{instance}})']], { w: 8, min: 0, max: 1 }),
      timeseries('Frees and releases', 'Buffers per second freed to their pool (cached) and released to their heap', 'ops', [
        [`sum by (${BY_ALLOC}) (rate(heapscope_frees_total{${A}}${RI}))`, 'freed {{heapscope_allocator_name}} ({{instance}})'],
        [`sum by (${BY_ALLOC}) (rate(heapscope_releases_total{${A}}${RI}))`, 'released {{heapscope_allocator_name}} ({{instance}})'],
      ], { w: 8 }),
    ]);
}

// ---- fragmentation -------------------------------------------------------------------------------------------
function fragmentation() {
  reset();
  return dashboard('heapscope-fragmentation', 'Heapscope / Fragmentation',
    'How well the pools\' heaps are used: fragmentation of their free space (1 - largest free extent / free bytes), '
    + 'the share of heap bytes in use or cached, and free space inside heaps. Needs the PROFILING flag.',
    [jobVar, instanceVar, allocatorVar, poolVar], [
      row('Fragmentation'),
      timeseries('Fragmentation per pool', '1 - largest free extent / free bytes of the pool\'s heaps (heapscope_memory_fragmentation): 0 = all free space in one piece', 'percentunit',
        [[`max by (${BY_POOL}) (heapscope_memory_fragmentation{${AP}})`, '{{heapscope_allocator_name}} {{heapscope_pool}} ({{instance}})']], { w: 16, min: 0, max: 1 }),
      bargauge('Fragmentation now', 'Last value per pool', 'percentunit',
        [[`max by (${BY_POOL}) (heapscope_memory_fragmentation{${AP}})`, '{{heapscope_allocator_name}} {{heapscope_pool}}']], { w: 8, min: 0, max: 1 }),
      row('Use of heap space'),
      timeseries('In use / reserved', 'Share of the pool\'s heap bytes handed out (pools without heaps are left out)', 'percentunit',
        [[`sum by (${BY_POOL}) (heapscope_memory_in_use_bytes{${AP}}) / (sum by (${BY_POOL}) (heapscope_memory_reserved_bytes{${AP}}) > 0)`, '{{heapscope_allocator_name}} {{heapscope_pool}} ({{instance}})']], { min: 0, max: 1 }),
      timeseries('Cached / reserved', 'Share of the pool\'s heap bytes held by cached buffers (pools without heaps are left out)', 'percentunit',
        [[`sum by (${BY_POOL}) (heapscope_memory_cached_bytes{${AP}}) / (sum by (${BY_POOL}) (heapscope_memory_reserved_bytes{${AP}}) > 0)`, '{{heapscope_allocator_name}} {{heapscope_pool}} ({{instance}})']], { min: 0, max: 1 }),
      timeseries('Free heap space', 'Heap bytes neither in use nor cached: reserved - in use - cached', 'bytes',
        [[`sum by (${BY_POOL}) (heapscope_memory_reserved_bytes{${AP}}) - sum by (${BY_POOL}) (heapscope_memory_in_use_bytes{${AP}}) - sum by (${BY_POOL}) (heapscope_memory_cached_bytes{${AP}})`, '{{heapscope_allocator_name}} {{heapscope_pool}} ({{instance}})']]),
      timeseries('Buffers per heap', 'Buffers (in use and cached) per heap of the pool (pools without heaps are left out)', 'short',
        [[`sum by (${BY_POOL}) (heapscope_buffers{${AP}}) / (sum by (${BY_POOL}) (heapscope_heaps{${AP}}) > 0)`, '{{heapscope_allocator_name}} {{heapscope_pool}} ({{instance}})']]),
    ]);
}

// ---- framework off-heap memory -------------------------------------------------------------------------------
function framework() {
  reset();
  return dashboard('heapscope-framework', 'Heapscope / Framework off-heap memory',
    'Off-heap memory of the frameworks the Heapscope agent hooks (jdk.direct, unsafe, ffm, netty, ...): live bytes '
    + 'and buffers, allocation and free rates.',
    [jobVar, instanceVar, frameworkVar], [
      row('Live'),
      stat('Live off-heap bytes', 'All selected frameworks', 'bytes',
        [[`sum(heapscope_framework_memory_live_bytes{${F}})`, 'live']], { w: 6, h: 8 }),
      timeseries('Live bytes per framework', 'Bytes allocated and not yet freed (heapscope_framework_memory_live_bytes)', 'bytes',
        [[`sum by (${BY_FW}) (heapscope_framework_memory_live_bytes{${F}})`, '{{heapscope_framework}} ({{instance}})']], { w: 18, stack: true }),
      timeseries('Live buffers per framework', 'Allocations not yet freed (heapscope_framework_buffers_live)', 'short',
        [[`sum by (${BY_FW}) (heapscope_framework_buffers_live{${F}})`, '{{heapscope_framework}} ({{instance}})']], { stack: true }),
      bargauge('Live bytes now', 'Last value per framework', 'bytes',
        [[`sum by (heapscope_framework) (heapscope_framework_memory_live_bytes{${F}})`, '{{heapscope_framework}}']]),
      row('Rates'),
      timeseries('Allocated bytes per second', 'rate(heapscope_framework_allocated_bytes_total)', 'Bps',
        [[`sum by (${BY_FW}) (rate(heapscope_framework_allocated_bytes_total{${F}}${RI}))`, '{{heapscope_framework}} ({{instance}})']], { w: 8 }),
      timeseries('Allocations and frees per second', 'rate of heapscope_framework_allocations_total and heapscope_framework_frees_total', 'ops', [
        [`sum by (${BY_FW}) (rate(heapscope_framework_allocations_total{${F}}${RI}))`, 'allocations {{heapscope_framework}} ({{instance}})'],
        [`sum by (${BY_FW}) (rate(heapscope_framework_frees_total{${F}}${RI}))`, 'frees {{heapscope_framework}} ({{instance}})'],
      ], { w: 8 }),
      timeseries('Average allocation size', 'Allocated bytes per allocation over the rate window', 'bytes',
        [[`sum by (${BY_FW}) (rate(heapscope_framework_allocated_bytes_total{${F}}${RI})) / (sum by (${BY_FW}) (rate(heapscope_framework_allocations_total{${F}}${RI})) > 0)`, '{{heapscope_framework}} ({{instance}})']], { w: 8 }),
    ]);
}

// ---- overview ------------------------------------------------------------------------------------------------
function overview() {
  reset();
  return dashboard('heapscope-overview', 'Heapscope / Overview',
    'Heapscope allocators and framework off-heap memory at a glance; the other Heapscope dashboards (links above) go into detail.',
    [jobVar, instanceVar, allocatorVar, frameworkVar], [
      row('Allocators'),
      stat('Reserved', 'Heap bytes of the selected allocators', 'bytes', [[`sum(heapscope_memory_reserved_bytes{${A}})`, 'reserved']]),
      stat('In use', 'Bytes handed out', 'bytes', [[`sum(heapscope_memory_in_use_bytes{${A}})`, 'in use']]),
      stat('Cached', 'Bytes of cached buffers', 'bytes', [[`sum(heapscope_memory_cached_bytes{${A}})`, 'cached']]),
      stat('Recycled share', 'Share of allocations served from the cache over the dashboard\'s time range', 'percentunit',
        [[`sum(increase(heapscope_allocations_total{${A}, heapscope_outcome="recycled"}[$__range])) / sum(increase(heapscope_allocations_total{${A}}[$__range]))`, 'recycled']]),
      stat('Out-of-memory errors', 'Failed allocations over the dashboard\'s time range', 'short',
        [[`sum(increase(heapscope_out_of_memory_total{${A}}[$__range]))`, 'OOMs']],
        { thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] } }),
      stat('Under pressure', 'Whether any selected allocator is above its low watermark now', 'bool_yes_no',
        [[`max(heapscope_memory_pressure{${A}})`, 'pressure']], { mappings: PRESSURE_MAPPINGS }),
      timeseries('Reserved per allocator', 'All pools', 'bytes',
        [[`sum by (${BY_ALLOC}) (heapscope_memory_reserved_bytes{${A}})`, '{{heapscope_allocator_name}} ({{instance}})']], { w: 8 }),
      timeseries('In use per allocator', 'All pools', 'bytes',
        [[`sum by (${BY_ALLOC}) (heapscope_memory_in_use_bytes{${A}})`, '{{heapscope_allocator_name}} ({{instance}})']], { w: 8 }),
      timeseries('Allocations per second', 'New and recycled', 'ops',
        [[`sum by (${BY_ALLOC}) (rate(heapscope_allocations_total{${A}}${RI}))`, '{{heapscope_allocator_name}} ({{instance}})']], { w: 8 }),
      timeseries('Garbage collection reclaimed', 'Bytes per second', 'Bps',
        [[`sum by (${BY_ALLOC}) (rate(heapscope_gc_reclaimed_bytes_total{${A}}${RI}))`, '{{heapscope_allocator_name}} ({{instance}})']]),
      timeseries('Fragmentation (worst pool)', 'Highest fragmentation of any pool', 'percentunit',
        [[`max by (${BY_ALLOC}) (heapscope_memory_fragmentation{${A}})`, '{{heapscope_allocator_name}} ({{instance}})']], { min: 0, max: 1 }),
      row('Framework off-heap memory'),
      stat('Live off-heap bytes', 'All selected frameworks', 'bytes',
        [[`sum(heapscope_framework_memory_live_bytes{${F}})`, 'live']], { w: 6, h: 8 }),
      timeseries('Live bytes per framework', 'heapscope_framework_memory_live_bytes', 'bytes',
        [[`sum by (${BY_FW}) (heapscope_framework_memory_live_bytes{${F}})`, '{{heapscope_framework}} ({{instance}})']], { w: 9, stack: true }),
      timeseries('Allocated bytes per second', 'heapscope_framework_allocated_bytes_total', 'Bps',
        [[`sum by (${BY_FW}) (rate(heapscope_framework_allocated_bytes_total{${F}}${RI}))`, '{{heapscope_framework}} ({{instance}})']], { w: 9 }),
    ]);
}

mkdirSync(out, { recursive: true });
for (const [file, d] of [['heapscope-overview.json', overview()], ['heapscope-pools.json', pools()],
  ['heapscope-fragmentation.json', fragmentation()], ['heapscope-framework.json', framework()]]) {
  writeFileSync(join(out, file), JSON.stringify(d, null, 2) + '\n');
}
