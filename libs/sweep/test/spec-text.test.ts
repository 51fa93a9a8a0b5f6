import { describe, expect, it } from 'vitest';
import { parseSweepSpecText } from '../src/spec-text';

describe('parseSweepSpecText', () => {
  it('reads YAML', () => {
    const s = parseSweepSpecText(`
dataset: ds1
model: vae
fixed: { epochs: 20 }
space:
  annealCap: { type: uniform, low: 0.1, high: 0.5 }
  dims: { type: choice, values: [[600, 200], [200]] }
search: { method: random, trials: 8, seed: 3 }
scheduler: { type: asha, gracePeriod: 2 }
`);
    expect(s.space.dims).toEqual({ type: 'choice', values: [[600, 200], [200]] });
    expect(s.scheduler).toEqual({ type: 'asha', gracePeriod: 2, reductionFactor: 3 });
  });
  it('reads JSON', () => {
    expect(parseSweepSpecText('{"dataset": "d", "model": "dae"}').model).toBe('dae');
  });
  it('names the line of a syntax error, and refuses a non-mapping', () => {
    expect(() => parseSweepSpecText('dataset: d\nmodel: [vae\n')).toThrow(
      /invalid sweep spec: line \d+, column \d+: /,
    );
    expect(() => parseSweepSpecText('dataset: a\ndataset: b\n')).toThrow(
      /invalid sweep spec: line 2, column 1: Map keys must be unique/,
    );
    expect(() => parseSweepSpecText('- a\n- b\n')).toThrow(
      'invalid sweep spec: (document): must be a mapping of spec fields',
    );
  });
});
