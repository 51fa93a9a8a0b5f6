import type { Engine } from '@vaecf/engine';
import { csrSelectRows } from '../data/csr';
import type { PreparedDataset } from '../data/dataset';
import { evaluate, type EvalResult } from '../eval/evaluate';
import type { TrialConfig } from '../model/config';
import { MultAutoencoder, type ModelOptions } from '../model/network';
import { RecVAE } from '../model/recvae/model';
import type { RecvaePhase } from '../model/recvae/graph';
import { scorerFromWeights } from '../model/scorer';
import type { StepTimer } from '../model/step-phases';
import { Rng } from '../runtime/rng';
import { CHECKPOINT_FORMAT_VERSION, type TrainerCheckpoint } from './checkpoint';
import { TrainingAbortedError, TrainingDivergedError } from './errors';
import type { BestSnapshot, EpochReport } from './reports';

export type { BestSnapshot, EpochReport } from './reports';

export interface RunEpochOptions {
  /** Checked between minibatches. */
  readonly signal?: AbortSignal;
  /** Called after every minibatch with the training users done so far in this epoch; a promise it returns is awaited. */
  readonly onBatch?: (usersDone: number, usersTotal: number) => void | Promise<void>;
}

/**
 * Trains one configuration on one prepared dataset, one epoch per call, as
 * the paper's loop does: shuffle the training users, minibatches with beta =
 * min(annealCap, step / totalAnnealSteps) rising per update, then validation
 * NDCG@100; the best-by-validation weights are kept for the final test.
 * A worker drives it, checkpointing between epochs; `checkpoint()` captures
 * everything needed to continue exactly (weights, Adam moments, the step
 * counter, the rng, the best snapshot and the history).
 */
export class Trainer {
  private rng: Rng;
  private best: BestSnapshot | null = null;
  private readonly reports: EpochReport[] = [];
  /** Set when an epoch was cut short: the in-memory state is then half an epoch ahead. */
  private broken = false;

  private constructor(
    readonly dataset: PreparedDataset,
    readonly config: TrialConfig,
    private readonly model: MultAutoencoder | RecVAE,
    rng: Rng,
  ) {
    this.rng = rng;
  }

  /** The engine computing this trainer's steps and evaluations. */
  get engine(): Engine {
    return this.model.engine;
  }

  private static async build(
    dataset: PreparedDataset,
    config: TrialConfig,
    engine: Engine,
    modelOptions: ModelOptions,
    resume?: TrainerCheckpoint,
  ): Promise<Trainer> {
    const root = Rng.fromSeed(config.seed);
    const initRng = root.fork();
    const model =
      config.model === 'recvae'
        ? await RecVAE.create(config, dataset.nItems, initRng, engine)
        : await MultAutoencoder.create(config, dataset.nItems, initRng, engine, modelOptions);
    const trainer = new Trainer(dataset, config, model, root);
    if (resume) trainer.restore(resume);
    return trainer;
  }

  /** `modelOptions.resident` chooses where the weights live (default: on GPU engines, see ModelOptions). */
  static create(
    dataset: PreparedDataset,
    config: TrialConfig,
    engine: Engine,
    modelOptions: ModelOptions = {},
  ): Promise<Trainer> {
    return Trainer.build(dataset, config, engine, modelOptions);
  }

  /**
   * Continues a run from its checkpoint. `epochs` may extend (or shorten) the
   * run; every other hyperparameter is the checkpoint's own. The checkpoint
   * is engine-neutral: any engine resumes it (bit-identical to an
   * uninterrupted run on the engine and thread count that wrote it).
   */
  static resume(
    dataset: PreparedDataset,
    checkpoint: TrainerCheckpoint,
    engine: Engine,
    overrides: { epochs?: number } = {},
    modelOptions: ModelOptions = {},
  ): Promise<Trainer> {
    if (checkpoint.nItems !== dataset.nItems) {
      throw new Error(
        `checkpoint was trained on ${checkpoint.nItems} items but the dataset has ${dataset.nItems}`,
      );
    }
    const epochs = overrides.epochs ?? checkpoint.config.epochs;
    if (!Number.isInteger(epochs) || epochs < checkpoint.epoch) {
      throw new Error(
        `cannot resume with epochs = ${epochs}: the checkpoint already holds ${checkpoint.epoch} epochs`,
      );
    }
    return Trainer.build(dataset, { ...checkpoint.config, epochs }, engine, modelOptions, checkpoint);
  }

  get epochsDone(): number {
    return this.reports.length;
  }

  get finished(): boolean {
    return this.epochsDone >= this.config.epochs;
  }

  get history(): readonly EpochReport[] {
    return this.reports;
  }

  get bestSnapshot(): BestSnapshot | null {
    return this.best;
  }

  get steps(): number {
    return this.model.steps;
  }

  /** Charges the time of every following training step to `timer`'s phases (for benchmarks). */
  timeSteps(timer: StepTimer | undefined): void {
    this.model.timer = timer;
  }

