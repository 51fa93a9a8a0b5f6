import * as tf from '@tensorflow/tfjs-core';
import type { Csr } from '../data/csr';
import type { Rng } from '../runtime/rng';
import { adamHyper, TfAdamSlot, type AdamHyper } from './adam';
import { architecture, type Architecture } from './architecture';
import type { TrialConfig } from './config';
import { glorotUniform, truncatedNormal } from './init';
import { buildSparseInput, denseRows, type SparseInput } from './sparse-input';
import { SparseInputLayer } from './sparse-layer';
import type { StepTimer } from './step-phases';
import { transposedMatMul } from './tf-ops';

/** Loss terms of one minibatch (means over its users), before the update. */
export interface StepLoss {
  /** Negative multinomial log-likelihood. */
  readonly nll: number;
  /** KL(q(z|x) || N(0, I)); 0 for Mult-DAE. */
  readonly kl: number;
  /** The objective: nll + beta * kl + lam * sum ||W||^2. */
  readonly loss: number;
}

interface DenseLayer {
  readonly w: tf.Variable<tf.Rank.R2>;
  readonly b: tf.Variable<tf.Rank.R1>;
  readonly adamW: TfAdamSlot;
  readonly adamB: TfAdamSlot;
  readonly tanh: boolean;
}

interface ForwardCache {
  /** Input of each dense layer (index = layer index; 0 unused). */
  readonly inputs: tf.Tensor2D[];
  /** Output (after activation) of every layer. */
  readonly outputs: tf.Tensor2D[];
  readonly mu?: tf.Tensor2D;
  readonly logvar?: tf.Tensor2D;
  readonly std?: tf.Tensor2D;
  readonly eps?: tf.Tensor2D;
  readonly logits: tf.Tensor2D;
}

/**
 * Mult-VAE / Mult-DAE with a lean hand-written backward pass. Why not
 * tf.grad: on the wasm backend the tape's gradient of a matMul uses the
 * transposeA/transposeB flags, which run 10x slower than an explicit
 * tf.transpose followed by a plain matMul; the multinomial loss's gradient
 * has a closed form (softmax * n - x) / B that is cheaper than differentiating
 * logSoftmax; and the sparse first layer lives in JS. The tests check these
 * gradients against tf.grad of a straightforward dense graph.
 */
export class MultAutoencoder {
  readonly arch: Architecture;
  private readonly first: SparseInputLayer;
  private readonly dense: DenseLayer[];
  private readonly adam: AdamHyper;
  /** Number of Adam updates applied so far (the anneal step counter too). */
  private t = 0;
  /** When set, training steps charge their time to its phases (the benchmark's breakdown). */
  timer: StepTimer | undefined;

