import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const CLI_DIR = resolve(__dirname, '..');
const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function node(file: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [file, ...args]);
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('the vaecf bin', () => {
  it('is a file a fresh clone has, so that `npm ci` links it before anything is built', async () => {
    const pkg = JSON.parse(await readFile(join(CLI_DIR, 'package.json'), 'utf8')) as {
      bin: { vaecf: string };
    };
    // git ls-files fails on a path git does not track (dist/ is ignored).
    expect(() =>
      execFileSync('git', ['ls-files', '--error-unmatch', pkg.bin.vaecf], { cwd: CLI_DIR, stdio: 'pipe' }),
    ).not.toThrow();
  });

  it('runs the built CLI', async () => {
    const r = await node(join(CLI_DIR, 'bin/vaecf.js'), '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: vaecf \[options\] \[command\]/);
  });

  it('without dist/ says in one line to build, and exits 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vaecf-bin-'));
    dirs.push(dir);
    await mkdir(join(dir, 'bin'));
    await copyFile(join(CLI_DIR, 'bin/vaecf.js'), join(dir, 'bin/vaecf.js'));
    const r = await node(join(dir, 'bin/vaecf.js'), '--help');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('vaecf: the CLI is not built yet: run `npm run build` at the repository root\n');
  });
});
