import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gemmOn, GraphBuilder, type Engine, type Graph, type HostTensor } from '../src';

/**
 * The contract every engine passes: each op of the graph language against a
 * float64 reference computed here, shape binding and feed checks, writing
 * into the caller's arrays, and bit-identical repeats. Run by
 * engines.test.ts over every engine that loads on this machine.
 */
export function engineContract(name: string, load: () => Promise<Engine>): void {
  describe(`engine contract: ${name}`, () => {
    let engine: Engine;
    beforeAll(async () => {
      engine = await load();
    });
    afterAll(async () => {
      await engine?.dispose();
    });

    const run = async (g: Graph, feeds: Record<string, HostTensor>) => {
      const p = await engine.compile(g);
      try {
        return await p.run(feeds);
      } finally {
        await p.dispose();
      }
    };

    it('computes every elementwise op with broadcasting', async () => {
      const g = new GraphBuilder('elementwise');
      const x = g.input('x', ['B', 3]);
      const r = g.input('r', ['B', 1]);
      const c = g.input('c', [3]);
      const s = g.input('s', [1]);
      g.output('tanh', g.tanh(x));
      g.output('exp', g.exp(x));
      g.output('neg', g.neg(x));
      g.output('square', g.square(x));
      g.output('sigmoid', g.sigmoid(x));
      g.output('sqrt', g.sqrt(g.square(x)));
      g.output('log', g.log(g.exp(x)));
      g.output('recip', g.recip(c));
      g.output('addRow', g.add(x, r));
      g.output('subCol', g.sub(x, c));
      g.output('mulScalar', g.mul(x, s));
      g.output('div', g.div(x, c));
      g.output('affine', g.affineScalar(x, 0.5, -1));
      const X = [0.1, -0.7, 1.3, 2, -0.2, 0.05];
      const out = await run(g.build(), {
        x: f32(X, [2, 3]),
        r: f32([1, -2], [2, 1]),
        c: f32([2, 4, -8], [3]),
        s: f32([3], [1]),
      });
      const C = [2, 4, -8];
      close(out.tanh, X.map(Math.tanh));
      close(out.exp, X.map(Math.exp));
      close(
        out.neg,
        X.map((v) => -v),
      );
      close(
        out.square,
        X.map((v) => v * v),
      );
      close(
        out.sigmoid,
        X.map((v) => 1 / (1 + Math.exp(-v))),
      );
      close(out.sqrt, X.map(Math.abs));
      close(out.log, X);
      close(
        out.recip,
        C.map((v) => 1 / v),
      );
      close(
        out.addRow,
        X.map((v, k) => v + [1, -2][Math.floor(k / 3)]),
      );
      close(
        out.subCol,
        X.map((v, k) => v - C[k % 3]),
      );
      close(
        out.mulScalar,
        X.map((v) => 3 * v),
      );
      close(
        out.div,
        X.map((v, k) => v / C[k % 3]),
      );
      close(
        out.affine,
        X.map((v) => 0.5 * v - 1),
      );
    });

    it('multiplies matrices with either operand transposed, and dense adds the bias', async () => {
      const g = new GraphBuilder('matmul');
      const a = g.input('a', ['B', 3]);
      const b = g.input('b', [3, 4]);
      const bt = g.input('bt', [4, 3]);
      const bias = g.input('bias', [4]);
      g.output('ab', g.matmul(a, b));
      g.output('abT', g.matmul(a, bt, { transB: true }));
      g.output('aTa', g.matmul(a, a, { transA: true }));
      g.output('dense', g.dense(a, b, bias));
      const A = rand(2 * 3, 1);
      const B = rand(3 * 4, 2);
      const out = await run(g.build(), {
        a: f32(A, [2, 3]),
        b: f32(B, [3, 4]),
        bt: f32(transpose(B, 3, 4), [4, 3]),
        bias: f32([1, 2, 3, 4], [4]),
      });
      const ab = matmul(A, B, 2, 3, 4);
      close(out.ab, ab);
      close(out.abT, ab);
      close(out.aTa, matmul(transpose(A, 2, 3), A, 3, 2, 3));
      close(
        out.dense,
        ab.map((v, k) => v + [1, 2, 3, 4][k % 4]),
      );
    });

    it('computes softmax, logSumExp and sums by rows, columns and all', async () => {
      const g = new GraphBuilder('reductions');
      const x = g.input('x', ['B', 'N']);
      g.output('softmax', g.softmax(x));
      g.output('lse', g.logSumExp(x));
      g.output('rowMax', g.rowMax(x));
      g.output('colSum', g.sum(x, 0));
      g.output('rowSum', g.sum(x, 1));
      g.output('all', g.sum(x, 'all'));
      // Large logits: a naive exp would overflow float32.
      const X = [100, 101, 99, -3, 0, 3];
      const out = await run(g.build(), { x: f32(X, [2, 3]) });
      const lse = [0, 1].map((r) => logSumExp(X.slice(3 * r, 3 * r + 3)));
      close(out.lse, lse);
      close(
        out.softmax,
        X.map((v, k) => Math.exp(v - lse[Math.floor(k / 3)])),
      );
      close(out.rowMax, [101, 3]);
      close(out.colSum, [97, 101, 102]);
      close(out.rowSum, [300, 0]);
      close(out.all, [300]);
    });

    it('slices, concatenates, gathers and scatter-adds', async () => {
      const g = new GraphBuilder('indexing');
      const x = g.input('x', ['B', 4]);
      const idx = g.input('idx', ['nnz'], 'int32');
      const vals = g.input('vals', ['nnz']);
      const left = g.sliceCols(x, 0, 1);
      const right = g.sliceCols(x, 1, 4);
      g.output('right', right);
      g.output('swapped', g.concatCols([right, left]));
      g.output('gathered', g.gatherFlat(x, idx));
      g.output('scattered', g.scatterAddFlat(g.mul(x, x), idx, vals));
      g.output('dense', g.scatterAddFlat(g.zeros(x, 5), idx, vals));
      const X = [1, 2, 3, 4, 5, 6, 7, 8];
      const out = await run(g.build(), {
        x: f32(X, [2, 4]),
        idx: { data: Int32Array.of(7, 0, 5), shape: [3] },
        vals: f32([10, 20, 30], [3]),
      });
      close(out.right, [2, 3, 4, 6, 7, 8]);
      close(out.swapped, [2, 3, 4, 1, 6, 7, 8, 5]);
      close(out.gathered, [8, 1, 6]);
      const sq = X.map((v) => v * v);
      sq[7] += 10;
      sq[0] += 20;
      sq[5] += 30;
      close(out.scattered, sq);
      close(out.dense, [20, 0, 0, 0, 0, 30, 0, 10, 0, 0]);
    });

    it('keeps state between runs: reads the inputs feeds lack, replaces what it updates, reads it back', async () => {
      const g = new GraphBuilder('stateful');
      const w = g.input('w', [2, 2]);
      const c = g.input('c', [2]);
      const x = g.input('x', ['B', 2]);
      g.output('wNext', g.affineScalar(w, 2, 1));
      g.output('y', g.dense(x, w, c));
      const p = await engine.compile(g.build(), { updates: { wNext: 'w' } });
      const state = engine.createState();
      try {
        const start = Float32Array.of(1, 0, 0, 1);
        state.write({ w: { data: start, shape: [2, 2] }, c: f32([0, 0.5], [2]) });
        start[0] = 99; // written values are copies
        const x1 = f32([1, 2], [1, 2]);
        const ys: number[][] = [];
        for (let k = 0; k < 3; k++) {
          const out = await p.run({ x: x1 }, {}, state);
          expect(Object.keys(out)).toEqual(['y']);
          ys.push([...out.y]);
        }
        // w: I, then 2w + 1 each run: [[3, 1], [1, 3]], [[7, 3], [3, 7]]; y = x w + c.
        expect(ys).toEqual([
          [1, 2.5],
          [5, 7.5],
          [13, 17.5],
        ]);
        close((await state.read(['w'])).w, [15, 7, 7, 15]);
        close((await state.read(['c'])).c, [0, 0.5]);
        state.write({ w: f32([0, 1, 1, 0], [2, 2]) });
        close((await p.run({ x: x1 }, {}, state)).y, [2, 1.5]);
        await expect(p.run({ x: x1 })).rejects.toThrow(/updates a state, and none was given/);
        await expect(p.run({ x: x1, w: f32([1, 0, 0, 1], [2, 2]) }, {}, state)).rejects.toThrow(
          /input "w" is both fed and held/,
        );
        const foreign = { write() {}, read: async () => ({}), has: () => false, dispose() {} };
        await expect(p.run({ x: x1 }, {}, foreign)).rejects.toThrow(/state belongs to another engine/);
        await expect(engine.compile(g.build(), { updates: { y: 'c' } })).rejects.toThrow(/does not fit/);
        await expect(state.read(['nothing'])).rejects.toThrow(/holds no "nothing"/);
        // A value outlives the program that made it.
        await p.run({ x: x1 }, {}, state);
        await p.dispose();
        close((await state.read(['w'])).w, [3, 7, 7, 3]); // [[0, 1], [1, 0]] updated twice
      } finally {
        state.dispose();
        await p.dispose();
      }
    });

    it('keeps graph names apart from its internal value names', async () => {
      const g = new GraphBuilder('names');
      const v0 = g.input('v0', [1]);
      const c0 = g.input('c0', [1]);
      g.output('v1', g.add(v0, c0));
      g.output('v2', g.affineScalar(v0, 2, 1));
      const out = await run(g.build(), { v0: f32([3], [1]), c0: f32([4], [1]) });
      close(out.v1, [7]);
      close(out.v2, [7]);
    });

    it('multiplies any shapes through gemmOn, one program per engine', async () => {
      const gemm = gemmOn(engine);
      const A = rand(3 * 5, 7);
      const B = rand(5 * 2, 8);
      close(await gemm(A, B, 3, 5, 2), matmul(A, B, 3, 5, 2));
      const C = rand(4 * 3, 9);
      close(await gemm(C, A, 4, 3, 5), matmul(C, A, 4, 3, 5));
    });

    it('binds named dimensions per run, so one program serves every batch size', async () => {
      const g = new GraphBuilder('batches');
      const x = g.input('x', ['B', 2]);
      g.output('y', g.affineScalar(x, 2));
      const p = await engine.compile(g.build());
      try {
        close((await p.run({ x: f32([1, 2], [1, 2]) })).y, [2, 4]);
        close((await p.run({ x: f32([1, 2, 3, 4, 5, 6], [3, 2]) })).y, [2, 4, 6, 8, 10, 12]);
      } finally {
        await p.dispose();
      }
    });

    it('refuses a feed of the wrong shape, type or size, naming the input', async () => {
      const g = new GraphBuilder('checks');
      const x = g.input('x', ['B', 2]);
      const w = g.input('w', [2, 2]);
      const i = g.input('i', ['n'], 'int32');
      g.output('y', g.matmul(x, w));
      g.output('z', g.gatherFlat(x, i));
      const p = await engine.compile(g.build());
      const ok = {
        x: f32([1, 2], [1, 2]),
        w: f32([1, 0, 0, 1], [2, 2]),
        i: { data: Int32Array.of(0), shape: [1] },
      };
      try {
        await expect(p.run({ ...ok, w: f32([1, 2, 3], [3, 1]) })).rejects.toThrow(
          /input "w" has rank|input "w" dimension 0 is 3/,
        );
        await expect(p.run({ ...ok, w: f32([1, 2, 3, 4, 5, 6], [3, 2]) })).rejects.toThrow(
          /input "w" dimension 0 is 3, expected 2/,
        );
        await expect(p.run({ ...ok, i: f32([0], [1]) })).rejects.toThrow(/input "i" must be int32/);
        await expect(p.run({ ...ok, x: f32([1, 2, 3], [1, 2]) })).rejects.toThrow(/input "x" holds 3 values/);
        const { x: _x, ...missing } = ok;
        await expect(p.run(missing)).rejects.toThrow(/input "x" is not fed/);
      } finally {
        await p.dispose();
      }
    });

    it('writes outputs into the arrays it is given', async () => {
      const g = new GraphBuilder('into');
      const x = g.input('x', ['B', 2]);
      g.output('y', g.tanh(x));
      g.output('z', g.exp(x));
      const p = await engine.compile(g.build());
      try {
        const y = new Float32Array(2);
        const out = await p.run({ x: f32([0.5, -1], [1, 2]) }, { y });
        expect(out.y).toBe(y);
        close(y, [Math.tanh(0.5), Math.tanh(-1)]);
        close(out.z, [Math.exp(0.5), Math.exp(-1)]);
        await expect(p.run({ x: f32([0.5, -1], [1, 2]) }, { y: new Float32Array(3) })).rejects.toThrow(
          /"y" needs 2 values/,
        );
      } finally {
        await p.dispose();
      }
    });

    it('repeats a run bit for bit', async () => {
      const g = new GraphBuilder('repeat');
      const x = g.input('x', ['B', 64]);
      const w = g.input('w', [64, 300]);
      const b = g.input('b', [300]);
      const h = g.dense(x, w, b);
      g.output('p', g.softmax(h));
      g.output('gw', g.matmul(x, h, { transA: true }));
      g.output('s', g.sum(h, 'all'));
      const feeds = {
        x: f32(rand(37 * 64, 3), [37, 64]),
        w: f32(rand(64 * 300, 4), [64, 300]),
        b: f32(rand(300, 5), [300]),
      };
      const p = await engine.compile(g.build());
      try {
        const first = await p.run(feeds);
        const second = await p.run(feeds);
        for (const k of Object.keys(first))
          expect(Buffer.from(second[k].buffer).equals(Buffer.from(first[k].buffer)), k).toBe(true);
      } finally {
        await p.dispose();
      }
    });
  });
}

export function f32(values: readonly number[] | Float32Array, shape: number[]): HostTensor {
  return { data: Float32Array.from(values), shape };
}

/** Deterministic values in [-1, 1). */
export function rand(n: number, seed: number): Float32Array {
  let s = seed * 2654435761;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function close(actual: Float32Array, expected: readonly number[], tol = 2e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) {
    const scale = Math.max(1, Math.abs(expected[k]));
    if (Math.abs(actual[k] - expected[k]) > tol * scale)
      throw new Error(`value ${k}: ${actual[k]} vs expected ${expected[k]}`);
  }
}

function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) out[i * n + j] += a[i * k + t] * b[t * n + j];
  return out;
}

function transpose(a: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, v) => s + Math.exp(v - m), 0));
}
