import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './run-cli';

// The built CLI, run as a user runs it (npm test builds before testing).
const BUNDLED = resolve(__dirname, '../../../examples/data/synthetic-ml.csv.gz');

const vaecf = (...args: string[]) => runCli(args);
/** For the one run whose environment drops a variable (runCli only adds). */
const run = promisify(execFile);

let dir: string;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  dir = await mkdtemp(join(tmpdir(), 'vaecf-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('vaecf prepare + train', () => {
  it('prepares the bundled data and trains, resumes, and reports JSON', async () => {
    const ds = join(dir, 'ds');
    const prep = await vaecf(
      'prepare',
      BUNDLED,
      '--format',
      'movielens-csv',
      '--heldout-users',
      '150',
      '--out',
      ds,
      '--json',
    );
    expect(prep.code).toBe(0);
    const p = JSON.parse(prep.stdout);
    expect(p.stats.users).toEqual({ train: 1682, validation: 150, test: 150 });
    expect(p.options).toMatchObject({ threshold: 3.5, minUserCount: 5, heldoutUsers: 150 });

    const ckpt = join(dir, 'run');
    const common = [
      'train',
      '--data',
      ds,
      '--dims',
      '64,16',
      '--batch-size',
      '200',
      '--checkpoint',
      ckpt,
      '--json',
    ];
    const first = await vaecf(...common, '--epochs', '2');
    expect(first.code).toBe(0);
    const r1 = JSON.parse(first.stdout);
    expect(r1.epochs).toHaveLength(2);
    expect(r1.test.ndcg100).toBeGreaterThan(0);
    // Beta would never rise with the paper's 200,000 anneal steps: the CLI says so.
    expect(r1.warnings.join(' ')).toMatch(/totalAnnealSteps \(200000\) exceeds this run's 18 updates/);

    // --resume picks the checkpoint up after epoch 2; --epochs extends the run, other flags are the checkpoint's.
    const resumed = await vaecf(...common, '--epochs', '3', '--resume', '--lr', '0.1');
    expect(resumed.code).toBe(0);
    const r2 = JSON.parse(resumed.stdout);
    expect(r2.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3]);
    expect(r2.epochs.slice(0, 2)).toEqual(r1.epochs);
    expect(r2.config).toMatchObject({ lr: 0.001, epochs: 3, dims: [64, 16] });
    expect(r2.warnings.join(' ')).toMatch(/ignored: dims, lr, batchSize/);
  });

  it('prints the live table and the test summary in the human view', async () => {
    const ds = join(dir, 'ds-human');
    expect(
      (await vaecf('prepare', BUNDLED, '--format', 'movielens-csv', '--heldout-users', '100', '--out', ds))
        .code,
    ).toBe(0);
    const t = await vaecf('train', '--data', ds, '--model', 'dae', '--epochs', '1', '--batch-size', '500');
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^engine: (onnxruntime|tfjs-\S+) \(\S+, 1 thread\)/m);
    expect(t.stdout).toMatch(/epoch\s+loss\s+beta\s+NDCG@100/);
    expect(t.stdout).toMatch(/test\s.*\d\.\d{4}/);
  });
});

