import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHECKPOINT_FORMAT_VERSION,
  CheckpointError,
  loadBestWeights,
  loadCheckpoint,
  prepareDataset,
  readDatasetArtifact,
  saveCheckpoint,
  writeDatasetArtifact,
  type TrainerCheckpoint,
} from '@vaecf/cf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactMissingError, type ArtifactStore } from '../src/artifact-store';
import { checkpointsToDelete } from '../src/keep-policy';

/** One store under test, and how the suite reaches around it to damage what it holds. */
export interface StoreHarness {
  readonly store: ArtifactStore;
  /** A second client of the same store, as another host would have (its own local cache). */
  readonly otherHost: ArtifactStore;
  /** Store-relative keys (`sweeps/<id>/trials/<n>/<attempt>/<file>`) of what the store holds. */
  overwrite(rel: string, bytes: Uint8Array): Promise<void>;
  remove(rel: string): Promise<void>;
  close(): Promise<void>;
}

/** A checkpoint whose every array value encodes its epoch, so that a mix of two saves shows. */
function checkpointAt(epoch: number, floats = 4096): TrainerCheckpoint {
  const fill = (tag: number) => ({
    steps: epoch * 10,
    tensors: { w: new Float32Array(floats).fill(epoch * 100 + tag), b: new Float32Array(7).fill(epoch) },
  });
  return {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    config: { lr: 1e-3 } as TrainerCheckpoint['config'],
    nItems: 3,
    epoch,
    rng: { s: [1, 2, 3, 4] } as unknown as TrainerCheckpoint['rng'],
    model: fill(0),
    best: { epoch, validation: { ndcg100: epoch / 100 } as never, weights: fill(1) },
    history: [],
  };
}

/** Whether a loaded checkpoint is one save whole: every array from the same epoch. */
function whole(c: TrainerCheckpoint): boolean {
  const e = c.epoch;
  return (
    c.model.tensors.w.every((v) => v === e * 100) &&
    c.best!.weights.tensors.w.every((v) => v === e * 100 + 1) &&
    c.model.tensors.b.every((v) => v === e)
  );
}

