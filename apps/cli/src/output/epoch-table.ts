import type { EpochReport, EvalResult } from '@vaecf/cf';
import { table } from './table';

const COLUMNS: [string, number][] = [
  ['epoch', 6],
  ['loss', 10],
  ['beta', 7],
  ['NDCG@100', 9],
  ['R@20', 8],
  ['R@50', 8],
  ['users/s', 9],
  ['train s', 8],
  ['eval s', 7],
  ['', 4],
];

const cell = (text: string, width: number) => text.padStart(width);

/** The header of the live per-epoch table (rows stream one per epoch, so fixed widths rather than a boxed table). */
export const EPOCH_HEADER = COLUMNS.map(([name, w]) => cell(name, w)).join(' ');

export function epochRow(r: EpochReport): string {
  const v = r.validation;
  const values = [
    String(r.epoch),
    r.loss.toFixed(3),
    r.beta.toFixed(3),
    v.ndcg100.toFixed(4),
    v.recall20.toFixed(4),
    v.recall50.toFixed(4),
    r.usersPerSecond.toFixed(0),
    r.trainSeconds.toFixed(1),
    r.evalSeconds.toFixed(1),
    r.improved ? '*' : '',
  ];
  return values.map((text, k) => cell(text, COLUMNS[k][1])).join(' ');
}

/** The final summary: validation of the best epoch and its test metrics. */
export function testTable(bestEpoch: number, validation: EvalResult, test: EvalResult): string {
  const t = table({
    head: [`best epoch ${bestEpoch}`, 'NDCG@100', 'Recall@20', 'Recall@50', 'users', 'no held-out'],
  });
  for (const [name, m] of [
    ['validation', validation],
    ['test', test],
  ] as const) {
    t.push([
      name,
      m.ndcg100.toFixed(4),
      m.recall20.toFixed(4),
      m.recall50.toFixed(4),
      m.users,
      m.skippedNoHeldOut,
    ]);
  }
  return t.toString();
}
