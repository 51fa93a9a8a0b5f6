import { join } from 'node:path';
import {
  evaluate,
  PopularityScorer,
  prepareDataset,
  resolveTrialConfig,
  Trainer,
  writeDatasetArtifact,
  type RatingsFormat,
} from '@vaecf/cf';
import { describeInfo, loadEngineFromFlags } from '../engine-option';
import { table } from '../output/table';
import { epochRow, EPOCH_HEADER } from '../output/epoch-table';
import { createReporter } from '../output/reporter';
import { statsTable } from '../output/stats-table';
import { count } from '../output/plural';

export interface LocalDemoFlags {
  data: string;
  format: RatingsFormat;
  heldoutUsers: number;
  epochs: number;
  work: string;
  json?: boolean;
}

/** The demo without Redis: prepare, train one Mult-VAE in this process, compare with popularity. */
export async function runLocalDemo(f: LocalDemoFlags): Promise<void> {
  const out = createReporter(Boolean(f.json));
  // The engine VAECF_ENGINE / VAECF_THREADS name, else auto (the demo has no engine flags).
  const { engine } = await loadEngineFromFlags({});
  out.info(`vaecf demo on ${describeInfo(engine.info)}\n`);
  out.info(`1. preparing ${f.data}`);
  const data = await prepareDataset(f.data, { format: f.format, heldoutUsers: f.heldoutUsers });
  await writeDatasetArtifact(join(f.work, 'dataset'), data);
  out.info(statsTable(data.meta.stats ?? {}));

  const stepsPerEpoch = Math.ceil(data.train.nRows / 100);
  // Small data: anneal beta over the run's own updates, not the paper's 200,000.
  const config = resolveTrialConfig({
    model: 'vae',
    epochs: f.epochs,
    batchSize: 100,
    totalAnnealSteps: stepsPerEpoch * f.epochs,
  });
  out.info(
    `\n2. training Mult-VAE dims ${config.dims.join('-')}, ${count(config.epochs, 'epoch')}, batch ${config.batchSize}, beta up to ${config.annealCap}`,
  );
  out.info(EPOCH_HEADER);
  const trainer = await Trainer.create(data, config, engine);
  while (!trainer.finished) out.info(epochRow(await trainer.runEpoch()));

  out.info('\n3. test users: best epoch of Mult-VAE vs the popularity baseline');
  const vae = await trainer.evaluateBestOnTest();
  const pop = await evaluate(new PopularityScorer(data.train), data.test);
  const t = table({ head: ['test', 'NDCG@100', 'Recall@20', 'Recall@50'] });
  t.push([
    `Mult-VAE (epoch ${trainer.bestSnapshot!.epoch})`,
    vae.ndcg100.toFixed(4),
    vae.recall20.toFixed(4),
    vae.recall50.toFixed(4),
  ]);
  t.push(['popularity', pop.ndcg100.toFixed(4), pop.recall20.toFixed(4), pop.recall50.toFixed(4)]);
  out.info(t.toString());
  out.result({
    command: 'demo',
    engine: engine.info,
    data: f.data,
    stats: data.meta.stats,
    config,
    epochs: trainer.history,
    test: { vae, popularity: pop },
  });
  await trainer.dispose();
}
