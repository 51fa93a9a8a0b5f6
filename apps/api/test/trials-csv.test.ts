import { parse } from 'csv-parse/sync';
import type { TrialView } from '@vaecf/orchestration';
import { describe, expect, it } from 'vitest';
import { trialsCsv } from '../src/sweeps/trials-csv';

const trial = (no: number, epochs: number, budget: number): TrialView => ({
  no,
  configuration: Math.floor(no / 2),
  params: { model: 'vae', lr: 0.001, epochs: budget },
  state: 'pruned',
  createdAt: 0,
  epochs,
  attempt: 1,
  attempts: 1,
  checkpointRestarts: 0,
});

describe('the trials CSV', () => {
  it('names every column once: the epochs run apart from the epochs hyperparameter', () => {
    const text = trialsCsv([trial(0, 1, 12), trial(1, 3, 12)]);
    const header = (parse(text, { to: 1 }) as string[][])[0];
    expect(new Set(header).size).toBe(header.length);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.epochs_run, r.epochs])).toEqual([
      ['1', '12'],
      ['3', '12'],
    ]);
  });

  it("shows each trial's configuration with the mean, sd and number of its seeds", () => {
    const seeds = { mean: 0.3, sd: 0.01, count: 2 };
    const text = trialsCsv([
      { ...trial(0, 1, 12), seeds },
      { ...trial(1, 3, 12), seeds },
    ]);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.configuration, r.config_mean, r.config_sd, r.config_seeds])).toEqual([
      ['0', '0.3', '0.01', '2'],
      ['0', '0.3', '0.01', '2'],
    ]);
  });
});