describe('vaecf train --engine', () => {
  // Here on lavapipe, a software Vulkan driver (test/support/lavapipe.sh): the GPU code path, at CPU speed.
  it.runIf(process.env.VAECF_TEST_WEBGPU === '1')(
    'trains, checkpoints and resumes with the model resident on onnxruntime-webgpu, and the CPU engine resumes its checkpoint',
    async () => {
      const ds = join(dir, 'ds-webgpu');
      expect(
        (await vaecf('prepare', BUNDLED, '--format', 'movielens-csv', '--heldout-users', '100', '--out', ds))
          .code,
      ).toBe(0);
      const ckpt = join(dir, 'run-webgpu');
      const common = [
        'train',
        '--data',
        ds,
        '--dims',
        '32,8',
        '--batch-size',
        '500',
        '--checkpoint',
        ckpt,
        '--json',
      ];
      const first = await vaecf(...common, '--epochs', '2', '--engine', 'onnxruntime-webgpu');
      expect(first.code, first.stderr).toBe(0);
      const r1 = JSON.parse(first.stdout);
      expect(r1.engine).toMatchObject({ name: 'onnxruntime-webgpu', provider: 'webgpu', device: 'gpu:0' });
      expect(r1.epochs).toHaveLength(2);
      expect(r1.test.ndcg100).toBeGreaterThan(0);
      const again = await vaecf(...common, '--epochs', '3', '--resume', '--engine', 'onnxruntime-webgpu');
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout).epochs.slice(0, 2)).toEqual(r1.epochs);
      const onCpu = await vaecf(...common, '--epochs', '4', '--resume', '--engine', 'onnxruntime');
      expect(onCpu.code, onCpu.stderr).toBe(0);
      expect(JSON.parse(onCpu.stdout).epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3, 4]);

      // A GPU whose driver reports too little free memory: refused at start, exit 2, one line.
      const bin = join(dir, 'small-gpu');
      await mkdir(bin, { recursive: true });
      await writeFile(join(bin, 'nvidia-smi'), '#!/bin/sh\necho "Small GPU, 1024, 1023"\n', { mode: 0o755 });
      const refused = await runCli(
        ['train', '--data', ds, '--dims', '32,8', '--epochs', '1', '--engine', 'onnxruntime-webgpu'],
        { PATH: `${bin}:${process.env.PATH}` },
      );
      expect(refused.code).toBe(2);
      expect(
        refused.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('vaecf:')),
      ).toEqual([
        expect.stringMatching(
          /^vaecf: .*the model needs about 0\.\d GiB on gpu:0 \(Small GPU\), which has 0\.0 GiB free of 1\.0/,
        ),
      ]);
    },
  );

  it('trains on the engine named (an old --backend name too), prints it and puts it in the JSON result', async () => {
    const ds = join(dir, 'ds-engine');
    expect(
      (await vaecf('prepare', BUNDLED, '--format', 'movielens-csv', '--heldout-users', '100', '--out', ds))
        .code,
    ).toBe(0);
    const small = [
      'train',
      '--data',
      ds,
      '--model',
      'dae',
      '--dims',
      '16',
      '--epochs',
      '1',
      '--batch-size',
      '500',
    ];
    const human = await vaecf(...small, '--engine', 'tfjs-cpu');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^engine: tfjs-cpu \(cpu, 1 thread\)$/m);
    const json = await vaecf(...small, '--backend', 'wasm', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).engine).toEqual({
      name: 'tfjs-wasm',
      provider: 'wasm',
      device: 'cpu',
      threads: 1,
    });
    const threads = await vaecf(...small, '--engine', 'onnxruntime', '--threads', '2', '--json');
    expect(threads.code).toBe(0);
    expect(JSON.parse(threads.stdout).engine).toMatchObject({
      name: 'onnxruntime',
      provider: 'cpu',
      threads: 2,
    });
  });

  it.each([
    [['--engine', 'torch'], /^vaecf: --engine must be one of auto, onnxruntime, .*; got "torch"$/],
    [['--backend', 'tpu'], /^vaecf: --backend must be one of auto, .*; got "tpu"$/],
    [
      ['--engine', 'tfjs-cpu', '--backend', 'wasm'],
      /^vaecf: --engine tfjs-cpu and --backend wasm disagree: give one of them$/,
    ],
    [['--threads', '0'], /^vaecf: --threads must be a whole number from 1 to 256, or auto; got "0"$/],
    [['--gpu', 'x'], /^vaecf: --gpu must be a GPU index from 0 to 255; got "x"$/],
  ])('%j exits 2 with one line, before reading the data', async (flags, message) => {
    const r = await vaecf('train', '--data', join(dir, 'no-such-dataset'), ...flags);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('a named engine that cannot load here exits 2 with the reason, never falling back', async () => {
    // onnxruntime-cuda: its provider library is never installed by npm ci (.npmrc). ONNX Runtime's
    // own logger writes its native error to stderr first; vaecf's line is the last one.
    const r = await vaecf('train', '--data', join(dir, 'no-such-dataset'), '--engine', 'onnxruntime-cuda');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /^vaecf: engine onnxruntime-cuda cannot be loaded: \S/,
    );
    expect(r.stdout).not.toMatch(/^engine:/m);
  });
});

