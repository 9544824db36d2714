// Proves the type check is not vacuous: each line below is wrong, and tsc must say so. If the types were `any` or too
// loose, the `@ts-expect-error` directive would be unused, which tsc reports as an error: the check fails.
import type { HeapscopeDashboardJson, HeapscopePanel, JsonOf } from './schema.js';
import dashboard from './build/ts/heapscope-pools.js';

type PanelJson = JsonOf<HeapscopePanel>;
const panel = dashboard.panels.find((p) => p.type === 'timeseries')!;

export const bad: unknown[] = [
  // @ts-expect-error a legend placement Grafana does not have
  { ...panel, options: { ...panel.options, legend: { ...panel.options.legend, placement: 'top' } } } satisfies PanelJson,
  // @ts-expect-error an option the timeseries panel does not know
  { ...panel, options: { ...panel.options, lengend: {} } } satisfies PanelJson,
  // @ts-expect-error a Prometheus target without its PromQL
  { ...panel, targets: [{ refId: 'A', datasource: panel.datasource }] } satisfies PanelJson,
  // @ts-expect-error a color mode that is not one of FieldColorModeId's values
  { ...panel, fieldConfig: { ...panel.fieldConfig, defaults: { ...panel.fieldConfig.defaults, color: { mode: 'rainbow' } } } } satisfies PanelJson,
  // @ts-expect-error a variable refresh that is not a VariableRefresh
  { ...dashboard, templating: { list: [{ ...dashboard.templating.list[1], refresh: 'always' }] } } satisfies HeapscopeDashboardJson,
  // @ts-expect-error schemaVersion is required
  { ...dashboard, schemaVersion: undefined } satisfies HeapscopeDashboardJson,
];
