import { GPU_ENGINES, type DeviceState, type Engine, type HostTensor, type Program } from '@vaecf/engine';
import { InputError } from '@vaecf/errors';
import type { Csr } from '../data/csr';
import type { Rng } from '../runtime/rng';
import { adamHyper, adamStepSize, type AdamHyper } from './adam';
import { architecture, type Architecture } from './architecture';
import type { TrialConfig } from './config';
import { DenseParams } from './dense-layer';
import { estimateResidentMemory } from './memory';
import { glorotUniform, truncatedNormal } from './init';
import { buildSparseInput, type SparseInput } from './sparse-input';
import { SparseInputLayer } from './sparse-layer';
import {
  residentNames,
  residentScoringGraph,
  residentTrainingGraph,
  residentUpdates,
} from './resident-step-graph';
import { scoringGraph, trainingGraph } from './step-graph';
import type { StepTimer } from './step-phases';

/** Loss terms of one minibatch (means over its users), before the update. */
export interface StepLoss {
  /** Negative multinomial log-likelihood. */
  readonly nll: number;
  /** KL(q(z|x) || N(0, I)); 0 for Mult-DAE. */
  readonly kl: number;
  /** The objective: nll + beta * kl + lam * sum ||W||^2. */
  readonly loss: number;
}

export interface ModelOptions {
  /**
   * Keep the weights and Adam moments on the engine and run the whole step
   * there, first layer and Adam included (resident-step-graph.ts): the GPU
   * engines' mode, where a round trip of the weights per step would cost
   * more than the step. Default: on for GPU engines, off elsewhere (on the
   * host the JS first layer and Adam are faster).
   */
  readonly resident?: boolean;
}

export interface ModelState {
  readonly steps: number;
  readonly tensors: Record<string, Float32Array>;
}

/** The data-loss gradients of one step, in arrays reused step after step. */
interface StepGradients {
  readonly nll: number;
  readonly kl: number;
  readonly x: SparseInput;
  /** dW{i} and db{i} of the dense layers (index = layer index; 0 unused). */
  readonly dW: Float32Array[];
  readonly db: Float32Array[];
  /** Gradient at the first layer's affine output, [B, H0]. */
  readonly dA0: Float32Array;
}

/**
 * Mult-VAE / Mult-DAE. Parameters and Adam moments are engine-neutral
 * Float32Arrays held here (what checkpoints hold). On the host, the sparse
 * first layer and every Adam update run in JavaScript, and the dense
 * network's forward pass, the multinomial loss and the hand-written backward
 * pass run on the engine as one compiled program per model (step-graph.ts),
 * fed the weights without copies where the engine allows. Resident (GPU
 * engines, see ModelOptions) the engine holds the working copy and runs the
 * whole step; the arrays here are refreshed from it when state is read.
 * Build one with `create`.
 */
export class MultAutoencoder {
  readonly arch: Architecture;
  private readonly first: SparseInputLayer;
  private readonly dense: DenseParams[];
  private readonly adam: AdamHyper;
  /** Number of Adam updates applied so far (the anneal step counter too). */
  private t = 0;
  /** When set, training steps charge their time to its phases (the benchmark's breakdown). */
  timer: StepTimer | undefined;
  private trainProgram: Program | undefined;
  private scoreProgram: Program | undefined;
  /** Gradient arrays the training program writes into (index = dense layer index). */
  private readonly dW: Float32Array[] = [];
  private readonly db: Float32Array[] = [];
  private dA0 = new Float32Array(0);
  /** Resident mode: the engine's working copy of every weight and moment, and its programs. */
  private readonly device: DeviceState | undefined;
  private residentTrain: Program | undefined;
  private residentScore: Program | undefined;
  /** Resident mode: whether the arrays here equal the engine's copy (false once a step ran there). */
  private hostCurrent = true;

