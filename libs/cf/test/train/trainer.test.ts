import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTrialConfig, type TrialConfigInput } from '../../src/model/config';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint-io';
import { TrainingAbortedError, TrainingDivergedError } from '../../src/train/errors';
import { Trainer, type EpochReport } from '../../src/train/trainer';
import { tinyDataset } from '../support/datasets';
import { useTestBackend } from '../support/tf';

const data = tinyDataset();
let dir: string;

beforeAll(async () => {
  await useTestBackend();
  dir = await mkdtemp(join(tmpdir(), 'vaecf-trainer-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const config = (over: Partial<TrialConfigInput> = {}) =>
  resolveTrialConfig({
    model: 'vae',
    dims: [16, 8],
    batchSize: 25,
    epochs: 4,
    totalAnnealSteps: 10,
    seed: 7,
    ...over,
  });

async function runAll(t: Trainer): Promise<EpochReport[]> {
  while (!t.finished) await t.runEpoch();
  return [...t.history];
}

/** The reproducible part of a report (timings vary run to run). */
const metricsOf = (h: readonly EpochReport[]) =>
  h.map(({ loss, nll, kl, beta, steps, validation }) => ({ loss, nll, kl, beta, steps, validation }));

describe('Trainer', () => {
  it.each(['vae', 'dae'] as const)('%s: same seed, same backend gives identical metrics', async (model) => {
    const a = Trainer.create(data, config({ model }));
    const b = Trainer.create(data, config({ model }));
    expect(metricsOf(await runAll(a))).toEqual(metricsOf(await runAll(b)));
    const c = Trainer.create(data, config({ model, seed: 8 }));
    expect(metricsOf(await runAll(c))).not.toEqual(metricsOf(a.history));
    [a, b, c].forEach((t) => t.dispose());
  });

  it('resumed from an on-disk checkpoint after epoch 1, ends exactly as the uninterrupted run', async () => {
    const straight = Trainer.create(data, config());
    await runAll(straight);
    const first = Trainer.create(data, config());
    await first.runEpoch();
    await saveCheckpoint(join(dir, 'resume'), first.checkpoint(), { itemIds: data.itemIds });
    first.dispose();
    const resumed = Trainer.resume(data, await loadCheckpoint(join(dir, 'resume')));
    expect(resumed.epochsDone).toBe(1);
    await runAll(resumed);
    expect(metricsOf(resumed.history)).toEqual(metricsOf(straight.history));
    expect(await resumed.evaluateBestOnTest()).toEqual(await straight.evaluateBestOnTest());
    expect(resumed.checkpoint().model).toEqual(straight.checkpoint().model);
    straight.dispose();
    resumed.dispose();
  });

  it('anneals beta per update across epochs up to annealCap', async () => {
    const t = Trainer.create(data, config({ annealCap: 0.5, totalAnnealSteps: 10 }));
    const h = await runAll(t);
    // 120 users / 25 = 5 updates per epoch; beta of the last update of epoch e is min(0.5, (5e - 1) / 10).
    expect(h.map((r) => r.steps)).toEqual([5, 10, 15, 20]);
    expect(h.map((r) => r.beta)).toEqual([0.4, 0.5, 0.5, 0.5]);
    t.dispose();
  });

  it('Mult-DAE has no KL term', async () => {
    const t = Trainer.create(data, config({ model: 'dae', dims: [12] }));
    const r = await t.runEpoch();
    expect(r.kl).toBe(0);
    expect(r.beta).toBe(0);
    t.dispose();
  });

  it('leaks no tensors: the live count is the same after every epoch, and back to the start after dispose', async () => {
    const before = tf.memory().numTensors;
    const t = Trainer.create(data, config());
    await t.runEpoch();
    const live = tf.memory().numTensors;
    await t.runEpoch();
    expect(tf.memory().numTensors).toBe(live);
    await t.evaluateBestOnTest();
    t.checkpoint();
    expect(tf.memory().numTensors).toBe(live);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops between minibatches on abort and refuses to go on', async () => {
    const t = Trainer.create(data, config());
    const ctl = new AbortController();
    ctl.abort();
    await expect(t.runEpoch({ signal: ctl.signal })).rejects.toBeInstanceOf(TrainingAbortedError);
    await expect(t.runEpoch()).rejects.toThrow(/resume from its last checkpoint/);
    t.dispose();
  });

  it('reports a non-finite loss as divergence with the epoch', async () => {
    const t = Trainer.create(data, config());
    await t.runEpoch();
    const ckpt = t.checkpoint();
    t.dispose();
    const poisoned = { ...ckpt, model: { ...ckpt.model, tensors: { ...ckpt.model.tensors } } };
    poisoned.model.tensors['layer1/W'] = ckpt.model.tensors['layer1/W'].map(() => NaN);
    const r = Trainer.resume(data, poisoned);
    await expect(r.runEpoch()).rejects.toThrow(new TrainingDivergedError(2, 6, NaN).message);
    r.dispose();
  });

  it('keeps the best-by-validation weights', async () => {
    const t = Trainer.create(data, config());
    const h = await runAll(t);
    const best = h.reduce((a, b) => (b.validation.ndcg100 > a.validation.ndcg100 ? b : a));
    expect(t.bestSnapshot?.epoch).toBe(best.epoch);
    expect(h.filter((r) => r.improved).at(-1)?.epoch).toBe(best.epoch);
    t.dispose();
  });

  it.each(['recall20', 'recall50'] as const)('keeps the best epoch by selectBy = %s', async (metric) => {
    const t = Trainer.create(data, config({ selectBy: metric, epochs: 6 }));
    const h = await runAll(t);
    const best = h.reduce((a, b) => (b.validation[metric] > a.validation[metric] ? b : a));
    expect(t.bestSnapshot?.epoch).toBe(best.epoch);
    expect(h.filter((r) => r.improved).at(-1)?.epoch).toBe(best.epoch);
    t.dispose();
  });
});
