import * as tf from '@tensorflow/tfjs-core';
import { loadEngine, type Engine, type EngineRequest } from '@vaecf/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { availableEngines } from '../../../engine/test/available';
import { resolveTrialConfig, type ModelKind, type TrialConfig } from '../../src/model/config';
import { MultAutoencoder } from '../../src/model/network';
import { buildSparseInput } from '../../src/model/sparse-input';
import { Rng } from '../../src/runtime/rng';
import { Trainer, type EpochReport } from '../../src/train/trainer';
import { tinyDataset } from '../support/datasets';
import { maxAbsDiff, randomCsr, useOracleBackend } from '../support/tf';
import { referenceLoss } from './reference-graph';

/**
 * The model-level contract every engine passes: the hand-written backward
 * against tf.grad of the reference graph, scoring, the loss where a softmax
 * probability underflows, bit-identical repeats and resumes on one engine,
 * agreement with the tfjs cpu engine within float tolerance, and checkpoints
 * that move between engines.
 */
const N_ITEMS = 40;
const CONFIGS = [
  ['vae', [8, 4], 0],
  ['vae', [5], 0.01],
  ['dae', [6], 0.01 / 500],
  ['dae', [7, 3], 0.05],
] as const;

let reference: Engine;
beforeAll(async () => {
  reference = (await loadEngine({ engine: 'tfjs-cpu', threads: 1 })).engine;
});

const model = (kind: ModelKind, dims: readonly number[], lam: number) =>
  resolveTrialConfig({ model: kind, dims: [...dims], lam, keepProb: 0.7 });

/** Replays the draws MultAutoencoder makes from the step rng: dropout mask, then the VAE noise. */
function replayDraws(
  net: MultAutoencoder,
  batch: ReturnType<typeof randomCsr>,
  keepProb: number,
  seed: number,
) {
  const rng = Rng.fromSeed(seed);
  const x = buildSparseInput(batch, { keepProb, rng });
  const eps =
    net.arch.kind === 'vae'
      ? Float32Array.from({ length: batch.nRows * net.arch.latent }, () => rng.normal())
      : undefined;
  return { x, eps };
}

/** tf.grad of the reference graph at the net's weights: the loss and every gradient by name. */
async function oracle(
  net: MultAutoencoder,
  config: TrialConfig,
  batch: ReturnType<typeof randomCsr>,
  beta: number,
  seed: number,
) {
  await useOracleBackend();
  const { x, eps } = replayDraws(net, batch, config.keepProb, seed);
  const state = (await net.getWeights()).tensors;
  const names = net.arch.layers.flatMap((_, i) => [`layer${i}/W`, `layer${i}/b`]);
  const vars = names.map((n, k) => {
    const layer = net.arch.layers[k >> 1];
    return tf.variable(
      k % 2 === 0 ? tf.tensor2d(state[n], [layer.inputs, layer.units]) : tf.tensor1d(state[n]),
    );
  });
  const ref = tf.variableGrads(() => referenceLoss(net.arch, vars, x, batch, eps, beta, config.lam), vars);
  const grads = Object.fromEntries(
    vars.map((v, k) => [names[k], ref.grads[v.name].dataSync() as Float32Array]),
  );
  const loss = ref.value.dataSync()[0];
  tf.dispose([...vars, ref.value, ...Object.values(ref.grads)]);
  return { loss, grads };
}

describe('a resident model on a GPU that cannot hold it', () => {
  it('is refused before its first step, naming the need, the device and what to change', async () => {
    const config = resolveTrialConfig({ model: 'vae', dims: [64, 16], batchSize: 500 });
    const tiny = Object.create(reference) as Engine;
    tiny.deviceMemory = async () => ({ name: 'Tiny GPU', totalBytes: 2 ** 30, freeBytes: 2 ** 24 });
    await expect(
      MultAutoencoder.create(config, 20_000, Rng.fromSeed(1), tiny, { resident: true }),
    ).rejects.toThrow(
      /^the model needs about 0\.\d GiB on cpu \(Tiny GPU\), which has 0\.0 GiB free of 1\.0: lower batchSize, evalBatchSize or dims, or train on a CPU engine$/,
    );
    // On the host path the device's memory is not the model's concern.
    const host = await MultAutoencoder.create(config, 200, Rng.fromSeed(1), tiny, { resident: false });
    await host.dispose();
  });
});

const metricsOf = (h: readonly EpochReport[]) =>
  h.map(({ loss, nll, kl, beta, steps, validation }) => ({ loss, nll, kl, beta, steps, validation }));

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function sameBits(a: Record<string, Float32Array>, b: Record<string, Float32Array>): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const k of Object.keys(a)) expect(bits(a[k]).equals(bits(b[k])), k).toBe(true);
}

for (const req of availableEngines())
  describe(`model contract: ${req.engine} x${req.threads}`, () => modelContract(req));

