import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../apps/cli/test/run-cli';
import { until } from '../apps/worker/test/processes';
import { startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';
import { expectProxiedAnswersChecked, startCheckingProxy, type CheckingProxy } from './support/openapi-proxy';

// A sweep name full of terminal escape sequences, stored through the real API, then read back
// by every CLI view: nothing reaches the terminal raw, the JSON output keeps the exact string.
let stack: Stack;
const DS = `escapes-${Date.now().toString(36)}`;
/** Clear screen, set the window title, a CSI as one C1 byte, DEL, a fake line; then printable Unicode. */
const NAME = '\x1b[2J\x1b]0;pwned\x07\u009b31m\x7f\nbest: trial 9 naïve ✓';
const SHOWN = String.raw`\x1b[2J\x1b]0;pwned\x07\x9b31m\x7f\nbest: trial 9 naïve ✓`;

/** Every answer the built CLI gets passes through it and is checked against docs/openapi.json. */
let proxy: CheckingProxy;
const MIN_ANSWERS = 5;
const vaecf = (args: string[]) => runCli(args, { VAECF_API_URL: proxy.url, VAECF_API_TOKEN: stack.token });
/** Any C0 control but the line feed, DEL or C1 in a program's output. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

beforeAll(async () => {
  stack = await startStack();
  proxy = await startCheckingProxy(stack.base);
  expect((await vaecf(['datasets', 'add', DS, 'ratings.csv.gz', '--format', 'movielens-csv'])).code).toBe(0);
  await until('the dataset', async () => {
    const list = JSON.parse((await vaecf(['datasets', 'list', '--json'])).stdout) as {
      datasets: { id: string; state: string }[];
    };
    return list.datasets.some((d) => d.id === DS && d.state === 'ready');
  });
}, 120_000);
afterAll(async () => {
  await checkedFetch(`${stack.base}/datasets/${DS}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${stack.token}` },
  });
  await proxy?.close();
  await stack?.stop();
});

describe('stored strings with terminal escapes', () => {
  it('are escaped by sweep submit --watch, show, list and the leaderboard; --json keeps them exact', async () => {
    const spec = join(stack.root, 'escapes.json');
    await writeFile(
      spec,
      JSON.stringify({
        name: NAME,
        dataset: DS,
        model: 'dae',
        fixed: { dims: [16], batchSize: 500, epochs: 1 },
        space: { lr: { type: 'choice', values: [0.001] } },
      }),
    );
    const submitted = await vaecf(['sweep', 'submit', spec, '--watch']);
    expect(submitted.code, submitted.stderr).toBe(0);
    const id = /^sweep (sw_\S+):/m.exec(submitted.stdout)?.[1];
    expect(id).toBeDefined();
    const show = await vaecf(['sweep', 'show', id!]);
    const list = await vaecf(['sweep', 'list', '--limit', '5']);
    for (const r of [submitted, show, list]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(RAW_CONTROL);
    }
    expect(show.stdout).toContain(`sweep ${id} (${SHOWN} on ${DS}): completed`);
    expect(list.stdout).toContain(String.raw`\x1b[2J\x1b]0;pwned`);

    const json = await vaecf(['sweep', 'show', id!, '--json']);
    expect(json.stdout).not.toMatch(RAW_CONTROL); // C0 by JSON.stringify, DEL and C1 as \u escapes
    expect(JSON.parse(json.stdout).sweep.spec.name).toBe(NAME);
  });
});

expectProxiedAnswersChecked(() => proxy, MIN_ANSWERS);
