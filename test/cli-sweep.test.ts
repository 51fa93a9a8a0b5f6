import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../apps/cli/test/run-cli';
import { parse, stringify } from 'yaml';
import { openInChromium } from '../apps/api/test/chromium';
import { freePort, until } from '../apps/worker/test/processes';
import { openCoreBed } from './support/core-bed';
import { startStack, type Stack } from './support/stack';
import { expectProxiedAnswersChecked, startCheckingProxy, type CheckingProxy } from './support/openapi-proxy';

// The vaecf CLI against a real API and worker, as a user drives them.
const QUICKSTART = resolve(__dirname, '../examples/quickstart.yaml');
let stack: Stack;
/** Every answer the built CLI gets passes through it and is checked against docs/openapi.json. */
let proxy: CheckingProxy;
const MIN_ANSWERS = 20;

const vaecf = (args: string[], env: Record<string, string> = {}) =>
  runCli(args, { VAECF_API_URL: proxy.url, VAECF_API_TOKEN: stack.token, ...env });

beforeAll(async () => {
  stack = await startStack();
  proxy = await startCheckingProxy(stack.base);
});

const apiEnv = () => ({ ...process.env, VAECF_API_URL: proxy.url, VAECF_API_TOKEN: stack.token });

/** Registers the bundled ratings as a new dataset and waits until it is prepared. */
async function readyDataset(prefix: string): Promise<string> {
  const ds = `${prefix}-${Date.now().toString(36)}`;
  const add = await vaecf([
    'datasets',
    'add',
    ds,
    'ratings.csv.gz',
    '--format',
    'movielens-csv',
    '--heldout-users',
    '150',
  ]);
  expect(add.code).toBe(0);
  await until(`dataset ${ds} to be ready`, async () => {
    const list = await vaecf(['datasets', 'list', '--json']);
    const d = (JSON.parse(list.stdout).datasets as { id: string; state: string; error?: string }[]).find(
      (x) => x.id === ds,
    );
    if (d?.state === 'failed') throw new Error(`dataset ${ds} failed: ${d.error}`);
    return d?.state === 'ready';
  });
  return ds;
}

afterAll(async () => {
  await proxy?.close();
  await stack?.stop();
});

