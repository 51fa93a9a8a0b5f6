import type { TrialView } from '@vaecf/orchestration';
import { stringify } from 'csv-stringify/sync';

/**
 * The leaderboard as CSV, one trial a row: its record (best = its best
 * objective value), its configuration with the mean, sd and count of its
 * seeds' best values (limits.repeats), its latest epoch's validation metrics, the engine its
 * current attempt started with (and its engine changes as JSON) and one column per hyperparameter (lists such as dims
 * as JSON), so that a spreadsheet or pandas reads it directly. The record's
 * epoch count is `epochs_run`: the hyperparameter `epochs` (what the trial
 * was given) has a column of its own, and a header must not name two columns alike.
 */
export function trialsCsv(trials: readonly TrialView[]): string {
  const paramNames = [...new Set(trials.flatMap((t) => Object.keys(t.params)))].sort();
  const columns = [
    'no',
    'configuration',
    'config_mean',
    'config_sd',
    'config_seeds',
    'state',
    'epochs_run',
    'best',
    'latest_ndcg100',
    'latest_recall20',
    'latest_recall50',
    'attempts',
    'worker',
    'engine',
    'engine_provider',
    'engine_device',
    'engine_threads',
    'engine_changes',
    'reason',
    ...paramNames,
  ];
  const rows = trials.map((t) => [
    t.no,
    t.configuration,
    t.seeds?.mean ?? '',
    t.seeds?.sd ?? '',
    t.seeds?.count ?? '',
    t.state,
    t.epochs,
    t.best ?? '',
    t.latest?.ndcg100 ?? '',
    t.latest?.recall20 ?? '',
    t.latest?.recall50 ?? '',
    t.attempts,
    t.worker ?? '',
    t.engine?.name ?? '',
    t.engine?.provider ?? '',
    t.engine?.device ?? '',
    t.engine?.threads ?? '',
    t.engineChanges?.length ? JSON.stringify(t.engineChanges) : '',
    t.reason ?? '',
    ...paramNames.map((p) => cell(paramOf(t.params, p))),
  ]);
  return stringify(rows, { header: true, columns });
}

function cell(v: unknown): string | number {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' || typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** One hyperparameter by name: the CSV has a column for every name any trial has. */
function paramOf(params: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(params, name) ? params[name] : undefined;
}
