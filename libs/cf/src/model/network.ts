import * as tf from '@tensorflow/tfjs-core';
import type { Csr } from '../data/csr';
import type { Rng } from '../runtime/rng';
import { adamHyper, type AdamHyper } from './adam';
import { architecture, type Architecture } from './architecture';
import type { TrialConfig } from './config';
import { glorotUniform, truncatedNormal } from './init';
import { DenseParams } from './dense-layer';
import { multinomialLossGrad } from './multinomial-loss';
import { buildSparseInput, type SparseInput } from './sparse-input';
import { SparseInputLayer } from './sparse-layer';
import type { StepTimer } from './step-phases';
import { affine, readValues, transposedMatMul, wantsTransposedCopy, weightAndBiasGradient } from './tf-ops';

/** Loss terms of one minibatch (means over its users), before the update. */
export interface StepLoss {
  /** Negative multinomial log-likelihood. */
  readonly nll: number;
  /** KL(q(z|x) || N(0, I)); 0 for Mult-DAE. */
  readonly kl: number;
  /** The objective: nll + beta * kl + lam * sum ||W||^2. */
  readonly loss: number;
}

/** The dense layers' weights and biases as this step's tensors (index = dense layer index). */
interface StepWeights {
  readonly w: tf.Tensor2D[];
  readonly b: tf.Tensor1D[];
  /** W^T per layer, where the backend wants it made in JS (training only). */
  readonly wT: (tf.Tensor2D | undefined)[];
}

interface ForwardCache {
  readonly weights: StepWeights;
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
 * The dense layers' gradients (index = dense layer index), each [inputs + 1, units]:
 * dW, then db as the last row (tf-ops.ts, weightAndBiasGradient). The caller frees them.
 */
interface DenseGradients {
  readonly wb: tf.Tensor2D[];
}

/**
 * Mult-VAE / Mult-DAE with a lean hand-written backward pass. Why not
 * tf.grad: on the wasm backend the tape's gradient of a matMul uses the
 * transposeA/transposeB flags, which run 10x slower than an explicit
 * tf.transpose followed by a plain matMul; the multinomial loss's gradient
 * has a closed form (softmax * n - x) / B that is cheaper than differentiating
 * logSoftmax; and the sparse first layer lives in JS. Every parameter and
 * Adam moment lives in JS Float32Arrays, updated in place (dense-layer.ts).
 * The tests check these gradients against tf.grad of a straightforward dense graph.
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
      const w = glorotUniform(initRng, spec.inputs, spec.units);
      const b = truncatedNormal(initRng, spec.units, 0.001);
      return new DenseParams(spec.inputs, spec.units, w, b, spec.tanh);
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
    let squares = 0;
    const { x, terms, firstGrad } = this.withGradients(batch, beta, rng, (grads) => {
      // Updates only after every gradient is known: backward read the old weights.
      this.dense.forEach((layer, i) => {
        // readValues may be a view of the wasm heap: used at once, before any other tfjs call.
        const wb = readValues(grads.wb[i]);
        const n = layer.inputs * layer.units;
        squares += layer.update(this.adam, t, wb.subarray(0, n), wb.subarray(n), l2);
        grads.wb[i].dispose();
      });
    });
    this.timer?.mark('adam');
    // The first layer's backward pass and its Adam update are one sweep over its W.
    squares += this.first.update(x, firstGrad, this.adam, t, l2);
    this.timer?.mark('sparseBackward');
    this.t = t;
    // The penalty of the weights this step used (the updates return sum(W^2) from before them).
    const reg = this.config.lam * squares;
    return { ...terms, loss: terms.nll + beta * terms.kl + reg };
  }

  /**
   * The loss and its gradient for every weight and bias (the L2 term
   * included), without updating anything: for gradient checks and debugging,
   * not for the training loop.
   */
  gradients(batch: Csr, beta: number, rng: Rng): { loss: StepLoss; grads: Record<string, Float32Array> } {
    const grads: Record<string, Float32Array> = {};
    const l2 = 2 * this.config.lam;
    let squares = 0;
    const withL2 = (g: Float32Array, w: Float32Array) => {
      const out = Float32Array.from(g);
      for (let k = 0; k < out.length; k++) {
        out[k] += l2 * w[k];
        squares += w[k] * w[k];
      }
      return out;
    };
    const { x, terms, firstGrad } = this.withGradients(batch, beta, rng, (g) => {
      this.dense.forEach((layer, i) => {
        const wb = readValues(g.wb[i]);
        const n = layer.inputs * layer.units;
        grads[`layer${i + 1}/W`] = withL2(wb.subarray(0, n), layer.w);
        grads[`layer${i + 1}/b`] = wb.slice(n);
      });
    });
    const gw = new Float32Array(this.first.w.length);
    const gb = new Float32Array(this.first.b.length);
    this.first.accumulateGradients(x, firstGrad, gw, gb);
    grads['layer0/W'] = withL2(gw, this.first.w);
    grads['layer0/b'] = gb;
    const loss = { ...terms, loss: terms.nll + beta * terms.kl + this.config.lam * squares };
    return { loss, grads };
  }