  private constructor(
    readonly config: TrialConfig,
    readonly nItems: number,
    initRng: Rng,
    readonly engine: Engine,
    options: ModelOptions,
  ) {
    this.arch = architecture(config.model, nItems, config.dims);
    this.adam = adamHyper(config.lr);
    const [l0, ...rest] = this.arch.layers;
    // Draw order is part of reproducibility: layer by layer, W then b.
    this.first = new SparseInputLayer(
      nItems,
      l0.units,
      glorotUniform(initRng, l0.inputs, l0.units),
      truncatedNormal(initRng, l0.units, 0.001),
    );
    this.dense = rest.map((spec) => {
      const w = glorotUniform(initRng, spec.inputs, spec.units);
      const b = truncatedNormal(initRng, spec.units, 0.001);
      return new DenseParams(spec.inputs, spec.units, w, b, spec.tanh);
    });
    const resident = options.resident ?? GPU_ENGINES.includes(engine.info.name);
    if (resident) {
      this.device = engine.createState();
      this.pushAll();
    }
  }

  /** Whether the engine holds the working copy and runs the whole step. */
  get resident(): boolean {
    return this.device !== undefined;
  }

  /** A model with freshly initialised weights (drawn from initRng) that computes on `engine`. */
  static async create(
    config: TrialConfig,
    nItems: number,
    initRng: Rng,
    engine: Engine,
    options: ModelOptions = {},
  ): Promise<MultAutoencoder> {
    const model = new MultAutoencoder(config, nItems, initRng, engine, options);
    if (model.resident) await checkDeviceMemory(config, nItems, engine);
    return model;
  }

  get steps(): number {
    return this.t;
  }

  /**
   * One Adam step on the users `batch` (their raw binary rows) with KL weight
   * beta. Dropout masks and the VAE's noise are drawn from rng.
   */
  async trainStep(batch: Csr, beta: number, rng: Rng): Promise<StepLoss> {
    if (this.device) return this.residentStep(batch, beta, rng, this.device);
    const t = this.t + 1;
    const l2 = 2 * this.config.lam;
    const grads = await this.stepGradients(batch, beta, rng);
    let squares = 0;
    // Updates only after every gradient is known: backward read the old weights.
    this.dense.forEach((layer, k) => {
      squares += layer.update(this.adam, t, grads.dW[k + 1], grads.db[k + 1], l2);
    });
    this.timer?.mark('adam');
    // The first layer's backward pass and its Adam update are one sweep over its W.
    squares += this.first.update(grads.x, grads.dA0, this.adam, t, l2);
    this.timer?.mark('sparseBackward');
    this.t = t;
    // The penalty of the weights this step used (the updates return sum(W^2) from before them).
    const reg = this.config.lam * squares;
    return { nll: grads.nll, kl: grads.kl, loss: grads.nll + beta * grads.kl + reg };
  }

  /** trainStep on the engine's copy: the minibatch goes up, three sums come down. */
  private async residentStep(batch: Csr, beta: number, rng: Rng, device: DeviceState): Promise<StepLoss> {
    const t = this.t + 1;
    const B = batch.nRows;
    // The same draws in the same order as the host path: dropout mask, then noise.
    const x = buildSparseInput(batch, { keepProb: this.config.keepProb, rng });
    const vae = this.arch.kind === 'vae';
    const eps = vae ? normals(rng, B * this.arch.latent) : undefined;
    const feeds: Record<string, HostTensor> = {
      ...lossFeeds(batch, this.nItems),
      ...inputFeeds(x, this.nItems),
      lrT: { data: Float32Array.of(adamStepSize(this.adam, t)), shape: [1] },
    };
    if (vae) {
      feeds.eps = { data: eps!, shape: [B, this.arch.latent] };
      feeds.klScale = { data: Float32Array.of(beta / B), shape: [1] };
    }
    this.timer?.mark('data');
    this.residentTrain ??= await this.engine.compile(
      residentTrainingGraph(this.arch, this.adam, 2 * this.config.lam),
      { updates: residentUpdates(this.arch) },
    );
    const out = await this.residentTrain.run(feeds, {}, device);
    this.timer?.mark('engineStep');
    this.t = t;
    this.hostCurrent = false;
    const nll = out.nllSum[0] / B;
    const kl = vae ? out.klSum[0] / B : 0;
    return { nll, kl, loss: nll + beta * kl + this.config.lam * out.squares[0] };
  }

