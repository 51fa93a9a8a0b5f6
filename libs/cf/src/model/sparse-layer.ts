import { adamUpdateArray, type AdamHyper } from './adam';
import type { SparseInput } from './sparse-input';

/**
 * The first layer, x W + b, for a sparse x, held entirely in JavaScript
 * Float32Arrays. Users touch tens of items out of thousands, so gathering
 * the touched rows of W beats a dense matMul by orders of magnitude, and on
 * the wasm backend tf.gather is slow and its gradient kernel is missing
 * (see docs/tfjs-wasm-perf.md). Its Adam update also runs here: the
 * data gradient touches few rows, but Adam (like TF's) updates every row.
 */
export class SparseInputLayer {
  /** Gradient scratch: only the rows of the current batch are nonzero, and they are zeroed after use. */
  private readonly gradW: Float32Array;
  private readonly gradB: Float32Array;

  constructor(
    readonly nItems: number,
    readonly units: number,
    readonly w: Float32Array,
    readonly b: Float32Array,
    readonly mW = new Float32Array(w.length),
    readonly vW = new Float32Array(w.length),
    readonly mB = new Float32Array(b.length),
    readonly vB = new Float32Array(b.length),
  ) {
    if (w.length !== nItems * units)
      throw new Error(`sparse layer: W has ${w.length} values, expected ${nItems}x${units}`);
    if (b.length !== units) throw new Error(`sparse layer: b has ${b.length} values, expected ${units}`);
    this.gradW = new Float32Array(w.length);
    this.gradB = new Float32Array(units);
  }

  /** out[r] = b + sum_k values[k] * W[items[k]], as a row-major [rows x units] array. */
  forward(x: SparseInput): Float32Array {
    const H = this.units;
    const out = new Float32Array(x.rows * H);
    const { w, b } = this;
    for (let r = 0; r < x.rows; r++) {
      const o = r * H;
      out.set(b, o);
      for (let k = x.rowPtr[r]; k < x.rowPtr[r + 1]; k++) {
        const base = x.items[k] * H;
        const val = x.values[k];
        for (let j = 0; j < H; j++) out[o + j] += val * w[base + j];
      }
    }
    return out;
  }

  /** Accumulates the gradient of the input x given dLoss/dOut ([rows x units]), for `update`. */
  backward(x: SparseInput, dOut: Float32Array): void {
    this.accumulateGradients(x, dOut, this.gradW, this.gradB);
  }

  /**
   * Applies one Adam update (step t) with the gradient `backward` accumulated
   * for the same x, the L2 gradient `l2 * W` added to every row. Returns
   * sum(W^2) before the update (the step's L2 penalty).
   */
  update(x: SparseInput, adam: AdamHyper, t: number, l2: number): number {
    const squares = adamUpdateArray(adam, t, this.w, this.gradW, this.mW, this.vW, l2);
    adamUpdateArray(adam, t, this.b, this.gradB, this.mB, this.vB, 0);
    const H = this.units;
    for (let k = 0; k < x.items.length; k++) this.gradW.fill(0, x.items[k] * H, (x.items[k] + 1) * H);
    this.gradB.fill(0);
    return squares;
  }

  /** Adds dLoss/dW = x^T dOut and dLoss/db = colsum(dOut) into the given arrays. */
  accumulateGradients(x: SparseInput, dOut: Float32Array, gradW: Float32Array, gradB: Float32Array): void {
    const H = this.units;
    for (let r = 0; r < x.rows; r++) {
      const o = r * H;
      for (let j = 0; j < H; j++) gradB[j] += dOut[o + j];
      for (let k = x.rowPtr[r]; k < x.rowPtr[r + 1]; k++) {
        const base = x.items[k] * H;
        const val = x.values[k];
        for (let j = 0; j < H; j++) gradW[base + j] += val * dOut[o + j];
      }
    }
  }
}
