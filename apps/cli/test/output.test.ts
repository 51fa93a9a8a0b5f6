import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built CLI's output on a pipe, a closed pipe and a real pseudo-terminal (util-linux `script`).
const CLI = resolve(__dirname, '../dist/main.js');
const BUNDLED = resolve(__dirname, '../../../examples/data/synthetic-ml.csv.gz');
const run = promisify(execFile);
/** An SGR (colour) escape sequence; cursor moves of a progress bar are not. */
const COLOUR = /\x1b\[[0-9;]*m/; // eslint-disable-line no-control-regex

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vaecf-colour-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** `vaecf prepare` prints a table (its borders are coloured on a colour terminal). */
const prepare = (out: string) => [
  'prepare',
  BUNDLED,
  '--format',
  'movielens-csv',
  '--heldout-users',
  '100',
  '--out',
  join(dir, out),
];

async function onTerminal(args: string[], env: Record<string, string>): Promise<string> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  // FORCE_COLOR would override NO_COLOR, and with CI set (as CI runs us) Node's hasColors() says
  // no on any terminal: the terminal here is the one the test describes, nothing inherited.
  const { FORCE_COLOR: _, CI: _ci, ...inherited } = process.env;
  const { stdout } = await run('script', ['-qec', command, '/dev/null'], {
    env: { ...inherited, TERM: 'xterm-256color', ...env },
    maxBuffer: 1 << 24,
  });
  return stdout;
}

describe('colours', () => {
  it('none in a pipe', async () => {
    const { FORCE_COLOR: _, ...env } = process.env;
    const { stdout } = await run(process.execPath, [CLI, ...prepare('piped')], {
      env: { ...env, TERM: 'xterm-256color' },
    });
    expect(stdout).toMatch(/items per user/);
    expect(stdout).not.toContain('\x1b');
  });

  it('none on a terminal when NO_COLOR is set', async () => {
    const out = await onTerminal(prepare('no-color'), { NO_COLOR: '1' });
    expect(out).toMatch(/items per user/);
    expect(out).not.toMatch(COLOUR);
  });

  it('on a colour terminal otherwise', async () => {
    const out = await onTerminal(prepare('tty'), {});
    expect(out).toMatch(/items per user/);
    expect(out).toMatch(COLOUR);
  });
});

describe('a pipe closed by its reader (`vaecf ... | head -1`)', () => {
  it('ends the command quietly with exit code 0', async () => {
    const child = spawn(process.execPath, [CLI, ...prepare('epipe')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
