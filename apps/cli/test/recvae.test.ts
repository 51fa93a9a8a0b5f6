import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './run-cli';

const BUNDLED = resolve(__dirname, '../../../examples/data/synthetic-ml.csv.gz');
const vaecf = (...args: string[]) => runCli(args);

let dir: string;
let ds: string;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  dir = await mkdtemp(join(tmpdir(), 'vaecf-recvae-'));
  ds = join(dir, 'ds');
  const prep = await vaecf(
    'prepare',
    BUNDLED,
    '--format',
    'movielens-csv',
    '--heldout-users',
    '150',
    '--out',
    ds,
  );
  if (prep.code !== 0) throw new Error(prep.stderr);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('vaecf train --model recvae', () => {
  it('trains, checkpoints and resumes exactly, with its own hyperparameters in the result', async () => {
    const ckpt = join(dir, 'run');
    const common = ['train', '--data', ds, '--model', 'recvae', '--dims', '32,8', '--batch-size', '300'];
    const flags = ['--kl-gamma', '0.01', '--encoder-passes', '2', '--checkpoint', ckpt, '--json'];
    const first = await vaecf(...common, ...flags, '--epochs', '1');
    expect(first.code).toBe(0);
    const r1 = JSON.parse(first.stdout);
    expect(r1.config).toMatchObject({
      model: 'recvae',
      dims: [32, 8],
      klGamma: 0.01,
      encoderPasses: 2,
      decoderPasses: 1,
      lr: 5e-4,
    });
    // 1682 training users in minibatches of 300: 6 steps a pass, 2 encoder passes + 1 decoder pass.
    expect(r1.epochs[0].steps).toBe(18);
    expect(r1.test.ndcg100).toBeGreaterThan(0);

    const resumed = await vaecf(...common, ...flags, '--epochs', '2', '--resume');
    expect(resumed.code).toBe(0);
    const r2 = JSON.parse(resumed.stdout);
    expect(r2.epochs.slice(0, 1)).toEqual(r1.epochs);
    expect(r2.epochs[1].steps).toBe(36);

    const straight = await vaecf(
      ...common,
      '--kl-gamma',
      '0.01',
      '--encoder-passes',
      '2',
      '--epochs',
      '2',
      '--json',
    );
    const r3 = JSON.parse(straight.stdout);
    const strip = (e: { trainSeconds: number; evalSeconds: number; usersPerSecond: number }[]) =>
      e.map(({ trainSeconds: _t, evalSeconds: _e, usersPerSecond: _u, ...rest }) => rest);
    expect(strip(r3.epochs)).toEqual(strip(r2.epochs));
    expect(r3.test).toEqual(r2.test);
  });

  it.each([
    [['--dims', '600'], /invalid trial config: dims: RecVAE takes exactly \[hidden, latent\]/],
    [['--kl-gamma', '-1'], /--kl-gamma/],
    [['--encoder-passes', '0'], /--encoder-passes/],
    [['--prior-weights', '0.5,0.5,0.5'], /priorWeights: the three weights must sum to 1/],
    [['--prior-weights', '0.5,x,0.5'], /--prior-weights/],
  ])('refuses %j with exit 2 and one line', async (bad, message) => {
    const r = await vaecf('train', '--data', ds, '--model', 'recvae', ...bad);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('refuses a RecVAE flag on Mult-VAE', async () => {
    const r = await vaecf('train', '--data', ds, '--model', 'vae', '--kl-gamma', '0.01');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/klGamma: applies to model recvae only/);
  });
});
