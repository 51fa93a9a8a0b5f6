import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuaScript } from '../src/lua-script';
import { ALL_SCRIPTS } from '../src/scripts';
import { connect } from './redis';

let redis: Redis;
const scratch = `vaecf-test:lua:${randomBytes(4).toString('hex')}`;
// Four scratch keys and eight '1's take every script down a path that needs no prepared state
// (most stop at their first check: a missing record); Lua compiles the whole text either way.
const KEYS = [1, 2, 3, 4].map((i) => `${scratch}:${i}`);
const ARGS = Array.from({ length: 8 }, () => '1');

/** The Redis client, counting the EVALs (script texts sent) that go through it. */
function counting(r: Redis): { client: Redis; evals: () => number } {
  let n = 0;
  const client = new Proxy(r, {
    get(target, prop, receiver) {
      if (prop === 'eval') n++;
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { client, evals: () => n };
}

beforeAll(() => {
  redis = connect();
});
afterAll(async () => {
  await redis.del(...KEYS);
  await redis.quit();
});

describe('Lua scripts', () => {
  it('have distinct names and texts', () => {
    expect(new Set(ALL_SCRIPTS.map((s) => s.name)).size).toBe(ALL_SCRIPTS.length);
    expect(new Set(ALL_SCRIPTS.map((s) => s.sha)).size).toBe(ALL_SCRIPTS.length);
  });

  it.each(ALL_SCRIPTS.map((s) => [s.name, s] as const))(
    '%s runs after SCRIPT FLUSH, is sent once, then runs by its SHA',
    async (_name, script) => {
      await redis.del(...KEYS); // each script finds its keys empty, of no earlier script's type
      await redis.script('FLUSH');
      expect(await redis.script('EXISTS', script.sha)).toEqual([0]);
      const { client, evals } = counting(redis);
      await script.run(client, KEYS, ARGS); // NOSCRIPT: the text is sent (and loaded)
      expect(evals()).toBe(1);
      expect(await redis.script('EXISTS', script.sha)).toEqual([1]);
      await script.run(client, KEYS, ARGS); // EVALSHA only
      expect(evals()).toBe(1);
    },
  );

  it('passes on errors other than NOSCRIPT (a script that fails is not sent again)', async () => {
    const broken = new LuaScript('broken', `return redis.call('NOSUCHCOMMAND')`);
    const { client, evals } = counting(redis);
    await expect(broken.run(client, [], [])).rejects.toThrow(/Unknown Redis command|unknown command/i);
    expect(evals()).toBe(1);
    await expect(broken.run(client, [], [])).rejects.toThrow(/Unknown Redis command|unknown command/i);
    expect(evals()).toBe(1);
  });
});

describe('the lint rule', () => {
  it('forbids .eval( and .evalsha( outside lua-script.ts', async () => {
    const root = resolve(__dirname, '../../..');
    // The repository's config, less its type-aware part (which needs the file in the TypeScript program and
    // a minute to build it): the Lua rule needs no types.
    const eslint = new ESLint({
      cwd: root,
      overrideConfig: {
        languageOptions: { parserOptions: { project: null, projectService: false } },
        rules: {
          '@typescript-eslint/no-floating-promises': 'off',
          '@typescript-eslint/no-misused-promises': 'off',
        },
      },
    });
    const [result] = await eslint.lintText(
      `export async function f(r: { eval: (s: string) => Promise<void> }) {\n  await r.eval('return 1');\n}\n`,
      {
        filePath: resolve(root, 'libs/orchestration/src/not-lua-script.ts'),
      },
    );
    expect(result.messages.map((m) => m.ruleId)).toContain('no-restricted-properties');
  });
});
