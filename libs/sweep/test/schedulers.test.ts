import { describe, expect, it } from 'vitest';
import { ashaCutoff, ashaDecision, ashaRungs, AshaScheduler } from '../src/schedulers/asha';
import { median, MedianScheduler } from '../src/schedulers/median';
import type { TrialSnapshot } from '../src/trial';

const trial = (number: number, values: number[]): TrialSnapshot => ({
  number,
  params: {},
  state: 'running',
  values,
});

describe('ASHA', () => {
  it('places rungs at grace * eta^k below maxEpochs', () => {
    expect(ashaRungs({ gracePeriod: 1, reductionFactor: 3, maxEpochs: 30 })).toEqual([1, 3, 9, 27]);
    expect(ashaRungs({ gracePeriod: 2, reductionFactor: 2, maxEpochs: 16 })).toEqual([2, 4, 8]);
  });

  it('cuts at the (1 - 1/eta) quantile with linear interpolation, as numpy.nanpercentile', () => {
    // numpy.percentile([1, 2, 3, 4], 66.666...) = 3.0; ([0.1, 0.5], 50) = 0.3
    expect(ashaCutoff([4, 1, 3, 2], 3)).toBeCloseTo(3, 12);
    expect(ashaCutoff([0.1, 0.5], 2)).toBeCloseTo(0.3, 12);
    expect(ashaCutoff([NaN, 0.2], 3)).toBe(0.2);
    expect(ashaCutoff([], 3)).toBeUndefined();
  });

  it('lets the first arrival at a rung go on and stops values below the cutoff', () => {
    expect(ashaDecision([], 0, 3)).toBe('continue');
    expect(ashaDecision([0.3], 0.2, 3)).toBe('stop');
    expect(ashaDecision([0.3], 0.3, 3)).toBe('continue');
    expect(ashaDecision([0.3], NaN, 3)).toBe('stop');
  });

  it('records arrivals per rung and decides only at rungs', () => {
    const s = new AshaScheduler({ gracePeriod: 1, reductionFactor: 2, maxEpochs: 8 });
    expect(s.decide(trial(0, [0.5]))).toBe('continue'); // first at rung 1
    expect(s.decide(trial(1, [0.4]))).toBe('stop'); // cutoff 0.5
    expect(s.decide(trial(2, [0.6]))).toBe('continue'); // cutoff of [0.5, 0.4] = 0.45
    expect(s.decide(trial(2, [0.6, 0.1, 0.1]))).toBe('continue'); // epoch 3 is no rung
    expect(s.decide(trial(2, [0.6, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]))).toBe('stop'); // maxEpochs reached
  });

  it('refuses bad options with the value', () => {
    expect(() => new AshaScheduler({ gracePeriod: 0, reductionFactor: 3, maxEpochs: 5 })).toThrow(
      'asha gracePeriod must be an integer >= 1, got 0',
    );
    expect(() => new AshaScheduler({ gracePeriod: 4, reductionFactor: 3, maxEpochs: 2 })).toThrow(
      'asha maxEpochs must be an integer >= gracePeriod (4), got 2',
    );
  });
});

describe('median stopping rule', () => {
  const s = new MedianScheduler({ warmupEpochs: 1, minPeers: 2 });
  const peers = [trial(1, [0.1, 0.3, 0.2]), trial(2, [0.2, 0.25]), trial(3, [0.05])];

  it('compares the best so far with the median of peers at the same epoch', () => {
    // At epoch 2 peers 1 and 2 have bests 0.3 and 0.25: median 0.275.
    expect(s.decide(trial(0, [0.1, 0.27]), peers)).toBe('stop');
    expect(s.decide(trial(0, [0.28, 0.1]), peers)).toBe('continue');
  });
  it('waits for warm-up and enough peers', () => {
    expect(s.decide(trial(0, [0]), peers)).toBe('continue');
    expect(s.decide(trial(0, [0, 0, 0]), peers)).toBe('continue'); // only peer 1 reached epoch 3
  });
  it('computes medians', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
