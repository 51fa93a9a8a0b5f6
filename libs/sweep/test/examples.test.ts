import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plannedTrials } from '../src/plan';
import { parseSweepSpecText } from '../src/spec-text';

const EXAMPLES = resolve(__dirname, '../../../examples');

describe('example sweep specs', () => {
  it.each([
    ['quickstart.yaml', 12],
    ['ml-20m.yaml', 5],
    ['beta-protocol.yaml', 4],
  ])('%s is valid and plans %d trials', (file, trials) => {
    const spec = parseSweepSpecText(readFileSync(join(EXAMPLES, file), 'utf8'));
    expect(plannedTrials(spec)).toBe(trials);
  });

  it.each(['ml-20m', 'netflix', 'msd'].flatMap((d) => [`${d}-vae.yaml`, `${d}-dae.yaml`]))(
    "paper/%s is the paper's one configuration with both baselines",
    (file) => {
      const spec = parseSweepSpecText(readFileSync(join(EXAMPLES, 'paper', file), 'utf8'));
      expect(plannedTrials(spec)).toBe(1);
      expect(spec.fixed).toMatchObject({ batchSize: 500, epochs: 200, keepProb: 0.5, lr: 0.001 });
      expect(spec.fixed.dims).toEqual(spec.model === 'vae' ? [600, 200] : [200]);
      expect(spec.baselines).toEqual(['popularity', 'ease']);
    },
  );
});