  /**
   * The loss and its gradient for every weight and bias (the L2 term
   * included), without updating anything: for gradient checks and debugging,
   * not for the training loop.
   */
  async gradients(
    batch: Csr,
    beta: number,
    rng: Rng,
  ): Promise<{ loss: StepLoss; grads: Record<string, Float32Array> }> {
    const out: Record<string, Float32Array> = {};
    await this.pull();
    const l2 = 2 * this.config.lam;
    let squares = 0;
    const withL2 = (g: Float32Array, w: Float32Array) => {
      const r = Float32Array.from(g);
      for (let k = 0; k < r.length; k++) {
        r[k] += l2 * w[k];
        squares += w[k] * w[k];
      }
      return r;
    };
    const g = await this.stepGradients(batch, beta, rng);
    this.dense.forEach((layer, k) => {
      out[`layer${k + 1}/W`] = withL2(g.dW[k + 1], layer.w);
      out[`layer${k + 1}/b`] = g.db[k + 1].slice();
    });
    const gw = new Float32Array(this.first.w.length);
    const gb = new Float32Array(this.first.b.length);
    this.first.accumulateGradients(g.x, g.dA0, gw, gb);
    out['layer0/W'] = withL2(gw, this.first.w);
    out['layer0/b'] = gb;
    const loss = { nll: g.nll, kl: g.kl, loss: g.nll + beta * g.kl + this.config.lam * squares };
    return { loss, grads: out };
  }

  /** Forward and backward on a minibatch: the data loss and its gradients. */
  private async stepGradients(batch: Csr, beta: number, rng: Rng): Promise<StepGradients> {
    const B = batch.nRows;
    const I = this.nItems;
    const x = buildSparseInput(batch, { keepProb: this.config.keepProb, rng });
    const vae = this.arch.kind === 'vae';
    const eps = vae ? normals(rng, B * this.arch.latent) : undefined;
    const H0 = this.arch.layers[0].units;
    this.timer?.mark('data');
    const a0 = this.first.forward(x);
    this.timer?.mark('sparseForward');
    this.trainProgram ??= await this.engine.compile(trainingGraph(this.arch));
    const feeds: Record<string, HostTensor> = {
      a0: { data: a0, shape: [B, H0] },
      ...this.weightFeeds(),
      ...lossFeeds(batch, I),
    };
    if (vae) {
      feeds.eps = { data: eps!, shape: [B, this.arch.latent] };
      feeds.klScale = { data: Float32Array.of(beta / B), shape: [1] };
    }
    if (this.dA0.length !== B * H0) this.dA0 = new Float32Array(B * H0);
    const into: Record<string, Float32Array> = { dA0: this.dA0 };
    this.dense.forEach((layer, k) => {
      this.dW[k + 1] ??= new Float32Array(layer.w.length);
      this.db[k + 1] ??= new Float32Array(layer.b.length);
      into[`dW${k + 1}`] = this.dW[k + 1];
      into[`db${k + 1}`] = this.db[k + 1];
    });
    const out = await this.trainProgram.run(feeds, into);
    this.timer?.mark('engineStep');
    return {
      nll: out.nllSum[0] / B,
      kl: vae ? out.klSum[0] / B : 0,
      x,
      dW: this.dW,
      db: this.db,
      dA0: this.dA0,
    };
  }

