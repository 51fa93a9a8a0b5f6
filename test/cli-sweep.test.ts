import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInChromium } from '../apps/api/test/chromium';
import { freePort, until } from '../apps/worker/test/processes';
import { startStack, type Stack } from './support/stack';

// The vaecf CLI against a real API and worker, as a user drives them.
const CLI = resolve(__dirname, '../apps/cli/dist/main.js');
const run = promisify(execFile);
let stack: Stack;

async function vaecf(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, VAECF_API_URL: stack.base, VAECF_API_TOKEN: stack.token, ...env },
      maxBuffer: 1 << 24,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  stack = await startStack();
});

afterAll(() => stack?.stop());

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
    expect(show.stdout).toContain(`sweep ${id} (dae on ${ds}): completed, 0 queued, 0 running, 2 completed`);
    expect(show.stdout).toMatch(/best NDCG@100/);
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
      expect(await count('vaecfReport.charts.curves.getOption().series.length')).toBe(2);
      expect(await count('vaecfReport.charts.loss.getOption().series[0].data.length')).toBe(2);
      expect(await count('document.querySelectorAll("#leaderboard tbody tr").length')).toBe(2);
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
