import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '@vaecf/errors';
import { exportModel, modelExportFormat } from '../../src/export/model-export';
import { resolveTrialConfig } from '../../src/model/config';
import { Recommender } from '../../src/serve/recommender';
import { saveCheckpoint } from '../../src/train/checkpoint-io';
import { Trainer } from '../../src/train/trainer';
import { tinyDataset } from '../support/datasets';
import type { Engine } from '@vaecf/engine';
import { testEngine } from '../support/tf';

const data = tinyDataset(5, 120, 40);
let dir: string;
let engine: Engine;

/** A trained checkpoint per model kind. */
const checkpoints: Record<'vae' | 'dae', string> = { vae: '', dae: '' };

beforeAll(async () => {
  engine = await testEngine();
  dir = await mkdtemp(join(tmpdir(), 'vaecf-export-'));
  for (const model of ['vae', 'dae'] as const) {
    const config = resolveTrialConfig({
      model,
      dims: model === 'vae' ? [16, 8] : [12],
      batchSize: 40,
      epochs: 2,
    });
    const t = await Trainer.create(data, config, engine);
    while (!t.finished) await t.runEpoch();
    checkpoints[model] = join(dir, model);
    await saveCheckpoint(checkpoints[model], await t.checkpoint(), { itemIds: data.itemIds });
    await t.dispose();
  }
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The recommender's score of every item but the history. */
async function recommenderScores(ckpt: string, history: string[]): Promise<Map<string, number>> {
  const rec = await Recommender.fromCheckpoint(ckpt, engine);
  const r = await rec.recommend(history, data.nItems);
  await rec.dispose();
  return new Map(r.items.map((x) => [x.item, x.score]));
}

/** x / ||x|| over the export's item order. */
function normalisedInput(itemIds: readonly string[], history: string[]): Float32Array {
  const x = new Float32Array(itemIds.length);
  for (const id of history) x[itemIds.indexOf(id)] = 1 / Math.sqrt(history.length);
  return x;
}

const HISTORY = ['i3', 'i7', 'i11', 'i30'];

describe('model export', () => {
  for (const kind of ['vae', 'dae'] as const) {
    it(`tfjs (${kind}): tf.loadLayersModel reads it and it scores as the recommender, within 1e-5`, async () => {
      const out = join(dir, `${kind}-tfjs`);
      await exportModel(checkpoints[kind], 'tfjs', out);
      const modelJson = JSON.parse(await readFile(join(out, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      // What a user's loader does with model.json and the weight files it names.
      const model = await loadLayersModel({
        load: () =>
          tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
            const specs = manifest.flatMap((g) => g.weights);
            const buffers = await Promise.all(
              manifest.flatMap((g) => g.paths).map((p) => readFile(join(out, p))),
            );
            const bytes = Buffer.concat(buffers);
            return [specs, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)];
          }),
      });
      const itemIds = JSON.parse(await readFile(join(out, 'items.json'), 'utf8')) as string[];
      expect(itemIds).toEqual(data.itemIds);
      const y = model.predict(
        tf.tensor2d(normalisedInput(itemIds, HISTORY), [1, itemIds.length]),
      ) as tf.Tensor;
      const logits = (await y.data()) as Float32Array;
      y.dispose();
      model.dispose();
      const expected = await recommenderScores(checkpoints[kind], HISTORY);
      expect(expected.size).toBe(data.nItems - HISTORY.length);
      for (const [item, score] of expected)
        expect(Math.abs(logits[itemIds.indexOf(item)] - score)).toBeLessThan(1e-5);
    });
  }

  it('npz: named .npy arrays that reproduce the scores, and the mean half of the VAE layer only', async () => {
    const out = join(dir, 'vae-npz');
    await exportModel(checkpoints.vae, 'npz', out);
    const files = unzipSync(new Uint8Array(await readFile(join(out, 'model.npz'))));
    const arrays = Object.fromEntries(
      Object.entries(files).map(([n, b]) => [n.replace(/\.npy$/, ''), parseNpy(b)]),
    );
    expect(arrays.layers.data).toEqual(['encoder_0', 'encoder_mu', 'decoder_0', 'decoder_out']);
    expect(arrays.activations.data).toEqual(['tanh', 'linear', 'tanh', 'linear']);
    expect(arrays.item_ids.data).toEqual(data.itemIds);
    expect(arrays.encoder_0_kernel.shape).toEqual([40, 16]);
    expect(arrays.encoder_mu_kernel.shape).toEqual([16, 8]);
    expect(arrays.decoder_out_bias.shape).toEqual([40]);
    // The forward pass the README's NumPy snippet runs, in plain JS.
    let h = Array.from(normalisedInput(data.itemIds, HISTORY));
    for (const [k, name] of (arrays.layers.data as string[]).entries()) {
      const W = arrays[`${name}_kernel`];
      const b = arrays[`${name}_bias`].data as Float32Array;
      const [rows, cols] = W.shape;
      const next = Array.from(b);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) next[c] += h[r] * (W.data as Float32Array)[r * cols + c];
      h = arrays.activations.data[k] === 'tanh' ? next.map(Math.tanh) : next;
    }
    for (const [item, score] of await recommenderScores(checkpoints.vae, HISTORY))
      expect(Math.abs(h[data.itemIds.indexOf(item)] - score)).toBeLessThan(1e-5);
  });

  it('refuses an unknown format and a directory that is not a checkpoint, as InputErrors', async () => {
    expect(() => modelExportFormat('onnx', '--format')).toThrow(
      'invalid --format: must be one of tfjs, npz (got "onnx")',
    );
    expect(() => modelExportFormat('onnx')).toThrow(InputError);
    await expect(exportModel(join(dir, 'nothing'), 'npz', join(dir, 'x'))).rejects.toThrow(InputError);
  });
});

/** Reads .npy v1.0 as written (the test's own reader, independent of the writer). */
function parseNpy(b: Uint8Array): { shape: number[]; data: Float32Array | string[] } {
  expect(Array.from(b.subarray(0, 8))).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0]);
  const len = b[8] + 256 * b[9];
  expect((10 + len) % 64).toBe(0);
  const header = Buffer.from(b.subarray(10, 10 + len)).toString('latin1');
  const descr = /'descr': '([^']+)'/.exec(header)![1];
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const body = b.slice(10 + len);
  if (descr === '<f4')
    return { shape, data: new Float32Array(body.buffer, body.byteOffset, body.byteLength / 4) };
  const w = Number(descr.slice(2));
  const u32 = new Uint32Array(body.buffer, body.byteOffset, body.byteLength / 4);
  const strings = Array.from({ length: shape[0] }, (_, i) =>
    String.fromCodePoint(...Array.from(u32.subarray(i * w, (i + 1) * w)).filter((c) => c !== 0)),
  );
  return { shape, data: strings };
}