describe('vaecf datasets / sweep / recommend', () => {
  it('adds a dataset, submits and watches a sweep, shows it, and recommends from its model', async () => {
    const ds = `cli-${Date.now()}`;
    const add = await vaecf([
      'datasets',
      'add',
      ds,
      'ratings.csv.gz',
      '--format',
      'movielens-csv',
      '--heldout-users',
      '150',
    ]);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain(`dataset ${ds}: queued`);
    await until('the dataset to be ready', async () => {
      const list = await vaecf(['datasets', 'list', '--json']);
      return (JSON.parse(list.stdout).datasets as { id: string; state: string }[]).some(
        (d) => d.id === ds && d.state === 'ready',
      );
    });

    const spec = join(stack.root, 'spec.yaml');
    await writeFile(
      spec,
      `dataset: ${ds}\nmodel: dae\nfixed: { dims: [32], batchSize: 200, epochs: 2 }\nspace:\n  lr: { type: choice, values: [0.001, 0.01] }\nlimits: { maxConcurrent: 2 }\n`,
    );
    const submitted = await vaecf(['sweep', 'submit', spec, '--watch', '--json', '--key', `k-${ds}`]);
    expect(submitted.code).toBe(0);
    const result = JSON.parse(submitted.stdout);
    expect(result.sweep.state).toBe('completed');
    expect(result.trials).toHaveLength(2);
    const id = result.sweep.id as string;

    const show = await vaecf(['sweep', 'show', id]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`sweep ${id} (dae on ${ds}): completed\ntrials: 2 completed\n`);
    expect(show.stdout).toMatch(/^best: trial \d, validation NDCG@100 0\.\d{4}, lr=0\.0?01$/m);
    expect(show.stdout).toMatch(/│ +best │ +last │ +last │/);
    expect(show.stdout).toMatch(
      /test: NDCG@100 0\.\d{4}, Recall@20 0\.\d{4}, Recall@50 0\.\d{4} \(150 users\)/,
    );

    // The report, written by the CLI and rendered by a real headless Chromium.
    const html = join(stack.root, 'report.html');
    const report = await vaecf(['report', id, '--out', html]);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain(`report of ${id} written to ${html}`);
    const page = await openInChromium(pathToFileURL(html).href);
    try {
      const count = (js: string) => page.evaluate<number>(js);
      // Two trials, and the two default baselines as reference lines.
      expect(await count('vaecfReport.charts.curves.getOption().series.length')).toBe(4);
      expect(await count('vaecfReport.charts.loss.getOption().series[0].data.length')).toBe(2);
      // Two trials, and the two default baselines as reference rows.
      expect(await count('document.querySelectorAll("#leaderboard tbody tr").length')).toBe(4);
      expect(await page.evaluate('document.querySelector("#test tbody").textContent')).toMatch(/0\.\d{4}/);
      expect(await count('document.querySelectorAll("#best-config tbody tr").length')).toBeGreaterThan(0);
      expect(await count('document.querySelectorAll("#dataset tbody tr").length')).toBeGreaterThan(0);
      expect(page.problems).toEqual([]);
      expect(page.requests).toEqual([pathToFileURL(html).href]);
    } finally {
      await page.close();
    }

    const rec = await vaecf(['recommend', id, '--items', '1,2,zzz', '-k', '3', '--json']);
    expect(rec.code).toBe(0);
    const r = JSON.parse(rec.stdout);
    expect(r.items).toHaveLength(3);
    expect(r.unknownItems).toEqual(['zzz']);
  });

  it('exits 2 with the API reason when it refuses, 3 when it cannot be reached', async () => {
    const missing = await vaecf(['sweep', 'cancel', 'sw_nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      'the API refused POST /sweeps/sw_nope/cancel (404): sweep "sw_nope" not found',
    );
    const noToken = await vaecf(['sweep', 'show', 'sw_nope'], { VAECF_API_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('(401): missing Authorization: Bearer <token> header');
    const badSpec = join(stack.root, 'bad.yaml');
    await writeFile(badSpec, 'dataset: x\nmodel: vae\nsearch: { method: random, trials: 0 }\n');
    const refused = await vaecf(['sweep', 'submit', badSpec]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('(400): invalid sweep spec: search.trials: Too small');
    const closed = await freePort();
    const down = await vaecf(['sweep', 'show', 'x', '--api', `http://127.0.0.1:${closed}`]);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(`cannot reach the vaecf API at http://127.0.0.1:${closed} (ECONNREFUSED)`);
  });
});

describe('vaecf sweep output', () => {
  it('the quickstart leaderboard fits 100 columns: shared parameters once, the epochs each trial ran, its state', async () => {
    const ds = await readyDataset('cli-qs');
    const spec = parse(await readFile(QUICKSTART, 'utf8')) as Record<string, unknown>;
    const file = join(stack.root, 'quickstart.yaml');
    await writeFile(file, stringify({ ...spec, dataset: ds }));
    const r = await vaecf(['sweep', 'submit', file, '--watch']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\x1b'); // a pipe gets no colour
    const widest = r.stdout.split('\n').reduce((a, l) => (l.length > a.length ? l : a), '');
    expect(widest.length, widest).toBeLessThanOrEqual(100);
    // Shared parameters in the trial schema's order (params are parsed with it where the store reads them).
    expect(r.stdout).toMatch(/^every trial: dims=\[200,50\] totalAnnealSteps=200 batchSize=100$/m);
    expect(r.stdout.match(/batchSize/g)).toHaveLength(1);
    // One column per searched parameter (in the API's order).
    expect(r.stdout).toMatch(
      /│ trial │ state +│ epochs │ +best │ +last │ +last │( +(lr|keepProb|annealCap) │){3}\n/,
    );
    expect(r.stdout).toMatch(/│ +│ +│ +│ NDCG@100 │ +R@20 │ +R@50 │( +│){3}\n/);
    // A trial ASHA stopped early shows the epochs it ran, of the 12 it was given.
    const pruned = [...r.stdout.matchAll(/│ +\d+ │ pruned +│ +(\d+)\/12 │/g)].map((m) => Number(m[1]));
    expect(pruned.length).toBeGreaterThan(0);
    for (const ran of pruned) expect(ran).toBeLessThan(12);
    expect(r.stdout).toMatch(/│ +\d+ │ completed │ +12\/12 │ +0\.\d{4} │/);

    // `vaecf sweep show <id> | head -1`: the reader leaves early, the CLI ends quietly.
    const id = /^sweep (sw_[0-9a-f]+)/m.exec(r.stdout)![1];
    const child = spawn(process.execPath, [CLI, 'sweep', 'show', id], {
      env: apiEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 240_000);

  it('failed trials with their reason; Ctrl-C leaves the sweep running; datasets delete is refused while it runs', async () => {
    const ds = await readyDataset('cli-del');
    const file = join(stack.root, 'long.yaml');
    // Trial 0 trains for long enough to be interrupted and cancelled; trial 1 waits behind it on the
    // one worker, and fails there (a bad spec is refused at submit now, so the failure is recorded
    // the way a worker out of attempts records one).
    await writeFile(
      file,
      `dataset: ${ds}\nmodel: dae\nfixed: { dims: [16], batchSize: 20, epochs: 5000 }\nspace:\n  keepProb: { type: choice, values: [0.5, 0.6] }\nsearch: { method: grid }\nscheduler: { type: none }\nlimits: { maxConcurrent: 2 }\n`,
    );
    const submitted = await vaecf(['sweep', 'submit', file, '--json']);
    expect(submitted.code).toBe(0);
    const id = JSON.parse(submitted.stdout).sweep.id as string;
    const bed = openCoreBed();
    await bed.store.finishTrial(id, 1, 'failed', 'out of memory on its worker (3 attempts)');
    await bed.close();

    const watch = spawn(process.execPath, [CLI, 'sweep', 'watch', id], {
      env: apiEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let watched = '';
    watch.stderr.on('data', (b: Buffer) => (watched += b.toString()));
    const exited = once(watch, 'exit');
    await until('watch to report the failed trial', async () =>
      /^trial 1 failed: out of memory on its worker/m.test(watched),
    );
    await until('trial 0 to run', async () => /1 running/.test(watched));
    watch.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(130);
    expect(watched.trimEnd().split('\n').at(-1)).toBe(
      `vaecf: stopped watching; sweep ${id} goes on on the workers: reattach with \`vaecf sweep watch ${id}\`, cancel with \`vaecf sweep cancel ${id}\``,
    );

    const show = await vaecf(['sweep', 'show', id]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`sweep ${id} (dae on ${ds}): running\n`);
    expect(show.stdout).toMatch(/^trial 1 failed: out of memory on its worker \(3 attempts\)$/m);

    const refused = await vaecf(['datasets', 'delete', ds]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `vaecf: the API refused DELETE /datasets/${ds} (409): dataset "${ds}" is used by sweep ${id}; delete or finish that sweep first\n`,
    );

    expect((await vaecf(['sweep', 'cancel', id])).code).toBe(0);
    expect((await vaecf(['sweep', 'show', id])).code).toBe(4);
    const deleted = await vaecf(['datasets', 'delete', ds]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe(`dataset ${ds} deleted\n`);
    const list = JSON.parse((await vaecf(['datasets', 'list', '--json'])).stdout) as {
      datasets: { id: string }[];
    };
    expect(list.datasets.map((d) => d.id)).not.toContain(ds);
    const missing = await vaecf(['datasets', 'delete', ds]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`(404): dataset "${ds}" not found`);
  }, 120_000);
});

expectProxiedAnswersChecked(() => proxy, MIN_ANSWERS);
