import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrColumnCounts, csrRow, type Csr } from '../../src/data/csr';
import type { PreparedDataset } from '../../src/data/dataset';
import { prepareDataset } from '../../src/data/prepare';
import { generateSyntheticRatings } from '../../src/data/synthetic';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vaecf-synth-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Mean Recall@k of the validation users under a scoring function (fold-in items excluded). */
function recallAt(d: PreparedDataset, k: number, score: (foldIn: Int32Array) => Float64Array): number {
  const { foldIn, heldOut } = d.validation;
  let sum = 0;
  let users = 0;
  for (let r = 0; r < foldIn.nRows; r++) {
    const held = new Set(csrRow(heldOut, r));
    if (held.size === 0) continue;
    const seen = csrRow(foldIn, r);
    const s = score(seen);
    for (const i of seen) s[i] = -Infinity;
    const top = Array.from(s.keys())
      .sort((a, b) => s[b] - s[a])
      .slice(0, k);
    sum += top.filter((i) => held.has(i)).length / Math.min(k, held.size);
    users++;
  }
  return sum / users;
}

/** Item-item co-occurrence counts over the training users (dense; test-sized data only). */
function cooccurrence(train: Csr): Float64Array[] {
  const co = Array.from({ length: train.nCols }, () => new Float64Array(train.nCols));
  for (let r = 0; r < train.nRows; r++) {
    const row = csrRow(train, r);
    for (const a of row) for (const b of row) if (a !== b) co[a][b]++;
  }
  return co;
}

describe('synthetic ratings', () => {
  it('are byte-identical for a seed and differ for another', async () => {
    const opts = { users: 300, items: 200, seed: 5 };
    await generateSyntheticRatings(join(dir, 'a.csv'), opts);
    await generateSyntheticRatings(join(dir, 'b.csv'), opts);
    await generateSyntheticRatings(join(dir, 'c.csv'), { ...opts, seed: 6 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => readFile(join(dir, `${n}.csv`))));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    const lines = a.toString().trimEnd().split('\n');
    expect(lines[0]).toBe('userId,movieId,rating,timestamp');
    expect(lines[1]).toMatch(/^\d+,\d+,[1-5]\.0,\d+$/);
  });

  it('gzip a .gz path, with the same content', async () => {
    const opts = { users: 100, items: 50, seed: 9 };
    const plain = await generateSyntheticRatings(join(dir, 'p.csv'), opts);
    const gz = await generateSyntheticRatings(join(dir, 'p.csv.gz'), opts);
    expect(gz.rows).toBe(plain.rows);
    const unzipped = gunzipSync(await readFile(join(dir, 'p.csv.gz')));
    expect(unzipped.equals(await readFile(join(dir, 'p.csv')))).toBe(true);
  });

  it('have long-tailed popularity and activity, and mostly high ratings', async () => {
    const path = join(dir, 'tail.csv.gz');
    const { rows } = await generateSyntheticRatings(path, { users: 1500, items: 600, seed: 2 });
    const d = await prepareDataset(path, { format: 'movielens-csv', heldoutUsers: 100 });
    expect(d.meta.stats).toMatchObject({ rawEvents: rows });
    const pop = Array.from(csrColumnCounts(d.train)).sort((x, y) => y - x);
    const total = pop.reduce((s, x) => s + x, 0);
    const top10 = pop.slice(0, Math.ceil(pop.length / 10)).reduce((s, x) => s + x, 0);
    // Uniform popularity would give 0.1.
    expect(top10 / total).toBeGreaterThan(0.25);
    const activity = d.meta.stats!.userActivity as { median: number; p99: number };
    expect(activity.p99).toBeGreaterThan(3 * activity.median);
    // Binarizing at 3.5 keeps most ratings: the taste-matching ones are 4-5.
    const binarized = d.meta.stats!.binarized as number;
    expect(binarized / rows).toBeGreaterThan(0.6);
  });

  it('carry a taste signal that co-occurrence finds and popularity does not', async () => {
    const path = join(dir, 'taste.csv');
    await generateSyntheticRatings(path, { users: 1200, items: 400, seed: 4 });
    const d = await prepareDataset(path, { format: 'movielens-csv', heldoutUsers: 150 });
    const popularity = Float64Array.from(csrColumnCounts(d.train));
    const co = cooccurrence(d.train);
    const popRecall = recallAt(d, 20, () => popularity.slice());
    const coRecall = recallAt(d, 20, (seen) => {
      const s = new Float64Array(d.nItems);
      for (const i of seen) for (let j = 0; j < d.nItems; j++) s[j] += co[i][j] / (popularity[j] + 1);
      return s;
    });
    expect(coRecall).toBeGreaterThan(1.5 * popRecall);
  });
});
