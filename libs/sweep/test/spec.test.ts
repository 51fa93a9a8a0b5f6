import { describe, expect, it } from 'vitest';
import { baselinesOf, MAX_GRID_SIZE, parseSweepSpec, SpecError } from '../src/spec';
import { parseSweepSpecText } from '../src/spec-text';
import { createSampler, plannedTrials, trialParams } from '../src/plan';
import type { TrialSnapshot } from '../src/trial';

const base = { dataset: 'ds1', model: 'vae' };

describe('parseSweepSpec', () => {
  it('fills defaults', () => {
    const s = parseSweepSpec({ ...base, space: { lr: { type: 'choice', values: [1e-3, 1e-4] } } });
    expect(s.search).toEqual({ method: 'grid' });
    expect(s.scheduler).toEqual({ type: 'none' });
    expect(s.limits).toEqual({ maxConcurrent: 4, repeats: 1, maxTrials: 10_000 });
    expect(plannedTrials(s)).toBe(2);
  });

  it.each([
    [{ ...base, extra: 1 }, 'invalid sweep spec: (spec): Unrecognized key: "extra"'],
    [{ model: 'vae' }, 'invalid sweep spec: dataset: Invalid input: expected string, received undefined'],
    [
      { ...base, model: 'gan' },
      'invalid sweep spec: model: Invalid option: expected one of "vae"|"dae"|"recvae"',
    ],
    [
      {
        ...base,
        space: { lr: { type: 'uniform', low: 1, high: 0.1 } },
        search: { method: 'random', trials: 3 },
      },
      'space.lr: low (1) is greater than high (0.1)',
    ],
    [{ ...base, space: { lr: { type: 'choice', values: [] } } }, 'space.lr.values: needs at least one value'],
    [{ ...base, space: { lr: { type: 'loguniform', low: 0, high: 1 } } }, 'space.lr.low'],
    [
      { ...base, space: { lr: { type: 'loguniform', low: 1e-4, high: 1e-2 } } },
      'space.lr: grid search needs finite values',
    ],
    [
      { ...base, fixed: { lr: 1 }, space: { lr: { type: 'choice', values: [1] } } },
      'space.lr: is also in fixed',
    ],
    [{ ...base, search: { method: 'random', trials: 0 } }, 'search.trials'],
    [{ ...base, scheduler: { type: 'asha', reductionFactor: 1 } }, 'scheduler.reductionFactor'],
    [{ ...base, limits: { maxConcurrent: 0 } }, 'limits.maxConcurrent'],
    [{ ...base, objective: { metric: 'mrr' } }, 'objective.metric'],
    [{ ...base, objective: { direction: 'minimize' } }, 'objective.direction: ranking metrics are maximised'],
  ])('refuses %j naming the field', (input, message) => {
    expect(() => parseSweepSpec(input)).toThrow(SpecError);
    expect(() => parseSweepSpec(input)).toThrow(message);
  });

  // JSON.parse and the YAML reader keep `__proto__` as an own key; the schema alone would drop it
  // without a word, and `in` would find `constructor` on Object.prototype.
  it.each([
    ['fixed', '__proto__', '{"lr": 0.1}'],
    ['fixed', 'constructor', '1'],
    ['fixed', 'prototype', '1'],
    ['space', '__proto__', '{"type": "choice", "values": [1]}'],
    ['space', 'constructor', '{"type": "choice", "values": [1]}'],
    ['space', 'prototype', '{"type": "choice", "values": [1]}'],
  ])('refuses %s.%s by name, in JSON and in YAML', (section, key, value) => {
    const message = `invalid sweep spec: ${section}.${key}: "${key}" is a reserved name, not a hyperparameter`;
    const json = `{"dataset": "ds1", "model": "vae", "${section}": {"epochs": 2, "${key}": ${value}}}`;
    expect(() => parseSweepSpec(JSON.parse(json))).toThrow(message);
    expect(() => parseSweepSpecText(json)).toThrow(message);
    expect(() => parseSweepSpecText(`dataset: ds1\nmodel: vae\n${section}:\n  ${key}: ${value}\n`)).toThrow(
      message,
    );
  });

  it('finds a space key in fixed only when fixed has it (never through the prototype)', () => {
    const spec = parseSweepSpec({ ...base, space: { toString: { type: 'choice', values: [1] } } });
    expect(Object.keys(spec.space)).toEqual(['toString']); // left to the trial-space check to name as unknown
  });

  it('refuses a grid larger than the limit', () => {
    const big = { type: 'int', low: 1, high: 101 };
    expect(() => parseSweepSpec({ ...base, space: { a: big, b: big } })).toThrow(
      `search: the grid has ${101 * 101} points x 1 repeats, more than the limit of ${MAX_GRID_SIZE}`,
    );
  });
});

