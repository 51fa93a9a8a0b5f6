import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from './run-cli';

// The built CLI, run as a user runs it (npm test builds before testing).
const NOTEBOOK = resolve(__dirname, '../../../libs/cf/test/data/notebook');

const vaecf = (...args: string[]) => runCli(args);

const sortedRows = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter(Boolean).sort();

let dir: string;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  dir = await mkdtemp(join(tmpdir(), 'vaecf-cli-interop-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("vaecf and the paper's protocol", () => {
  it('prepare --preset ml-20m draws the notebook split; export-split writes its pro_sg files; model export writes tfjs and npz', async () => {
    const ds = join(dir, 'ds');
    const ratings = join(NOTEBOOK, 'ratings.csv');
    const prep = await vaecf(
      'prepare',
      ratings,
      '--preset',
      'ml-20m',
      '--heldout-users',
      '8',
      '--out',
      ds,
      '--json',
    );
    expect(prep.code).toBe(0);
    expect(JSON.parse(prep.stdout).options).toMatchObject({ split: 'numpy' });
    const pro = join(dir, 'pro_sg');
    expect((await vaecf('export-split', ds, '--format', 'pro_sg', '--out', pro)).code).toBe(0);
    for (const f of [
      'unique_sid.txt',
      'train.csv',
      'validation_tr.csv',
      'validation_te.csv',
      'test_tr.csv',
      'test_te.csv',
    ])
      expect(await sortedRows(join(pro, f)), f).toEqual(
        await sortedRows(join(NOTEBOOK, 'expected', 'pro_sg', f)),
      );

    const imported = await vaecf('prepare', pro, '--format', 'pro_sg', '--out', join(dir, 'ds2'), '--json');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).stats.users).toEqual({ train: 20, validation: 8, test: 8 });

    const ckpt = join(dir, 'run');
    const train = await vaecf(
      'train',
      '--data',
      ds,
      '--dims',
      '8,4',
      '--batch-size',
      '10',
      '--epochs',
      '1',
      '--checkpoint',
      ckpt,
      '--json',
    );
    expect(train.code).toBe(0);
    for (const format of ['tfjs', 'npz']) {
      const r = await vaecf(
        'model',
        'export',
        ckpt,
        '--format',
        format,
        '--out',
        join(dir, format),
        '--json',
      );
      expect(r.code).toBe(0);
      expect(
        JSON.parse(r.stdout)
          .files.map((f: string) => f.slice(dir.length + 1))
          .sort(),
      ).toEqual(
        format === 'npz' ? ['npz/model.npz'] : ['tfjs/items.json', 'tfjs/model.json', 'tfjs/weights.bin'],
      );
    }
  });

  it('bad input exits 2 with one line naming the flag or the file', async () => {
    const broken = join(dir, 'broken');
    await cp(join(NOTEBOOK, 'expected', 'pro_sg'), broken, { recursive: true });
    await rm(join(broken, 'validation_te.csv'));
    const cases: [string[], RegExp][] = [
      [['prepare', broken, '--format', 'pro_sg', '--out', join(dir, 'b')], /validation_te\.csv: missing/],
      [
        ['prepare', join(NOTEBOOK, 'ratings.csv'), '--split', 'scipy', '--out', join(dir, 'b')],
        /invalid --split: must be one of vaecf, numpy \(got "scipy"\)/,
      ],
      [
        ['export-split', join(dir, 'ds'), '--format', 'xml', '--out', join(dir, 'x')],
        /invalid --format: must be one of pro_sg/,
      ],
      [
        ['model', 'export', join(dir, 'run'), '--format', 'onnx', '--out', join(dir, 'x')],
        /invalid --format: must be one of tfjs, npz/,
      ],
      [
        ['model', 'export', join(dir, 'nothing'), '--format', 'npz', '--out', join(dir, 'x')],
        /no checkpoint\.json/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await vaecf(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
