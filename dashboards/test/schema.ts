// The shape a Heapscope dashboard JSON must have, built from Grafana's published schema types (@grafana/schema):
// the dashboard model (Dashboard, Panel, RowPanel, VariableModel, FieldConfig) and the panel plugins' own option
// and field-config types (timeseries, stat, bargauge). @grafana/schema types a panel's `options` and `targets` loosely
// (Record<string, unknown>); here each panel type is tied to its plugin's Options, and targets to the Prometheus
// query fields. dashboards/test/gen-ts.mjs wraps each dashboard JSON in a .ts file as
// `(<json>) satisfies JsonOf<HeapscopeDashboard>`: an object literal, so unknown properties are errors too.
import type { DataQuery, Dashboard, FieldConfigSource, Panel, RowPanel, VariableModel } from '@grafana/schema';
import type * as TimeSeries from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';
import type * as Stat from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as BarGauge from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';

/**
 * A dashboard as JSON: Grafana's string enums (FieldColorModeId, ThresholdsMode, LegendDisplayMode, ...) are
 * written as their string values in JSON, which TypeScript's nominal string enums do not accept; `${E}` is the union
 * of an enum's values. Numeric enums (VariableHide, VariableRefresh, DashboardCursorSync) take their numbers as is.
 */
export type JsonOf<T> =
  T extends string ? `${T}` :
  T extends number | boolean | null | undefined ? T :
  T extends ReadonlyArray<infer U> ? Array<JsonOf<U>> :
  T extends object ? { [K in keyof T]: JsonOf<T[K]> } :
  T;

/** A Prometheus data source query, as Grafana's Prometheus plugin stores it (fields beyond DataQuery). */
export interface PrometheusQuery extends DataQuery {
  expr: string;
  legendFormat?: string;
  editorMode?: 'code' | 'builder';
  range?: boolean;
  instant?: boolean;
  exemplar?: boolean;
  format?: 'time_series' | 'table' | 'heatmap';
  interval?: string;
  intervalFactor?: number;
}

/** Grafana's Prometheus data source reference through the dashboard's `datasource` variable. */
export interface DatasourceVariableRef {
  type: 'prometheus';
  uid: '${datasource}';
}

/** A panel of one plugin: Grafana's Panel with that plugin's options and custom field config. */
type PluginPanel<Type extends string, Options, Custom> =
  Omit<Panel<Options, Custom>, 'type' | 'options' | 'targets' | 'datasource' | 'fieldConfig'> & {
    type: Type;
    title: string;
    description: string;
    datasource: DatasourceVariableRef;
    options: Options;
    fieldConfig: FieldConfigSource<Custom> & { defaults: { unit: string } };
    targets: Array<PrometheusQuery & { datasource: DatasourceVariableRef }>;
  };

export type TimeSeriesPanel = PluginPanel<'timeseries', TimeSeries.Options, TimeSeries.FieldConfig>;
export type StatPanel = PluginPanel<'stat', Stat.Options, Record<string, never>>;
export type BarGaugePanel = PluginPanel<'bargauge', BarGauge.Options, Record<string, never>>;
export type HeapscopePanel = TimeSeriesPanel | StatPanel | BarGaugePanel;

/** Template variables: Grafana's VariableModel, the query variables on the Prometheus data source. */
export type HeapscopeVariable =
  (VariableModel & { type: 'datasource'; query: 'prometheus' }) |
  (VariableModel & { type: 'query'; datasource: DatasourceVariableRef; definition: string; query: string });

export type HeapscopeDashboard = Omit<Dashboard, 'panels' | 'templating' | 'uid' | 'title'> & {
  uid: string;
  title: string;
  panels: Array<HeapscopePanel | (RowPanel & { collapsed: false; panels: [] })>;
  templating: { list: HeapscopeVariable[] };
};

/** What a dashboard JSON file must satisfy. */
export type HeapscopeDashboardJson = JsonOf<HeapscopeDashboard>;