  /** Scores (logits) of every item for each user of `foldIn`, row-major [rows x nItems]; no dropout, z = mean. */
  async score(foldIn: Csr): Promise<Float32Array> {
    const x = buildSparseInput(foldIn);
    if (this.device) {
      this.residentScore ??= await this.engine.compile(residentScoringGraph(this.arch));
      const rows = { data: new Float32Array(x.rows), shape: [x.rows, 1] };
      const { logits } = await this.residentScore.run(
        { rows, ...inputFeeds(x, this.nItems) },
        {},
        this.device,
      );
      return logits;
    }
    const a0 = this.first.forward(x);
    this.scoreProgram ??= await this.engine.compile(scoringGraph(this.arch));
    const { logits } = await this.scoreProgram.run({
      a0: { data: a0, shape: [x.rows, this.arch.layers[0].units] },
      ...this.weightFeeds(),
    });
    return logits;
  }

  /** The dense layers' current weights as feeds (the arrays themselves: programs only read them). */
  private weightFeeds(): Record<string, HostTensor> {
    const feeds: Record<string, HostTensor> = {};
    this.dense.forEach((layer, k) => {
      feeds[`W${k + 1}`] = { data: layer.w, shape: [layer.inputs, layer.units] };
      feeds[`b${k + 1}`] = { data: layer.b, shape: [layer.units] };
    });
    return feeds;
  }

  /** Every weight, bias and Adam moment, by a stable name, plus the step counter. */
  async getState(): Promise<ModelState> {
    await this.pull();
    const tensors: Record<string, Float32Array> = {};
    const layers = [this.first, ...this.dense];
    layers.forEach((l, k) => {
      const p = `layer${k}`;
      tensors[`${p}/W`] = l.w.slice();
      tensors[`${p}/b`] = l.b.slice();
      tensors[`${p}/W/m`] = l.mW.slice();
      tensors[`${p}/W/v`] = l.vW.slice();
      tensors[`${p}/b/m`] = l.mB.slice();
      tensors[`${p}/b/v`] = l.vB.slice();
    });
    return { steps: this.t, tensors };
  }

  /** Restores what getState returned (weights only when `weightsOnly`, e.g. for the best snapshot). */
  setState(state: ModelState, weightsOnly = false): void {
    const get = (name: string, length: number): Float32Array => {
      const v = state.tensors[name];
      if (!v) throw new Error(`model state lacks "${name}"`);
      if (v.length !== length)
        throw new Error(`model state "${name}" has ${v.length} values, expected ${length}`);
      return v;
    };
    const names = weightsOnly ? ['W', 'b'] : ['W', 'b', 'W/m', 'W/v', 'b/m', 'b/v'];
    [this.first, ...this.dense].forEach((l, k) => {
      const targets: Record<string, Float32Array> = {
        W: l.w,
        b: l.b,
        'W/m': l.mW,
        'W/v': l.vW,
        'b/m': l.mB,
        'b/v': l.vB,
      };
      for (const n of names) targets[n].set(get(`layer${k}/${n}`, targets[n].length));
    });
    if (!weightsOnly) this.t = state.steps;
    if (this.device) {
      // Weights only leaves the engine's moments as they are (the arrays here may be behind them).
      this.pushAll(weightsOnly);
      if (!weightsOnly) this.hostCurrent = true;
    }
  }

  /** Just the weights and biases (what scoring needs). */
  async getWeights(): Promise<ModelState> {
    await this.pull();
    const tensors: Record<string, Float32Array> = {};
    [this.first, ...this.dense].forEach((l, k) => {
      tensors[`layer${k}/W`] = l.w.slice();
      tensors[`layer${k}/b`] = l.b.slice();
    });
    return { steps: this.t, tensors };
  }

  /** Frees the engine programs (the engine itself is shared and stays). */
  async dispose(): Promise<void> {
    this.device?.dispose();
    const programs = [this.trainProgram, this.scoreProgram, this.residentTrain, this.residentScore];
    this.trainProgram = this.scoreProgram = this.residentTrain = this.residentScore = undefined;
    await Promise.all(programs.map((p) => p?.dispose()));
  }

