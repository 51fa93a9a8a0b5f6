import { describe, expect, it } from 'vitest';
import { configurationOf, meanSd, summarizeConfigurations, type SeedTrial } from '../src/configurations';
import type { Params } from '../src/distributions';
import { createSampler, trialParams } from '../src/plan';
import { parseSweepSpec } from '../src/spec';
import type { TrialSnapshot } from '../src/trial';

const space = {
  lr: { type: 'loguniform', low: 1e-4, high: 1e-2 },
  keepProb: { type: 'uniform', low: 0.3, high: 0.9 },
};

/**
 * Proposes `trials` trials as the controller does (one at a time, each seen
 * by the next); after each configuration's first seed, every trial so far
 * "finishes" with a value, so an adaptive sampler has new results before
 * the replicate is proposed and would draw another point if asked.
 */
function propose(search: object, repeats: number, trials: number): TrialSnapshot[] {
  const spec = parseSweepSpec({ dataset: 'd', model: 'vae', space, search, limits: { repeats } });
  const sampler = createSampler(spec);
  let snaps: TrialSnapshot[] = [];
  for (let n = 0; n < trials; n++) {
    const params = trialParams(spec, sampler, n, snaps, 98765) as Params;
    snaps.push({ number: n, params, state: 'queued', values: [] });
    snaps = snaps.map((t) => ({
      ...t,
      state: 'completed',
      values: [-Math.abs((t.params.lr as number) - 3e-3)],
    }));
  }
  return snaps;
}

describe('replicates of a configuration', () => {
  for (const [name, search] of [
    ['grid', { method: 'grid' }],
    ['random', { method: 'random', trials: 6, seed: 3 }],
    ['tpe', { method: 'tpe', trials: 6, seed: 3, nStartup: 2 }],
  ] as const) {
    it(`${name}: share every hyperparameter but the seed, which counts up from the first`, () => {
      const spec = name === 'grid' ? { method: 'grid' } : search;
      const repeats = 3;
      const snaps = name === 'grid' ? proposeGrid(repeats) : propose(spec, repeats, 18);
      for (let n = 0; n < snaps.length; n++) {
        const first = snaps[n - (n % repeats)].params;
        const { seed, ...rest } = snaps[n].params;
        const { seed: firstSeed, ...firstRest } = first;
        expect(rest).toEqual(firstRest);
        expect(seed).toBe((firstSeed as number) + (n % repeats));
      }
      // Distinct configurations differ (the sampler was asked once per configuration).
      const firsts = snaps.filter((t) => t.number % repeats === 0).map((t) => JSON.stringify(t.params));
      expect(new Set(firsts).size).toBe(firsts.length);
    });
  }

  it('refuses to propose a replicate whose first trial it was not shown', () => {
    const spec = parseSweepSpec({
      dataset: 'd',
      model: 'vae',
      space,
      search: { method: 'random', trials: 2 },
      limits: { repeats: 2 },
    });
    expect(() => trialParams(spec, createSampler(spec), 1, [], 1)).toThrow(/replicates trial 0/);
  });

  it('numbers configurations floor(n / repeats)', () => {
    expect([0, 1, 2, 3, 4].map((n) => configurationOf(n, 2))).toEqual([0, 0, 1, 1, 2]);
    expect(configurationOf(4, 1)).toBe(4);
  });
});

function proposeGrid(repeats: number): TrialSnapshot[] {
  const spec = parseSweepSpec({
    dataset: 'd',
    model: 'vae',
    space: { lr: { type: 'choice', values: [1e-3, 1e-2] }, keepProb: { type: 'choice', values: [0.5, 0.7] } },
    limits: { repeats },
  });
  const sampler = createSampler(spec);
  const snaps: TrialSnapshot[] = [];
  for (let n = 0; n < 4 * repeats; n++)
    snaps.push({
      number: n,
      params: trialParams(spec, sampler, n, snaps, 98765) as Params,
      state: 'queued',
      values: [],
    });
  return snaps;
}

describe('summarizeConfigurations', () => {
  const t = (no: number, best: number | undefined, state: SeedTrial['state'] = 'completed'): SeedTrial => ({
    no,
    configuration: Math.floor(no / 2),
    state,
    best,
  });

  it('ranks configurations by the mean of their seeds, not by the luckiest seed', () => {
    // Configuration 0 has the single best seed (0.50) but the lower mean (0.35); configuration 1 is steady.
    const s = summarizeConfigurations([t(0, 0.5), t(1, 0.2), t(2, 0.4), t(3, 0.42)], 2);
    expect(s.map((c) => c.configuration)).toEqual([1, 0]);
    expect(s[0]).toMatchObject({ trials: [2, 3], seeds: 2 });
    expect(s[0].mean).toBeCloseTo(0.41, 12);
    expect(s[0].sd).toBeCloseTo(Math.SQRT2 * 0.01, 12);
    expect(s[1].mean).toBeCloseTo(0.35, 12);
  });

  it('leaves cancelled and not yet reported seeds out of the mean, but lists them; a failed seed keeps its best', () => {
    const s = summarizeConfigurations(
      [t(0, 0.3), t(1, 0.9, 'cancelled'), t(2, undefined, 'running'), t(3, 0.1), t(4, 0.2, 'failed')],
      2,
    );
    expect(s).toEqual([
      { configuration: 0, trials: [0, 1], seeds: 1, mean: 0.3 },
      { configuration: 2, trials: [4], seeds: 1, mean: 0.2 },
      { configuration: 1, trials: [2, 3], seeds: 1, mean: 0.1 },
    ]);
  });

  it('derives the configuration of records that do not carry one', () => {
    const s = summarizeConfigurations(
      [
        { no: 0, state: 'completed', best: 0.1 },
        { no: 1, state: 'completed', best: 0.3 },
      ],
      2,
    );
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ configuration: 0, seeds: 2, mean: 0.2 });
  });

  it('mean and sample sd', () => {
    expect(meanSd([1])).toEqual({ mean: 1 });
    expect(meanSd([1, 3])).toEqual({ mean: 2, sd: Math.SQRT2 });
    expect(() => meanSd([])).toThrow(/no values/);
  });
});