  /** The KL weight the next update will use. */
  beta(): number {
    if (this.config.model === 'recvae') return this.config.klGamma ? 0 : (this.config.klBeta ?? 0);
    if (this.config.model !== 'vae') return 0;
    return Math.min(this.config.annealCap, this.model.steps / this.config.totalAnnealSteps);
  }

  /**
   * Trains one epoch and validates. If `signal` aborts between minibatches it
   * throws TrainingAbortedError and this trainer must be discarded (resume
   * from the last checkpoint); a non-finite loss throws TrainingDivergedError.
   */
  async runEpoch(opts: RunEpochOptions = {}): Promise<EpochReport> {
    const { signal, onBatch } = opts;
    if (this.broken)
      throw new Error('this trainer was interrupted mid-epoch; resume from its last checkpoint');
    if (this.finished) throw new Error(`all ${this.config.epochs} epochs are done`);
    const epoch = this.epochsDone + 1;
    const train = this.dataset.train;
    // Mult-VAE: one pass. RecVAE: its encoder passes then its decoder passes, each over a fresh
    // shuffle; the prior's encoder copy is refreshed after them (one epoch = one such round).
    const passes: (RecvaePhase | undefined)[] =
      this.model instanceof RecVAE ? this.model.passes() : [undefined];
    const bs = this.config.batchSize;
    let loss = 0;
    let nll = 0;
    let kl = 0;
    let batches = 0;
    let beta = 0;
    const t0 = performance.now();
    for (const [p, phase] of passes.entries()) {
      const order = this.rng.permutation(train.nRows);
      for (let start = 0; start < train.nRows; start += bs) {
        if (signal?.aborted) {
          this.broken = true;
          throw new TrainingAbortedError(epoch);
        }
        const timer = this.model.timer;
        timer?.start();
        beta = this.beta();
        const batch = csrSelectRows(train, order.subarray(start, Math.min(start + bs, train.nRows)));
        const step =
          this.model instanceof RecVAE
            ? await this.model.trainStep(batch, beta, this.rng, phase)
            : await this.model.trainStep(batch, beta, this.rng);
        if (timer) timer.steps++;
        if (!Number.isFinite(step.loss)) {
          this.broken = true;
          throw new TrainingDivergedError(epoch, this.model.steps, step.loss);
        }
        loss += step.loss;
        nll += step.nll;
        kl += step.kl;
        batches++;
        const done = p * train.nRows + Math.min(start + bs, train.nRows);
        await onBatch?.(done, passes.length * train.nRows);
        // Yield to the event loop so a host process keeps its timers (job locks, metrics) alive.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    if (this.model instanceof RecVAE) this.model.endEpoch();
    const trainSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const validation = await this.evaluate('validation');
    const evalSeconds = (performance.now() - t1) / 1000;
    // Checkpoints written before selectBy existed chose by NDCG@100.
    const by = this.config.selectBy ?? 'ndcg100';
    const improved = this.best === null || validation[by] > this.best.validation[by];
    if (improved) this.best = { epoch, validation, weights: await this.model.getWeights() };
    const report: EpochReport = {
      epoch,
      loss: loss / batches,
      nll: nll / batches,
      kl: kl / batches,
      beta,
      steps: this.model.steps,
      trainSeconds,
      evalSeconds,
      // Users per pass (RecVAE runs several passes an epoch).
      usersPerSecond: (passes.length * train.nRows) / trainSeconds,
      validation,
      improved,
    };
    this.reports.push(report);
    return report;
  }

  /** Evaluates the current weights on a held-out split. */
  async evaluate(split: 'validation' | 'test'): Promise<EvalResult> {
    return evaluate(this.model, this.dataset[split], { batchSize: this.config.evalBatchSize });
  }

  /**
   * Evaluates the best-by-validation weights on the test split (the paper's
   * final number). The training state is left untouched.
   */
  async evaluateBestOnTest(): Promise<EvalResult> {
    if (!this.best) throw new Error('no epoch has been validated yet');
    const scorer = await scorerFromWeights(this.config, this.dataset.nItems, this.best.weights, this.engine);
    try {
      return await evaluate(scorer, this.dataset.test, { batchSize: this.config.evalBatchSize });
    } finally {
      await scorer.dispose();
    }
  }

  /** The full state after the last finished epoch. */
  async checkpoint(): Promise<TrainerCheckpoint> {
    if (this.broken) throw new Error('cannot checkpoint a trainer interrupted mid-epoch');
    return {
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      config: this.config,
      nItems: this.dataset.nItems,
      epoch: this.epochsDone,
      rng: this.rng.state(),
      model: await this.model.getState(),
      best: this.best,
      history: [...this.reports],
    };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }

  private restore(c: TrainerCheckpoint): void {
    this.model.setState(c.model);
    this.rng = Rng.fromState(c.rng);
    this.best = c.best;
    this.reports.push(...c.history);
    if (c.history.length !== c.epoch)
      throw new Error(`checkpoint history has ${c.history.length} epochs, expected ${c.epoch}`);
  }
}
