import { spawnSync } from 'node:child_process';

/**
 * Node/V8 flags of the trial processes (BullMQ's sandboxed children), from
 * WORKER_CHILD_NODE_FLAGS. The default raises V8's initial old-generation
 * size. A trial process holds a small JS heap (~26 MB) but allocates
 * typed arrays at a high rate; at V8's default starting limit that ran a
 * full mark-compact about once per epoch of bench:sweep's small trial
 * (191 in a 9-epoch x 18-trial sweep, 13 with this flag). Its concurrent
 * marking threads then took about a sixth of the process's CPU, and the
 * other trials on the same cores paid for it. bench:sweep runs the same
 * sweeps without the flag: two workers' sweep took 1.24x and 1.31x as long
 * in two runs (README's benchmark table, docs/architecture.md's decisions).
 */
export const DEFAULT_CHILD_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=128'];

/** One node option as a command line spells it: --name or --name=value, nothing that runs code. */
const FLAG = /^--[a-z0-9][a-z0-9_-]*(=[^\s]+)?$/i;
/** Options that would make a child run something else, or fight the worker for a debugger port. */
const REFUSED =
  /^--(eval|print|require|import|loader|experimental-loader|input-type|test|watch|inspect|check|interactive)\b/i;

/**
 * The flags WORKER_CHILD_NODE_FLAGS names (unset: the defaults; empty: none),
 * or the reason they cannot be used. Syntax only: whether node accepts them
 * is checkChildNodeFlags's question (it starts a node).
 */
export function parseChildNodeFlags(value: string | undefined): { flags: string[] } | { problem: string } {
  if (value === undefined) return { flags: [...DEFAULT_CHILD_NODE_FLAGS] };
  const flags = value.split(/\s+/).filter(Boolean);
  for (const f of flags) {
    if (!FLAG.test(f))
      return {
        problem: `${JSON.stringify(f)} is not a node option (--name or --name=value, space-separated)`,
      };
    if (REFUSED.test(f)) return { problem: `${f} is not allowed: trial processes run vaecf's own code only` };
  }
  return { flags };
}

/**
 * Null when this node starts with `flags`, else node's own reason (its
 * first line): a worker refuses to start rather than fork trial processes
 * that die at once, each spending an attempt of its trial.
 */
export function checkChildNodeFlags(flags: readonly string[]): string | null {
  if (flags.length === 0) return null;
  const r = spawnSync(process.execPath, [...flags, '-e', ''], { encoding: 'utf8', timeout: 30_000 });
  if (r.status === 0) return null;
  const first = (r.stderr || r.error?.message || `exit ${r.status ?? r.signal}`).trim().split('\n')[0];
  // Node names itself by its path first ("/usr/bin/node: bad option: ..."): the reason is the rest.
  const why = first.startsWith(`${process.execPath}: `) ? first.slice(process.execPath.length + 2) : first;
  return `node refused ${flags.join(' ')}: ${why}`;
}

/**
 * The command-line options of a trial process: this worker's own (a worker
 * started with --enable-source-maps passes it on) without debugger ports,
 * which each child would fight over, then the configured flags.
 */
export function childExecArgv(flags: readonly string[], own: readonly string[] = process.execArgv): string[] {
  return [...own.filter((a) => !/^--inspect/.test(a)), ...flags];
}
