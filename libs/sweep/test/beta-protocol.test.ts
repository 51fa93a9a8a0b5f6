import { describe, expect, it } from 'vitest';
import { createSampler, plannedTrials, trialParams, trialReady } from '../src/plan';
import { chooseBeta } from '../src/samplers/beta-protocol';
import { parseSweepSpec } from '../src/spec';
import type { TrialSnapshot } from '../src/trial';

const spec = (search: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  parseSweepSpec({
    dataset: 'ds',
    model: 'vae',
    fixed: { epochs: 4 },
    space: { lr: { type: 'choice', values: [0.001, 0.01] } },
    search: { method: 'beta', annealSteps: 400, ...search },
    ...over,
  });

const done = (number: number, values: number[], betas: number[]): TrialSnapshot => ({
  number,
  params: {},
  state: 'completed',
  values,
  betas,
});

describe('the beta protocol', () => {
  it('stage 1 anneals every configuration to 1; stage 2 waits, then caps beta at the best epoch of the best run', () => {
    const s = spec({ stage2: 'all' });
    expect(plannedTrials(s)).toBe(4);
    const sampler = createSampler(s);
    const p = (n: number, ts: TrialSnapshot[]) => trialParams(s, sampler, n, ts, 98765);
    expect(p(0, [])).toMatchObject({ lr: 0.001, annealCap: 1, totalAnnealSteps: 400 });
    expect(p(1, [])).toMatchObject({ lr: 0.01, annealCap: 1, totalAnnealSteps: 400 });
    const running: TrialSnapshot = { number: 1, params: {}, state: 'running', values: [0.3], betas: [0.25] };
    const stage1 = [done(0, [0.1, 0.3, 0.2, 0.1], [0.25, 0.5, 0.75, 1]), running];
    expect(trialReady(s, sampler, 2, stage1)).toBe(false);
    const ended = [stage1[0], done(1, [0.2, 0.25, 0.35, 0.3], [0.25, 0.5, 0.75, 1])];
    expect(trialReady(s, sampler, 2, ended)).toBe(true);
    // Run 1 is best (0.35 at its epoch 3, where beta was 0.75).
    expect(p(2, ended)).toMatchObject({ lr: 0.001, annealCap: 0.75, totalAnnealSteps: 400 });
    expect(p(3, ended)).toMatchObject({ lr: 0.01, annealCap: 0.75 });
    expect(p(4, ended)).toBeNull();
  });

  it('stage2: best trains only the best configuration again', () => {
    const s = spec({ stage2: 'best' });
    expect(plannedTrials(s)).toBe(3);
    const ended = [done(0, [0.4], [0.2]), done(1, [0.3], [0.9])];
    expect(trialParams(s, createSampler(s), 2, ended, 98765)).toMatchObject({ lr: 0.001, annealCap: 0.2 });
  });

  it('skips runs that never validated an epoch, and gives up when none did', () => {
    expect(chooseBeta([done(0, [], []), done(1, [NaN, 0.2], [0.5, 1])])).toEqual({
      beta: 1,
      trial: 1,
      value: 0.2,
      configuration: 1,
    });
    expect(chooseBeta([{ ...done(0, [], []), state: 'failed' }])).toBeNull();
  });

  it.each([
    [{}, { model: 'dae' }, 'model: the beta protocol tunes the KL weight of Mult-VAE'],
    [{}, { fixed: { annealCap: 0.2 } }, 'fixed.annealCap: is set by the beta protocol'],
    [{}, { space: { totalAnnealSteps: { type: 'choice', values: [1] } } }, 'space.totalAnnealSteps'],
    [
      {},
      { space: { batchSize: { type: 'choice', values: [50, 100] } } },
      'space.batchSize: the beta protocol anneals',
    ],
    [{}, { scheduler: { type: 'asha' } }, 'scheduler: the beta protocol needs every stage-1 run'],
    [{ stage2: 'some' }, {}, 'search.stage2'],
    [{}, { space: { lr: { type: 'loguniform', low: 1e-4, high: 1e-2 } } }, 'grid search needs finite values'],
  ])('refuses %j %j', (search, over, message) => {
    expect(() => spec(search, over)).toThrow(message);
  });
});