  constructor(
    readonly config: TrialConfig,
    readonly nItems: number,
    initRng: Rng,
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
      // tidy frees the initial-value tensors (a variable keeps its own reference to the data).
      const wInit = glorotUniform(initRng, spec.inputs, spec.units);
      const bInit = truncatedNormal(initRng, spec.units, 0.001);
      const w = tf.tidy(() => tf.variable(tf.tensor2d(wInit, [spec.inputs, spec.units])));
      const b = tf.tidy(() => tf.variable(tf.tensor1d(bInit)));
      return { w, b, adamW: new TfAdamSlot(w), adamB: new TfAdamSlot(b), tanh: spec.tanh };
    });
  }

  get steps(): number {
    return this.t;
  }

  /**
   * One Adam step on the users `batch` (their raw binary rows) with KL weight
   * beta. Dropout masks and the VAE's noise are drawn from rng.
   */
  trainStep(batch: Csr, beta: number, rng: Rng): StepLoss {
    const t = this.t + 1;
    const l2 = 2 * this.config.lam;
    const { x, loss, firstGrad } = this.withGradients(batch, beta, rng, (grads) => {
      // Updates only after every gradient is known: backward reads the old weights.
      this.dense.forEach((layer, i) => {
        layer.adamW.update(this.adam, t, grads.w[i], l2);
        layer.adamB.update(this.adam, t, grads.b[i], 0);
      });
    });
    this.timer?.mark('adam');
    this.first.backward(x, firstGrad);
    this.timer?.mark('sparseBackward');
    this.first.update(x, this.adam, t, l2);
    this.timer?.mark('adam');
    this.t = t;
    return loss;
  }

  /**
   * The loss and its gradient for every weight and bias (the L2 term
   * included), without updating anything: for gradient checks and debugging,
   * not for the training loop (it materialises dense arrays).
   */
  gradients(batch: Csr, beta: number, rng: Rng): { loss: StepLoss; grads: Record<string, Float32Array> } {
    const grads: Record<string, Float32Array> = {};
    const l2 = 2 * this.config.lam;
    const { x, loss, firstGrad } = this.withGradients(batch, beta, rng, (g) => {
      this.dense.forEach((layer, i) => {
        grads[`layer${i + 1}/W`] = tf.add(g.w[i], tf.mul(layer.w, l2)).dataSync() as Float32Array;
        grads[`layer${i + 1}/b`] = g.b[i].dataSync() as Float32Array;
      });
    });
    const gw = new Float32Array(this.first.w.length);
    const gb = new Float32Array(this.first.b.length);
    this.first.accumulateGradients(x, firstGrad, gw, gb);
    for (let k = 0; k < gw.length; k++) gw[k] += l2 * this.first.w[k];
    grads['layer0/W'] = gw;
    grads['layer0/b'] = gb;
    return { loss, grads };
  }

  /** Forward and backward on a minibatch; `use` sees the dense layers' gradients before they are freed. */
  private withGradients(
    batch: Csr,
    beta: number,
    rng: Rng,
    use: (g: { w: tf.Tensor[]; b: tf.Tensor[] }) => void,
  ): { x: SparseInput; loss: StepLoss; firstGrad: Float32Array } {
    const B = batch.nRows;
    const x = buildSparseInput(batch, { keepProb: this.config.keepProb, rng });
    const eps = this.arch.kind === 'vae' ? normals(rng, B * this.arch.latent) : undefined;
    this.timer?.mark('data');
    // The penalty is read before `use` may update the weights.
    const reg = this.config.lam > 0 ? this.config.lam * this.sumSquaredWeights() : 0;
    let firstGrad: Float32Array = new Float32Array(0);
    const terms = tf.tidy(() => {
      const cache = this.forward(x, eps);
      this.timer?.mark('denseForward');
      const { dLogits, nll } = multinomialLossGrad(cache.logits, batch);
      const kl = cache.mu && cache.logvar ? klDivergence(cache.mu, cache.logvar).dataSync()[0] : 0;
      const nllValue = nll.dataSync()[0];
      this.timer?.mark('softmaxLoss');
      const grads = this.backward(cache, dLogits, beta, B);
      firstGrad = grads.first.dataSync() as Float32Array;
      this.timer?.mark('denseBackward');
      use(grads);
      return { nll: nllValue, kl };
    });
    return { x, firstGrad, loss: { ...terms, loss: terms.nll + beta * terms.kl + reg } };
  }

  /** Scores (logits) of every item for each user of `foldIn`, row-major [rows x nItems]; no dropout, z = mean. */
  score(foldIn: Csr): Float32Array {
    const x = buildSparseInput(foldIn);
    let scores: Float32Array = new Float32Array(0);
    // Not returned from tidy: tidy walks its result with for-in, which takes seconds on a 10M-value array.
    tf.tidy(() => {
      scores = this.forward(x, undefined).logits.dataSync() as Float32Array;
    });
    return scores;
  }

  private forward(x: SparseInput, eps: Float32Array | undefined): ForwardCache {
    const B = x.rows;
    const l0 = this.arch.layers[0];
    const a0 = tf.tensor2d(this.first.forward(x), [B, l0.units]);
    this.timer?.mark('sparseForward');
    let h: tf.Tensor2D = l0.tanh ? tf.tanh(a0) : a0;
    const inputs: tf.Tensor2D[] = [];
    const outputs: tf.Tensor2D[] = [h];
    const latent: Pick<ForwardCache, 'mu' | 'logvar' | 'std' | 'eps'> = {};
    for (let i = 1; i <= this.dense.length; i++) {
      const layer = this.dense[i - 1];
      if (this.arch.kind === 'vae' && i === this.arch.decoderStart) {
        const d = this.arch.latent;
        const mu = tf.slice(h, [0, 0], [B, d]);
        const logvar = tf.slice(h, [0, d], [B, d]);
        Object.assign(latent, { mu, logvar });
        h = mu;
        if (eps) {
          const std = tf.exp(tf.mul(logvar, 0.5)) as tf.Tensor2D;
          const epsT = tf.tensor2d(eps, [B, d]);
          h = tf.add(mu, tf.mul(epsT, std));
          Object.assign(latent, { std, eps: epsT });
        }
      }
      inputs[i] = h;
      const pre = tf.add(tf.matMul(h, layer.w), layer.b) as tf.Tensor2D;
      h = layer.tanh ? tf.tanh(pre) : pre;
      outputs[i] = h;
    }
    return { inputs, outputs, ...latent, logits: h };
  }

  private backward(c: ForwardCache, dLogits: tf.Tensor2D, beta: number, B: number) {
    const w: tf.Tensor[] = [];
    const b: tf.Tensor[] = [];
    let g: tf.Tensor2D = dLogits;
    for (let i = this.dense.length; i >= 1; i--) {
      const layer = this.dense[i - 1];
      if (layer.tanh) g = tanhGrad(g, c.outputs[i]);
      w[i - 1] = transposedMatMul(c.inputs[i], g, 'a');
      b[i - 1] = tf.sum(g, 0);
      g = transposedMatMul(g, layer.w, 'b');
      if (this.arch.kind === 'vae' && i === this.arch.decoderStart) {
        // dz -> [dmu | dlogvar], plus beta * dKL, KL being a mean over the batch.
        const dMu = tf.add(g, tf.mul(c.mu!, beta / B));
        const dLogvar = tf.add(
          tf.mul(tf.mul(g, c.eps!), tf.mul(c.std!, 0.5)),
          tf.mul(tf.sub(tf.exp(c.logvar!), 1), (0.5 * beta) / B),
        );
        g = tf.concat([dMu, dLogvar], 1) as tf.Tensor2D;
      }
    }
    if (this.arch.layers[0].tanh) g = tanhGrad(g, c.outputs[0]);
    return { w, b, first: g };
  }

  private sumSquaredWeights(): number {
    let s = 0;
    for (const v of this.first.w) s += v * v;
    return tf.tidy(() => this.dense.reduce((acc, l) => acc + tf.sum(tf.square(l.w)).dataSync()[0], s));
  }

  /** Every weight, bias and Adam moment, by a stable name, plus the step counter. */
  getState(): ModelState {
    const tensors: Record<string, Float32Array> = {
      'layer0/W': this.first.w.slice(),
      'layer0/b': this.first.b.slice(),
      'layer0/W/m': this.first.mW.slice(),
      'layer0/W/v': this.first.vW.slice(),
      'layer0/b/m': this.first.mB.slice(),
      'layer0/b/v': this.first.vB.slice(),
    };
    this.dense.forEach((l, k) => {
      const p = `layer${k + 1}`;
      const put = (name: string, v: tf.Tensor) => (tensors[name] = v.dataSync() as Float32Array);
      put(`${p}/W`, l.w);
      put(`${p}/b`, l.b);
      put(`${p}/W/m`, l.adamW.m);
      put(`${p}/W/v`, l.adamW.v);
      put(`${p}/b/m`, l.adamB.m);
      put(`${p}/b/v`, l.adamB.v);
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
    const f = this.first;
    const names = weightsOnly ? ['W', 'b'] : ['W', 'b', 'W/m', 'W/v', 'b/m', 'b/v'];
    const firstTargets: Record<string, Float32Array> = {
      W: f.w,
      b: f.b,
      'W/m': f.mW,
      'W/v': f.vW,
      'b/m': f.mB,
      'b/v': f.vB,
    };
    for (const n of names) firstTargets[n].set(get(`layer0/${n}`, firstTargets[n].length));
    this.dense.forEach((l, k) => {
      const targets: Record<string, tf.Variable> = {
        W: l.w,
        b: l.b,
        'W/m': l.adamW.m,
        'W/v': l.adamW.v,
        'b/m': l.adamB.m,
        'b/v': l.adamB.v,
      };
      for (const n of names) {
        const target = targets[n];
        tf.tidy(() => target.assign(tf.tensor(get(`layer${k + 1}/${n}`, target.size), target.shape)));
      }
    });
    if (!weightsOnly) this.t = state.steps;
  }

  /** Just the weights and biases (what scoring needs). */
  getWeights(): ModelState {
    const all = this.getState();
    const tensors = Object.fromEntries(Object.entries(all.tensors).filter(([n]) => !/\/(m|v)$/.test(n)));
    return { steps: all.steps, tensors };
  }

  dispose(): void {
    for (const l of this.dense) {
      l.w.dispose();
      l.b.dispose();
      l.adamW.dispose();
      l.adamB.dispose();
    }
  }
}

export interface ModelState {
  readonly steps: number;
  readonly tensors: Record<string, Float32Array>;
}

/**
 * The multinomial negative log-likelihood (mean over users) and its gradient
 * w.r.t. the logits, from one exp over [B, I] (the costliest elementwise op
 * on wasm): with e = exp(l - max l) and s = sum e,
 *   nll = (1/B) sum_b (n_b (max_b + log s_b) - sum_i x_bi l_bi)
 *   dl  = e * n_b / (s_b B) - x / B
 */
function multinomialLossGrad(logits: tf.Tensor2D, batch: Csr): { nll: tf.Scalar; dLogits: tf.Tensor2D } {
  const B = batch.nRows;
  const xOverB = tf.tensor2d(denseRows(batch, 1 / B), [B, batch.nCols]);
  const n = tf.tensor2d(rowCounts(batch), [B, 1]);
  const max = tf.max(logits, 1, true);
  const e = tf.exp(tf.sub(logits, max));
  const s = tf.sum(e, 1, true);
  const lse = tf.add(max, tf.log(s));
  const nll = tf.sub(tf.div(tf.sum(tf.mul(n, lse)), B), tf.sum(tf.mul(xOverB, logits))) as tf.Scalar;
  const dLogits = tf.sub(tf.mul(e, tf.div(n, tf.mul(s, B))), xOverB) as tf.Tensor2D;
  return { nll, dLogits };
}

function rowCounts(m: Csr): Float32Array {
  const out = new Float32Array(m.nRows);
  for (let r = 0; r < m.nRows; r++) out[r] = m.indptr[r + 1] - m.indptr[r];
  return out;
}

/** Mean over users of KL(N(mu, exp(logvar)) || N(0, I)). */
function klDivergence(mu: tf.Tensor2D, logvar: tf.Tensor2D): tf.Scalar {
  const perDim = tf.mul(tf.sub(tf.add(tf.exp(logvar), tf.square(mu)), tf.add(logvar, 1)), 0.5);
  return tf.div(tf.sum(perDim), mu.shape[0]) as tf.Scalar;
}

/** d/dx tanh(x) given y = tanh(x): g * (1 - y^2). */
function tanhGrad(g: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(g, tf.sub(1, tf.square(y)));
}

function normals(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let k = 0; k < n; k++) out[k] = rng.normal();
  return out;
}
