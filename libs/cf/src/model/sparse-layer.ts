import { adamStep, adamUpdateRange, type AdamHyper } from './adam';
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
  /** Scratch of `update`: the step's entries grouped by item (byItem), one row of the gradient, the bias gradient. */
  private readonly itemEnd: Int32Array;
  private entryRow = new Int32Array(0);
  private entryValue = new Float32Array(0);
  private readonly gradRow: Float32Array;
  private readonly gradB: Float32Array;
  /** Scratch of `forward`: one output row in float64. */
  private readonly acc: Float64Array;

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
    this.itemEnd = new Int32Array(nItems);
    this.gradRow = new Float32Array(units);
    this.gradB = new Float32Array(units);
    this.acc = new Float64Array(units);
  }

  /**
   * out[r] = b + sum_k values[k] * W[items[k]], as a row-major [rows x units]
   * array. Each row is summed in float64 scratch and rounded once: 20% faster
   * than summing into the float32 output (one conversion per item and unit
   * fewer), and no less exact. (Going item by item instead, each touched row of W read
   * once, measured no faster: the output rows then miss the cache instead.)
   */
  forward(x: SparseInput): Float32Array {
    const H = this.units;
    const out = new Float32Array(x.rows * H);
    const { w, b, acc } = this;
    const { rowPtr, items, values } = x;
    for (let r = 0; r < x.rows; r++) {
      for (let j = 0; j < H; j++) acc[j] = b[j];
      for (let k = rowPtr[r], end = rowPtr[r + 1]; k < end; k++) {
        const base = items[k] * H;
        const val = values[k];
        for (let j = 0; j < H; j++) acc[j] += val * w[base + j];
      }
      const o = r * H;
      for (let j = 0; j < H; j++) out[o + j] = acc[j];
    }
    return out;
  }

  /**
   * The backward pass and one Adam update (step t) in one sweep over W: the
   * gradient dLoss/dW = x^T dOut (+ l2 W) of each row of W is summed from the
   * batch's entries of that item just before the row is updated, so no dense
   * [items x units] gradient is written, read back and cleared. The sums run
   * in the order `accumulateGradients` uses (rows of x ascending) and in
   * float32, so the update is bit for bit the one of that gradient. Returns
   * sum(W^2) before the update (the step's L2 penalty).
   */
  update(x: SparseInput, dOut: Float32Array, adam: AdamHyper, t: number, l2: number): number {
    const H = this.units;
    const I = this.nItems;
    const { gradRow, gradB, w, mW, vW } = this;
    const { itemEnd, row, value } = this.byItem(x);
    const step = adamStep(adam, t, l2);
    let squares = 0;
    let untouchedFrom = 0;
    for (let i = 0, start = 0; i < I; start = itemEnd[i], i++) {
      const end = itemEnd[i];
      if (start === end) continue;
      // The run of rows no entry touched since the last touched one: their data gradient is 0.
      if (untouchedFrom < i) squares += adamUpdateRange(step, w, mW, vW, untouchedFrom * H, i * H, null, 0);
      gradRow.fill(0);
      for (let e = start; e < end; e++) {
        const o = row[e] * H;
        const val = value[e];
        for (let j = 0; j < H; j++) gradRow[j] += val * dOut[o + j];
      }
      squares += adamUpdateRange(step, w, mW, vW, i * H, (i + 1) * H, gradRow, 0);
      untouchedFrom = i + 1;
    }
    if (untouchedFrom < I) squares += adamUpdateRange(step, w, mW, vW, untouchedFrom * H, I * H, null, 0);
    gradB.fill(0);
    for (let r = 0; r < x.rows; r++) {
      const o = r * H;
      for (let j = 0; j < H; j++) gradB[j] += dOut[o + j];
    }
    adamUpdateRange(adamStep(adam, t, 0), this.b, this.mB, this.vB, 0, H, gradB, 0);
    return squares;
  }

  /**
   * x's entries grouped by item (a CSC of x), in scratch arrays: item i's
   * entries are [itemEnd[i - 1], itemEnd[i]) (from 0 for i = 0), their rows ascending.
   */
  private byItem(x: SparseInput): { itemEnd: Int32Array; row: Int32Array; value: Float32Array } {
    const { rowPtr, items, values } = x;
    const nnz = rowPtr[x.rows];
    if (this.entryRow.length < nnz) {
      this.entryRow = new Int32Array(nnz);
      this.entryValue = new Float32Array(nnz);
    }
    const { itemEnd, entryRow: row, entryValue: value } = this;
    // Counting sort, stable: itemEnd[i] first counts, then starts, and ends once every entry is placed.
    itemEnd.fill(0);
    for (let k = 0; k < nnz; k++) itemEnd[items[k]]++;
    for (let i = 0, start = 0; i < this.nItems; i++) {
      const n = itemEnd[i];
      itemEnd[i] = start;
      start += n;
    }
    for (let r = 0; r < x.rows; r++) {
      for (let k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
        const slot = itemEnd[items[k]]++;
        row[slot] = r;
        value[slot] = values[k];
      }
    }
    return { itemEnd, row, value };
  }

  /** Adds dLoss/dW = x^T dOut and dLoss/db = colsum(dOut) into the given arrays (gradient checks). */
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
