import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NumpyRandomState } from '../../../src/data/numpy/mt19937';

/** Printed by make_vectors.py with NumPy 1.24.2 (legacy RandomState). */
const vectors = JSON.parse(readFileSync(join(__dirname, 'vectors.json'), 'utf8')) as {
  seed98765_uint32: number[];
  seed0_uint32: number[];
  seed12345_randint: Record<string, number[]>;
  permutation: Record<string, number[]>;
  choice_sequence: number[][];
};

describe('NumpyRandomState (legacy MT19937) against NumPy', () => {
  it('draws the same 32-bit words after np.random.seed', () => {
    const rs = new NumpyRandomState(98765);
    expect(Array.from({ length: 12 }, () => rs.nextUint32())).toEqual(vectors.seed98765_uint32);
  });

  it('stays equal across the state refills (words 1292..1299 of seed 0)', () => {
    const rs = new NumpyRandomState(0);
    const words = Array.from({ length: 1300 }, () => rs.nextUint32());
    expect(words.slice(-8)).toEqual(vectors.seed0_uint32);
  });

  it('draws bounded integers by masked rejection as randint does', () => {
    const rs = new NumpyRandomState(12345);
    for (const [high, expected] of Object.entries(vectors.seed12345_randint)) {
      expect(
        Array.from({ length: 10 }, () => rs.randint(0, Number(high))),
        `randint(0, ${high})`,
      ).toEqual(expected);
    }
  });

  it('permutes as np.random.permutation (legacy shuffle)', () => {
    for (const [n, expected] of Object.entries(vectors.permutation)) {
      expect(Array.from(new NumpyRandomState(98765).permutation(Number(n))), `n = ${n}`).toEqual(expected);
    }
  });

  it('samples as np.random.choice(n, int(0.2 n), replace=False), one stream across calls', () => {
    const rs = new NumpyRandomState(98765);
    const got = [5, 9, 13, 40, 7, 101, 5].map((n) =>
      Array.from(rs.choiceWithoutReplacement(n, Math.floor(0.2 * n))),
    );
    expect(got).toEqual(vectors.choice_sequence);
  });

  it('refuses seeds NumPy refuses', () => {
    expect(() => new NumpyRandomState(-1)).toThrow(/between 0 and 2\*\*32 - 1/);
    expect(() => new NumpyRandomState(2 ** 32)).toThrow(/between 0 and 2\*\*32 - 1/);
  });
});
