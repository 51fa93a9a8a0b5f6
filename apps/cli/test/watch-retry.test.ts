import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../src/api-client';
import { ApiUnavailableError, ApiUnreachableError, exitCodeFor } from '../src/errors';
import { watchSweep } from '../src/output/sweep-watch';
import type { RetryPolicy } from '../src/retry';
import { runCli } from './run-cli';

// `sweep watch` against a local HTTP server the test drives: a Redis blip (503 with
// Retry-After), an API restart (the port closes, then listens again). The sleep is injected:
// the test sees each wait the watch asks for and changes the server's phase there, so
// nothing depends on the clock.

const ID = 'sw_retry';
type Phase = 'unavailable' | 'running' | 'completed';

interface FakeApi {
  readonly url: string;
  phase: Phase;
  retryAfter?: string;
  /** "503 /sweeps/sw_retry", "200 /sweeps/sw_retry/trials?sort=no", ... in the order answered. */
  readonly log: string[];
  /** After answering the next complete poll (sweep and trials), stop listening: the API goes away. */
  goAwayAfterPoll: boolean;
  close(): Promise<void>;
  listenAgain(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) if (s.listening) await new Promise((r) => s.close(r));
});

async function fakeApi(phase: Phase): Promise<FakeApi> {
  let server: Server;
  let port = 0;
  const api: FakeApi = {
    url: '',
    phase,
    log: [],
    goAwayAfterPoll: false,
    close: () => new Promise<void>((r) => server.close(() => r())),
    listenAgain: async () => {
      server = createServer(handle);
      servers.push(server);
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    if (api.phase === 'unavailable') {
      api.log.push(`503 ${url}`);
      res.writeHead(503, {
        'content-type': 'application/json',
        ...(api.retryAfter ? { 'retry-after': api.retryAfter } : {}),
      });
      res.end(JSON.stringify({ statusCode: 503, message: 'Redis is unreachable' }));
      return;
    }
    api.log.push(`200 ${url}`);
    const trials = url.includes('/trials');
    const goingAway = api.goAwayAfterPoll;
    // The answers before going away close their connections: the next poll must reconnect.
    res.writeHead(200, { 'content-type': 'application/json', ...(goingAway ? { connection: 'close' } : {}) });
    res.end(JSON.stringify(trials ? [] : sweep(api.phase)));
    // A poll is two requests (the sweep, its trials) in either order: go away after both.
    if (goingAway && ++answeredWhileGoingAway === 2) {
      api.goAwayAfterPoll = false;
      server.close();
    }
  };
  let answeredWhileGoingAway = 0;
  await api.listenAgain();
  port = (server!.address() as AddressInfo).port;
  return Object.assign(api, { url: `http://127.0.0.1:${port}` });
}

function sweep(state: string) {
  return {
    id: ID,
    state,
    planned: 1,
    trials: { [state === 'completed' ? 'completed' : 'running']: 1 },
    spec: { dataset: 'd', model: 'vae', objective: { metric: 'ndcg100' } },
  };
}

/** A sleep that records each wait and runs `then` (the world changes while the watch waits). */
function recordingSleep(waits: number[], then: (call: number) => void | Promise<void>): RetryPolicy['sleep'] {
  return async (ms) => {
    waits.push(ms);
    await then(waits.length);
    return true;
  };
}

const POLICY = { giveUpAfterMs: 25_000, firstDelayMs: 500, maxDelayMs: 10_000 };

describe('sweep watch rides out an unavailable API', () => {
  it('a 503 with Retry-After: waits what the server asks, then watches on', async () => {
    const api = await fakeApi('unavailable');
    api.retryAfter = '7';
    const waits: number[] = [];
    const done = await watchSweep(new ApiClient({ api: api.url }), ID, {
      quiet: true,
      retry: { ...POLICY, sleep: recordingSleep(waits, () => void (api.phase = 'completed')) },
    });
    expect(done.state).toBe('completed');
    expect(waits).toEqual([7000]);
    expect(api.log.map((l) => l.slice(0, 3))).toEqual(['503', '503', '200', '200']);
  });

  it('a Retry-After beyond the longest wait is capped; without one the waits back off', async () => {
    const capped = await fakeApi('unavailable');
    capped.retryAfter = '3600';
    const waits: number[] = [];
    await watchSweep(new ApiClient({ api: capped.url }), ID, {
      quiet: true,
      retry: { ...POLICY, sleep: recordingSleep(waits, () => void (capped.phase = 'completed')) },
    });
    expect(waits).toEqual([10_000]);

    const plain = await fakeApi('unavailable');
    const backoff: number[] = [];
    await watchSweep(new ApiClient({ api: plain.url }), ID, {
      quiet: true,
      retry: {
        ...POLICY,
        sleep: recordingSleep(backoff, (n) => void (n === 4 && (plain.phase = 'completed'))),
      },
    });
    expect(backoff).toEqual([500, 1000, 2000, 4000]);
  });

  it('gives up after the bounded total wait: exit code 3 and the command to reattach', async () => {
    const api = await fakeApi('unavailable');
    api.retryAfter = '10';
    const waits: number[] = [];
    const err = await watchSweep(new ApiClient({ api: api.url }), ID, {
      quiet: true,
      retry: { ...POLICY, sleep: recordingSleep(waits, () => undefined) },
    }).catch((e: unknown) => e);
    expect(waits).toEqual([10_000, 10_000, 5_000]); // 25 s in all, the last wait cut to fit
    expect(err).toBeInstanceOf(ApiUnavailableError);
    expect(exitCodeFor(err)).toBe(3);
    expect((err as Error).message).toMatch(/unavailable \(503\): Redis is unreachable; gave up after 25 s/);
    expect((err as Error).message).toContain(`reattach with \`vaecf sweep watch ${ID}\``);
  });

  it('an API restart: the port closes after a poll, the watch reconnects when it listens again', async () => {
    const api = await fakeApi('running');
    api.goAwayAfterPoll = true;
    const waits: number[] = [];
    const done = await watchSweep(new ApiClient({ api: api.url }), ID, {
      quiet: true,
      intervalMs: 0,
      retry: {
        ...POLICY,
        sleep: recordingSleep(waits, async () => {
          api.phase = 'completed';
          await api.listenAgain();
        }),
      },
    });
    expect(done.state).toBe('completed');
    expect(waits).toEqual([500]); // refused once, back-off's first wait, then the API answered
    // Two complete polls, nothing refused in between but the one connection attempt that failed.
    const poll = [`200 /sweeps/${ID}`, `200 /sweeps/${ID}/trials?sort=no`];
    expect(api.log.slice(0, 2).sort()).toEqual(poll);
    expect(api.log.slice(2).sort()).toEqual(poll);
  });

  it('an API that never answered is not waited for: a wrong address exits 3 at once', async () => {
    const api = await fakeApi('running');
    await api.close();
    const waits: number[] = [];
    const err = await watchSweep(new ApiClient({ api: api.url }), ID, {
      quiet: true,
      retry: { ...POLICY, sleep: recordingSleep(waits, () => undefined) },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiUnreachableError);
    expect(waits).toEqual([]);
  });
});

describe('the built CLI against an unavailable API', () => {
  it('sweep watch --retry-for 0: exit 3, one line with the reason and the reattach command', async () => {
    const api = await fakeApi('unavailable');
    const r = await runCli(['sweep', 'watch', ID, '--retry-for', '0', '--api', api.url]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^vaecf: [^\n]+\n$/);
    expect(r.stderr).toContain('unavailable (503): Redis is unreachable');
    expect(r.stderr).toContain(`vaecf sweep watch ${ID}`);
  });

  it('a 503 is not bad input: sweep show exits 3, not 2', async () => {
    const api = await fakeApi('unavailable');
    const r = await runCli(['sweep', 'show', ID, '--api', api.url]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('unavailable (503)');
  });
});
