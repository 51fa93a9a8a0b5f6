import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { prepareDataset, writeDatasetArtifact } from '@vaecf/cf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetCache } from '../src/dataset-cache';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vaecf-cache-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A ratings file of `users` users, each liking the same 6 items. */
async function ratings(name: string, users: number): Promise<string> {
  const lines = ['userId,movieId,rating,timestamp'];
  for (let u = 0; u < users; u++) for (let i = 0; i < 6; i++) lines.push(`${u},${i},5,0`);
  const path = join(root, name);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

describe('DatasetCache', () => {
  it('loads a dataset once, and again when it was deleted and prepared anew under the same id', async () => {
    const artifacts = new FilesystemArtifactStore(join(root, 'artifacts'));
    const cache = new DatasetCache(artifacts);
    const dir = artifacts.datasetDir('same-id');
    await writeDatasetArtifact(
      dir,
      await prepareDataset(await ratings('a.csv', 30), { format: 'movielens-csv' }),
    );
    const first = await cache.get('same-id');
    expect(first.trainUserIds).toHaveLength(24);
    expect(await cache.get('same-id')).toBe(first);

    await artifacts.deleteDataset('same-id');
    await writeDatasetArtifact(
      dir,
      await prepareDataset(await ratings('b.csv', 50), { format: 'movielens-csv' }),
    );
    const second = await cache.get('same-id');
    expect(second).not.toBe(first);
    expect(second.trainUserIds).toHaveLength(40);
  });
});
