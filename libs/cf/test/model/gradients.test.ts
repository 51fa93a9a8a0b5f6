import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveTrialConfig, type ModelKind } from '../../src/model/config';
import { MultAutoencoder } from '../../src/model/network';
import { buildSparseInput } from '../../src/model/sparse-input';
import { Rng } from '../../src/runtime/rng';
import { maxAbsDiff, randomCsr, useTestBackend } from '../support/tf';
import { referenceLoss } from './reference-graph';

const N_ITEMS = 40;

beforeAll(async () => {
  await useTestBackend();
});

function setup(model: ModelKind, dims: number[], lam: number) {
  const config = resolveTrialConfig({ model, dims, lam, keepProb: 0.7 });
  const net = new MultAutoencoder(config, N_ITEMS, Rng.fromSeed(1));
  const batch = randomCsr(2, 6, N_ITEMS, 12);
  return { net, batch, config };
}

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

describe.each([
  ['vae', [8, 4], 0],
  ['vae', [5], 0.01],
  ['dae', [6], 0.01 / 500],
  ['dae', [7, 3], 0.05],
] as const)('MultAutoencoder %s dims %j lam %d', (kind, dims, lam) => {
  it('computes the same loss and gradients as tf.grad of the dense reference graph', () => {
    const { net, batch, config } = setup(kind, [...dims], lam);
    const beta = 0.3;
    const { loss, grads } = net.gradients(batch, beta, Rng.fromSeed(9));
    const { x, eps } = replayDraws(net, batch, config.keepProb, 9);

    const state = net.getWeights().tensors;
    const names = net.arch.layers.flatMap((_, i) => [`layer${i}/W`, `layer${i}/b`]);
    const params = names.map((n, k) => {
      const layer = net.arch.layers[k >> 1];
      return k % 2 === 0 ? tf.tensor2d(state[n], [layer.inputs, layer.units]) : tf.tensor1d(state[n]);
    });
    const vars = params.map((p) => tf.variable(p));
    const f = () => referenceLoss(net.arch, vars, x, batch, eps, beta, lam);
    const ref = tf.variableGrads(f, vars);
    expect(loss.loss).toBeCloseTo(ref.value.dataSync()[0], 4);
    vars.forEach((v, k) => {
      const mine = grads[names[k]];
      const theirs = ref.grads[v.name].dataSync();
      const scale = Math.max(1e-3, ...Array.from(theirs, Math.abs));
      expect(maxAbsDiff(mine, theirs) / scale, names[k]).toBeLessThan(2e-4);
    });
    tf.dispose([...params, ...vars, ref.value, ...Object.values(ref.grads)]);
    net.dispose();
  });

  it('scores with no dropout and z = mean, as the reference forward pass', () => {
    const { net, batch } = setup(kind, [...dims], lam);
    const scores = net.score(batch);
    expect(scores.length).toBe(batch.nRows * N_ITEMS);
    expect(scores.every(Number.isFinite)).toBe(true);
    // Scoring is deterministic and does not touch any rng.
    expect(maxAbsDiff(scores, net.score(batch))).toBe(0);
    net.dispose();
  });
});