describe('vaecf demo', () => {
  it('--local: prepares the bundled data, trains Mult-VAE and beats popularity on the test users', async () => {
    const r = await vaecf('demo', '--local', '--epochs', '6', '--work', join(dir, 'demo-local'), '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.epochs).toHaveLength(6);
    expect(out.test.vae.ndcg100).toBeGreaterThan(1.5 * out.test.popularity.ndcg100);
    expect(existsSync(join(dir, 'demo-local', 'dataset', 'manifest.json'))).toBe(true);
  });

  it('the full stack: a private Redis, the API and two workers run the quickstart sweep, then everything stops', async () => {
    const work = join(dir, 'demo-stack');
    const env = { ...process.env };
    delete env.REDIS_URL; // the demo starts its own redis-server
    const { stdout } = await run(process.execPath, [CLI, 'demo', '--work', work, '--json'], {
      env,
      maxBuffer: 1 << 26,
    });
    const out = JSON.parse(stdout);
    expect(out.sweep.state).toBe('completed');
    expect(out.trials).toHaveLength(12);
    expect(out.trials.some((t: { state: string }) => t.state === 'pruned')).toBe(true);
    expect(out.sweep.test.ndcg100).toBeGreaterThan(0.3);
    expect(existsSync(out.report)).toBe(true);
    expect(out.warnings).toEqual([]);
    // Nothing the demo started is left running: its API and its private Redis refuse connections now.
    const refused = (url: string) =>
      new Promise<boolean>((ok) => {
        const { hostname, port } = new URL(url);
        const sock = connect(Number(port), hostname);
        sock.once('connect', () => (sock.destroy(), ok(false)));
        sock.once('error', () => ok(true));
      });
    expect(out.stack.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(await refused(out.stack.api)).toBe(true);
    expect(await refused(out.stack.redis)).toBe(true);
  });
});

describe('bad input: non-zero exit with the reason', () => {
  it.each([
    [
      ['prepare', 'missing.csv', '--format', 'movielens-csv', '--out', 'x'],
      2,
      /missing\.csv: file not found or not readable/,
    ],
    [['prepare', 'ratings.txt', '--out', 'x'], 2, /ratings\.txt: file not found or not readable/],
    [
      ['prepare', BUNDLED, '--format', 'movielens-csv', '--heldout-users', '5000', '--out', 'x'],
      2,
      /too few users left after filtering/,
    ],
    [['prepare', BUNDLED, '--format', 'csv', '--out', 'x'], 2, /format csv needs --user-col and --item-col/],
    [
      ['prepare', BUNDLED, '--format', 'xml', '--out', 'x'],
      2,
      /option '--format <format>' argument 'xml' is invalid/,
    ],
    [['train', '--data', 'nowhere'], 2, /dataset nowhere: no manifest.json/],
    [
      ['train', '--data', 'nowhere', '--keep-prob', '1.5'],
      2,
      /option '--keep-prob <x>' argument '1.5' is invalid. Too big: expected number to be <=1/,
    ],
    [['train', '--data', 'nowhere', '--epochs', 'ten'], 2, /"ten" is not a number/],
    [['train', '--data', 'nowhere', '--dims', '600,,200'], 2, /is not a comma-separated list of integers/],
  ])('vaecf %j', async (args, code, message) => {
    const r = await vaecf(...(args as string[]));
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace for user errors
  });

  it('a malformed ratings line names the file and line', async () => {
    const bad = join(dir, 'ratings.csv');
    await writeFile(bad, 'userId,movieId,rating,timestamp\n1,2,5,0\n1,3,five,0\n');
    const r = await vaecf('prepare', bad, '--out', join(dir, 'never'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:3: rating "five" is not a number`);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});
