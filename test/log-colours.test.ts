import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { logColours } from '@vaecf/telemetry';
import { until, WORKER_MAIN } from '../apps/worker/test/processes';
import { API_MAIN } from './support/stack';

/**
 * The API's and the worker's logs carry colours only to a terminal, never
 * into a pipe or a file (docker logs, `npm run worker > worker.log`), nor with
 * NO_COLOR. A real pseudo-terminal comes from util-linux `script`.
 */
const COLOUR = /\x1b\[[0-9;]*m/; // eslint-disable-line no-control-regex

const apps = {
  worker: {
    main: WORKER_MAIN,
    ready: /: ready/,
    env: () => ({
      WORKER_ID: `colours-${randomUUID()}`,
      WORKER_METRICS_PORT: '-1',
      VAECF_TRIALS_QUEUE: `test-${randomUUID()}`,
      VAECF_DATASETS_QUEUE: `test-${randomUUID()}`,
    }),
  },
  api: { main: API_MAIN, ready: /listening on :\d+/, env: () => ({ PORT: '0' }) },
};

/** The app's log up to its ready line, written to a pipe or, with `tty`, to a terminal. */
async function logOf(app: keyof typeof apps, tty: boolean, extra: Record<string, string> = {}) {
  const { main, ready, env } = apps[app];
  const { FORCE_COLOR: _, NO_COLOR: _n, CI: _ci, ...inherited } = process.env;
  const [cmd, args] = tty
    ? ['script', ['-qec', `'${process.execPath}' '${main}'`, '/dev/null']]
    : [process.execPath, [main]];
  const child = spawn(cmd, args as string[], {
    env: { ...inherited, TERM: 'xterm-256color', ...env(), ...extra },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  try {
    await until(`the ${app} to be ready`, async () => ready.test(out), 60_000);
    return out;
  } finally {
    process.kill(-child.pid!, 'SIGKILL');
  }
}

describe('log colours', () => {
  it('a terminal without NO_COLOR only', () => {
    expect(logColours({ isTTY: true }, {})).toBe(true);
    expect(logColours({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(logColours({ isTTY: true }, { NO_COLOR: '' })).toBe(true); // no-color.org: set and not empty
    expect(logColours({ isTTY: false }, {})).toBe(false);
    expect(logColours({}, {})).toBe(false);
  });

  for (const app of ['worker', 'api'] as const) {
    it(`${app}: none in a pipe; on a terminal, colours unless NO_COLOR`, async () => {
      const piped = await logOf(app, false);
      expect(piped).toMatch(/LOG/);
      expect(piped).not.toContain('\x1b');
      expect(await logOf(app, true)).toMatch(COLOUR);
      const noColour = await logOf(app, true, { NO_COLOR: '1' });
      expect(noColour).toMatch(/LOG/);
      expect(noColour).not.toMatch(COLOUR);
    }, 120_000);
  }
});
