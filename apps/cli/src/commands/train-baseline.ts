import { gemmOn } from '@vaecf/engine';
import { loadEngineFromFlags, type EngineFlags } from '../engine-option';
import { type BaselineModel, fitBaseline, parseBaselineMemoryLimitMb, readDatasetArtifact } from '@vaecf/cf';
import { UserError } from '../errors';
import { table } from '../output/table';
import type { Reporter } from '../output/reporter';

/** Flags that only the networks (Mult-VAE, Mult-DAE, RecVAE) have: given with a baseline they would be silently ignored, so they are refused. */
export const NETWORK_FLAGS = {
  dims: '--dims',
  annealCap: '--anneal-cap',
  totalAnnealSteps: '--total-anneal-steps',
  lam: '--lam',
  keepProb: '--keep-prob',
  lr: '--lr',
  batchSize: '--batch-size',
  epochs: '--epochs',
  seed: '--seed',
  checkpoint: '--checkpoint',
  resume: '--resume',
  klGamma: '--kl-gamma',
  klBeta: '--kl-beta',
  encoderPasses: '--encoder-passes',
  decoderPasses: '--decoder-passes',
  priorWeights: '--prior-weights',
} as const;

export interface BaselineFlags {
  readonly data: string;
  readonly model: BaselineModel;
  readonly easeLambda?: number;
  readonly [flag: string]: unknown;
}

/**
 * `vaecf train --model popularity|ease`: fits the baseline on the training
 * users, EASE's lambda fixed (--ease-lambda) or chosen on the validation
 * users over the grid, and reports validation and test metrics.
 */
export async function runBaselineTrain(flags: BaselineFlags, out: Reporter): Promise<void> {
  const stray = Object.entries(NETWORK_FLAGS).find(([key]) => flags[key] !== undefined);
  if (stray) throw new UserError(`${stray[1]} applies to --model vae or dae, not ${flags.model}`);
  if (flags.model !== 'ease' && flags.easeLambda !== undefined)
    throw new UserError(`--ease-lambda applies to --model ease, not ${flags.model}`);
  const limitMb = parseBaselineMemoryLimitMb(process.env.BASELINE_MEMORY_LIMIT_MB);
  // EASE's dense products run on the engine's GEMM (native on onnxruntime).
  const { engine } = await loadEngineFromFlags(flags as EngineFlags);
  const data = await readDatasetArtifact(flags.data);
  out.info(`model ${flags.model}, ${data.train.nRows} training users, ${data.nItems} items`);
  const r = await fitBaseline(flags.model, data, {
    easeLambda: flags.easeLambda,
    memoryLimitBytes: limitMb * 2 ** 20,
    matMul: gemmOn(engine),
    log: (line) => out.info(line),
  });
  if (r.status === 'skipped') throw new UserError(`${flags.model} skipped: ${r.reason}`);
  const t = table({
    head: [r.lambda !== undefined ? `lambda ${r.lambda}` : flags.model, 'NDCG@100', 'Recall@20', 'Recall@50'],
  });
  for (const [name, m] of [
    ['validation', r.validation],
    ['test', r.test],
  ] as const)
    t.push([name, m.ndcg100.toFixed(4), m.recall20.toFixed(4), m.recall50.toFixed(4)]);
  out.info(t.toString());
  const { perUser: _perUser, ...test } = r.test;
  out.result({
    command: 'train',
    model: flags.model,
    dataset: { dir: flags.data, trainUsers: data.train.nRows, items: data.nItems },
    ...(r.lambda !== undefined ? { lambda: r.lambda, grid: r.grid } : {}),
    validation: r.validation,
    test,
    seconds: r.seconds,
  });
}
