import type { ObjectiveMetric } from '@vaecf/sweep';
import type { TrialView } from '../views';
import type { EngineInfo } from '@vaecf/engine';
import { describeInfo } from '../engine-option';
import { NO_ROW_RULES, table } from './table';

/**
 * The leaderboard of a sweep, narrow enough for an 100-column terminal: the
 * parameters every trial shares are printed once above the table, and the
 * table has one column per parameter that varies. The epochs column says
 * what a trial ran of what it was given ("1/12" for a trial pruned after one
 * epoch), the state column how it ended.
 */
export function leaderboard(trials: TrialView[], objective: ObjectiveMetric = 'ndcg100'): string {
  const { shared, varying } = splitParams(trials);
  // One engine for every trial that started: said once above; otherwise a column (* = it changed).
  const engines = new Set(trials.filter((x) => x.engine).map((x) => engineCell(x)));
  const engineColumn = engines.size > 1;
  // Seeds (limits.repeats): a column with each trial's configuration, its mean ± sd over seeds and their count.
  const seedsColumn = trials.some((x) => x.configuration !== undefined && x.configuration !== x.no);
  const t = table({
    // Two-line headers and no rules between rows keep it narrow and short.
    head: [
      'trial',
      'state',
      'epochs',
      `best\n${metricLabel(objective)}`,
      'last\nR@20',
      'last\nR@50',
      ...(seedsColumn ? ['config: mean\n± sd (seeds)'] : []),
      ...(engineColumn ? ['engine'] : []),
      ...varying,
    ],
    chars: NO_ROW_RULES,
    colAligns: [
      'right',
      'left',
      ...Array<'right'>(4).fill('right'),
      ...(seedsColumn ? (['left'] as const) : []),
      ...(engineColumn ? (['left'] as const) : []),
      ...Array<'right'>(varying.length).fill('right'),
    ],
  });
  for (const x of trials) {
    t.push([
      x.no,
      x.state,
      typeof x.params.epochs === 'number' ? `${x.epochs}/${x.params.epochs}` : x.epochs,
      metric(x.best),
      metric(x.latest?.recall20),
      metric(x.latest?.recall50),
      ...(seedsColumn ? [seedsCell(x)] : []),
      ...(engineColumn ? [x.engine ? engineCell(x) : ''] : []),
      ...varying.map((k) => (Object.hasOwn(x.params, k) ? compact(paramOf(x, k)) : '')),
    ]);
  }
  const common = paramsText(shared);
  const engine = engines.size === 1 ? `engine: ${[...engines][0]}\n` : '';
  return `${common ? `every trial: ${common}\n` : ''}${engine}${t.toString()}`;
}

/** "1: 0.3512 ± 0.0040 (3)": the trial's configuration, its seeds' mean and sd, and how many. */
function seedsCell(x: TrialView): string {
  if (!x.seeds) return `${x.configuration}: —`;
  const sd = x.seeds.sd === undefined ? '' : ` ± ${x.seeds.sd.toFixed(4)}`;
  return `${x.configuration}: ${x.seeds.mean.toFixed(4)}${sd} (${x.seeds.count})`;
}

/** "onnxruntime x4" (threads when not 1), "*" when a takeover changed it (engineLines says how). */
function engineCell(x: TrialView): string {
  const e = x.engine!;
  return `${e.name}${e.threads === 1 ? '' : ` x${e.threads}`}${e.device === 'cpu' ? '' : ` ${e.device}`}${x.engineChanges?.length ? '*' : ''}`;
}

/**
 * A line for each trial that changed engine on a takeover (not bit-identical
 * to a run on one engine) and each that waits for a worker that can load its
 * engine.
 */
export function engineLines(trials: TrialView[]): string[] {
  const lines: string[] = [];
  for (const t of [...trials].sort((a, b) => a.no - b.no)) {
    for (const c of t.engineChanges ?? [])
      lines.push(
        `trial ${t.no}: attempt ${c.attempt} continued on ${describeInfo(c.to as EngineInfo)} (was ${describeInfo(c.from as EngineInfo)}; worker ${c.worker})`,
      );
    if (t.engineWait && (t.state === 'queued' || t.state === 'running'))
      lines.push(`trial ${t.no} waits: ${t.engineWait}`);
  }
  return lines;
}

/** "trial 3 failed: invalid trial config: keepProb: ..." for each failed trial. */
export function failureLines(trials: TrialView[]): string[] {
  return trials
    .filter((t) => t.state === 'failed')
    .sort((a, b) => a.no - b.no)
    .map((t) => `trial ${t.no} failed: ${t.reason ?? 'no reason recorded'}`);
}

/** Trial fields the sweep's title line already says (its model and objective). */
const IN_THE_TITLE = new Set(['model', 'selectBy']);

/** NDCG@100, Recall@20, Recall@50: a metric as people write it. */
export function metricLabel(m: ObjectiveMetric): string {
  return { ndcg100: 'NDCG@100', recall20: 'Recall@20', recall50: 'Recall@50' }[m];
}

/** "lr=0.00123 keepProb=0.55": parameters as short key=value text (model and objective left out: they are in the title). */
export function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .filter(([k]) => !IN_THE_TITLE.has(k))
    .map(([k, v]) => `${k}=${compact(v)}`)
    .join(' ');
}

/** 3 significant digits for numbers, [200,50] for lists. */
export function compact(v: unknown): string {
  if (typeof v === 'number') return String(Number(v.toPrecision(3)));
  if (Array.isArray(v)) return `[${v.map(compact).join(',')}]`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The entries of `params` that not every trial shares. */
export function varyingParams(trials: TrialView[], params: Record<string, unknown>): Record<string, unknown> {
  const { varying } = splitParams(trials);
  return Object.fromEntries(Object.entries(params).filter(([k]) => varying.includes(k)));
}

const metric = (x: number | undefined) => (x === undefined ? '' : x.toFixed(4));

/** Parameters with one value across all trials (epochs excepted: the epochs column shows it), and the others. */
function splitParams(trials: TrialView[]): { shared: Record<string, unknown>; varying: string[] } {
  const keys = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].filter(
    (k) => !IN_THE_TITLE.has(k) && k !== 'epochs',
  );
  const shared: Record<string, unknown> = {};
  const varying: string[] = [];
  for (const k of keys) {
    const values = new Set(trials.map((t) => JSON.stringify(paramOf(t, k))));
    if (values.size === 1 && trials.every((t) => Object.hasOwn(t.params, k)))
      shared[k] = paramOf(trials[0], k);
    else varying.push(k);
  }
  return { shared, varying };
}

/** One hyperparameter of a trial by name (params are typed; the table walks them by name). */
function paramOf(t: TrialView, name: string): unknown {
  const params: Readonly<Record<string, unknown>> = t.params;
  return Object.hasOwn(params, name) ? params[name] : undefined;
}