  /** Forward and backward on a minibatch; `use` sees the dense layers' gradients before they are freed. */
  private withGradients(
    batch: Csr,
    beta: number,
    rng: Rng,
    use: (g: DenseGradients) => void,
  ): { x: SparseInput; terms: { nll: number; kl: number }; firstGrad: Float32Array } {
    const B = batch.nRows;
    const x = buildSparseInput(batch, { keepProb: this.config.keepProb, rng });
    const eps = this.arch.kind === 'vae' ? normals(rng, B * this.arch.latent) : undefined;
    this.timer?.mark('data');
    let firstGrad: Float32Array = new Float32Array(0);
    const terms = tf.tidy(() => {
      const cache = this.forward(x, eps, true);
      this.timer?.mark('denseForward');
      const { nll, dLogits } = multinomialLossGrad(cache.logits, batch);
      // The [B, I] logits are not needed any more: free them before the backward pass allocates.
      cache.logits.dispose();
      const kl = cache.mu && cache.logvar ? klDivergence(cache.mu, cache.logvar).dataSync()[0] : 0;
      this.timer?.mark('softmaxLoss');
      const grads = this.backward(cache, dLogits, beta, B);
      firstGrad = grads.first.dataSync() as Float32Array;
      this.timer?.mark('denseBackward');
      use(grads);
      return { nll, kl };
    });
    return { x, firstGrad, terms };
  }

  /** Scores (logits) of every item for each user of `foldIn`, row-major [rows x nItems]; no dropout, z = mean. */
  score(foldIn: Csr): Float32Array {
    const x = buildSparseInput(foldIn);
    let scores: Float32Array = new Float32Array(0);
    // Not returned from tidy: tidy walks its result with for-in, which takes seconds on a 10M-value array.
    tf.tidy(() => {
      scores = this.forward(x, undefined, false).logits.dataSync() as Float32Array;
    });
    return scores;
  }

  private stepWeights(training: boolean): StepWeights {
    const transposed = training && wantsTransposedCopy();
    const weights: StepWeights = { w: [], b: [], wT: [] };
    for (const layer of this.dense) {
      const t = layer.tensors(transposed);
      weights.w.push(t.w);
      weights.b.push(t.b);
      weights.wT.push(t.wT);
    }
    return weights;
  }

  /** `training`: a backward pass follows (and needs W^T); scoring is forward only. */
  private forward(x: SparseInput, eps: Float32Array | undefined, training: boolean): ForwardCache {
    const B = x.rows;
    const l0 = this.arch.layers[0];
    const a0 = tf.tensor2d(this.first.forward(x), [B, l0.units]);
    // Only a training step's phases are timed: scoring (the epoch's validation) would charge all
    // the time since the last step's end to sparseForward.
    if (training) this.timer?.mark('sparseForward');
    const weights = this.stepWeights(training);
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
      const pre = affine(h, weights.w[i - 1], weights.b[i - 1]);
      h = layer.tanh ? tf.tanh(pre) : pre;
      outputs[i] = h;
    }
    return { weights, inputs, outputs, ...latent, logits: h };
  }

  /**
   * The dense layers' gradients from dLogits back to the first layer's output.
   * The [B, I] and [H, I] tensors of the output layer are freed as soon as
   * they are used, so the heap holds few of them at once.
   */
  private backward(
    c: ForwardCache,
    dLogits: tf.Tensor2D,
    beta: number,
    B: number,
  ): DenseGradients & { first: tf.Tensor2D } {
    const wb: tf.Tensor2D[] = [];
    let g: tf.Tensor2D = dLogits;
    for (let i = this.dense.length; i >= 1; i--) {
      const layer = this.dense[i - 1];
      if (layer.tanh) g = tanhGrad(g, c.outputs[i]);
      const upstream = g;
      // The input gradient first, then free W: fewer [H, I] buffers live at once.
      const wT = c.weights.wT[i - 1];
      g = wT ? tf.matMul(upstream, wT) : transposedMatMul(upstream, c.weights.w[i - 1], 'b');
      tf.dispose([c.weights.w[i - 1], ...(wT ? [wT] : [])]);
      wb[i - 1] = weightAndBiasGradient(c.inputs[i], upstream);
      if (i === this.dense.length) upstream.dispose();
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
    return { wb, first: g };
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

  /** Nothing to free: every parameter is a JS array; kept so owners need not know. */
  dispose(): void {}
}

export interface ModelState {
  readonly steps: number;
  readonly tensors: Record<string, Float32Array>;
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
