import { adamUpdateArray, type AdamHyper } from './adam';

/**
 * A fully connected layer's weights [inputs x units], biases and Adam
 * moments, held in JavaScript Float32Arrays (engine-neutral: what a
 * checkpoint holds) and updated there in place, in one pass with no
 * temporaries. Engines read the weights as program feeds.
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

  /** One Adam update (step t) with gradients gradW + l2 W and gradB; returns sum(W^2) before it. */
  update(adam: AdamHyper, t: number, gradW: Float32Array, gradB: Float32Array, l2: number): number {
    const squares = adamUpdateArray(adam, t, this.w, gradW, this.mW, this.vW, l2);
    adamUpdateArray(adam, t, this.b, gradB, this.mB, this.vB, 0);
    return squares;
  }
}
