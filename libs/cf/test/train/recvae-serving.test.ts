import type { Engine } from '@vaecf/engine';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrFromRows } from '../../src/data/csr';
import { loadExportableModel } from '../../src/export/model-export';
import { resolveTrialConfig } from '../../src/model/config';
import { Recommender } from '../../src/model/recommender';
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

  it('is refused by model export with the reason, not a shape error', async () => {
    await expect(loadExportableModel(dir)).rejects.toThrow(/RecVAE models cannot be exported yet/);
  });
});