/** The contract every ArtifactStore keeps; each implementation's test file runs it. */
export function artifactStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`${name} artifact store contract`, () => {
    let h: StoreHarness;
    let scratch: string;
    const ids = () => `t${randomBytes(5).toString('hex')}`;

    beforeAll(async () => {
      h = await open();
      scratch = await mkdtemp(join(tmpdir(), 'vaecf-contract-'));
    });
    afterAll(async () => {
      await h?.close();
      await rm(scratch, { recursive: true, force: true });
    });

    /** A prepared dataset of `users` users in a fresh local directory. */
    const preparedDir = async (users: number): Promise<string> => {
      const csv = join(scratch, `${ids()}.csv`);
      const lines = ['userId,movieId,rating,timestamp'];
      for (let u = 0; u < users; u++) for (let i = 0; i < 6; i++) lines.push(`${u},${i},5,0`);
      await writeFile(csv, `${lines.join('\n')}\n`);
      const dir = join(scratch, ids());
      await writeDatasetArtifact(dir, await prepareDataset(csv, { format: 'movielens-csv' }));
      return dir;
    };

    const save = async (s: ArtifactStore, sweep: string, trial: number, attempt: number, epoch: number) => {
      await saveCheckpoint(s.checkpointWorkDir(sweep, trial, attempt), checkpointAt(epoch), {
        itemIds: ['a', 'b', 'c'],
      });
      await s.commitCheckpoint(sweep, trial, attempt);
    };

    const load = async (s: ArtifactStore, sweep: string, trial: number, attempt: number) => {
      const local = await s.openCheckpoint(sweep, trial, attempt);
      if (!local) return null;
      try {
        return await loadCheckpoint(local.dir);
      } finally {
        local.release();
      }
    };

    /** The store-relative key of a committed checkpoint's state array file. */
    const stateKey = async (sweep: string, trial: number, attempt: number) => {
      const local = (await h.store.openCheckpoint(sweep, trial, attempt))!;
      const file = (await readdir(local.dir)).find((f) => f.startsWith('state-'))!;
      local.release();
      return `sweeps/${sweep}/trials/${trial}/${attempt}/${file}`;
    };

    it('stores a raw source file and a directory per registration, opens them on another host, deletes through a generation', async () => {
      const id = ids();
      expect(await h.otherHost.openSource(id, 1)).toBeNull();
      const csv = join(scratch, `${ids()}.csv.gz`);
      await writeFile(csv, randomBytes(3000));
      await h.store.publishSource(id, 1, csv);
      const dir = join(scratch, ids());
      await mkdir(dir);
      await writeFile(join(dir, 'unique_sid.txt'), 'a\nb\n');
      await writeFile(join(dir, 'train.csv'), 'uid,sid\n0,0\n');
      await writeFile(join(dir, 'notes.md'), 'not part of the source');
      await h.store.publishSource(id, 2, dir, ['unique_sid.txt', 'train.csv']);

      const file = (await h.otherHost.openSource(id, 1))!;
      expect(file.path.endsWith('.csv.gz')).toBe(true);
      expect(await readFile(file.path)).toEqual(await readFile(csv));
      file.release();
      const copied = (await h.otherHost.openSource(id, 2))!;
      expect((await readdir(copied.path)).sort()).toEqual(['train.csv', 'unique_sid.txt']);
      expect(await readFile(join(copied.path, 'unique_sid.txt'), 'utf8')).toBe('a\nb\n');
      copied.release();

      await h.store.deleteSources(id, 1); // the older registration only
      expect(await h.otherHost.openSource(id, 1)).toBeNull();
      expect(await h.store.openSource(id, 2)).not.toBeNull();
      await h.store.deleteSources(id, 2);
      expect(await h.otherHost.openSource(id, 2)).toBeNull();
      await expect(h.store.publishSource(id, 3, join(scratch, 'missing.csv'))).rejects.toMatchObject({
        code: 'ENOENT',
      });
      expect(await h.store.openSource(id, 3)).toBeNull();
      await expect(h.store.openSource('../x', 1)).rejects.toThrow(/invalid dataset id/);
    });

    it('publishes, opens on another host, replaces and deletes a dataset', async () => {
      const id = ids();
      expect(await h.store.datasetExists(id)).toBe(false);
      await expect(h.otherHost.openDataset(id)).rejects.toBeInstanceOf(ArtifactMissingError);
      const v1 = await h.store.publishDataset(id, await preparedDir(30));
      expect(await h.otherHost.datasetExists(id)).toBe(true);
      const first = await h.otherHost.openDataset(id);
      expect((await readDatasetArtifact(first.dir)).trainUserIds).toHaveLength(24);
      first.release();

      const v2 = await h.store.publishDataset(id, await preparedDir(50));
      expect(v2).not.toBe(v1);
      const second = await h.otherHost.openDataset(id);
      expect(second.version).not.toBe(first.version);
      expect((await readDatasetArtifact(second.dir)).trainUserIds).toHaveLength(40);
      second.release();

      await h.store.deleteDataset(id, v1); // not the current version: kept
      expect(await h.store.datasetExists(id)).toBe(true);
      await h.store.deleteDataset(id);
      expect(await h.otherHost.datasetExists(id)).toBe(false);
      await expect(h.otherHost.openDataset(id)).rejects.toThrow(/is not in the artifact store/);
    });

    it('keeps a file larger than a multipart part whole', async () => {
      const id = ids();
      const dir = join(scratch, ids());
      const big = randomBytes(9 * 2 ** 20 + 123);
      await writeDatasetArtifact(
        dir,
        await prepareDataset(await csvOf(scratch, 20), { format: 'movielens-csv' }),
      );
      await writeFile(join(dir, 'extra.bin'), big);
      await h.store.publishDataset(id, dir);
      const local = await h.otherHost.openDataset(id);
      expect((await readFile(join(local.dir, 'extra.bin'))).equals(big)).toBe(true);
      local.release();
      await h.store.deleteDataset(id);
    });

    it('commits checkpoints, opens the last one on another host, and lists them', async () => {
      const sweep = ids();
      expect(await h.otherHost.openCheckpoint(sweep, 0, 1)).toBeNull();
      await save(h.store, sweep, 0, 1, 1);
      await save(h.store, sweep, 0, 1, 2);
      await save(h.store, sweep, 3, 1, 1);
      const loaded = (await load(h.otherHost, sweep, 0, 1))!;
      expect(loaded.epoch).toBe(2);
      expect(whole(loaded)).toBe(true);
      expect(await h.otherHost.listCheckpoints(sweep)).toEqual([
        { trialNo: 0, attempts: [1] },
        { trialNo: 3, attempts: [1] },
      ]);
      await h.store.deleteSweep(sweep);
      expect(await h.otherHost.listCheckpoints(sweep)).toEqual([]);
    });

    it('keeps concurrent writers of different attempts apart, and drops stale attempts', async () => {
      const sweep = ids();
      // Two hosts write the same trial at once under attempts 1 (stale) and 2.
      await Promise.all([
        (async () => {
          for (let e = 1; e <= 4; e++) await save(h.store, sweep, 0, 1, e);
        })(),
        (async () => {
          for (let e = 11; e <= 14; e++) await save(h.otherHost, sweep, 0, 2, e);
        })(),
      ]);
      expect((await load(h.store, sweep, 0, 1))!.epoch).toBe(4);
      expect((await load(h.store, sweep, 0, 2))!.epoch).toBe(14);
      expect(await h.store.listCheckpoints(sweep)).toEqual([{ trialNo: 0, attempts: [1, 2] }]);
      await h.store.deleteCheckpointAttempts(sweep, 0, 2);
      expect(await h.otherHost.listCheckpoints(sweep)).toEqual([{ trialNo: 0, attempts: [2] }]);
      expect(await load(h.otherHost, sweep, 0, 1)).toBeNull();
      await h.store.deleteSweep(sweep);
    });

    it('never shows a reader half a checkpoint while a writer commits', async () => {
      const sweep = ids();
      await save(h.store, sweep, 0, 1, 1);
      let writing = true;
      const writer = (async () => {
        for (let e = 2; e <= 12; e++) await save(h.store, sweep, 0, 1, e);
        writing = false;
      })();
      const seen: number[] = [];
      while (writing) {
        // A reader either gets one save whole, or (on the filesystem, where a save removes the files
        // the previous manifest named) a CheckpointError naming the missing file; never a mix.
        const c = await load(h.otherHost, sweep, 0, 1).catch((e: unknown) => {
          if (e instanceof CheckpointError && /missing/.test(e.message)) return null;
          throw e;
        });
        if (c) {
          expect(whole(c)).toBe(true);
          seen.push(c.epoch);
        }
      }
      await writer;
      expect(seen.length).toBeGreaterThan(0);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen); // never back in time
      expect((await load(h.otherHost, sweep, 0, 1))!.epoch).toBe(12);
      await h.store.deleteSweep(sweep);
    });

    it('detects a corrupt and a missing checkpoint file, and discards the attempt', async () => {
      const sweep = ids();
      await save(h.store, sweep, 0, 1, 3);
      await save(h.store, sweep, 1, 1, 3);
      const corrupt = await stateKey(sweep, 0, 1);
      const good = await readFileFromStore(h.store, sweep, 0, corrupt);
      for (let i = 0; i < 64; i++) good[128 + i] ^= 0xff;
      await h.overwrite(corrupt, good);
      await h.remove(await stateKey(sweep, 1, 1));
      await expect(h.otherHost.openCheckpoint(sweep, 0, 1)).rejects.toThrow(
        /state-.*\.bin is corrupt \(size or CRC32/,
      );
      await expect(h.otherHost.openCheckpoint(sweep, 1, 1)).rejects.toThrow(/missing state-/);
      await expect(h.otherHost.openCheckpoint(sweep, 1, 1)).rejects.toBeInstanceOf(CheckpointError);
      await h.otherHost.discardCheckpoint(sweep, 0, 1);
      expect(await h.store.openCheckpoint(sweep, 0, 1)).toBeNull();
      expect(await h.store.listCheckpoints(sweep)).toEqual([{ trialNo: 1, attempts: [1] }]);
      await h.store.deleteSweep(sweep);
    });

    it('promotes a model that readers on another host see whole, and replaces it', async () => {
      const sweep = ids();
      expect(await h.otherHost.openModel(sweep)).toBeNull();
      await save(h.store, sweep, 0, 1, 2);
      await save(h.store, sweep, 5, 1, 7);
      await h.store.promoteModel(sweep, 0, 1);
      const first = (await h.otherHost.openModel(sweep))!;
      expect((await loadBestWeights(first.dir)).epoch).toBe(2);
      expect((await loadBestWeights(first.dir)).itemIds).toEqual(['a', 'b', 'c']);
      first.release();
      await h.store.promoteModel(sweep, 5, 1);
      // The promoted model outlives its trial's checkpoints.
      await h.store.deleteCheckpoints(sweep, [0, 5]);
      const second = (await h.otherHost.openModel(sweep))!;
      expect(second.version).not.toBe(first.version);
      expect((await loadBestWeights(second.dir)).epoch).toBe(7);
      second.release();
      await h.store.deleteSweep(sweep);
      expect(await h.otherHost.openModel(sweep)).toBeNull();
    });

    it('deletes what the keep policy names, and nothing else', async () => {
      const sweep = ids();
      const best = [0.3, 0.5, 0.4, 0.1];
      for (const n of [0, 1, 2, 3]) await save(h.store, sweep, n, 1, 1);
      const doomed = checkpointsToDelete(
        best.map((b, trialNo) => ({ trialNo, running: false, best: b })),
        true,
        { keepAfterEnd: 2 },
      );
      expect(doomed).toEqual([0, 3]);
      await h.store.deleteCheckpoints(sweep, [...doomed, 9]); // 9 never had one: fine
      expect(await h.otherHost.listCheckpoints(sweep)).toEqual([
        { trialNo: 1, attempts: [1] },
        { trialNo: 2, attempts: [1] },
      ]);
      expect((await load(h.otherHost, sweep, 2, 1))!.epoch).toBe(1);
      await h.store.deleteSweep(sweep);
    });

    it('keeps sweep results that another host reads, replaces them whole, and deletes them with the sweep', async () => {
      const sweep = ids();
      expect(await h.otherHost.getSweepResult(sweep, 'best.bin')).toBeNull();
      await h.store.putSweepResult(sweep, 'best.bin', Uint8Array.of(1, 2, 3));
      await h.store.putSweepResult(sweep, 'ease.bin', Uint8Array.of(9));
      expect(Array.from((await h.otherHost.getSweepResult(sweep, 'best.bin'))!)).toEqual([1, 2, 3]);
      await h.store.putSweepResult(sweep, 'best.bin', Uint8Array.of(4, 5));
      expect(Array.from((await h.otherHost.getSweepResult(sweep, 'best.bin'))!)).toEqual([4, 5]);
      expect(Array.from((await h.otherHost.getSweepResult(sweep, 'ease.bin'))!)).toEqual([9]);
      await h.store.deleteSweep(sweep);
      expect(await h.otherHost.getSweepResult(sweep, 'best.bin')).toBeNull();
      for (const bad of ['../x', 'a/b', '', '.hidden'])
        await expect(h.store.putSweepResult(sweep, bad, Uint8Array.of(1))).rejects.toThrow(
          /invalid sweep result name/,
        );
    });

    it('refuses ids that could leave their folder', async () => {
      for (const id of ['..', '../x', 'a/b', '', '.hidden', 'x'.repeat(200)]) {
        await expect(h.store.openDataset(id)).rejects.toThrow(/invalid dataset id/);
        expect(() => h.store.checkpointWorkDir(id, 0, 1)).toThrow(/invalid sweep id/);
      }
      expect(() => h.store.checkpointWorkDir('s', 0, 0)).toThrow(/invalid checkpoint attempt 0/);
      expect(() => h.store.checkpointWorkDir('s', -1, 1)).toThrow(/invalid trial number -1/);
    });
  });
}

async function csvOf(dir: string, users: number): Promise<string> {
  const csv = join(dir, `ratings-${randomBytes(4).toString('hex')}.csv`);
  const lines = ['userId,movieId,rating,timestamp'];
  for (let u = 0; u < users; u++) for (let i = 0; i < 6; i++) lines.push(`${u},${i},5,0`);
  await writeFile(csv, `${lines.join('\n')}\n`);
  return csv;
}

/** A committed file's bytes, read through the store's own open. */
async function readFileFromStore(
  store: ArtifactStore,
  sweep: string,
  trial: number,
  rel: string,
): Promise<Buffer> {
  const local = (await store.openCheckpoint(sweep, trial, 1))!;
  try {
    return await readFile(join(local.dir, rel.split('/').pop()!));
  } finally {
    local.release();
  }
}
