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
});