describe('trial plan', () => {
  it('enumerates the grid product once, first parameter slowest', () => {
    const s = parseSweepSpec({
      ...base,
      fixed: { epochs: 5 },
      space: {
        annealCap: { type: 'choice', values: [0.1, 0.2] },
        dims: { type: 'choice', values: [[600, 200], [200]] },
        lam: { type: 'uniform', low: 0, high: 0.2, q: 0.1 },
      },
    });
    const sampler = createSampler(s);
    const all = Array.from({ length: plannedTrials(s) + 1 }, (_, n) => trialParams(s, sampler, n, [], 98765));
    expect(all).toHaveLength(13);
    expect(all[12]).toBeNull();
    expect(all[0]).toEqual({
      model: 'vae',
      selectBy: 'ndcg100',
      epochs: 5,
      annealCap: 0.1,
      dims: [600, 200],
      lam: 0,
    });
    expect(all[1]).toEqual({
      model: 'vae',
      selectBy: 'ndcg100',
      epochs: 5,
      annealCap: 0.1,
      dims: [600, 200],
      lam: 0.1,
    });
    expect(all[11]).toEqual({
      model: 'vae',
      selectBy: 'ndcg100',
      epochs: 5,
      annealCap: 0.2,
      dims: [200],
      lam: 0.2,
    });
    expect(new Set(all.slice(0, 12).map((p) => JSON.stringify(p))).size).toBe(12);
  });

  it('repeats each configuration with consecutive seeds', () => {
    const s = parseSweepSpec({
      ...base,
      fixed: { seed: 10 },
      space: { lr: { type: 'choice', values: [1, 2] } },
      limits: { repeats: 3 },
    });
    const sampler = createSampler(s);
    const ps: TrialSnapshot[] = [];
    for (let n = 0; n < 6; n++)
      ps.push({ number: n, params: trialParams(s, sampler, n, ps, 98765)!, state: 'queued', values: [] });
    expect(ps.map(({ params: p }) => [p.lr, p.seed])).toEqual([
      [1, 10],
      [1, 11],
      [1, 12],
      [2, 10],
      [2, 11],
      [2, 12],
    ]);
  });

  it('random search is reproducible per trial number, whatever the call order, and stays in bounds', () => {
    const spec = {
      ...base,
      space: {
        lr: { type: 'loguniform', low: 1e-4, high: 1e-2 },
        keepProb: { type: 'uniform', low: 0.3, high: 0.9, q: 0.05 },
        batchSize: { type: 'int', low: 100, high: 500, step: 100 },
      },
      search: { method: 'random', trials: 50, seed: 4 },
    };
    const s = parseSweepSpec(spec);
    const a = createSampler(s);
    const forward = Array.from({ length: 50 }, (_, n) => trialParams(s, a, n, [], 98765));
    const b = createSampler(parseSweepSpec(spec));
    const backward = Array.from({ length: 50 }, (_, k) => trialParams(s, b, 49 - k, [], 98765)).reverse();
    expect(backward).toEqual(forward);
    for (const p of forward) {
      expect(p!.lr).toBeGreaterThanOrEqual(1e-4);
      expect(p!.lr).toBeLessThanOrEqual(1e-2);
      expect(Math.round((p!.keepProb as number) * 20) / 20).toBe(p!.keepProb);
      expect([100, 200, 300, 400, 500]).toContain(p!.batchSize);
    }
    expect(new Set(forward.map((p) => p!.lr)).size).toBe(50);
    const other = createSampler(
      parseSweepSpec({ ...spec, search: { method: 'random', trials: 50, seed: 5 } }),
    );
    expect(trialParams(s, other, 0, [], 98765)).not.toEqual(forward[0]);
  });
});

describe('baselines', () => {
  it('default to popularity and EASE; [] means none; EASE may carry its own lambda grid', () => {
    expect(parseSweepSpec(base).baselines).toEqual(['popularity', 'ease']);
    expect(parseSweepSpec({ ...base, baselines: [] }).baselines).toEqual([]);
    const s = parseSweepSpec({ ...base, baselines: ['popularity', { model: 'ease', lambdas: [100, 500] }] });
    expect(baselinesOf(s)).toEqual([{ model: 'popularity' }, { model: 'ease', lambdas: [100, 500] }]);
  });

  it.each([
    [['knn'], 'baselines.0'],
    [['ease', 'ease'], 'baselines.1: ease is listed twice'],
    [['popularity', { model: 'ease', lambdas: [100] }, 'popularity'], 'baselines'],
    [[{ model: 'ease', lambdas: [] }], 'baselines.0'],
    [[{ model: 'ease', lambdas: [-1] }], 'baselines.0'],
    [[{ model: 'ease', lambda: 100 }], 'baselines.0'],
  ])('refuses %j naming the field', (baselines, message) => {
    expect(() => parseSweepSpec({ ...base, baselines })).toThrow(message);
  });
});
