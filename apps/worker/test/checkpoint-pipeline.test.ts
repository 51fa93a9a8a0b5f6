import { FilesystemArtifactStore } from '@vaecf/artifacts';
import { loadCheckpoint, Trainer } from '@vaecf/cf';
import { parseSweepSpec } from '@vaecf/sweep';
import { describe, expect, it, vi } from 'vitest';
import { useCoreBed } from '../../../test/support/core-bed';
import { CheckpointPipeline } from '../src/checkpoint-pipeline';
import { DatasetCache } from '../src/dataset-cache';
import { runTrial, type TrialContext } from '../src/trial-runner';
import { testWorkerEngines } from './test-engines';

/**
 * Asynchronous checkpointing: an epoch's checkpoint is written, committed and
 * recorded while the next epoch trains. Real trainers, a real Redis, real
 * files; the filesystem store's commit is held at a test-controlled gate, so
 * the order of events is checked, never the clock.
 */
/** A filesystem store whose commits wait on `gate` (the commit's number, from 1). */
class GatedStore extends FilesystemArtifactStore {
  commits = 0;
  gate: (commit: number) => Promise<void> = async () => undefined;
  override async commitCheckpoint(sweepId: string, trialNo: number, attempt: number): Promise<void> {
    await this.gate(++this.commits);
    return super.commitCheckpoint(sweepId, trialNo, attempt);
  }
}

const bed = useCoreBed({
  dataset: {
    name: 'ckpt-pipeline',
    id: 'ds',
    ratings: { users: 300, items: 120, seed: 7, heldoutUsers: 40 },
  },
});

/** A one-trial sweep of `epochs` epochs, and what runTrial needs to run it on `artifacts`. */
async function oneTrial(artifacts: GatedStore, epochs: number) {
  const { id } = await bed.store.createSweep(
    parseSweepSpec({ dataset: 'ds', model: 'vae', baselines: [] }),
    1,
  );
  bed.track(id);
  await bed.store.createTrial(id, 0, {
    model: 'vae',
    dims: [32, 8],
    batchSize: 100,
    epochs,
    totalAnnealSteps: 20,
  });
  const ctx: TrialContext = {
    store: bed.store,
    artifacts,
    datasets: new DatasetCache(artifacts),
    workerId: 'test',
    engines: await testWorkerEngines(),
    progress: async () => undefined,
  };
  return { id, ctx };
}

describe('CheckpointPipeline', () => {
  it('holds one write at a time, rethrows its error at settle, and drain ignores it', async () => {
    const p = new CheckpointPipeline();
    expect(await p.settle()).toBe(0);
    let finish!: () => void;
    p.start(() => new Promise<void>((r) => (finish = r)));
    expect(() => p.start(async () => undefined)).toThrow(/already being written/);
    finish();
    await expect(p.settle()).resolves.toBeGreaterThanOrEqual(0);
    p.start(() => Promise.reject(new Error('disk full')));
    await expect(p.settle()).rejects.toThrow('disk full');
    expect(await p.settle()).toBe(0); // settled: nothing in flight any more
    p.start(() => Promise.reject(new Error('disk full')));
    await expect(p.drain()).resolves.toBeUndefined();
  });
});

describe("the trial runner's checkpoints", () => {
  it('are written while the next epoch trains, and each epoch is recorded with its checkpoint', async () => {
    const artifacts = new GatedStore(bed.root);
    const { id, ctx } = await oneTrial(artifacts, 3);
    // Epoch 1's commit opens only once epoch 2 has trained: a runner that waited for the commit
    // before training on would never get there (the test then fails by its timeout).
    let epochsRun = 0;
    let epoch2Trained!: () => void;
    const trained2 = new Promise<void>((r) => (epoch2Trained = r));
    const runEpoch = Trainer.prototype.runEpoch;
    const spy = vi.spyOn(Trainer.prototype, 'runEpoch').mockImplementation(async function (this: Trainer, o) {
      const report = await runEpoch.call(this, o);
      if (++epochsRun === 2) epoch2Trained();
      return report;
    });
    const seenAtGate: { epochs: number; checkpoint: unknown }[] = [];
    artifacts.gate = async (commit) => {
      if (commit !== 1) return;
      await trained2;
      // Epoch 1 is not in the record before its checkpoint is committed: they land together.
      const t = (await bed.store.getTrial(id, 0))!;
      seenAtGate.push({ epochs: t.epochs, checkpoint: t.checkpoint ?? null });
    };
    try {
      expect(await runTrial({ sweepId: id, trialNo: 0 }, ctx)).toBe('completed');
    } finally {
      spy.mockRestore();
    }
    expect(seenAtGate).toEqual([{ epochs: 0, checkpoint: null }]);
    expect(artifacts.commits).toBe(3);
    // The trial ended with its last epoch recorded and pointed at, the files holding that epoch.
    const trial = (await bed.store.getTrial(id, 0))!;
    expect(trial.state).toBe('completed');
    expect(trial.epochs).toBe(3);
    expect(trial.checkpoint).toEqual({ attempt: 1, epoch: 3 });
    expect((await loadCheckpoint(artifacts.checkpointWorkDir(id, 0, 1))).epoch).toBe(3);
    const history = (await bed.store.history(id, 0)) as { epoch: number; checkpointSeconds?: number }[];
    expect(history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    for (const r of history) expect(r.checkpointSeconds).toBeGreaterThanOrEqual(0);
  });

  it("fail the trial's job when a write fails, and the epoch is not recorded", async () => {
    const artifacts = new GatedStore(bed.root);
    const { id, ctx } = await oneTrial(artifacts, 3);
    artifacts.gate = async (commit) => {
      if (commit === 2) throw new Error('ENOSPC: no space left on device');
    };
    // An infrastructure error: it propagates (BullMQ retries the job from the checkpoint of epoch 1).
    await expect(runTrial({ sweepId: id, trialNo: 0 }, ctx)).rejects.toThrow('ENOSPC');
    const trial = (await bed.store.getTrial(id, 0))!;
    expect(trial.state).toBe('running');
    expect(trial.epochs).toBe(1);
    expect(trial.checkpoint).toEqual({ attempt: 1, epoch: 1 });
  });
});
