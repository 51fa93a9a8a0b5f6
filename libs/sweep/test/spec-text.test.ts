import { describe, expect, it } from 'vitest';
import { SpecError } from '../src/spec';
import { documentLimitProblem, parseSweepSpecText } from '../src/spec-text';

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

describe('parseSweepSpecText refuses documents built to hurt, naming where', () => {
  const base = 'dataset: d\nmodel: vae\n';
  it.each([
    [
      'an alias bomb (the yaml library would throw its own ReferenceError)',
      'abcdefghi'
        .split('')
        .map(
          (k, i) =>
            `${k}: &${k} [${i === 0 ? 'x, '.repeat(8) + 'x' : `*${'abcdefghi'[i - 1]}, `.repeat(8) + `*${'abcdefghi'[i - 1]}`}]`,
        )
        .join('\n'),
      'invalid sweep spec: (document): uses 81 YAML anchors and aliases, more than 20',
    ],
    [
      'a custom tag',
      `${base}fixed: { lr: !js/function 'x' }\n`,
      'line 3, column 14: YAML tags (!js/function) are not accepted',
    ],
    [
      'a constructing tag',
      `${base}name: !!binary aGVsbG8=\n`,
      'line 3, column 7: YAML tags (!!binary) are not accepted',
    ],
    ['two documents', `${base}---\n${base}`, 'line 3, column 1: send one YAML document, not several'],
    [
      'flow nesting 100,000 deep',
      `${base}fixed: { a: ${'['.repeat(100_000)}${']'.repeat(100_000)} }\n`,
      'line 3, column 44: nested deeper than 32 levels',
    ],
    [
      'block nesting 40 deep',
      `${base}fixed:\n${Array.from({ length: 40 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} 1\n`,
      'nested deeper than 32 levels',
    ],
    [
      'a self-referencing alias',
      `${base}fixed: { a: &a [*a] }\n`,
      'fixed.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0: nested deeper than 32 levels',
    ],
    [
      'a 450,000-value list',
      `${base}fixed: { a: [${'1,'.repeat(450_000)}1] }\n`,
      '(document): has more than 5000 values and keys',
    ],
  ])('%s', (_what, text, message) => {
    const t0 = Date.now();
    expect(() => parseSweepSpecText(text)).toThrow(SpecError);
    expect(() => parseSweepSpecText(text)).toThrow(message);
    expect(Date.now() - t0).toBeLessThan(5_000); // a regression to whole-text parsing takes tens of seconds
  });

  it('keeps merge keys off: "<<" is a plain (here unknown) key', () => {
    expect(() => parseSweepSpecText(`x: &x { model: dae }\n${base}<<: *x\n`)).toThrow(
      'invalid sweep spec: (spec): Unrecognized keys: "x", "<<"',
    );
  });

  it('still reads a spec that uses a few anchors', () => {
    const s = parseSweepSpecText(
      `${base}space:\n  lr: &lr { type: choice, values: [0.001, 0.01] }\n  lam: *lr\n`,
    );
    expect(s.space.lam).toEqual(s.space.lr);
  });
});

describe('documentLimitProblem', () => {
  it('walks any depth without recursion and names the path', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(documentLimitProblem({ fixed: { a: deep } })).toEqual({
      where: `fixed.a${'.0'.repeat(30)}`,
      problem: 'nested deeper than 32 levels',
    });
    expect(documentLimitProblem(Array.from({ length: 30_000 }, () => 0))).toEqual({
      where: '(document)',
      problem: 'has more than 20000 values',
    });
    expect(documentLimitProblem({ items: Array.from({ length: 10_000 }, () => 'x'), k: 10 })).toBeNull();
  });
});