  /** Every layer's arrays by their resident names (residentNames's order). */
  private residentArrays(): Map<string, { data: Float32Array; shape: number[] }> {
    const arrays = new Map<string, { data: Float32Array; shape: number[] }>();
    [this.first, ...this.dense].forEach((l, i) => {
      const { inputs, units } = this.arch.layers[i];
      const w = [inputs, units];
      arrays.set(`W${i}`, { data: l.w, shape: w });
      arrays.set(`b${i}`, { data: l.b, shape: [units] });
      arrays.set(`W${i}_m`, { data: l.mW, shape: w });
      arrays.set(`W${i}_v`, { data: l.vW, shape: w });
      arrays.set(`b${i}_m`, { data: l.mB, shape: [units] });
      arrays.set(`b${i}_v`, { data: l.vB, shape: [units] });
    });
    return arrays;
  }

  /** Resident mode: copies the arrays here to the engine (the weights only, or everything). */
  private pushAll(weightsOnly = false): void {
    const values: Record<string, HostTensor> = {};
    const arrays = this.residentArrays();
    for (const name of residentNames(this.arch, !weightsOnly)) values[name] = arrays.get(name)!;
    this.device!.write(values);
  }

  /** Resident mode: refreshes the arrays here from the engine's copy, if a step ran since. */
  private async pull(): Promise<void> {
    if (!this.device || this.hostCurrent) return;
    const arrays = this.residentArrays();
    const values = await this.device.read(residentNames(this.arch));
    for (const [name, data] of Object.entries(values)) arrays.get(name)!.data.set(data);
    this.hostCurrent = true;
  }
}

/**
 * Refuses, before the first step, a resident model its GPU cannot hold (where
 * the driver reports the device's memory): a clear error naming what to
 * change, not an allocation failure minutes in.
 */
async function checkDeviceMemory(config: TrialConfig, nItems: number, engine: Engine): Promise<void> {
  const memory = await engine.deviceMemory();
  if (!memory) return;
  const need = estimateResidentMemory(config, nItems);
  if (need <= memory.freeBytes) return;
  const gib = (b: number) => (b / 2 ** 30).toFixed(1);
  throw new InputError(
    `the model needs about ${gib(need)} GiB on ${engine.info.device} (${memory.name}), which has ${gib(memory.freeBytes)} GiB free of ${gib(memory.totalBytes)}: ` +
      'lower batchSize, evalBatchSize or dims, or train on a CPU engine',
    'engine',
  );
}

/** The multinomial loss's view of a minibatch (see step-graph.ts's inputs). */
export function lossFeeds(batch: Csr, nItems: number): Record<string, HostTensor> {
  const B = batch.nRows;
  const { indptr, indices } = batch;
  const nnz = indptr[B];
  const xIndex = new Int32Array(nnz);
  const xRow = new Int32Array(nnz);
  const xNeg = new Float32Array(nnz);
  const rowScale = new Float32Array(B);
  for (let r = 0; r < B; r++) {
    const n = indptr[r + 1] - indptr[r];
    rowScale[r] = n / B;
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      xIndex[k] = r * nItems + indices[k];
      xRow[k] = r;
      xNeg[k] = -1 / n;
    }
  }
  return {
    xIndex: { data: xIndex, shape: [nnz] },
    xRow: { data: xRow, shape: [nnz] },
    xNeg: { data: xNeg, shape: [nnz] },
    rowScale: { data: rowScale, shape: [B, 1] },
  };
}

/** The model input's entries at flat positions r * I + i, for the resident graphs' dense x. */
function inputFeeds(x: SparseInput, nItems: number): Record<string, HostTensor> {
  const n = x.values.length;
  const inIndex = new Int32Array(n);
  for (let r = 0; r < x.rows; r++)
    for (let k = x.rowPtr[r]; k < x.rowPtr[r + 1]; k++) inIndex[k] = r * nItems + x.items[k];
  return { inIndex: { data: inIndex, shape: [n] }, inValue: { data: x.values, shape: [n] } };
}

function normals(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = rng.normal();
  return out;
}
