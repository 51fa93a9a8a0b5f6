import { describe, expect, it } from 'vitest';
import { meanPerUser, type PerUserMetrics } from '../../src/stats/per-user';

const vec = (split: string, ndcg: number[]): PerUserMetrics => ({
  split,
  values: {
    ndcg100: Float32Array.from(ndcg),
    recall20: Float32Array.from(ndcg.map((v) => v / 2)),
    recall50: Float32Array.from(ndcg.map((v) => v / 4)),
  },
});

describe('meanPerUser (a configuration over its seeds)', () => {
  it('averages each user over the seeds, keeping a user without held-out items NaN', () => {
    const m = meanPerUser([vec('s', [0.2, 0.4, NaN]), vec('s', [0.4, 0.8, NaN])]);
    expect(m.split).toBe('s');
    expect(Array.from(m.values.ndcg100)).toEqual([Math.fround(0.3), Math.fround(0.6), NaN]);
    expect(Array.from(m.values.recall20)).toEqual([Math.fround(0.15), Math.fround(0.3), NaN]);
  });

  it('is the vector itself for one seed', () => {
    const v = vec('s', [0.25, 0.5]);
    expect(Array.from(meanPerUser([v]).values.ndcg100)).toEqual(Array.from(v.values.ndcg100));
  });

  it('refuses vectors of different splits or lengths, and none at all', () => {
    expect(() => meanPerUser([vec('a', [1]), vec('b', [1])])).toThrow(/different splits/);
    expect(() => meanPerUser([vec('a', [1]), vec('a', [1, 2])])).toThrow(/users/);
    expect(() => meanPerUser([])).toThrow(/no vectors/);
  });
});
