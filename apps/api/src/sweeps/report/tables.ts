import type { SweepView } from '@vaecf/orchestration';
import type { SweepEvent, TrialEngine, TrialRecord } from '@vaecf/store';
import { configurationOf, summarizeConfigurations } from '@vaecf/sweep';
import {
  baselineLabel,
  escapeHtml as esc,
  formatMetric,
  formatTime,
  formatValue,
  METRIC_LABELS,
} from './format';
import type { ReportModel } from './model';

/** A table from a header and rows of already-escaped cells. */
export function table(id: string, head: readonly string[], rows: readonly (readonly string[])[]): string {
  const tr = (cells: readonly string[], tag: 'td' | 'th') =>
    `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
  return `<table${id ? ` id="${id}"` : ''}><thead>${tr(head, 'th')}</thead><tbody>${rows
    .map((r) => tr(r, 'td'))
    .join('')}</tbody></table>`;
}

export function testTable(sweep: SweepView): string {
  if (!sweep.test) return '<p>Not yet: the best trial is tested when the sweep completes.</p>';
  const t = sweep.test;
  return table(
    'test',
    ['Trial', 'NDCG@100', 'Recall@20', 'Recall@50', 'Test users'],
    [
      [
        esc(sweep.bestTrial ?? '—'),
        formatMetric(t.ndcg100),
        formatMetric(t.recall20),
        formatMetric(t.recall50),
        esc(formatValue(t.users)),
      ],
    ],
  );
}

/** The best trial's parameters, searched ones first (marked), then the fixed ones. */
export function bestConfigTable(m: ReportModel): string {
  if (!m.best) return '<p>No trial has reported an epoch yet.</p>';
  const space = m.input.sweep.spec.space;
  const entries = Object.entries(m.best.record.params).filter(([k]) => k !== 'model');
  const searched = entries.filter(([k]) => k in space);
  const fixed = entries.filter(([k]) => !(k in space));
  const row = ([k, v]: [string, unknown], how: string) => [esc(k), esc(formatValue(v)), how];
  return (
    `<p>Trial ${m.best.no}: best validation ${esc(m.metricLabel)} <b>${formatMetric(m.best.best)}</b>.</p>` +
    table(
      'best-config',
      ['Parameter', 'Value', ''],
      [...searched.map((e) => row(e, 'searched')), ...fixed.map((e) => row(e, 'fixed'))],
    )
  );
}

/** Every trial, best first, then the baselines as reference rows (their validation value of the objective). */
export function leaderboard(m: ReportModel): string {
  const repeats = m.input.sweep.spec.limits.repeats;
  // With several seeds a configuration: configurations by the mean of their seeds, then each one's seeds.
  const configs = new Map(
    summarizeConfigurations(
      m.trials.map((t) => t.record),
      repeats,
    ).map((c) => [c.configuration, c]),
  );
  const config = (t: ReportModel['trials'][number]) =>
    configs.get(t.record.configuration ?? configurationOf(t.no, repeats));
  const mean = (t: ReportModel['trials'][number]) => (repeats > 1 ? (config(t)?.mean ?? -Infinity) : 0);
  const ranked = [...m.trials].sort(
    (a, b) => mean(b) - mean(a) || (b.best ?? -Infinity) - (a.best ?? -Infinity) || a.no - b.no,
  );
  const references = (m.input.sweep.baselines ?? []).filter((b) => b.status === 'completed' && b.validation);
  const seedsCell = (t: ReportModel['trials'][number]): string[] => {
    if (repeats <= 1) return [];
    const c = config(t);
    const configuration = t.record.configuration ?? configurationOf(t.no, repeats);
    if (!c) return [`${configuration}: —`];
    const sd = c.sd === undefined ? '' : ` ± ${formatMetric(c.sd)}`;
    return [`${configuration}: ${formatMetric(c.mean)}${sd} (${c.seeds} seed${c.seeds === 1 ? '' : 's'})`];
  };
  return table(
    'leaderboard',
    [
      'Trial',
      'State',
      'Epochs',
      `Best ${esc(m.metricLabel)}`,
      ...(repeats > 1 ? [`Configuration: mean ± sd over seeds`] : []),
      'Engine',
      'Parameters',
    ],
    [
      ...ranked.map((t) => [
        `<span style="color:${t.colour}">■</span> ${t.no}${t.isBest ? ' <b>(best)</b>' : ''}`,
        esc(t.record.state),
        String(t.record.epochs),
        formatMetric(t.best),
        ...seedsCell(t),
        engineCell(t.record),
        `<code>${esc(t.params)}</code>`,
      ]),
      ...references.map((b) => [
        `<i class="reference">${esc(baselineLabel(b))}</i>`,
        'reference',
        '—',
        formatMetric(b.validation![m.metric]),
        ...(repeats > 1 ? [''] : []),
        '',
        b.lambda !== undefined ? `<code>lambda=${esc(formatValue(b.lambda))}</code>` : '',
      ]),
    ],
  );
}

/** The baselines on the same split: validation and test metrics, EASE's lambda, or why one did not run. */
export function baselinesTable(sweep: SweepView): string {
  const baselines = sweep.baselines ?? [];
  if (!sweep.spec.baselines.length)
    return '<p>None: the spec asks for no baselines (<code>baselines: []</code>).</p>';
  if (!baselines.length) return '<p>Not yet: the baselines are fitted when the trials are done.</p>';
  return table(
    'baselines',
    ['Model', 'Validation NDCG@100', 'Test NDCG@100', 'Test Recall@20', 'Test Recall@50', 'Note'],
    baselines.map((b) => [
      esc(baselineLabel(b)),
      formatMetric(b.validation?.ndcg100),
      formatMetric(b.test?.ndcg100),
      formatMetric(b.test?.recall20),
      formatMetric(b.test?.recall50),
      b.status === 'completed'
        ? b.grid && b.grid.length > 1
          ? esc(`λ chosen on validation from ${b.grid.map((g) => formatValue(g.lambda)).join(', ')}`)
          : ''
        : `<span class="error">${esc(b.status)}: ${esc(b.reason ?? '')}</span>`,
    ]),
  );
}

/**
 * "onnxruntime (cpu, 1 thread)"; a takeover that changed it is listed under
 * it ("from tfjs-wasm (wasm, 1 thread) at attempt 2": not bit-identical), and
 * a trial waiting for an engine says why.
 */
function engineCell(r: TrialRecord): string {
  if (!r.engine) return r.engineWait ? `<i>${esc(r.engineWait)}</i>` : '—';
  const changes = (r.engineChanges ?? []).map(
    (c) => `<br><small>attempt ${c.attempt}: from ${esc(engineText(c.from))}</small>`,
  );
  return `${esc(engineText(r.engine))}${changes.join('')}`;
}

function engineText(e: TrialEngine): string {
  const where = e.device === 'cpu' ? e.provider : `${e.provider} on ${e.device}`;
  return `${e.name} (${where}, ${e.threads} thread${e.threads === 1 ? '' : 's'})`;
}

/** The best trial against each baseline: paired differences of the per-user test metrics, their intervals and p-values. */
export function comparisonTable(sweep: SweepView): string {
  const comparisons = sweep.comparisons ?? [];
  if (!comparisons.length) return '<p>Nothing to compare with yet.</p>';
  const byModel = new Map((sweep.baselines ?? []).map((b) => [b.model as string, b]));
  const rows = comparisons.flatMap((c) =>
    (['ndcg100', 'recall20', 'recall50'] as const).map((k) => {
      const x = c.metrics[k];
      const name =
        c.against.kind === 'baseline'
          ? baselineLabel(byModel.get(c.against.model) ?? { model: c.against.model as 'ease' })
          : `sweep ${c.against.sweep}`;
      const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
      return [
        esc(name),
        METRIC_LABELS[k],
        formatMetric(x.meanA),
        formatMetric(x.meanB),
        `<b>${signed(x.difference)}</b>`,
        `[${signed(x.ci[0])}, ${signed(x.ci[1])}]`,
        x.pValue < 1e-4 ? '&lt;1e-4' : esc(x.pValue.toPrecision(2)),
        String(x.users),
      ];
    }),
  );
  const b = comparisons[0].bootstrap;
  return (
    table(
      'comparison',
      [
        'Best trial vs',
        'Metric',
        'Best',
        'Reference',
        'Difference',
        `${Math.round(b.level * 100)}% CI`,
        'p',
        'Users',
      ],
      rows,
    ) +
    `<p class="note">Paired over the same test users. Interval: percentile bootstrap, ${esc(formatValue(b.resamples))} resamples, seed ${esc(b.seed)}. p: ${esc(comparisons[0].test)}.</p>`
  );
}

export function failedTrials(m: ReportModel): string {
  const failed = m.trials.filter((t) => t.record.state === 'failed');
  if (!failed.length) return '<p>No trial failed.</p>';
  return table(
    'failed-trials',
    ['Trial', 'Attempts', 'Reason', 'Parameters'],
    failed.map((t) => [
      String(t.no),
      String(t.record.attempts),
      esc(t.record.reason ?? 'no reason recorded'),
      `<code>${esc(t.params)}</code>`,
    ]),
  );
}

const eventDetail = (e: SweepEvent): string =>
  e.action === 'extended'
    ? `${e.trials ?? 0} trials added`
    : e.action === 'resumed'
      ? `${e.requeued ?? 0} cancelled trials queued again`
      : 'running trials stopped, queued ones dropped';

export function eventsTable(sweep: SweepView): string {
  if (!sweep.events.length) return '<p>None: the sweep ran as submitted.</p>';
  return table(
    'events',
    ['When', 'What', 'Detail'],
    sweep.events.map((e) => [esc(formatTime(e.at)), esc(e.action), esc(eventDetail(e))]),
  );
}

/** The models' names as the papers write them. */
const MODEL_LABELS: Record<string, string> = { vae: 'Mult-VAE', dae: 'Mult-DAE', recvae: 'RecVAE' };

/** One sentence on what the sweep is and where it stands. */
export function summary(m: ReportModel): string {
  const { sweep } = m.input;
  const counts = Object.entries(sweep.trials)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${esc(state)}`)
    .join(', ');
  const best = sweep.best
    ? ` Best so far: trial ${sweep.best.trial}, validation ${esc(METRIC_LABELS[sweep.best.metric])} <b>${formatMetric(sweep.best.value)}</b>.`
    : '';
  return `<p>${MODEL_LABELS[sweep.spec.model]} on dataset <b>${esc(sweep.spec.dataset)}</b>,
optimising validation <b>${esc(m.metricLabel)}</b> (${esc(sweep.spec.search.method)} search of ${esc(sweep.planned)} trials).
State <b id="state">${esc(sweep.state)}</b>; trials: ${counts || 'none yet'}.${best}
Created ${esc(formatTime(sweep.createdAt))}, last updated ${esc(formatTime(sweep.updatedAt))}.</p>${
    sweep.error ? `<p class="error">Error: ${esc(sweep.error)}</p>` : ''
  }`;
}
