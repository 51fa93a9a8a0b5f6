import * as tf from '@tensorflow/tfjs-core';
import { loadEngine, type Engine, type EngineRequest } from '@vaecf/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { availableEngines } from '../../../engine/test/available';
import { resolveTrialConfig, type TrialConfig } from '../../src/model/config';
import type { RecvaePhase } from '../../src/model/recvae/graph';
import { RecVAE } from '../../src/model/recvae/model';
import { buildSparseInput } from '../../src/model/sparse-input';
import { Rng } from '../../src/runtime/rng';
import { Trainer, type EpochReport } from '../../src/train/trainer';
import { tinyDataset } from '../support/datasets';
import { maxAbsDiff, randomCsr, useOracleBackend } from '../support/tf';
import { recvaeReferenceLoss } from './recvae-reference';

/**
 * RecVAE's contract on every engine: both phases' hand-written backward
 * (swish, layer norm, dense residuals, the composite prior's mixture
 * log-density) against tf.grad of the reference written as the authors'
 * code reads; scoring as the tfjs cpu engine; bit-identical repeats and
 * resumes (the prior's copy and both optimisers in the checkpoint).
 */
const N_ITEMS = 30;

let reference: Engine;
beforeAll(async () => {
  reference = (await loadEngine({ engine: 'tfjs-cpu', threads: 1 })).engine;
});

const config = (over: Partial<TrialConfig> = {}) =>
  resolveTrialConfig({ model: 'recvae', dims: [6, 3], keepProb: 0.7, klGamma: 0.05, ...over });

/**
 * A model whose prior copy differs from its encoder (another seed's weights)
 * and whose layer norm gains and shifts are not 1 and 0, so that every term
 * of the gradient is exercised.
 */
async function scrambled(engine: Engine, c: TrialConfig): Promise<RecVAE> {
  const net = await RecVAE.create(c, N_ITEMS, Rng.fromSeed(1), engine);
  const other = new RecVAE(c, N_ITEMS, Rng.fromSeed(2), engine);
  const state = await net.getState();
  const theirs = (await other.getWeights()).tensors;
  const rng = Rng.fromSeed(3);
  for (const name of Object.keys(theirs)) {
    if (name === 'Wd' || name === 'bd') continue;
    state.tensors[`prior/${name}`] = theirs[name];
  }
  for (let k = 1; k <= 5; k++)
    for (const n of [`g${k}`, `c${k}`, `prior/g${k}`, `prior/c${k}`])
      state.tensors[n] = state.tensors[n].map((v) => v + 0.3 * rng.normal());
  net.setState(state);
  return net;
}

