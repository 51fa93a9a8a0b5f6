import type { ParallelSeriesOption, ScatterSeriesOption } from 'echarts';
import { AXIS_NAME, type ChartSpec } from './chart-spec';
import { formatValue } from './format';
import { BEST_COLOUR, type ReportModel, type TrialSummary, type VaryingParam } from './model';

/** A trial's value of a parameter as its axis reads it (category axes read the formatted text). */
function axisValue(p: VaryingParam, v: unknown): string | number | null {
  if (p.axis === 'category') return formatValue(v);
  return typeof v === 'number' ? v : null;
}

const scored = (m: ReportModel): TrialSummary[] => m.trials.filter((t) => t.best !== undefined);

/** Every scored trial as one line across the searched parameters to the objective, coloured by it. */
/** One hyperparameter of a trial by name (params are typed; the report walks them by name). */
function paramOf(t: TrialSummary, name: string): unknown {
  const params: Readonly<Record<string, unknown>> = t.record.params;
  return Object.hasOwn(params, name) ? params[name] : undefined;
}

export function parallelChart(m: ReportModel): ChartSpec {
  const n = m.varying.length;
  const row = (t: TrialSummary) => ({
    name: String(t.no),
    value: [...m.varying.map((p) => axisValue(p, paramOf(t, p.name))), t.best!],
  });
  const trials = scored(m);
  const values = trials.map((t) => t.best!);
  const series = (name: string, rows: TrialSummary[], extra: ParallelSeriesOption): ParallelSeriesOption => ({
    type: 'parallel',
    name,
    data: rows.map(row),
    emphasis: { lineStyle: { width: 4, opacity: 1 } },
    ...extra,
  });
  return {
    id: 'parallel',
    tooltip: { kind: 'trial', yLabel: m.metricLabel, yAt: n },
    option: {
      animation: false,
      tooltip: { trigger: 'item' },
      parallel: { left: 60, right: 110, top: 40, bottom: 30 },
      parallelAxis: [
        ...m.varying.map((p, dim) => ({
          dim,
          name: p.name,
          type: p.axis,
          ...(p.categories ? { data: [...p.categories] } : { scale: true }),
        })),
        { dim: n, name: m.metricLabel, type: 'value', scale: true },
      ],
      visualMap: {
        type: 'continuous',
        seriesIndex: 0,
        dimension: n,
        min: Math.min(...values),
        max: Math.max(...values),
        calculable: true,
        precision: 3,
        right: 0,
        top: 'middle',
        text: ['better', ''],
        inRange: { color: ['#c6dbef', '#6baed6', '#08519c'] },
      },
      series: [
        series('trials', trials, { lineStyle: { width: 1.5, opacity: 0.8 } }),
        series(
          'best trial',
          trials.filter((t) => t.isBest),
          { lineStyle: { width: 3.5, color: BEST_COLOUR, opacity: 1 }, z: 10 },
        ),
      ],
    },
  };
}

/** The objective against one parameter, a point per scored trial (a log axis for loguniform ones). */
export function scatterChart(m: ReportModel, p: VaryingParam, k: number): ChartSpec {
  const point = (t: TrialSummary) => ({
    name: String(t.no),
    value: [axisValue(p, paramOf(t, p.name)), t.best!],
  });
  const series = (name: string, rows: TrialSummary[], extra: ScatterSeriesOption): ScatterSeriesOption => ({
    type: 'scatter',
    name,
    data: rows.map(point),
    ...extra,
  });
  const trials = scored(m);
  return {
    id: `scatter-${k}`,
    tooltip: { kind: 'trial', yLabel: m.metricLabel, yAt: 1 },
    option: {
      animation: false,
      title: { text: p.name, left: 'center', textStyle: { fontSize: 13 } },
      tooltip: { trigger: 'item' },
      grid: { left: 70, right: 20, top: 40, bottom: 50 },
      xAxis: {
        type: p.axis,
        name: p.axis === 'log' ? `${p.name} (log scale)` : p.name,
        ...AXIS_NAME,
        ...(p.categories ? { data: [...p.categories] } : { scale: true }),
      },
      yAxis: { type: 'value', name: m.metricLabel, ...AXIS_NAME, nameGap: 50, scale: true },
      series: [
        series(
          'trials',
          trials.filter((t) => !t.isBest),
          { color: '#4c78a8', symbolSize: 8 },
        ),
        series(
          'best trial',
          trials.filter((t) => t.isBest),
          { color: BEST_COLOUR, symbolSize: 13, z: 10 },
        ),
      ],
    },
  };
}

/** Hyperparameter importance as horizontal bars, the largest on top. */
export function importanceChart(importance: Record<string, number>): ChartSpec {
  const rows = Object.entries(importance).sort((a, b) => a[1] - b[1]);
  return {
    id: 'importance',
    tooltip: { kind: 'bar' },
    option: {
      animation: false,
      tooltip: { trigger: 'item' },
      grid: { left: 140, right: 40, top: 20, bottom: 40 },
      xAxis: { type: 'value', name: 'importance', ...AXIS_NAME, min: 0 },
      yAxis: { type: 'category', data: rows.map(([name]) => name) },
      series: [{ type: 'bar', name: 'importance', color: '#4c78a8', data: rows.map(([, v]) => v) }],
    },
  };
}
