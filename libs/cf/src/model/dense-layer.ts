import * as tf from '@tensorflow/tfjs-core';
import { adamUpdateArray, type AdamHyper } from './adam';
import { tensorOf } from './tf-ops';

/**
 * A fully connected layer's weights [inputs x units], biases and Adam
 * moments, held in JavaScript Float32Arrays and updated there in place
 * (one pass, no temporaries); the step gets them as fresh tensors. On wasm a
 * tf.Variable updated by tf ops would make ten [inputs, units] temporaries per
 * update (480 MB for the output layer at 20,000 items), and a weight updated
 * in place inside the wasm heap would keep its stale XNNPACK packing, which the
 * backend caches per tensor: a fresh tensor per step is the correct way.
 */
export class DenseParams {
  readonly mW: Float32Array;
  readonly vW: Float32Array;
  readonly mB: Float32Array;
  readonly vB: Float32Array;

  constructor(
    readonly inputs: number,
    readonly units: number,
    readonly w: Float32Array,
    readonly b: Float32Array,
    readonly tanh: boolean,
  ) {
    if (w.length !== inputs * units)
      throw new Error(`dense layer: W has ${w.length} values, expected ${inputs}x${units}`);
    if (b.length !== units) throw new Error(`dense layer: b has ${b.length} values, expected ${units}`);
    this.mW = new Float32Array(w.length);
    this.vW = new Float32Array(w.length);
    this.mB = new Float32Array(units);
    this.vB = new Float32Array(units);
  }

  /** Scratch for W^T, reused step after step. */
  private wT: Float32Array | undefined;

  /**
   * The current weights and biases as tensors (copies: the caller disposes
   * them), with W^T [units x inputs] too when `transposed`.
   */
  tensors(transposed: boolean): { w: tf.Tensor2D; b: tf.Tensor1D; wT?: tf.Tensor2D } {
    const w = tensorOf(this.w, [this.inputs, this.units]);
    const b = tf.tensor1d(this.b.slice());
    if (!transposed) return { w, b };
    this.wT ??= new Float32Array(this.w.length);
    transposeInto(this.w, this.inputs, this.units, this.wT);
    return { w, b, wT: tensorOf(this.wT, [this.units, this.inputs]) };
  }

  /** One Adam update (step t) with gradients gradW + l2 W and gradB; returns sum(W^2) before it. */
  update(adam: AdamHyper, t: number, gradW: Float32Array, gradB: Float32Array, l2: number): number {
    const squares = adamUpdateArray(adam, t, this.w, gradW, this.mW, this.vW, l2);
    adamUpdateArray(adam, t, this.b, gradB, this.mB, this.vB, 0);
    return squares;
  }
}

/** dst = src^T for a row-major [rows x cols] src, in 64 x 64 tiles so that both sides stay in cache. */
export function transposeInto(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  const T = 64;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(r0 + T, rows);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(c0 + T, cols);
      for (let r = r0; r < r1; r++) {
        const o = r * cols;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[o + c];
      }
    }
  }
}
