import { describe, expect, it } from 'vitest';
import { leaderboard } from '../src/output/leaderboard';
import type { TrialView } from '../src/views';

const trial = (no: number, configuration: number, best: number, seeds?: TrialView['seeds']): TrialView => ({
  no,
  configuration,
  params: { model: 'vae', lr: configuration ? 0.01 : 0.001, seed: 1 + (no % 2) },
  state: 'completed',
  createdAt: 0,
  epochs: 2,
  best,
  attempt: 1,
  attempts: 1,
  checkpointRestarts: 0,
  ...(seeds ? { seeds } : {}),
});

describe('the CLI leaderboard with seeds', () => {
  it("shows each trial's configuration, its mean ± sd over seeds and their count (limits.repeats)", () => {
    const c0 = { mean: 0.35, sd: 0.01, count: 2 };
    const text = leaderboard([
      trial(0, 0, 0.36, c0),
      trial(1, 0, 0.34, c0),
      trial(2, 1, 0.3, { mean: 0.3, count: 1 }),
    ]);
    expect(text).toMatch(/config: mean/);
    expect(text).toContain('0: 0.3500 ± 0.0100 (2)');
    expect(text).toContain('1: 0.3000 (1)');
  });

  it('has no such column with one seed a configuration', () => {
    const text = leaderboard([
      trial(0, 0, 0.3, { mean: 0.3, count: 1 }),
      trial(1, 1, 0.2, { mean: 0.2, count: 1 }),
    ]);
    expect(text).not.toMatch(/config: mean/);
  });
});