function modelContract(req: EngineRequest): void {
  let engine: Engine;
  beforeAll(async () => {
    engine = (await loadEngine(req)).engine;
  });

  describe.each(CONFIGS)('%s dims %j lam %d', (kind, dims, lam) => {
    it('computes the loss and every gradient as tf.grad of the dense reference graph', async () => {
      const config = model(kind, dims, lam);
      const net = await MultAutoencoder.create(config, N_ITEMS, Rng.fromSeed(1), engine);
      const batch = randomCsr(2, 6, N_ITEMS, 12);
      const { loss, grads } = await net.gradients(batch, 0.3, Rng.fromSeed(9));
      const ref = await oracle(net, config, batch, 0.3, 9);
      expect(loss.loss).toBeCloseTo(ref.loss, 4);
      for (const [name, theirs] of Object.entries(ref.grads)) {
        const scale = Math.max(1e-3, ...Array.from(theirs, Math.abs));
        expect(maxAbsDiff(grads[name], theirs) / scale, name).toBeLessThan(2e-4);
      }
      await net.dispose();
    });

    it('scores with no dropout and z = mean, deterministically, as the tfjs cpu engine does', async () => {
      const config = model(kind, dims, lam);
      const batch = randomCsr(3, 5, N_ITEMS, 10);
      const net = await MultAutoencoder.create(config, N_ITEMS, Rng.fromSeed(1), engine);
      const ref = await MultAutoencoder.create(config, N_ITEMS, Rng.fromSeed(1), reference);
      const scores = await net.score(batch);
      expect(scores.length).toBe(batch.nRows * N_ITEMS);
      expect(bits(await net.score(batch)).equals(bits(scores))).toBe(true);
      expect(maxAbsDiff(scores, await ref.score(batch))).toBeLessThan(1e-5);
      await Promise.all([net.dispose(), ref.dispose()]);
    });
  });

  it('keeps the loss exact and finite where a softmax probability underflows to 0 in float32', async () => {
    const config = model('dae', [4], 0);
    const net = await MultAutoencoder.create(config, 3, Rng.fromSeed(1), engine);
    // Output biases 100, -100, 0: item 1's probability is about e^-200, 0 in float32.
    const state = await net.getState();
    net.setState({ ...state, tensors: { ...state.tensors, 'layer1/b': Float32Array.of(100, -100, 0) } });
    const batch = { nRows: 1, nCols: 3, indptr: Int32Array.of(0, 2), indices: Int32Array.of(1, 2) };
    const { loss } = await net.gradients(batch, 0, Rng.fromSeed(2));
    const ref = await oracle(net, config, batch, 0, 2);
    expect(Number.isFinite(loss.nll)).toBe(true);
    expect(loss.nll).toBeGreaterThan(250);
    expect(loss.loss).toBeCloseTo(ref.loss, 2);
    await net.dispose();
  });

  const data = tinyDataset(6, 120, 50);
  const trainConfig = (kind: ModelKind) =>
    resolveTrialConfig({
      model: kind,
      dims: kind === 'vae' ? [16, 8] : [12],
      batchSize: 25,
      epochs: 2,
      totalAnnealSteps: 8,
      seed: 5,
    });

  // resident: weights, moments and the whole step on the engine (the GPU engines' mode), else the host path.
  const MODES = [
    ['vae', false],
    ['dae', false],
    ['vae', true],
    ['dae', true],
  ] as const;

  it.each(MODES)(
    '%s (resident: %s): repeats and resumes bit for bit on this engine',
    async (kind, resident) => {
      const opts = { resident };
      const straight = await Trainer.create(data, trainConfig(kind), engine, opts);
      const again = await Trainer.create(data, trainConfig(kind), engine, opts);
      for (const t of [straight, again]) while (!t.finished) await t.runEpoch();
      sameBits((await straight.checkpoint()).model.tensors, (await again.checkpoint()).model.tensors);
      expect(metricsOf(again.history)).toEqual(metricsOf(straight.history));

      const first = await Trainer.create(data, trainConfig(kind), engine, opts);
      await first.runEpoch();
      const resumed = await Trainer.resume(data, await first.checkpoint(), engine, {}, opts);
      await resumed.runEpoch();
      sameBits((await resumed.checkpoint()).model.tensors, (await straight.checkpoint()).model.tensors);
      expect(metricsOf(resumed.history)).toEqual(metricsOf(straight.history));
      await Promise.all([straight, again, first, resumed].map((t) => t.dispose()));
    },
  );

  it.each(MODES)(
    '%s (resident: %s): trains as the tfjs cpu engine within float tolerance, and resumes its checkpoints and they its own',
    async (kind, resident) => {
      const opts = { resident };
      const mine = await Trainer.create(data, trainConfig(kind), engine, opts);
      const theirs = await Trainer.create(data, trainConfig(kind), reference);
      const a = await mine.runEpoch();
      const b = await theirs.runEpoch();
      expect(Math.abs(a.loss - b.loss) / Math.abs(b.loss)).toBeLessThan(1e-4);
      expect(Math.abs(a.validation.ndcg100 - b.validation.ndcg100)).toBeLessThan(0.02);
      const wa = (await mine.checkpoint()).model.tensors;
      const wb = (await theirs.checkpoint()).model.tensors;
      for (const k of Object.keys(wb))
        if (!k.includes('/m') && !k.includes('/v')) expect(maxAbsDiff(wa[k], wb[k]), k).toBeLessThan(1e-3);

      // Across engines: each resumes the other's checkpoint and trains on.
      const crossA = await Trainer.resume(data, await theirs.checkpoint(), engine, {}, opts);
      const crossB = await Trainer.resume(data, await mine.checkpoint(), reference);
      const ra = await crossA.runEpoch();
      const rb = await crossB.runEpoch();
      expect(ra.epoch).toBe(2);
      expect(rb.epoch).toBe(2);
      expect(Math.abs(ra.loss - rb.loss) / Math.abs(rb.loss)).toBeLessThan(1e-3);
      await Promise.all([mine, theirs, crossA, crossB].map((t) => t.dispose()));
    },
  );
}
