import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkChildNodeFlags,
  childExecArgv,
  DEFAULT_CHILD_NODE_FLAGS,
  parseChildNodeFlags,
} from '../src/child-node-flags';
import { readWorkerConfig } from '../src/config';
import { testHold } from './hold';
import { childrenOf, until } from './processes';
import { useWorkerFleet } from './worker-fleet';

/**
 * The trial processes' node flags (WORKER_CHILD_NODE_FLAGS): parsed and
 * checked before the worker starts, and given to every forked trial process.
 */
const env = { VAECF_ARTIFACTS_DIR: '/tmp/unused' };
const fx = useWorkerFleet('child-node-flags');

/** A live process's command line, as the kernel holds it. */
const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

describe('the trial processes’ node flags', () => {
  it('unset gives the default (a larger initial V8 old space), empty gives none, a list is kept in order', () => {
    expect(readWorkerConfig(env).WORKER_CHILD_NODE_FLAGS).toEqual(['--initial-old-space-size=128']);
    expect(DEFAULT_CHILD_NODE_FLAGS).toEqual(['--initial-old-space-size=128']);
    expect(readWorkerConfig({ ...env, WORKER_CHILD_NODE_FLAGS: '' }).WORKER_CHILD_NODE_FLAGS).toEqual([]);
    expect(
      readWorkerConfig({ ...env, WORKER_CHILD_NODE_FLAGS: ' --max-semi-space-size=32   --stack-size=900 ' })
        .WORKER_CHILD_NODE_FLAGS,
    ).toEqual(['--max-semi-space-size=32', '--stack-size=900']);
  });

  it('refuses what is not an option, and options that run other code or open a debugger, naming the variable', () => {
    const refused = (value: string) => () => readWorkerConfig({ ...env, WORKER_CHILD_NODE_FLAGS: value });
    expect(refused('max-old-space-size=100')).toThrow(
      'invalid worker environment: WORKER_CHILD_NODE_FLAGS: "max-old-space-size=100" is not a node option',
    );
    expect(refused('--eval=process.exit(3)')).toThrow(
      'WORKER_CHILD_NODE_FLAGS: --eval=process.exit(3) is not allowed: trial processes run vaecf',
    );
    for (const bad of ['--require=/tmp/x.js', '--import=data:,1', '--inspect=9229', '--inspect-brk', '-e'])
      expect(refused(bad)).toThrow('WORKER_CHILD_NODE_FLAGS');
  });

  it('fuzz: any value either parses into flags node may be asked about, or is refused with a reason', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (value) => {
        const r = parseChildNodeFlags(value);
        if ('problem' in r) return r.problem.length > 0;
        return r.flags.every((f) => /^--[A-Za-z0-9]/.test(f) && !/\s/.test(f));
      }),
      { numRuns: 500 },
    );
  });

  it("node's own refusal is the reason given (a flag it does not know, a value it cannot read)", () => {
    expect(checkChildNodeFlags([])).toBeNull();
    expect(checkChildNodeFlags(['--initial-old-space-size=128', '--stack-size=900'])).toBeNull();
    expect(checkChildNodeFlags(['--no-such-node-flag'])).toBe(
      'node refused --no-such-node-flag: bad option: --no-such-node-flag',
    );
    expect(checkChildNodeFlags(['--initial-old-space-size=lots'])).toMatch(
      /^node refused --initial-old-space-size=lots: .*--initial-old-space-size=lots/,
    );
  });

  it("a trial process gets the worker's own options without debugger ports, then the flags", () => {
    expect(
      childExecArgv(['--stack-size=900'], ['--enable-source-maps', '--inspect=0', '--inspect-brk']),
    ).toEqual(['--enable-source-maps', '--stack-size=900']);
  });

  it('a worker refuses to start with flags node refuses: one line, exit 1, no trial process forked', async () => {
    const w = fx.fleet().start('bad-flags', { WORKER_CHILD_NODE_FLAGS: '--no-such-node-flag' });
    const code = w.child.exitCode ?? (await new Promise((r) => w.child.once('exit', r)));
    expect(code).toBe(1);
    expect(w.output().trim()).toBe(
      'worker: invalid worker environment: WORKER_CHILD_NODE_FLAGS: node refused --no-such-node-flag: ' +
        'bad option: --no-such-node-flag',
    );
  });

  it('a running trial process was started with the configured flags', async () => {
    const f = fx.fleet();
    const hold = testHold(fx.redis);
    const name = `node-flags-${Date.now()}`;
    await hold.holdAfter(name, 1);
    const id = await f.submit({ lr: { type: 'choice', values: [1e-3] } }, 3, 1, name);
    const w = f.start('flags', {
      ...hold.env,
      WORKER_CHILD_NODE_FLAGS: '--stack-size=984 --max-semi-space-size=24',
    });
    try {
      // Held after its first epoch: the trial process is alive and busy with this trial.
      await hold.waiting(id, 0, 'flags');
      expect(w.output()).toContain("trial processes' node flags --stack-size=984 --max-semi-space-size=24");
      const child = await until('the trial process', async () => childrenOf(w.child.pid!).at(0));
      const argv = commandLine(child);
      expect(argv).toContain('--stack-size=984');
      expect(argv).toContain('--max-semi-space-size=24');
      expect(argv.indexOf('--stack-size=984')).toBeLessThan(argv.findIndex((a) => a.endsWith('main.js')));
    } finally {
      await hold.release(name);
      await hold.dispose();
      await f.close();
    }
  }, 120_000);
});
