import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { prepareDataset } from '../../src/data/prepare';
import { generateSyntheticRatings } from '../../src/data/synthetic';
import { evaluate } from '../../src/eval/evaluate';
import { PopularityScorer } from '../../src/eval/popularity';
import { resolveTrialConfig } from '../../src/model/config';
import { Trainer } from '../../src/train/trainer';
import type { Engine } from '@vaecf/engine';
import { testEngine } from '../support/tf';

let dir: string;
let engine: Engine;
beforeAll(async () => {
  engine = await testEngine();
  dir = await mkdtemp(join(tmpdir(), 'vaecf-learns-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it.each(['vae', 'dae'] as const)(
  '%s clearly beats popularity on the synthetic data (test NDCG@100)',
  async (model) => {
    const path = join(dir, `${model}.csv`);
    await generateSyntheticRatings(path, { users: 800, items: 300, seed: 11 });
    const data = await prepareDataset(path, { format: 'movielens-csv', heldoutUsers: 100 });
    const trainer = await Trainer.create(
      data,
      resolveTrialConfig({
        model,
        dims: model === 'vae' ? [100, 30] : [50],
        epochs: 30,
        batchSize: 50,
        totalAnnealSteps: 100,
      }),
      engine,
    );
    while (!trainer.finished) await trainer.runEpoch();
    const cf = await trainer.evaluateBestOnTest();
    const pop = await evaluate(new PopularityScorer(data.train), data.test);
    await trainer.dispose();
    expect(cf.ndcg100).toBeGreaterThan(1.5 * pop.ndcg100);
    expect(cf.recall20).toBeGreaterThan(pop.recall20);
  },
);
