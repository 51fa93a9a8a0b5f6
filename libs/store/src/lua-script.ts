import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * One Lua script of the store, sent to Redis once: every call is an EVALSHA
 * of the script's SHA-1, and only when Redis does not hold the script (its
 * first call on this server, or after a restart or a SCRIPT FLUSH: NOSCRIPT)
 * is the text sent with EVAL, which also loads it for the calls after. This
 * is what BullMQ does (through ioredis' defineCommand); a plain wrapper keeps
 * the key count per call, which several scripts need (state indexes).
 *
 * Every script lives in scripts.ts; this file is the only place allowed to
 * call `.eval(` (eslint.config.mjs forbids it elsewhere).
 */
export class LuaScript {
  readonly sha: string;

  constructor(
    /** The script's name in logs and tests (the header comment in scripts.ts names it alike). */
    readonly name: string,
    readonly lua: string,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      // eslint-disable-next-line no-restricted-properties -- the one place scripts are sent
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!isNoScript(e)) throw e;
      // eslint-disable-next-line no-restricted-properties -- the one fallback: loads the script for the next EVALSHA
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

function isNoScript(e: unknown): boolean {
  return e instanceof Error && e.message.startsWith('NOSCRIPT');
}
