import type { LineSeriesOption } from 'echarts';
import { AXIS_NAME, type ChartSpec } from './chart-spec';
import { baselineLabel } from './format';
import type { ReportModel, TrialSummary } from './model';

const LEGEND = { type: 'scroll', top: 0 } as const;

function trialLine(t: TrialSummary, data: LineSeriesOption['data'], single: boolean): LineSeriesOption {
  return {
    type: 'line',
    id: `trial-${t.no}`,
    name: t.label,
    data,
    color: t.colour,
    // Every point gets a symbol so that each is hoverable; a lone epoch is a visible marker.
    showSymbol: true,
    showAllSymbol: true,
    symbolSize: single ? 10 : 4,
    lineStyle: { width: t.isBest ? 3.5 : 1.5, type: t.record.state === 'pruned' ? 'dashed' : 'solid' },
    z: t.isBest ? 10 : 2,
    emphasis: { focus: 'series' },
  };
}

/** The objective on validation per epoch, one line per trial (pruned ones dashed, the best thick and black). */
export function curvesChart(m: ReportModel): ChartSpec {
  const drawn = m.trials.filter((t) => t.curve.length > 0);
  return {
    id: 'curves',
    tooltip: { kind: 'trial', yLabel: m.metricLabel, yAt: 1, epochAt: 0 },
    option: {
      animation: false,
      legend: LEGEND,
      tooltip: { trigger: 'item' },
      grid: { left: 70, right: 30, top: 50, bottom: 50 },
      xAxis: { type: 'value', name: 'epoch', ...AXIS_NAME, min: 1, minInterval: 1 },
      yAxis: { type: 'value', name: `validation ${m.metricLabel}`, ...AXIS_NAME, nameGap: 50, scale: true },
      series: [
        ...drawn.map((t) =>
          trialLine(
            t,
            t.curve.map((p) => ({ name: String(t.no), value: [p.epoch, p.value] })),
            t.curve.length === 1,
          ),
        ),
        ...referenceLines(m, Math.max(2, ...drawn.flatMap((t) => t.curve.map((p) => p.epoch)))),
      ],
    },
  };
}

/**
 * Each completed baseline's validation value of the objective as a flat dotted line across the
 * epochs (real points, so that the axis makes room for it and a hover names it).
 */
function referenceLines(m: ReportModel, lastEpoch: number): LineSeriesOption[] {
  return (m.input.sweep.baselines ?? [])
    .filter((b) => b.status === 'completed' && Number.isFinite(b.validation?.[m.metric]))
    .map((b) => {
      const name = `${baselineLabel(b)} (reference)`;
      const v = b.validation![m.metric];
      return {
        type: 'line',
        id: `baseline-${b.model}`,
        name,
        data: [1, lastEpoch].map((epoch) => ({ name, value: [epoch, v] })),
        color: b.model === 'ease' ? '#7a4f9a' : '#8a8a8a',
        showSymbol: true,
        symbolSize: 5,
        lineStyle: { width: 2, type: 'dotted' },
        z: 1,
      };
    });
}

/**
 * Validation NDCG@100 against the KL weight over every trial's epochs: the
 * paper's figure that shows where annealing beta stops paying.
 */
export function betaChart(m: ReportModel): ChartSpec {
  const series = m.trials
    .map((t) => ({
      t,
      points: t.record.history
        .filter((e) => Number.isFinite(e.beta) && Number.isFinite(e.validation?.ndcg100))
        .map((e) => ({ name: String(t.no), value: [e.beta!, e.validation!.ndcg100!, e.epoch] })),
    }))
    .filter(({ points }) => points.length > 0);
  return {
    id: 'beta',
    tooltip: { kind: 'trial', yLabel: 'NDCG@100', yAt: 1, epochAt: 2, x: { label: 'β', at: 0 } },
    option: {
      animation: false,
      legend: LEGEND,
      tooltip: { trigger: 'item' },
      grid: { left: 70, right: 30, top: 50, bottom: 50 },
      xAxis: { type: 'value', name: 'β (KL weight)', ...AXIS_NAME, scale: true },
      yAxis: { type: 'value', name: 'validation NDCG@100', ...AXIS_NAME, nameGap: 50, scale: true },
      series: series.map(({ t, points }) => trialLine(t, points, points.length === 1)),
    },
  };
}

/**
 * Loss and its negative log-likelihood of one trial per epoch; for Mult-VAE
 * also the KL term and beta, each on an axis of its own (KL is tens where the
 * loss is hundreds, beta lives in [0, 1]).
 */
export function lossChart(t: TrialSummary, vae: boolean): ChartSpec {
  const h = t.record.history;
  const line = (name: string, pick: (e: (typeof h)[number]) => number | undefined, yAxisIndex = 0) => ({
    type: 'line' as const,
    name,
    yAxisIndex,
    showSymbol: h.length === 1,
    data: h.filter((e) => Number.isFinite(pick(e))).map((e) => [e.epoch, pick(e)!]),
  });
  const side = { type: 'value' as const, position: 'right' as const, splitLine: { show: false } };
  return {
    id: 'loss',
    tooltip: { kind: 'axis' },
    option: {
      animation: false,
      legend: { top: 0 },
      tooltip: { trigger: 'axis' },
      grid: { left: 70, right: vae ? 130 : 30, top: 50, bottom: 50 },
      xAxis: { type: 'value', name: 'epoch', ...AXIS_NAME, min: 1, minInterval: 1 },
      yAxis: [
        { type: 'value', name: 'loss, NLL', scale: true },
        ...(vae
          ? [
              { ...side, name: 'KL', scale: true },
              { ...side, name: 'β', min: 0, offset: 60 },
            ]
          : []),
      ],
      series: [
        line('loss', (e) => e.loss),
        line('NLL', (e) => e.nll),
        ...(vae
          ? [
              line('KL', (e) => e.kl, 1),
              { ...line('β', (e) => e.beta, 2), lineStyle: { type: 'dashed' as const } },
            ]
          : []),
      ],
    },
  };
}
