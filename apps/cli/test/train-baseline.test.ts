import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './run-cli';

const BUNDLED = resolve(__dirname, '../../../examples/data/synthetic-ml.csv.gz');

let dir: string;
let ds: string;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  dir = await mkdtemp(join(tmpdir(), 'vaecf-cli-baseline-'));
  ds = join(dir, 'ds');
  const prep = await runCli([
    'prepare',
    BUNDLED,
    '--format',
    'movielens-csv',
    '--heldout-users',
    '150',
    '--out',
    ds,
  ]);
  if (prep.code !== 0) throw new Error(prep.stderr);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('vaecf train --model popularity | ease', () => {
  it('fits both baselines on the same split; EASE with a fixed lambda beats popularity', async () => {
    const pop = await runCli(['train', '--data', ds, '--model', 'popularity', '--json']);
    expect(pop.code).toBe(0);
    const p = JSON.parse(pop.stdout);
    expect(p).toMatchObject({ command: 'train', model: 'popularity', test: { users: expect.any(Number) } });
    const ease = await runCli(['train', '--data', ds, '--model', 'ease', '--ease-lambda', '200', '--json']);
    expect(ease.code).toBe(0);
    const e = JSON.parse(ease.stdout);
    expect(e).toMatchObject({ model: 'ease', lambda: 200, grid: [{ lambda: 200 }] });
    expect(e.test.ndcg100).toBeGreaterThan(p.test.ndcg100);
    expect(e.test.perUser).toBeUndefined();
  });

  it('shows a table in the human view', async () => {
    const r = await runCli(['train', '--data', ds, '--model', 'popularity']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/popularity.*NDCG@100[\s\S]*validation[\s\S]*test/);
  });

  it('skips EASE beyond BASELINE_MEMORY_LIMIT_MB, saying why', async () => {
    const r = await runCli(['train', '--data', ds, '--model', 'ease'], { BASELINE_MEMORY_LIMIT_MB: '1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ease skipped: EASE needs about \d+ MB for 1000 items.*limit of 1 MB/);
  });

  it.each([
    [['--model', 'vae', '--ease-lambda', '100'], {}, /--ease-lambda applies to --model ease, not vae/],
    [
      ['--model', 'popularity', '--ease-lambda', '100'],
      {},
      /--ease-lambda applies to --model ease, not popularity/,
    ],
    [['--model', 'ease', '--dims', '600,200'], {}, /--dims applies to --model vae or dae, not ease/],
    [['--model', 'ease', '--epochs', '3'], {}, /--epochs applies to --model vae or dae, not ease/],
    [
      ['--model', 'ease', '--ease-lambda', '0'],
      {},
      /'--ease-lambda <x>' argument '0' is invalid. "0" is not greater than 0/,
    ],
    [['--model', 'ease', '--ease-lambda', 'lots'], {}, /"lots" is not a number/],
    [
      ['--model', 'knn'],
      {},
      /argument 'knn' is invalid. Allowed choices are vae, dae, recvae, popularity, ease/,
    ],
    [
      ['--model', 'ease'],
      { BASELINE_MEMORY_LIMIT_MB: 'plenty' },
      /BASELINE_MEMORY_LIMIT_MB must be a whole number/,
    ],
  ])('refuses %j', async (args, env, message) => {
    const r = await runCli(['train', '--data', ds, ...(args as string[])], env as Record<string, string>);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
