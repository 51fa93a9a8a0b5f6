import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDatasetArtifact, writeDatasetArtifact } from '../../src/data/artifact';
import type { PreparedDataset } from '../../src/data/dataset';
import { DatasetArtifactError } from '../../src/data/errors';
import { prepareDataset } from '../../src/data/prepare';
import { generateSyntheticRatings } from '../../src/data/synthetic';

let dir: string;
let d: PreparedDataset;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vaecf-artifact-'));
  const src = join(dir, 'src.csv');
  await generateSyntheticRatings(src, { users: 400, items: 150, seed: 3 });
  d = await prepareDataset(src, { format: 'movielens-csv', heldoutUsers: 30 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A fresh artifact directory to damage. */
async function fresh(name: string): Promise<string> {
  const out = join(dir, name);
  await writeDatasetArtifact(out, d);
  return out;
}

async function editManifest(out: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
  const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  edit(m);
  await writeFile(join(out, 'manifest.json'), JSON.stringify(m));
}

describe('dataset artifact', () => {
  it('round-trips every array, id and statistic', async () => {
    const out = await fresh('rt');
    expect((await readdir(out)).sort()).toEqual(['arrays.bin', 'ids.json', 'manifest.json']);
    expect(await readDatasetArtifact(out)).toEqual(d);
    const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(m).toMatchObject({
      formatVersion: 1,
      createdAt: d.meta.createdAt,
      source: d.meta.source,
      nItems: d.nItems,
      matrices: { train: { nRows: d.train.nRows, indptr: { dtype: 'int32', byteOffset: 0 } } },
    });
    expect(m.stats).toEqual(d.meta.stats);
    // Writing again over it replaces it whole, leaving no temporary directory behind.
    await writeDatasetArtifact(out, d);
    expect(await readDatasetArtifact(out)).toEqual(d);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp') || f.endsWith('.old'))).toEqual([]);
  });

  it('refuses to replace a directory that is not a dataset', async () => {
    const foreign = join(dir, 'home');
    await mkdir(foreign);
    await writeFile(join(foreign, 'precious.txt'), 'keep me');
    await expect(writeDatasetArtifact(foreign, d)).rejects.toThrow(
      /home: exists and is not a prepared dataset \(no manifest.json\); refusing to replace it/,
    );
    expect(await readFile(join(foreign, 'precious.txt'), 'utf8')).toBe('keep me');
    // An empty directory (made by a caller beforehand) is fine.
    await mkdir(join(dir, 'empty'));
    await writeDatasetArtifact(join(dir, 'empty'), d);
    expect(await readDatasetArtifact(join(dir, 'empty'))).toEqual(d);
  });

  it('reports a missing or older-layout directory', async () => {
    await expect(readDatasetArtifact(join(dir, 'none'))).rejects.toThrow(
      /dataset .*none: no manifest.json \(not a prepared dataset directory\?\)/,
    );
    await mkdir(join(dir, 'legacy'));
    await writeFile(join(dir, 'legacy', 'dataset.json'), '{}');
    await expect(readDatasetArtifact(join(dir, 'legacy'))).rejects.toThrow(
      'written by an older vaecf (dataset.json, no manifest.json): prepare it again',
    );
  });

  it('detects a flipped byte, a truncated or missing file', async () => {
    const out = await fresh('bad');
    const arrays = await readFile(join(out, 'arrays.bin'));
    arrays[17] ^= 0xff;
    await writeFile(join(out, 'arrays.bin'), arrays);
    await expect(readDatasetArtifact(out)).rejects.toThrow('arrays.bin is corrupt (CRC32 mismatch)');
    await writeFile(join(out, 'arrays.bin'), arrays.subarray(0, 100));
    await expect(readDatasetArtifact(out)).rejects.toThrow(
      `arrays.bin is corrupt: 100 bytes, manifest says ${arrays.length}`,
    );
    arrays[17] ^= 0xff;
    await writeFile(join(out, 'arrays.bin'), arrays);
    await rm(join(out, 'ids.json'));
    await expect(readDatasetArtifact(out)).rejects.toThrow(/bad: missing ids.json$/);
  });

  it('validates the manifest: version, shape, array bounds and CSR structure', async () => {
    const cases: [(m: Record<string, unknown>) => void, string | RegExp][] = [
      [(m) => (m.formatVersion = 99), 'format version 99; this vaecf reads version 1'],
      [(m) => delete m.matrices, /manifest.json: matrices: /],
      [(m) => (m.nItems = 'many'), /manifest.json: nItems: /],
      [
        (m) => ((m.matrices as Record<string, { indices: { length: number } }>).train.indices.length = 1e9),
        'array train.indices lies outside arrays.bin',
      ],
      [
        (m) => ((m.matrices as Record<string, { nRows: number }>)['test.heldOut'].nRows += 1),
        /matrix test.heldOut is inconsistent: indptr has \d+ entries for \d+ rows/,
      ],
      [(m) => (m.nItems = 3), /matrix train is inconsistent: item \d+ outside \[0, 3\)/],
    ];
    for (const [k, [edit, message]] of cases.entries()) {
      const out = await fresh(`manifest-${k}`);
      await editManifest(out, edit);
      const p = readDatasetArtifact(out);
      await expect(p).rejects.toBeInstanceOf(DatasetArtifactError);
      await expect(p).rejects.toThrow(message);
    }
  });
});
