import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../src/artifact-store';
import { FilesystemArtifactStore } from '../src/filesystem-store';
import { checkpointsToDelete } from '../src/keep-policy';

// The contract every ArtifactStore must keep; today one implementation runs it.
const implementations: [string, (root: string) => ArtifactStore][] = [
  ['filesystem', (root) => new FilesystemArtifactStore(root)],
];

describe.each(implementations)('%s artifact store', (_, make) => {
  let root: string;
  let store: ArtifactStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'vaecf-artifacts-'));
    store = make(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const writeCheckpoint = async (sweep: string, n: number, content: string) => {
    const dir = store.checkpointDir(sweep, n);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'checkpoint.json'), content);
  };

  it('promotes a trial checkpoint to the sweep model, replacing the previous one', async () => {
    await writeCheckpoint('s1', 0, 'zero');
    await writeCheckpoint('s1', 3, 'three');
    await store.promoteModel('s1', 0);
    await store.promoteModel('s1', 3);
    expect(await readFile(join(store.modelDir('s1'), 'checkpoint.json'), 'utf8')).toBe('three');
  });

  it('lists and deletes checkpoints, and deletes a sweep whole', async () => {
    for (const n of [2, 0, 11]) await writeCheckpoint('s2', n, String(n));
    expect(await store.listCheckpoints('s2')).toEqual([0, 2, 11]);
    await store.deleteCheckpoints('s2', [2, 7]);
    expect(await store.listCheckpoints('s2')).toEqual([0, 11]);
    await store.deleteSweep('s2');
    expect(await store.listCheckpoints('s2')).toEqual([]);
  });

  it.each(['..', '../x', 'a/b', '', '.hidden', 'x'.repeat(200)])('refuses the id %j', (id) => {
    expect(() => store.datasetDir(id)).toThrow(/invalid dataset id/);
    expect(() => store.checkpointDir(id, 0)).toThrow(/invalid sweep id/);
  });
});

describe('checkpointsToDelete', () => {
  const trials = [
    { trialNo: 0, running: false, best: 0.3 },
    { trialNo: 1, running: true, best: 0.5 },
    { trialNo: 2, running: false, best: 0.4 },
    { trialNo: 3, running: false },
  ];
  it('keeps everything by default while the sweep runs', () => {
    expect(checkpointsToDelete(trials, false)).toEqual([]);
  });
  it('keeps the best finished trials when asked, never a running one', () => {
    expect(checkpointsToDelete(trials, false, { keepFinished: 1 })).toEqual([0, 3]);
  });
  it('keeps only the promoted model after the end, or the top few', () => {
    expect(checkpointsToDelete(trials, true)).toEqual([0, 1, 2, 3]);
    expect(checkpointsToDelete(trials, true, { keepAfterEnd: 1 })).toEqual([0, 1, 3]);
  });
});
