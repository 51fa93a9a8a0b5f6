import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrFromRows } from '../../src/data/csr';
import { resolveTrialConfig, type TrialConfig } from '../../src/model/config';
import { MultAutoencoder, type ModelState } from '../../src/model/network';
import { Rng } from '../../src/runtime/rng';
import { Recommender } from '../../src/serve/recommender';
import { loadBestWeights, saveCheckpoint } from '../../src/train/checkpoint-io';
import { Trainer } from '../../src/train/trainer';
import { tinyDataset } from '../support/datasets';
import type { Engine } from '@vaecf/engine';
import { testEngine } from '../support/tf';

const data = tinyDataset(4);
let dir: string;
let engine: Engine;
let bestWeights: ModelState;
let config: TrialConfig;

beforeAll(async () => {
  engine = await testEngine();
  dir = await mkdtemp(join(tmpdir(), 'vaecf-rec-'));
  config = resolveTrialConfig({ model: 'vae', dims: [16, 8], batchSize: 40, epochs: 2, seed: 3 });
  const t = await Trainer.create(data, config, engine);
  while (!t.finished) await t.runEpoch();
  bestWeights = t.bestSnapshot!.weights;
  await saveCheckpoint(dir, await t.checkpoint(), { itemIds: data.itemIds });
  await t.dispose();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('Recommender from a checkpoint alone', () => {
  it('returns k original item ids, best first, never the history, and reports unknown ids', async () => {
    const rec = await Recommender.fromCheckpoint(dir, engine);
    const r = await rec.recommend(['i3', 'i7', 'nope', 'i3'], 5);
    expect(r.unknownItems).toEqual(['nope']);
    expect(r.items).toHaveLength(5);
    expect(r.items.map((x) => x.item)).not.toContain('i3');
    expect(r.items.map((x) => x.item)).not.toContain('i7');
    const scores = r.items.map((x) => x.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    await expect(rec.recommend(['i1'], 0)).rejects.toThrow('k must be a positive integer, got 0');
    await rec.dispose();
  });

  it("scores with the trainer's best weights", async () => {
    const best = await loadBestWeights(dir);
    expect(best.itemIds).toEqual(data.itemIds);
    expect(best.weights.tensors).toEqual(bestWeights.tensors);
    const model = await MultAutoencoder.create(config, data.nItems, Rng.fromSeed(0), engine);
    model.setState(bestWeights, true);
    const scores = await model.score(csrFromRows(data.nItems, [[2, 5]]));
    const rec = await Recommender.fromCheckpoint(dir, engine);
    for (const { item, score } of (await rec.recommend(['i2', 'i5'], 10)).items)
      expect(score).toBe(scores[data.itemIds.indexOf(item)]);
    await rec.dispose();
    await model.dispose();
  });

  it('refuses a corrupt array file with a clear error', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'vaecf-rec-bad-'));
    const t = await Trainer.create(
      data,
      resolveTrialConfig({ model: 'dae', dims: [8], batchSize: 40, epochs: 1 }),
      engine,
    );
    await t.runEpoch();
    await saveCheckpoint(copy, await t.checkpoint());
    await t.dispose();
    const manifest = JSON.parse(
      await (await import('node:fs/promises')).readFile(join(copy, 'checkpoint.json'), 'utf8'),
    );
    await writeFile(join(copy, manifest.best.weights.file), Buffer.alloc(manifest.best.weights.bytes));
    await expect(loadBestWeights(copy)).rejects.toThrow(/is corrupt \(size or CRC32 mismatch\)/);
    await expect(Recommender.fromCheckpoint(join(copy, 'missing'), engine)).rejects.toThrow(
      /no checkpoint.json/,
    );
    await rm(copy, { recursive: true, force: true });
  });
});
