import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '@vaecf/engine';
import {
  BASELINE_MODELS,
  type BaselineModel,
  EASE_LAMBDA_GRID,
  loadCheckpoint,
  MANIFEST_FILE,
  readDatasetArtifact,
  resolveTrialConfig,
  saveCheckpoint,
  TrainingAbortedError,
  trainingMemoryExcess,
  Trainer,
  type EpochReport,
  type PreparedDataset,
  type TrialConfig,
} from '@vaecf/cf';
import { Command, Option } from 'commander';
import { epochRow, EPOCH_HEADER, testTable } from '../output/epoch-table';
import { epochProgressBar } from '../output/progress';
import { UserError } from '../errors';
import { createReporter, type Reporter } from '../output/reporter';
import { positiveNumber } from '../options';
import { checkOutputDir } from '../paths';
import { describeLoaded, engineOptions, loadEngineFromFlags, type EngineFlags } from '../engine-option';
import { count } from '../output/plural';
import { runBaselineTrain } from './train-baseline';
import { HYPERPARAMETER_FLAGS, hyperparametersOf, type HyperparameterFlags } from './train-flags';

interface TrainFlags extends EngineFlags, HyperparameterFlags {
  data: string;
  model: 'vae' | 'dae' | 'recvae' | BaselineModel;
  easeLambda?: number;
  checkpoint?: string;
  resume?: boolean;
  json?: boolean;
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description(
      'train one Mult-VAE / Mult-DAE / RecVAE configuration (or fit a baseline: popularity, EASE) on a prepared dataset and report test metrics',
    )
    .requiredOption('--data <dir>', 'prepared dataset directory (from `vaecf prepare`)')
    .addOption(
      new Option('--model <kind>', 'model')
        .choices(['vae', 'dae', 'recvae', ...BASELINE_MODELS])
        .default('vae'),
    )
    .option(
      '--ease-lambda <x>',
      `EASE's L2 weight (ease; default: the best on the validation users of ${EASE_LAMBDA_GRID.join(', ')})`,
      positiveNumber,
    );
  // --dims ... --seed: one per field of the trial schema (train-flags.ts).
  for (const { option } of HYPERPARAMETER_FLAGS) cmd.addOption(option);
  cmd
    .option('--checkpoint <dir>', 'save a checkpoint here after every epoch')
    .option('--resume', 'continue from the checkpoint in --checkpoint if there is one');
  for (const o of engineOptions()) cmd.addOption(o);
  return cmd
    .option('--json', 'print one JSON result object instead of the live view')
    .action((flags: TrainFlags) => runTrain(flags));
}

async function runTrain(flags: TrainFlags): Promise<void> {
  const out = createReporter(Boolean(flags.json));
  if (isBaseline(flags.model)) return runBaselineTrain({ ...flags, model: flags.model }, out);
  if (flags.easeLambda !== undefined)
    throw new UserError(`--ease-lambda applies to --model ease, not ${flags.model}`);
  // Check the cheap things first: a typo in a flag should not wait for the data to load.
  const resumeFrom = resumableCheckpoint(flags);
  if (flags.checkpoint) await checkOutputDir('--checkpoint', flags.checkpoint);
  const fresh = resumeFrom ? null : configFromFlags(flags);
  const loaded = await loadEngineFromFlags(flags);
  const { engine } = loaded;
  out.info(describeLoaded(loaded));
  const data = await readDatasetArtifact(flags.data);
  if (fresh) refuseWhatCannotFit(fresh, data);
  const trainer = resumeFrom
    ? await resumeTrainer(resumeFrom, data, flags, out, engine)
    : await Trainer.create(data, fresh!, engine);
  const config = trainer.config;
  out.info(
    `model ${config.model} dims ${config.dims.join('-')}, ${count(data.train.nRows, 'training user')}, ${count(data.nItems, 'item')}`,
  );
  warnAboutAnnealing(config, data, out);

  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    out.info(EPOCH_HEADER);
    for (const r of trainer.history) out.info(epochRow(r));
    while (!trainer.finished) {
      const bar = out.json ? null : epochProgressBar(trainer.epochsDone + 1, config.epochs);
      let report: EpochReport;
      try {
        report = await trainer.runEpoch({
          signal: stop.signal,
          onBatch: (done, total) => bar?.update(done, total),
        });
      } finally {
        bar?.stop();
      }
      out.info(epochRow(report));
      if (flags.checkpoint)
        await saveCheckpoint(flags.checkpoint, await trainer.checkpoint(), { itemIds: data.itemIds });
    }
  } catch (e) {
    if (!(e instanceof TrainingAbortedError)) throw e;
    out.warn(
      `interrupted during epoch ${e.epoch}; ${flags.checkpoint ? `the checkpoint in ${flags.checkpoint} holds epoch ${trainer.epochsDone}` : 'nothing was saved (no --checkpoint)'}`,
    );
    process.exitCode = 130;
  } finally {
    process.off('SIGINT', onSigint);
  }

  const best = trainer.bestSnapshot;
  const test = best ? await trainer.evaluateBestOnTest() : null;
  if (best && test) out.info(testTable(best.epoch, best.validation, test));
  out.result({
    command: 'train',
    engine: engine.info,
    config,
    dataset: { dir: flags.data, trainUsers: data.train.nRows, items: data.nItems },
    epochs: trainer.history,
    best: best && { epoch: best.epoch, validation: best.validation },
    test,
  });
  await trainer.dispose();
}

