import { describe, expect, it } from 'vitest';
import { adamHyper, adamUpdateArray } from '../../src/model/adam';
import { buildSparseInput } from '../../src/model/sparse-input';
import { SparseInputLayer } from '../../src/model/sparse-layer';
import { Rng } from '../../src/runtime/rng';
import { randomCsr } from '../support/tf';

describe('SparseInputLayer', () => {
  it('updates W and b bit for bit as Adam on the dense gradient x^T dOut would, over a few steps', () => {
    const [items, units, rows] = [30, 5, 6];
    const rng = Rng.fromSeed(4);
    const w = Float32Array.from({ length: items * units }, () => rng.normal());
    const b = Float32Array.from({ length: units }, () => rng.normal());
    const layer = new SparseInputLayer(items, units, w.slice(), b.slice());
    const reference = new SparseInputLayer(items, units, w.slice(), b.slice());
    const adam = adamHyper(0.01);
    const l2 = 0.02;
    for (let t = 1; t <= 3; t++) {
      // Item 29 is never touched: its rows still move by the L2 term and the moments.
      const x = buildSparseInput(randomCsr(t, rows, items - 1, 8), { keepProb: 0.6, rng });
      const dOut = Float32Array.from({ length: rows * units }, () => rng.normal());
      const gw = new Float32Array(items * units);
      const gb = new Float32Array(units);
      reference.accumulateGradients(x, dOut, gw, gb);
      const squares = adamUpdateArray(adam, t, reference.w, gw, reference.mW, reference.vW, l2);
      adamUpdateArray(adam, t, reference.b, gb, reference.mB, reference.vB, 0);
      expect(layer.update(x, dOut, adam, t, l2)).toBeCloseTo(squares, 9);
      for (const k of ['w', 'b', 'mW', 'vW', 'mB', 'vB'] as const) expect(layer[k], k).toEqual(reference[k]);
    }
  });

  it('computes x W + b', () => {
    const layer = new SparseInputLayer(
      3,
      2,
      Float32Array.from([1, 2, 3, 4, 5, 6]),
      Float32Array.from([0.5, -1]),
    );
    const x = {
      rows: 2,
      rowPtr: Int32Array.from([0, 2, 2]),
      items: Int32Array.from([0, 2]),
      values: Float32Array.from([2, 1]),
    };
    // Row 0: 2 * [1, 2] + [5, 6] + b; row 1 has no items: b alone.
    expect(Array.from(layer.forward(x))).toEqual([7.5, 9, 0.5, -1]);
  });
});
