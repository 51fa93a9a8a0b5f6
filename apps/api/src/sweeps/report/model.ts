import type { DatasetView, SweepView } from '@vaecf/orchestration';
import type { TrialRecord } from '@vaecf/store';
import type { Distribution, ObjectiveMetric } from '@vaecf/sweep';
import { formatValue, METRIC_LABELS, paramsText } from './format';

/** One epoch report as the worker stores it (the fields the report draws). */
export interface EpochPoint {
  readonly epoch: number;
  readonly loss?: number;
  readonly nll?: number;
  readonly kl?: number;
  readonly beta?: number;
  readonly validation?: Partial<Record<ObjectiveMetric, number>>;
}

/** One trial with every epoch's report. */
export interface ReportTrial extends TrialRecord {
  readonly history: readonly EpochPoint[];
}

export interface ReportInput {
  readonly sweep: SweepView;
  readonly trials: readonly ReportTrial[];
  readonly dataset?: { readonly id: string; readonly stats?: DatasetView['stats'] };
  /** Hyperparameter importance (parameter -> share); the section is hidden without it. */
  readonly importance?: Record<string, number>;
}

/** A trial as the charts and tables use it. */
export interface TrialSummary {
  readonly record: ReportTrial;
  readonly no: number;
  /** "trial 3", "trial 3 (best)", "trial 4 (pruned)". */
  readonly label: string;
  readonly params: string;
  /** The objective after each epoch (epochs without it left out). */
  readonly curve: readonly { epoch: number; value: number }[];
  /** The best value of the objective, if any epoch reported it. */
  readonly best?: number;
  readonly isBest: boolean;
  readonly colour: string;
}

/** A searched parameter that takes more than one value, and how to draw its axis. */
export interface VaryingParam {
  readonly name: string;
  readonly axis: 'category' | 'log' | 'value';
  /** The category axis' values in the spec's order, formatted. */
  readonly categories?: readonly string[];
}

export interface ReportModel {
  readonly input: ReportInput;
  readonly metric: ObjectiveMetric;
  readonly metricLabel: string;
  /** By trial number. */
  readonly trials: readonly TrialSummary[];
  readonly best?: TrialSummary;
  readonly varying: readonly VaryingParam[];
}

/** The best trial is drawn in this colour and no other trial is. */
export const BEST_COLOUR = '#111111';

export function buildModel(input: ReportInput): ReportModel {
  const { sweep } = input;
  const metric = sweep.spec.objective.metric;
  const bestNo = sweep.best?.trial;
  const trials = [...input.trials]
    .sort((a, b) => a.no - b.no)
    .map((t, k): TrialSummary => {
      const curve = t.history
        .map((e) => ({ epoch: e.epoch, value: e.validation?.[metric] }))
        .filter((p): p is { epoch: number; value: number } => Number.isFinite(p.value));
      const isBest = t.no === bestNo;
      const tag = isBest ? ' (best)' : t.state === 'completed' ? '' : ` (${t.state})`;
      return {
        record: t,
        no: t.no,
        label: `trial ${t.no}${tag}`,
        params: paramsText(t.params),
        curve,
        best: curve.length ? Math.max(...curve.map((p) => p.value)) : undefined,
        isBest,
        colour: isBest ? BEST_COLOUR : trialColour(k),
      };
    });
  return {
    input,
    metric,
    metricLabel: METRIC_LABELS[metric],
    trials,
    best: trials.find((t) => t.isBest),
    varying: Object.entries(sweep.spec.space)
      .filter(([, d]) => varies(d))
      .map(([name, d]) => varyingParam(name, d)),
  };
}

function varies(d: Distribution): boolean {
  return d.type === 'choice' ? d.values.length > 1 : d.low < d.high;
}

function varyingParam(name: string, d: Distribution): VaryingParam {
  if (d.type === 'choice')
    return { name, axis: 'category', categories: [...new Set(d.values.map(formatValue))] };
  return { name, axis: d.type === 'loguniform' ? 'log' : 'value' };
}

/**
 * Colour k of as many as needed, none repeating: hues a golden angle apart,
 * saturated enough to tell apart and never as dark as the best trial's.
 */
export function trialColour(k: number): string {
  const hue = (k * 137.508) % 360;
  return hslToHex(hue, 0.62, 0.52);
}

function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}