function resumableCheckpoint(flags: TrainFlags): string | null {
  if (flags.resume && !flags.checkpoint) throw new UserError('--resume needs --checkpoint <dir>');
  return flags.resume && flags.checkpoint && existsSync(join(flags.checkpoint, MANIFEST_FILE))
    ? flags.checkpoint
    : null;
}

async function resumeTrainer(
  dir: string,
  data: PreparedDataset,
  flags: TrainFlags,
  out: Reporter,
  engine: Engine,
): Promise<Trainer> {
  const ckpt = await loadCheckpoint(dir);
  out.info(`resuming from ${dir} after epoch ${ckpt.epoch}`);
  const ignored = Object.keys(hyperparametersOf(flags)).filter((k) => k !== 'epochs');
  if (ignored.length) {
    out.warn(
      `resuming keeps the checkpoint's hyperparameters; ignored: ${ignored.join(', ')} (only --epochs can change)`,
    );
  }
  return Trainer.resume(data, ckpt, engine, { epochs: flags.epochs });
}

function isBaseline(model: string): model is BaselineModel {
  return (BASELINE_MODELS as readonly string[]).includes(model);
}

function configFromFlags(flags: TrainFlags): TrialConfig {
  return resolveTrialConfig({ model: flags.model as 'vae' | 'dae' | 'recvae', ...hyperparametersOf(flags) });
}

/**
 * The check the API makes at submit (the same estimate and words), against
 * this machine's memory: a configuration that surely cannot fit is refused
 * before any allocation, naming the flag to change, instead of a RangeError
 * or an out-of-memory kill part way through.
 */
function refuseWhatCannotFit(config: TrialConfig, data: PreparedDataset): void {
  const excess = trainingMemoryExcess(
    config,
    {
      items: data.nItems,
      trainUsers: data.train.nRows,
      evalUsers: Math.max(data.validation.foldIn.nRows, data.test.foldIn.nRows),
    },
    { bytes: totalmem(), name: "this machine's memory" },
  );
  if (!excess) return;
  const flag = excess.culprit === 'dims' ? '--dims' : '--batch-size';
  throw new UserError(`${flag}: ${excess.problem}`, flag);
}

/** With few minibatches per epoch the paper's 200,000 anneal steps never let beta rise: say so. */
function warnAboutAnnealing(config: TrialConfig, data: PreparedDataset, out: Reporter): void {
  if (config.model !== 'vae') return;
  const totalSteps = config.epochs * Math.ceil(data.train.nRows / config.batchSize);
  if (config.totalAnnealSteps <= totalSteps) return;
  // beta = min(annealCap, step / totalAnnealSteps): its last value in this run.
  const reached = Math.min(config.annealCap, (totalSteps - 1) / config.totalAnnealSteps);
  out.warn(
    `totalAnnealSteps (${config.totalAnnealSteps}) exceeds this run's ${count(totalSteps, 'update')} ` +
      `(${count(config.epochs, 'epoch')} x ${count(Math.ceil(data.train.nRows / config.batchSize), 'minibatch', 'minibatches')}): ` +
      `beta will end at ${reached.toPrecision(3)} (annealCap ${config.annealCap}). ` +
      `Consider --total-anneal-steps ${totalSteps}.`,
  );
}
