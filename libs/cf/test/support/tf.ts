import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { loadEngine, type Engine, type EngineChoice } from '@vaecf/engine';
import { csrFromRows, type Csr } from '../../src/data/csr';
import { Rng } from '../../src/runtime/rng';

/**
 * The engine the model tests compute on: the one a machine picks by itself
 * (onnxruntime on the CPU here) unless VAECF_TEST_ENGINE names another. The
 * engine contract suite (model/engine-contract.test.ts) covers every engine.
 */
export async function testEngine(): Promise<Engine> {
  const engine = (process.env.VAECF_TEST_ENGINE ?? 'auto') as EngineChoice;
  return (await loadEngine({ engine, threads: 1 })).engine;
}

/** tfjs for the oracles (tf.grad of the reference graph): the cpu backend, exact and always present. */
export async function useOracleBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** A random binary user x item matrix with 1..maxPerRow items per row. */
export function randomCsr(seed: number, rows: number, cols: number, maxPerRow: number): Csr {
  const rng = Rng.fromSeed(seed);
  const lists: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const n = 1 + rng.int(maxPerRow);
    lists.push(Array.from(rng.permutation(cols).subarray(0, n)));
  }
  return csrFromRows(cols, lists);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}
