import { describe, expect, it } from 'vitest';
import { gridCount, gridValueAt, sampleValue } from '../src/distributions';
import { createSampler, plannedTrials } from '../src/plan';
import { parseSweepSpec, SpecError } from '../src/spec';

const base = { dataset: 'ds', model: 'vae' };

describe('distributions never enumerate a range', () => {
  it('samples an int from 0 to 2^31 - 1 without materialising it', () => {
    const spec = parseSweepSpec({
      ...base,
      space: { seed: { type: 'int', low: 0, high: 2147483647 } },
      search: { method: 'random', trials: 5, seed: 1 },
    });
    const before = process.memoryUsage().heapUsed;
    const seeds = Array.from({ length: 5 }, (_, n) => createSampler(spec).propose(n, [])!.seed as number);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 2 ** 20);
    for (const s of seeds) expect(Number.isInteger(s) && s >= 0 && s <= 2147483647).toBe(true);
    expect(new Set(seeds).size).toBe(5);
  });

  it('refuses a grid over a huge int range by its size, before enumerating anything', () => {
    expect(() => parseSweepSpec({ ...base, space: { seed: { type: 'int', low: 0, high: 1e9 } } })).toThrow(
      'search: the grid has 1000000001 points x 1 repeats, more than the limit of 10000',
    );
  });

  it.each([
    [{ type: 'uniform', low: 0, high: 1, q: 1e-300 }, 'space.x: q (1e-300) splits 0 to 1 into more values'],
    [{ type: 'uniform', low: -1e308, high: 1e308 }, 'space.x: the range -1e+308 to 1e+308 is too wide'],
    [{ type: 'int', low: -(2 ** 52), high: 2 ** 52 }, 'space.x: step (1) splits'],
  ])('refuses %j with a 400-style message', (d, message) => {
    expect(() =>
      parseSweepSpec({ ...base, space: { x: d }, search: { method: 'random', trials: 1 } }),
    ).toThrow(SpecError);
    expect(() =>
      parseSweepSpec({ ...base, space: { x: d }, search: { method: 'random', trials: 1 } }),
    ).toThrow(message);
  });

  it('computes grid values from their index', () => {
    const q = { type: 'uniform', low: 0.1, high: 0.5, q: 0.1 } as const;
    expect(gridCount(q)).toBe(5);
    expect(Array.from({ length: 5 }, (_, k) => gridValueAt(q, k))).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    const i = { type: 'int', low: 10, high: 50, step: 20 } as const;
    expect([gridCount(i), gridValueAt(i, 2)]).toEqual([3, 50]);
    expect(sampleValue(i, () => 0.999999)).toBe(50);
    const spec = parseSweepSpec({ ...base, space: { a: { type: 'int', low: 0, high: 99 }, b: q } });
    expect(plannedTrials(spec)).toBe(500);
    expect(createSampler(spec).propose(499, [])).toEqual({ a: 99, b: 0.5 });
  });
});