async function oracle(
  net: RecVAE,
  c: TrialConfig,
  batch: ReturnType<typeof randomCsr>,
  phase: RecvaePhase,
  seed: number,
) {
  await useOracleBackend();
  const rng = Rng.fromSeed(seed);
  const x =
    phase === 'encoder' ? buildSparseInput(batch, { keepProb: c.keepProb, rng }) : buildSparseInput(batch);
  const eps = Float32Array.from({ length: batch.nRows * net.settings.latent }, () => rng.normal());
  const t = (await net.getState()).tensors;
  const { hidden: H, latent: d } = net.settings;
  const shapeOf = (name: string): number[] => {
    if (name === 'W1') return [N_ITEMS, H];
    if (name === 'Wd') return [d, N_ITEMS];
    if (name === 'Wmu' || name === 'Wlv') return [H, d];
    if (/^W\d$/.test(name)) return [H, H];
    return [t[name].length];
  };
  const weightNames = Object.keys((await net.getWeights()).tensors);
  const decoder = new Set(['Wd', 'bd']);
  const trained = weightNames.filter((n) => (phase === 'decoder') === decoder.has(n));
  const p: Record<string, tf.Tensor> = {};
  const vars: tf.Variable[] = [];
  for (const n of weightNames) {
    const value = tf.tensor(t[n], shapeOf(n));
    if (trained.includes(n)) {
      const v = tf.variable(value, true, `recvae_${phase}_${n}_${seed}_${Math.random()}`);
      vars.push(v);
      p[n] = v;
    } else p[n] = value;
  }
  const prior: Record<string, tf.Tensor> = {};
  for (const n of weightNames) if (!decoder.has(n)) prior[n] = tf.tensor(t[`prior/${n}`], shapeOf(n));
  const ref = tf.variableGrads(
    () =>
      recvaeReferenceLoss(p, prior, x, batch, eps, {
        latent: d,
        klGamma: net.settings.klGamma,
        priorWeights: net.settings.priorWeights,
      }),
    vars,
  );
  const grads: Record<string, Float32Array> = {};
  trained.forEach((n, k) => (grads[n] = ref.grads[vars[k].name].dataSync() as Float32Array));
  const loss = ref.value.dataSync()[0];
  tf.dispose([...vars, ...Object.values(p), ...Object.values(prior), ref.value, ...Object.values(ref.grads)]);
  return { loss, grads };
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const metricsOf = (h: readonly EpochReport[]) =>
  h.map(({ loss, nll, kl, steps, validation }) => ({ loss, nll, kl, steps, validation }));

for (const req of availableEngines())
  describe(`RecVAE contract: ${req.engine} x${req.threads}`, () => contract(req));

function contract(req: EngineRequest): void {
  let engine: Engine;
  beforeAll(async () => {
    engine = (await loadEngine(req)).engine;
  });

  it.each(['encoder', 'decoder'] as const)(
    '%s phase: the loss and every gradient as tf.grad of the reference',
    async (phase) => {
      const c = config();
      const net = await scrambled(engine, c);
      const batch = randomCsr(2, 5, N_ITEMS, 10);
      const { loss, grads } = await net.gradients(batch, Rng.fromSeed(9), phase);
      const ref = await oracle(net, c, batch, phase, 9);
      expect(loss.loss).toBeCloseTo(ref.loss, 3);
      expect(Object.keys(grads).sort()).toEqual(Object.keys(ref.grads).sort());
      for (const [name, theirs] of Object.entries(ref.grads)) {
        const scale = Math.max(1e-3, ...Array.from(theirs, Math.abs));
        expect(maxAbsDiff(grads[name], theirs) / scale, name).toBeLessThan(5e-4);
      }
      await net.dispose();
    },
  );

  it('scores with z = mu deterministically, as the tfjs cpu engine does', async () => {
    const c = config();
    const batch = randomCsr(3, 4, N_ITEMS, 8);
    const net = await scrambled(engine, c);
    const ref = await scrambled(reference, c);
    const scores = await net.score(batch);
    expect(scores.length).toBe(batch.nRows * N_ITEMS);
    expect(bits(await net.score(batch)).equals(bits(scores))).toBe(true);
    expect(maxAbsDiff(scores, await ref.score(batch))).toBeLessThan(1e-4);
    await Promise.all([net.dispose(), ref.dispose()]);
  });

  it('repeats and resumes bit for bit (prior copy and both optimisers in the checkpoint)', async () => {
    const data = tinyDataset(6, 80, 40);
    const c = resolveTrialConfig({ model: 'recvae', dims: [10, 4], batchSize: 25, epochs: 2, seed: 5 });
    const straight = await Trainer.create(data, c, engine);
    const again = await Trainer.create(data, c, engine);
    for (const t of [straight, again]) while (!t.finished) await t.runEpoch();
    const a = (await straight.checkpoint()).model.tensors;
    const b = (await again.checkpoint()).model.tensors;
    expect(Object.keys(a)).toContain('prior/W5');
    expect(Object.keys(a)).toContain('Wd/m');
    for (const k of Object.keys(a)) expect(bits(a[k]).equals(bits(b[k])), k).toBe(true);
    expect(metricsOf(again.history)).toEqual(metricsOf(straight.history));
    // Each epoch: 3 encoder passes and 1 decoder pass of ceil(80 train users' share / 25) steps.
    expect(straight.history[0].steps % 4).toBe(0);

    const first = await Trainer.create(data, c, engine);
    await first.runEpoch();
    const resumed = await Trainer.resume(data, await first.checkpoint(), engine);
    await resumed.runEpoch();
    const r = (await resumed.checkpoint()).model.tensors;
    for (const k of Object.keys(a)) expect(bits(r[k]).equals(bits(a[k])), k).toBe(true);
    expect(metricsOf(resumed.history)).toEqual(metricsOf(straight.history));
    expect(Number.isFinite((await straight.evaluateBestOnTest()).ndcg100)).toBe(true);
    await Promise.all([straight, again, first, resumed].map((t) => t.dispose()));
  });
}
