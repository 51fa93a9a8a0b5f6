import { escapeHtml as esc, formatNumber, formatValue, humanize } from './format';
import { table } from './tables';

/*
 * The prepared dataset's statistics (PrepareStats from libs/cf) as tables a
 * person reads: named rows, grouped numbers, quantiles side by side. Keys this
 * file does not know still show, under a name made from the key.
 */

type Stats = Record<string, unknown>;

const num = (v: unknown): string => (typeof v === 'number' ? esc(formatNumber(v)) : '—');
const obj = (v: unknown): Stats => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Stats) : {});

const SHAPE: readonly [string, string][] = [
  ['users.train', 'Training users'],
  ['users.validation', 'Validation users'],
  ['users.test', 'Test users'],
  ['items', 'Items'],
  ['events', 'Interactions (all splits)'],
  ['trainEvents', 'Training interactions'],
];
const PREPARATION: readonly [string, string][] = [
  ['rawEvents', 'Ratings read'],
  ['binarized', 'Kept by binarizing'],
  ['distinctEvents', 'Distinct user-item pairs'],
  ['usersAfterFilter', 'Users after the count filter'],
  ['itemsAfterFilter', 'Items after the count filter'],
  ['eventsAfterFilter', 'Interactions after the count filter'],
];
const HELD_OUT: readonly [string, string][] = [
  ['heldOutUsersWithoutHeldOut', 'Held-out users with nothing to hold out (skipped by evaluation)'],
  ['heldOutUsersDropped', 'Held-out users dropped (no training item)'],
];
const QUANTILES: readonly [string, string][] = [
  ['userActivity', 'Items per training user'],
  ['itemPopularity', 'Training users per item'],
];
const QUANTILE_COLUMNS: readonly [string, string][] = [
  ['min', 'Min'],
  ['p25', '25%'],
  ['median', 'Median'],
  ['p75', '75%'],
  ['p90', '90%'],
  ['p99', '99%'],
  ['max', 'Max'],
  ['mean', 'Mean'],
];

const at = (stats: Stats, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => obj(v)[k], stats);

export function datasetTables(id: string, stats: Stats | undefined): string {
  const name = `<p>Dataset <b>${esc(id)}</b>.</p>`;
  if (!stats) return `${name}<p>No statistics: the dataset is not prepared.</p>`;
  const rows = (spec: readonly [string, string][]) =>
    spec
      .filter(([path]) => at(stats, path) !== undefined)
      .map(([path, label]) => [label, num(at(stats, path))]);
  const shape = rows(SHAPE);
  if (typeof stats.density === 'number')
    shape.push([
      'Density (training interactions / users × items)',
      `${esc(formatNumber(stats.density * 100))} %`,
    ]);
  const preparation = rows(PREPARATION);
  const heldOut = HELD_OUT.filter(([k]) => k in stats).map(([k, label]) => [
    label,
    num(obj(stats[k]).validation),
    num(obj(stats[k]).test),
  ]);
  const quantiles = QUANTILES.filter(([k]) => k in stats).map(([k, label]) => [
    label,
    ...QUANTILE_COLUMNS.map(([q]) => num(obj(stats[k])[q])),
  ]);
  const known = new Set([
    'users',
    'density',
    ...[SHAPE, PREPARATION, HELD_OUT, QUANTILES].flat().map(([k]) => k),
  ]);
  const other = Object.entries(stats)
    .filter(([k]) => !known.has(k))
    .map(([k, v]) => [esc(humanize(k)), esc(typeof v === 'number' ? formatNumber(v) : formatValue(v))]);
  return [
    name,
    shape.length ? table('dataset', ['Splits', ''], shape) : '',
    preparation.length ? table('dataset-preparation', ['Preparation', ''], preparation) : '',
    heldOut.length ? table('dataset-held-out', ['Held-out users', 'Validation', 'Test'], heldOut) : '',
    quantiles.length
      ? table('dataset-quantiles', ['Distribution', ...QUANTILE_COLUMNS.map(([, label]) => label)], quantiles)
      : '',
    other.length ? table('dataset-other', ['Other', ''], other) : '',
  ].join('\n');
}
