import { describe, expect, it } from 'vitest';
import {
  PED_ANOVA_MIN_TRIALS,
  pedAnovaImportance,
  scoredTrials,
  type ScoredTrial,
} from '../src/analysis/importance';
import type { Params, SearchSpace } from '../src/distributions';
import { RandomSampler } from '../src/samplers/random';

/** `count` trials at independent random points of the space, scored by f. */
function trials(space: SearchSpace, count: number, f: (p: Params) => number, seed = 1): ScoredTrial[] {
  const sampler = new RandomSampler(space, seed, count);
  return Array.from({ length: count }, (_, n) => {
    const params = sampler.propose(n)!;
    return { params, value: f(params) };
  });
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((s, v) => s + v, 0);

const xyz: SearchSpace = {
  x1: { type: 'uniform', low: 0, high: 1 },
  x2: { type: 'uniform', low: 0, high: 1 },
  x3: { type: 'uniform', low: 0, high: 1 },
};

describe('PED-ANOVA importance', () => {
  it('needs more completed trials than its minimum of top trials: below that, equal shares tell nothing', () => {
    expect(PED_ANOVA_MIN_TRIALS).toBe(3);
    const f = (p: Params) => 10 * (p.x1 as number);
    // With 2 trials both are top trials: every divergence is 0, the shares equal (what the API no longer shows).
    expect(pedAnovaImportance(trials(xyz, PED_ANOVA_MIN_TRIALS - 1, f), xyz)).toEqual({
      x1: 1 / 3,
      x2: 1 / 3,
      x3: 1 / 3,
    });
    expect(pedAnovaImportance(trials(xyz, PED_ANOVA_MIN_TRIALS, f), xyz).x1).not.toBeCloseTo(1 / 3, 3);
  });

  it('ranks f = 10 x1 + x2 + 0 x3 as x1 >> x2 > x3 ~ 0, summing to 1', () => {
    const f = (p: Params) => 10 * (p.x1 as number) + (p.x2 as number);
    const r = pedAnovaImportance(trials(xyz, 400, f), xyz);
    expect(sum(r)).toBeCloseTo(1, 12);
    expect(r.x1).toBeGreaterThan(0.8);
    expect(r.x2).toBeGreaterThan(2 * r.x3);
    expect(r.x3).toBeLessThan(0.05);
  });

  it('gives a choice (of lists) that decides everything most of the importance', () => {
    const space: SearchSpace = {
      dims: { type: 'choice', values: [[16], [64, 16], [200, 50], [600, 200]] },
      lr: { type: 'loguniform', low: 1e-5, high: 1e-1 },
      batch: { type: 'int', low: 100, high: 500, step: 100 },
    };
    const f = (p: Params) => ((p.dims as number[])[0] === 200 ? 1 : 0);
    // params as they come back from JSON (other arrays than the space's)
    const scored = JSON.parse(JSON.stringify(trials(space, 200, f))) as ScoredTrial[];
    const r = pedAnovaImportance(scored, space);
    expect(r.dims).toBeGreaterThan(0.8);
    expect(r.dims).toBeGreaterThan(5 * Math.max(r.lr, r.batch));
    expect(sum(r)).toBeCloseTo(1, 12);
  });

  it('measures loguniform parameters on the log scale', () => {
    const space: SearchSpace = {
      lr: { type: 'loguniform', low: 1e-6, high: 1 },
      x: { type: 'uniform', low: 0, high: 1 },
    };
    // best at small learning rates: on a linear grid all of them would fall in the first cell
    const f = (p: Params) => -Math.abs(Math.log10(p.lr as number) + 5);
    const r = pedAnovaImportance(trials(space, 300, f), space);
    expect(r.lr).toBeGreaterThan(0.9);
  });

  it('shares equally, without NaN, when the objective is constant or there are too few trials', () => {
    const equal = { x1: 1 / 3, x2: 1 / 3, x3: 1 / 3 };
    expect(
      pedAnovaImportance(
        trials(xyz, 50, () => 0.25),
        xyz,
      ),
    ).toEqual(equal);
    expect(
      pedAnovaImportance(
        trials(xyz, 1, () => 0.25),
        xyz,
      ),
    ).toEqual(equal);
    expect(pedAnovaImportance([], xyz)).toEqual(equal);
    expect(pedAnovaImportance([], {})).toEqual({});
  });

  it('is deterministic and independent of the trials order; skips non-finite values and params outside the space', () => {
    const f = (p: Params) => (p.x2 as number) - (p.x1 as number);
    const scored = trials(xyz, 120, f);
    const r = pedAnovaImportance(scored, xyz);
    expect(pedAnovaImportance([...scored].reverse(), xyz)).toEqual(r);
    const junk: ScoredTrial[] = [
      { params: { x1: 0.5, x2: 0.5, x3: 0.5 }, value: NaN },
      { params: { x1: 7, x2: 0.5, x3: 0.5 }, value: 99 },
      { params: { x1: 0.5, x2: 0.5 }, value: 99 },
    ];
    expect(pedAnovaImportance([...scored, ...junk], xyz)).toEqual(r);
    expect(Object.values(r).every(Number.isFinite)).toBe(true);
  });

  it('is measured on completed trials by their best value', () => {
    const params = { x1: 0.5, x2: 0.5, x3: 0.5 };
    const snapshots = [
      { number: 0, params, state: 'completed', values: [0.1, 0.3, 0.2] },
      { number: 1, params, state: 'pruned', values: [0.9] },
      { number: 2, params, state: 'failed', values: [0.9] },
      { number: 3, params, state: 'running', values: [0.9] },
      { number: 4, params, state: 'completed', values: [NaN] },
    ] as const;
    expect(scoredTrials(snapshots)).toEqual([{ params, value: 0.3 }]);
  });
});
