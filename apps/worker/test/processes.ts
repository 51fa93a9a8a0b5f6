import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** The built worker, started as a user starts it (npm test builds first). */
export const WORKER_MAIN = resolve(__dirname, '../dist/main.js');

export interface WorkerProcess {
  readonly id: string;
  /** The port of its /metrics, once it has logged it. */
  metricsPort(): number | undefined;
  readonly child: ChildProcess;
  output(): string;
  /** SIGKILL to the worker and its forked trial processes (its own process group). */
  kill9(): void;
  /** SIGTERM to the worker only, as docker stop does; resolves with its exit code. */
  terminate(): Promise<number | null>;
}

export function startWorker(id: string, env: Record<string, string | undefined>): WorkerProcess {
  const child = spawn(process.execPath, [WORKER_MAIN], {
    // Several workers share this machine: each takes any free metrics port unless told otherwise.
    env: { ...process.env, WORKER_ID: id, WORKER_METRICS_PORT: '0', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    id,
    child,
    output: () => out,
    metricsPort: () => {
      const m = /metrics on :(\d+)\/metrics/.exec(out);
      return m ? Number(m[1]) : undefined;
    },
    kill9: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
    terminate: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
    s.on('error', fail);
  });
}

/** Live (not zombie) child processes of `pid`, from /proc. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === pid && state !== 'Z') out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
