import { table } from './table';

type Stats = Record<string, unknown>;
type Quant = { min: number; median: number; p90: number; p99: number; max: number; mean: number };

/** A short summary of a prepared dataset's statistics. */
export function statsTable(s: Stats): string {
  const users = s.users as { train: number; validation: number; test: number } | undefined;
  const t = table();
  const q = (x: unknown) => {
    const v = x as Quant | undefined;
    return v ? `mean ${v.mean.toFixed(1)}, median ${v.median}, p90 ${v.p90}, p99 ${v.p99}, max ${v.max}` : '';
  };
  t.push(
    { 'events read': String(s.rawEvents ?? '') },
    { 'after binarize': String(s.binarized ?? '') },
    { users: users ? `${users.train} train, ${users.validation} validation, ${users.test} test` : '' },
    { items: String(s.items ?? '') },
    { density: typeof s.density === 'number' ? `${(100 * s.density).toFixed(3)} %` : '' },
    { 'items per user': q(s.userActivity) },
    { 'users per item': q(s.itemPopularity) },
  );
  return t.toString();
}
