import { describe, expect, it } from 'vitest';
import { csrFromRows } from '../../src/data/csr';
import type { HeldOutSplit } from '../../src/data/dataset';
import { assertDisjointSplit, assertNoUserLeak } from '../../src/eval/split-checks';
import { randomSplit } from './fixtures';

describe('assertDisjointSplit', () => {
  it('finds an item both in fold-in and held-out, naming the user and the item', () => {
    const bad: HeldOutSplit = {
      foldIn: csrFromRows(5, [[0], [1, 3]]),
      heldOut: csrFromRows(5, [[1], [0, 3, 4]]),
      userIds: ['w', 'x'],
    };
    expect(() => assertDisjointSplit(bad, 'validation')).toThrow(
      'validation: user x has item 3 in both fold-in and held-out',
    );
  });
  it('accepts a disjoint split', () => {
    expect(() => assertDisjointSplit(randomSplit(1, 20, 40))).not.toThrow();
  });
  it('rejects matrices of different shapes', () => {
    const s = randomSplit(1, 3, 40);
    expect(() => assertDisjointSplit({ ...s, heldOut: csrFromRows(40, [[1]]) }, 'test')).toThrow(
      'test: fold-in has 3 users, held-out 1',
    );
    expect(() => assertDisjointSplit({ ...s, heldOut: csrFromRows(41, [[], [], []]) }, 'test')).toThrow(
      'test: fold-in has 40 items, held-out 41',
    );
  });
});

describe('assertNoUserLeak', () => {
  it('finds a held-out user among the training users', () => {
    const s = randomSplit(1, 3, 40);
    expect(() => assertNoUserLeak(['q', 'u1'], s, 'test')).toThrow(
      'test: held-out user u1 also appears in training',
    );
  });
  it('accepts disjoint user sets', () => {
    expect(() => assertNoUserLeak(['q'], randomSplit(1, 3, 40))).not.toThrow();
  });
});
