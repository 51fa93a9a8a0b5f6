import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

// The built CLI, run as a user runs it: every path it cannot use, every value that is
// not what it should be, is refused before any work in one line (exit 2), never a stack.

const BUNDLED = resolve(__dirname, '../../../examples/data/synthetic-ml.csv.gz');
/** An API address where nothing listens: a command that got as far as a request would exit 3, not 2. */
const NO_API = { VAECF_API_URL: 'http://127.0.0.1:9' };
const vaecf = (args: string[], env: Record<string, string> = NO_API) => runCli(args, env);

/** Made now, not in a hook: the expected messages name it. */
const dir = mkdtempSync(join(tmpdir(), 'vaecf-refusals-'));
beforeAll(async () => {
  await writeFile(join(dir, 'a-file'), 'x');
  await writeFile(join(dir, 'huge.yaml'), Buffer.alloc(2 ** 20 + 1, 0x20));
  await mkdir(join(dir, 'a-dir'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const expectOneLineRefusal = (r: { code: number; stdout: string; stderr: string }, text: string) => {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^vaecf: [^\n]+\n$/); // one line, so no stack trace
  expect(r.stderr).toContain(text);
};

describe('output and input paths: refused before any work', () => {
  it.concurrent.each([
    // A file output that is a directory, or in a directory that does not exist.
    [['sweep', 'export', 'sw_x', '--out', dir], `--out ${dir}: is a directory`],
    [['sweep', 'export', 'sw_x', '--out', join(dir, 'no', 'x.csv')], 'does not exist'],
    [['report', 'sw_x', '--out', dir], `--out ${dir}: is a directory`],
    // Refused before the download: with nothing listening, a request would exit 3.
    [['model', 'download', 'sw_x', '--out', dir], `--out ${dir}: is a directory`],
    [['generate', dir], `<file> ${dir}: is a directory`],
    [['generate', join(dir, 'no', 'r.csv')], `directory ${join(dir, 'no')} does not exist`],
    // A directory output that is a file.
    [
      ['model', 'export', dir, '--format', 'npz', '--out', join(dir, 'a-file')],
      `--out ${join(dir, 'a-file')}: exists and is not a directory`,
    ],
    [
      ['prepare', BUNDLED, '--out', join(dir, 'a-file')],
      `--out ${join(dir, 'a-file')}: exists and is not a directory`,
    ],
    [
      ['train', '--data', dir, '--checkpoint', join(dir, 'a-file', 'x')],
      `${join(dir, 'a-file')} is not a directory`,
    ],
    // Input files: a device that never ends, a directory, a file over the spec size limit.
    [['sweep', 'submit', '/dev/zero'], '<spec> /dev/zero: not a regular file'],
    [['sweep', 'submit', dir], `<spec> ${dir}: is a directory, not a file`],
    [['sweep', 'submit', join(dir, 'huge.yaml')], 'more than the limit of 1,048,576'],
    [['sweep', 'submit', join(dir, 'none.yaml')], 'no such file'],
  ])('vaecf %s', async (args, text) => {
    expectOneLineRefusal(await vaecf(args), text);
  });
});

describe('the API address is input: a malformed one exits 2, not 3 (unreachable)', () => {
  it.concurrent.each([
    [['sweep', 'list', '--api', 'notaurl'], {}, '--api "notaurl": not an http(s) URL'],
    [['sweep', 'list', '--api', 'ftp://x'], {}, '--api "ftp://x": not an http(s) URL'],
    [['datasets', 'list'], { VAECF_API_URL: 'notaurl' }, 'VAECF_API_URL "notaurl": not an http(s) URL'],
  ])('vaecf %s %j', async (args, env, text) => {
    expectOneLineRefusal(await vaecf(args, env), text);
  });
});

const tfjsNodeInstalled = (() => {
  try {
    createRequire(__filename).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

describe('prepare, then what train refuses on the prepared data', () => {
  let ds: string;
  beforeAll(async () => {
    // The bundled file under a name that says nothing: its MovieLens header is read through gzip.
    const renamed = join(dir, 'downloaded.csv.gz');
    await copyFile(BUNDLED, renamed);
    ds = join(dir, 'ds');
    const r = await vaecf(['prepare', renamed, '--heldout-users', '100', '--out', ds, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).format).toBe('movielens-csv');
  }, 60_000);

  it('a configuration that cannot fit this machine: the API memory estimate, naming --dims', async () => {
    const r = await vaecf(['train', '--data', ds, '--dims', '100000,100000', '--epochs', '1']);
    expectOneLineRefusal(r, '--dims: a trial with dims [100000,100000] and batchSize 500 on');
    expect(r.stderr).toMatch(
      /needs at least [\d.]+ GB \(.* parameters .*\), more than this machine's memory of/,
    );
  });

  it.skipIf(tfjsNodeInstalled)('--backend tensorflow without tfjs-node installed', async () => {
    const r = await vaecf(['train', '--data', ds, '--backend', 'tensorflow', '--epochs', '1']);
    expectOneLineRefusal(r, "engine tfjs-node cannot be loaded: Cannot find module '@tensorflow/tfjs-node'");
  });

  it('--backend names no backend', async () => {
    const r = await vaecf(['train', '--data', ds, '--backend', 'quantum', '--epochs', '1']);
    expectOneLineRefusal(r, '--backend must be one of auto, onnxruntime, ');
    expect(r.stderr).toContain('tfjs-wasm, tfjs-node, tfjs-node-gpu, tfjs-cpu; got "quantum"');
  });

  it('a file whose name and first line say nothing asks for --format', async () => {
    const odd = join(dir, 'odd.txt');
    await writeFile(odd, 'a;b;c\n1;2;3\n');
    const r = await vaecf(['prepare', odd, '--out', join(dir, 'never')]);
    expectOneLineRefusal(r, `cannot tell the format of ${odd} from its name or first line: give --format`);
  });
});
