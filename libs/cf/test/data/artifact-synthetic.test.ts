import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDatasetArtifact, writeDatasetArtifact } from '../../src/data/artifact';
import { csrColumnCounts } from '../../src/data/csr';
import { DatasetArtifactError } from '../../src/data/errors';
import { prepareDataset } from '../../src/data/prepare';
import { generateSyntheticRatings } from '../../src/data/synthetic';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vaecf-artifact-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('synthetic ratings', () => {
  it('are byte-identical for a seed and differ for another', async () => {
    const opts = { users: 300, items: 200, seed: 5 };
    await generateSyntheticRatings(join(dir, 'a.csv'), opts);
    await generateSyntheticRatings(join(dir, 'b.csv'), opts);
    await generateSyntheticRatings(join(dir, 'c.csv'), { ...opts, seed: 6 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => readFile(join(dir, `${n}.csv`))));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
    expect(a.toString().split('\n', 1)[0]).toBe('userId,movieId,rating,timestamp');
  });

  it('have a long tail of item popularity and prepare cleanly', async () => {
    const path = join(dir, 'tail.csv.gz');
    const { rows } = await generateSyntheticRatings(path, { users: 1500, items: 600, seed: 2 });
    const d = await prepareDataset(path, { format: 'movielens-csv', heldoutUsers: 100 });
    expect(d.meta.stats).toMatchObject({ rawEvents: rows });
    const pop = Array.from(csrColumnCounts(d.train)).sort((x, y) => y - x);
    const total = pop.reduce((s, x) => s + x, 0);
    const top10 = pop.slice(0, Math.ceil(pop.length / 10)).reduce((s, x) => s + x, 0);
    // Uniform popularity would give 0.1.
    expect(top10 / total).toBeGreaterThan(0.25);
  });
});

describe('dataset artifact', () => {
  it('round-trips every array, id and statistic', async () => {
    const src = join(dir, 'rt.csv');
    await generateSyntheticRatings(src, { users: 400, items: 150, seed: 3 });
    const d = await prepareDataset(src, { format: 'movielens-csv', heldoutUsers: 30 });
    await writeDatasetArtifact(join(dir, 'rt'), d);
    expect(await readDatasetArtifact(join(dir, 'rt'))).toEqual(d);
    // Writing again over it replaces it whole.
    await writeDatasetArtifact(join(dir, 'rt'), d);
    expect(await readDatasetArtifact(join(dir, 'rt'))).toEqual(d);
  });

  it('refuses a missing, corrupt or foreign artifact with a clear error', async () => {
    await expect(readDatasetArtifact(join(dir, 'none'))).rejects.toThrow(
      /dataset .*none: no dataset.json \(not a prepared dataset directory\?\)/,
    );
    const src = join(dir, 'c.csv');
    await generateSyntheticRatings(src, { users: 200, items: 100, seed: 4 });
    await writeDatasetArtifact(
      join(dir, 'bad'),
      await prepareDataset(src, { format: 'movielens-csv', heldoutUsers: 10 }),
    );
    const arrays = await readFile(join(dir, 'bad', 'arrays.bin'));
    arrays[17] ^= 0xff;
    await writeFile(join(dir, 'bad', 'arrays.bin'), arrays);
    await expect(readDatasetArtifact(join(dir, 'bad'))).rejects.toThrow(
      'arrays.bin is corrupt (size or CRC32 mismatch)',
    );
    const manifest = JSON.parse(await readFile(join(dir, 'bad', 'dataset.json'), 'utf8'));
    await writeFile(join(dir, 'bad', 'dataset.json'), JSON.stringify({ ...manifest, formatVersion: 99 }));
    await expect(readDatasetArtifact(join(dir, 'bad'))).rejects.toBeInstanceOf(DatasetArtifactError);
    await expect(readDatasetArtifact(join(dir, 'bad'))).rejects.toThrow(
      'format version 99; this vaecf reads version 1',
    );
  });
});
