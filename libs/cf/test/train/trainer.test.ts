import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '@vaecf/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTrialConfig, type TrialConfigInput } from '../../src/model/config';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint-io';
import { TrainingAbortedError, TrainingDivergedError } from '../../src/train/errors';
import { Trainer, type EpochReport } from '../../src/train/trainer';
import { tinyDataset } from '../support/datasets';
import { testEngine } from '../support/tf';

const data = tinyDataset();
let dir: string;
let engine: Engine;

beforeAll(async () => {
  engine = await testEngine();
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
  it.each(['vae', 'dae'] as const)('%s: same seed, same engine gives identical metrics', async (model) => {
    const a = await Trainer.create(data, config({ model }), engine);
    const b = await Trainer.create(data, config({ model }), engine);
    expect(metricsOf(await runAll(a))).toEqual(metricsOf(await runAll(b)));
    const c = await Trainer.create(data, config({ model, seed: 8 }), engine);
    expect(metricsOf(await runAll(c))).not.toEqual(metricsOf(a.history));
    await Promise.all([a, b, c].map((t) => t.dispose()));
  });

  it('resumed from an on-disk checkpoint after epoch 1, ends exactly as the uninterrupted run', async () => {
    const straight = await Trainer.create(data, config(), engine);
    await runAll(straight);
    const first = await Trainer.create(data, config(), engine);
    await first.runEpoch();
    await saveCheckpoint(join(dir, 'resume'), await first.checkpoint(), { itemIds: data.itemIds });
    await first.dispose();
    const resumed = await Trainer.resume(data, await loadCheckpoint(join(dir, 'resume')), engine);
    expect(resumed.epochsDone).toBe(1);
    await runAll(resumed);
    expect(metricsOf(resumed.history)).toEqual(metricsOf(straight.history));
    expect(await resumed.evaluateBestOnTest()).toEqual(await straight.evaluateBestOnTest());
    expect((await resumed.checkpoint()).model).toEqual((await straight.checkpoint()).model);
    await straight.dispose();
    await resumed.dispose();
  });

  it('anneals beta per update across epochs up to annealCap', async () => {
    const t = await Trainer.create(data, config({ annealCap: 0.5, totalAnnealSteps: 10 }), engine);
    const h = await runAll(t);
    // 120 users / 25 = 5 updates per epoch; beta of the last update of epoch e is min(0.5, (5e - 1) / 10).
    expect(h.map((r) => r.steps)).toEqual([5, 10, 15, 20]);
    expect(h.map((r) => r.beta)).toEqual([0.4, 0.5, 0.5, 0.5]);
    await t.dispose();
  });

  it('Mult-DAE has no KL term', async () => {
    const t = await Trainer.create(data, config({ model: 'dae', dims: [12] }), engine);
    const r = await t.runEpoch();
    expect(r.kl).toBe(0);
    expect(r.beta).toBe(0);
    await t.dispose();
  });

  it('stops between minibatches on abort and refuses to go on', async () => {
    const t = await Trainer.create(data, config(), engine);
    const ctl = new AbortController();
    ctl.abort();
    await expect(t.runEpoch({ signal: ctl.signal })).rejects.toBeInstanceOf(TrainingAbortedError);
    await expect(t.runEpoch()).rejects.toThrow(/resume from its last checkpoint/);
    await t.dispose();
  });

  it('reports a non-finite loss as divergence with the epoch', async () => {
    const t = await Trainer.create(data, config(), engine);
    await t.runEpoch();
    const ckpt = await t.checkpoint();
    await t.dispose();
    const poisoned = { ...ckpt, model: { ...ckpt.model, tensors: { ...ckpt.model.tensors } } };
    poisoned.model.tensors['layer1/W'] = ckpt.model.tensors['layer1/W'].map(() => NaN);
    const r = await Trainer.resume(data, poisoned, engine);
    await expect(r.runEpoch()).rejects.toThrow(new TrainingDivergedError(2, 6, NaN).message);
    await r.dispose();
  });

  it('keeps the best-by-validation weights', async () => {
    const t = await Trainer.create(data, config(), engine);
    const h = await runAll(t);
    const best = h.reduce((a, b) => (b.validation.ndcg100 > a.validation.ndcg100 ? b : a));
    expect(t.bestSnapshot?.epoch).toBe(best.epoch);
    expect(h.filter((r) => r.improved).at(-1)?.epoch).toBe(best.epoch);
    await t.dispose();
  });

  it.each(['recall20', 'recall50'] as const)('keeps the best epoch by selectBy = %s', async (metric) => {
    const t = await Trainer.create(data, config({ selectBy: metric, epochs: 6 }), engine);
    const h = await runAll(t);
    const best = h.reduce((a, b) => (b.validation[metric] > a.validation[metric] ? b : a));
    expect(t.bestSnapshot?.epoch).toBe(best.epoch);
    expect(h.filter((r) => r.improved).at(-1)?.epoch).toBe(best.epoch);
    await t.dispose();
  });
});
