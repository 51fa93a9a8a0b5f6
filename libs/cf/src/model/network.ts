import type { Engine, HostTensor, Program } from '@vaecf/engine';
import type { Csr } from '../data/csr';
import type { Rng } from '../runtime/rng';
import { adamHyper, type AdamHyper } from './adam';
import { architecture, type Architecture } from './architecture';
import type { TrialConfig } from './config';
import { DenseParams } from './dense-layer';
import { glorotUniform, truncatedNormal } from './init';
import { buildSparseInput, type SparseInput } from './sparse-input';
import { SparseInputLayer } from './sparse-layer';
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
 * Float32Arrays held here (what checkpoints hold); the sparse first layer
 * and every Adam update run in JavaScript, and the dense network's forward
 * pass, the multinomial loss and the hand-written backward pass run on the
 * engine as one compiled program per model (step-graph.ts), fed the weights
 * without copies where the engine allows. Build one with `create`.
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

  private constructor(
    readonly config: TrialConfig,
    readonly nItems: number,
    initRng: Rng,
    readonly engine: Engine,
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
  }

  /** A model with freshly initialised weights (drawn from initRng) that computes on `engine`. */
  static async create(
    config: TrialConfig,
    nItems: number,
    initRng: Rng,
    engine: Engine,
  ): Promise<MultAutoencoder> {
    return new MultAutoencoder(config, nItems, initRng, engine);
  }

  get steps(): number {
    return this.t;
  }

  /**
   * One Adam step on the users `batch` (their raw binary rows) with KL weight
   * beta. Dropout masks and the VAE's noise are drawn from rng.
   */
  async trainStep(batch: Csr, beta: number, rng: Rng): Promise<StepLoss> {
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
        xIndex[k] = r * I + indices[k];
        xRow[k] = r;
        xNeg[k] = -1 / n;
      }
    }
    const H0 = this.arch.layers[0].units;
    this.timer?.mark('data');
    const a0 = this.first.forward(x);
    this.timer?.mark('sparseForward');
    this.trainProgram ??= await this.engine.compile(trainingGraph(this.arch));
    const feeds: Record<string, HostTensor> = {
      a0: { data: a0, shape: [B, H0] },
      ...this.weightFeeds(),
      xIndex: { data: xIndex, shape: [nnz] },
      xRow: { data: xRow, shape: [nnz] },
      xNeg: { data: xNeg, shape: [nnz] },
      rowScale: { data: rowScale, shape: [B, 1] },
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
  getState(): ModelState {
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
  }

  /** Just the weights and biases (what scoring needs). */
  getWeights(): ModelState {
    const tensors: Record<string, Float32Array> = {};
    [this.first, ...this.dense].forEach((l, k) => {
      tensors[`layer${k}/W`] = l.w.slice();
      tensors[`layer${k}/b`] = l.b.slice();
    });
    return { steps: this.t, tensors };
  }

  /** Frees the engine programs (the engine itself is shared and stays). */
  async dispose(): Promise<void> {
    const programs = [this.trainProgram, this.scoreProgram];
    this.trainProgram = this.scoreProgram = undefined;
    await Promise.all(programs.map((p) => p?.dispose()));
  }
}

function normals(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = rng.normal();
  return out;
}
