import type { Engine, Program } from './engine';
import { GraphBuilder } from './graph';

/** C = A B for row-major float32 A (m x k) and B (k x n): one engine program, any shape. */
export type Gemm = (
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
) => Promise<Float32Array>;

const programs = new WeakMap<Engine, Promise<Program>>();

/**
 * The engine's matrix product beside the training step, for dense linear
 * algebra built on it (EASE's blocked inverse): one compiled program per
 * engine, its dimensions bound per call.
 */
export function gemmOn(engine: Engine): Gemm {
  return async (a, b, m, k, n) => {
    let program = programs.get(engine);
    if (!program) {
      const g = new GraphBuilder('gemm');
      g.output('c', g.matmul(g.input('a', ['m', 'k']), g.input('b', ['k', 'n'])));
      program = engine.compile(g.build());
      programs.set(engine, program);
    }
    const { c } = await (await program).run({ a: { data: a, shape: [m, k] }, b: { data: b, shape: [k, n] } });
    return c;
  };
}
