import type { Engine } from '@vaecf/engine';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrFromRows } from '../../src/data/csr';
import { exportModel, loadExportableModel } from '../../src/export/model-export';
import { resolveTrialConfig } from '../../src/model/config';
import { Recommender } from '../../src/serve/recommender';
import { scorerFromWeights } from '../../src/model/scorer';
import { loadBestWeights, loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint-io';
import { Trainer } from '../../src/train/trainer';
import { tinyDataset } from '../support/datasets';
import { testEngine } from '../support/tf';

const data = tinyDataset(4);
let dir: string;
let engine: Engine;

beforeAll(async () => {
  engine = await testEngine();
  dir = await mkdtemp(join(tmpdir(), 'vaecf-recvae-'));
  const config = resolveTrialConfig({ model: 'recvae', dims: [16, 8], batchSize: 40, epochs: 2, seed: 3 });
  const t = await Trainer.create(data, config, engine);
  while (!t.finished) await t.runEpoch();
  await saveCheckpoint(dir, await t.checkpoint(), { itemIds: data.itemIds });
  await t.dispose();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('a RecVAE checkpoint', () => {
  it('serves recommendations from its best weights alone', async () => {
    const rec = await Recommender.fromCheckpoint(dir, engine);
    const r = await rec.recommend(['i3', 'i7', 'nope'], 5);
    expect(r.unknownItems).toEqual(['nope']);
    expect(r.items).toHaveLength(5);
    expect(r.items.map((x) => x.item)).not.toContain('i3');
    for (let k = 1; k < r.items.length; k++)
      expect(r.items[k - 1].score).toBeGreaterThanOrEqual(r.items[k].score);
    await rec.dispose();
  });

  it('scores from its saved best weights, and its checkpoint resumes from disk', async () => {
    const best = await loadBestWeights(dir);
    const scorer = await scorerFromWeights(best.config, best.nItems, best.weights, engine);
    const users = csrFromRows(data.nItems, [[1, 2, 3], [4]]);
    const a = await scorer.score(users);
    const resumed = await Trainer.resume(data, await loadCheckpoint(dir), engine);
    expect(resumed.epochsDone).toBe(2);
    expect(Number.isFinite(a[0])).toBe(true);
    await Promise.all([scorer.dispose(), resumed.dispose()]);
  });

  it('exports as npz: named arrays whose forward pass (the README NumPy snippet, in JS) gives its scores', async () => {
    const out = join(dir, 'npz');
    await exportModel(dir, 'npz', out);
    const files = unzipSync(new Uint8Array(await readFile(join(out, 'model.npz'))));
    const a = Object.fromEntries(
      Object.entries(files).map(([n, b]) => [n.replace(/\.npy$/, ''), parseNpy(b)]),
    );
    expect(a.model.data).toEqual(['recvae']);
    expect(a.item_ids.data).toEqual(data.itemIds);
    expect(a.fc1_kernel.shape).toEqual([data.nItems, 16]);
    expect(a.mu_kernel.shape).toEqual([16, 8]);
    expect(a.decoder_kernel.shape).toEqual([8, data.nItems]);
    const f = (n: string) => a[n].data as Float32Array;
    const dense = (h: number[], n: string) => {
      const [rows, cols] = a[`${n}_kernel`].shape;
      const y = Array.from(f(`${n}_bias`));
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) y[c] += h[r] * f(`${n}_kernel`)[r * cols + c];
      return y;
    };
    const swish = (v: number[]) => v.map((t) => t / (1 + Math.exp(-t)));
    const ln = (v: number[], k: number) => {
      const mean = v.reduce((s, t) => s + t, 0) / v.length;
      const variance = v.reduce((s, t) => s + (t - mean) ** 2, 0) / v.length;
      return v.map(
        (t, j) => ((t - mean) / Math.sqrt(variance + 0.1)) * f(`ln${k}_gamma`)[j] + f(`ln${k}_beta`)[j],
      );
    };
    const history = ['i3', 'i7', 'i11'];
    const x = data.itemIds.map((id) => (history.includes(id) ? 1 / Math.sqrt(history.length) : 0));
    const h: number[][] = [];
    h[1] = ln(swish(dense(x, 'fc1')), 1);
    for (let k = 2; k <= 5; k++) {
      const pre = dense(h[k - 1], `fc${k}`);
      for (let j = 1; j < k; j++) for (let c = 0; c < pre.length; c++) pre[c] += h[j][c];
      h[k] = ln(swish(pre), k);
    }
    const logits = dense(dense(h[5], 'mu'), 'decoder');
    const rec = await Recommender.fromCheckpoint(dir, engine);
    const r = await rec.recommend(history, data.nItems);
    await rec.dispose();
    for (const { item, score } of r.items)
      expect(Math.abs(logits[data.itemIds.indexOf(item)] - score)).toBeLessThan(1e-4);
  });

  it('tfjs: a functional LayersModel that tf.loadLayersModel reads back and that scores as the recommender, within 1e-4', async () => {
    const out = join(dir, 'tfjs');
    await exportModel(dir, 'tfjs', out);
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
    // The layers the brief names: LayerNormalization (eps 0.1), swish, Add; no dropout at scoring.
    const classes = model.layers.map((l) => l.getClassName());
    expect(classes.filter((c) => c === 'LayerNormalization')).toHaveLength(5);
    expect(classes.filter((c) => c === 'Add')).toHaveLength(4);
    expect(classes).not.toContain('Dropout');
    expect(model.getLayer('ln3').getConfig().epsilon).toBe(0.1);
    const itemIds = JSON.parse(await readFile(join(out, 'items.json'), 'utf8')) as string[];
    expect(itemIds).toEqual(data.itemIds);
    const history = ['i3', 'i7', 'i11', 'i30'];
    const x = new Float32Array(itemIds.length);
    for (const id of history) x[itemIds.indexOf(id)] = 1 / Math.sqrt(history.length);
    const y = model.predict(tf.tensor2d(x, [1, itemIds.length])) as tf.Tensor;
    const logits = (await y.data()) as Float32Array;
    y.dispose();
    model.dispose();
    const rec = await Recommender.fromCheckpoint(dir, engine);
    const r = await rec.recommend(history, data.nItems);
    await rec.dispose();
    expect(r.items).toHaveLength(data.nItems - history.length);
    for (const { item, score } of r.items)
      expect(Math.abs(logits[itemIds.indexOf(item)] - score)).toBeLessThan(1e-4);
    expect((await loadExportableModel(dir)).recvae).toBeDefined();
  });
});

/** Reads .npy v1.0 as written (float32 and fixed-width unicode strings). */
function parseNpy(b: Uint8Array): { shape: number[]; data: Float32Array | string[] } {
  const len = b[8] + 256 * b[9];
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
