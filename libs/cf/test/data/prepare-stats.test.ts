import { describe, expect, it } from 'vitest';
import { csrRow, csrNnz, type Csr } from '../../src/data/csr';
import { resolvePrepareOptions } from '../../src/data/options';
import { prepareDataset } from '../../src/data/prepare';
import { quantiles } from '../../src/data/stats';
import { undersampleByRating } from '../../src/data/undersample';
import { Rng } from '../../src/runtime/rng';
import { randomRatings, ratingsCsv, useScratchDir } from './fixtures';

const dir = useScratchDir('vaecf-stats-');
const fileOf = (name: string, lines: string[]) => ratingsCsv(dir(), name, lines);
const randomFile = (name: string, users: number, items: number, seed = 1) =>
  randomRatings(dir(), name, users, items, seed);

describe('prepareDataset statistics and options', () => {
  it('records exact statistics', async () => {
    const path = await randomFile('stats.csv', 120, 40, 7);
    const d = await prepareDataset(path, { format: 'movielens-csv', heldoutUsers: 15, threshold: 2 });
    const s = d.meta.stats as Record<string, unknown>;
    const lengths = Array.from({ length: d.train.nRows }, (_, r) => csrRow(d.train, r).length).sort(
      (a, b) => a - b,
    );
    const nnz = [d.train, d.validation.foldIn, d.validation.heldOut, d.test.foldIn, d.test.heldOut].map(
      csrNnz,
    );
    const emptyHeldOut = (m: Csr) =>
      Array.from({ length: m.nRows }, (_, r) => csrRow(m, r).length).filter((n) => n === 0).length;
    expect(s).toMatchObject({
      users: { train: d.train.nRows, validation: d.validation.userIds.length, test: d.test.userIds.length },
      items: d.nItems,
      trainEvents: nnz[0],
      events: nnz.reduce((a, b) => a + b, 0),
      density: nnz[0] / (d.train.nRows * d.nItems),
      userActivity: {
        min: lengths[0],
        max: lengths.at(-1),
        median: lengths[Math.ceil(lengths.length / 2) - 1],
      },
      heldOutUsersWithoutHeldOut: {
        validation: emptyHeldOut(d.validation.heldOut),
        test: emptyHeldOut(d.test.heldOut),
      },
      heldOutUsersDropped: { validation: 15 - d.validation.userIds.length, test: 15 - d.test.userIds.length },
    });
    expect(s.usersAfterFilter).toBe(d.train.nRows + 30);
    expect(s.rawEvents as number).toBeGreaterThanOrEqual(s.binarized as number);
    expect(s.binarized as number).toBeGreaterThanOrEqual(s.distinctEvents as number);
    expect(s.eventsAfterFilter as number).toBeGreaterThanOrEqual(s.events as number);
  });

  it('reports reading progress', async () => {
    const path = await randomFile('progress.csv', 50, 30, 3);
    const seen: { rows: number; bytesRead: number; totalBytes: number }[] = [];
    const d = await prepareDataset(
      path,
      { format: 'movielens-csv', heldoutUsers: 5 },
      { onProgress: (p) => seen.push(p) },
    );
    expect(seen.at(-1)).toMatchObject({ rows: d.meta.stats!.rawEvents });
    expect(seen.at(-1)!.bytesRead).toBe(seen.at(-1)!.totalBytes);
  });

  it('undersamples rating classes to the rarest count before binarizing', async () => {
    const lines: string[] = [];
    const counts: Record<string, number> = { '1': 50, '4': 30, '5': 300 };
    let k = 0;
    for (const [r, n] of Object.entries(counts))
      for (let j = 0; j < n; j++, k++) lines.push(`u${k % 40},m${k % 97},${r},0`);
    const path = await fileOf('under.csv', lines);
    const d = await prepareDataset(path, {
      format: 'movielens-csv',
      heldoutUsers: 1,
      minUserCount: 1,
      undersampleRatings: true,
    });
    // Rarest class: 30 events. Kept after binarizing: 30 of "4" and 30 of "5".
    expect(d.meta.stats).toMatchObject({ binarized: 60 });
  });

  it('undersampling keeps the rarest count of every class, at random by seed', () => {
    const ratings = Float32Array.from({ length: 1000 }, (_, k) => (k % 10 < 6 ? 5 : k % 10 < 9 ? 3 : 1));
    const rows = Int32Array.from(ratings.keys());
    const cols = rows.slice();
    const sample = (threshold: number | null, seed: number) =>
      undersampleByRating(rows, cols, ratings, threshold, Rng.fromSeed(seed));
    const perClass = (kept: Int32Array) => [1, 3, 5].map((v) => kept.filter((k) => ratings[k] === v).length);
    expect(perClass(sample(null, 1).rows)).toEqual([100, 100, 100]);
    expect(perClass(sample(3.5, 1).rows)).toEqual([0, 0, 100]);
    expect(sample(null, 1).rows).toEqual(sample(null, 1).rows);
    expect(sample(null, 2).rows).not.toEqual(sample(null, 1).rows);
  });
});

it('quantiles use the nearest rank', () => {
  const q = quantiles(Int32Array.from({ length: 100 }, (_, k) => 100 - k));
  expect(q).toEqual({ min: 1, p25: 25, median: 50, p75: 75, p90: 90, p99: 99, max: 100, mean: 50.5 });
  expect(quantiles(new Int32Array(0))).toMatchObject({ min: 0, max: 0, mean: 0 });
});

describe('options', () => {
  it('presets carry the paper settings and can be overridden', () => {
    expect(resolvePrepareOptions({ format: 'movielens-csv', preset: 'ml-20m' })).toMatchObject({
      threshold: 3.5,
      minUserCount: 5,
      minItemCount: 0,
      heldoutUsers: 10_000,
    });
    expect(resolvePrepareOptions({ format: 'netflix-prize', preset: 'netflix' })).toMatchObject({
      heldoutUsers: 40_000,
    });
    expect(resolvePrepareOptions({ format: 'msd', preset: 'msd', heldoutUsers: 5 })).toMatchObject({
      threshold: null,
      minUserCount: 20,
      minItemCount: 200,
      heldoutUsers: 5,
    });
  });
  it('names the bad field', () => {
    expect(() => resolvePrepareOptions({ format: 'movielens-csv', heldoutUsers: 0 })).toThrow(
      'invalid preprocessing option heldoutUsers',
    );
    expect(() => resolvePrepareOptions({ format: 'movielens-csv', preset: 'ml-1b' as never })).toThrow(
      'invalid preprocessing option preset: must be one of ml-20m, netflix, msd (got "ml-1b")',
    );
    expect(() => resolvePrepareOptions({ format: 'xml' as never })).toThrow(
      'invalid preprocessing option format',
    );
    expect(() => resolvePrepareOptions({ format: 'csv', minUserCount: 2.5 })).toThrow(
      'invalid preprocessing option minUserCount',
    );
    expect(() => resolvePrepareOptions({ format: 'csv', csv: { user: 'u', item: -1 } })).toThrow(
      'invalid preprocessing option csv.item',
    );
  });
});
