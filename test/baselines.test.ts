import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ComparisonView, SweepView } from '@vaecf/orchestration';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInChromium } from '../apps/api/test/chromium';
import { runCli } from '../apps/cli/test/run-cli';
import { until } from '../apps/worker/test/processes';
import { readyBundled, startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';

// Baselines and the comparison end to end: the built API and a worker as real processes, a real
// Redis, the bundled data, the CLI, and the report in a real Chromium.
let stack: Stack;
let dir: string;

async function call<T>(
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const r = await checkedFetch(`${stack.base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${stack.token}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await r.text();
  return {
    status: r.status,
    body: (r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T,
  };
}

/** Submits a 2-trial Mult-DAE sweep with both baselines (EASE on a short grid) and waits for its end. */
async function completedSweep(dataset: string): Promise<SweepView> {
  const r = await call<SweepView>('/sweeps', {
    method: 'POST',
    body: {
      dataset,
      model: 'dae',
      fixed: { dims: [32], batchSize: 200, epochs: 2 },
      space: { lr: { type: 'choice', values: [0.001, 0.01] } },
      limits: { maxConcurrent: 2 },
      baselines: ['popularity', { model: 'ease', lambdas: [100, 1000] }],
    },
  });
  expect(r.status).toBe(201);
  return until(
    `sweep ${r.body.id} to complete`,
    async () => {
      const s = (await call<SweepView>(`/sweeps/${r.body.id}`)).body;
      if (s.state === 'failed' || s.state === 'cancelled')
        throw new Error(`sweep ${s.id} ${s.state}: ${s.error}`);
      return s.state === 'completed' && s;
    },
    600_000,
  );
}

let a: SweepView;
let b: SweepView;
let other: SweepView;

beforeAll(async () => {
  stack = await startStack();
  dir = await mkdtemp(join(tmpdir(), 'vaecf-baselines-e2e-'));
  const [ds, ds2] = [`bl-${Date.now().toString(36)}`, `bl2-${Date.now().toString(36)}`];
  await Promise.all([
    readyBundled(stack, ds, { heldoutUsers: 150 }),
    readyBundled(stack, ds2, { heldoutUsers: 120 }),
  ]);
  // Two sweeps on one split, one on another split of the same ratings.
  [a, b, other] = [await completedSweep(ds), await completedSweep(ds), await completedSweep(ds2)];
}, 900_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('baselines in every sweep, end to end', () => {
  it('fits popularity and EASE on the sweep split: reference rows on the sweep, EASE lambda chosen on validation', () => {
    expect(a.baselines!.map((x) => [x.model, x.status])).toEqual([
      ['popularity', 'completed'],
      ['ease', 'completed'],
    ]);
    const ease = a.baselines![1];
    expect([100, 1000]).toContain(ease.lambda);
    expect(ease.grid!.map((g) => g.lambda)).toEqual([100, 1000]);
    expect(ease.test!.users).toBe(a.test!.users);
    expect(a.split).toMatch(/^[0-9a-f]{64}$/);
    expect(b.split).toBe(a.split);
    expect(other.split).not.toBe(a.split);
  });

  it('GET /sweeps/:id/comparison: the best trial against each baseline, with 95% intervals and p-values', async () => {
    const r = await call<ComparisonView>(`/sweeps/${a.id}/comparison`);
    expect(r.status).toBe(200);
    expect(r.body.best).toEqual({ trial: a.bestTrial, configuration: a.bestTrial, seeds: 1, test: a.test });
    expect(r.body.comparisons.map((c) => c.seeds)).toEqual([1, 1]);
    expect(r.body.comparisons.map((c) => c.against)).toEqual([
      { kind: 'baseline', model: 'popularity' },
      { kind: 'baseline', model: 'ease' },
    ]);
    for (const c of r.body.comparisons) {
      expect(c.bootstrap).toEqual({ resamples: 10_000, seed: 20180423, level: 0.95 });
      for (const m of Object.values(c.metrics)) {
        expect(m.ci[0]).toBeLessThanOrEqual(m.difference);
        expect(m.ci[1]).toBeGreaterThanOrEqual(m.difference);
        expect(m.pValue).toBeGreaterThanOrEqual(0);
        expect(m.pValue).toBeLessThanOrEqual(1);
        expect(m.meanA - m.meanB).toBeCloseTo(m.difference, 6);
      }
    }
    expect(r.body.comparisons[1].metrics.ndcg100.meanB).toBeCloseTo(a.baselines![1].test!.ndcg100, 5);
  });

  it('compares with another sweep on the same split, and refuses one on another split', async () => {
    const r = await call<ComparisonView>(`/sweeps/${a.id}/comparison?other=${b.id}`);
    expect(r.status).toBe(200);
    const vsB = r.body.comparisons.at(-1)!;
    expect(vsB.against).toEqual({ kind: 'sweep', sweep: b.id });
    expect(vsB.metrics.ndcg100.meanB).toBeCloseTo(b.test!.ndcg100, 5);
    // The same seed: asking again gives the same numbers.
    expect((await call<ComparisonView>(`/sweeps/${a.id}/comparison?other=${b.id}`)).body).toEqual(r.body);

    const bad = await call<{ message: string }>(`/sweeps/${a.id}/comparison?other=${other.id}`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^other: sweep ".*" was tested on a different split/);
    expect((await call(`/sweeps/${a.id}/comparison?other=${a.id}`)).status).toBe(400);
    expect((await call(`/sweeps/${a.id}/comparison?other=${encodeURIComponent('../x')}`)).status).toBe(400);
    expect((await call(`/sweeps/${a.id}/comparison?other=nope`)).status).toBe(404);
    expect((await call(`/sweeps/nope/comparison`)).status).toBe(404);
  });

  it('exports the comparison as CSV with the seed, and documents the route in OpenAPI', async () => {
    const csv = await call<string>(`/sweeps/${a.id}/comparison.csv?other=${b.id}`);
    expect(csv.status).toBe(200);
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe(
      'against,metric,seeds,users,mean_best,mean_against,difference,ci_low,ci_high,ci_level,p_value,zero_differences,test,bootstrap_resamples,bootstrap_seed,split',
    );
    expect(lines).toHaveLength(1 + 3 * 3);
    expect(lines[1]).toMatch(/^popularity,ndcg100,/);
    expect(lines.at(-1)).toMatch(new RegExp(`^sweep:${b.id},recall50,.*,10000,20180423,${a.split}$`));
    const doc = (await (await checkedFetch(`${stack.base}/docs-json`)).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/sweeps/{id}/comparison', '/sweeps/{id}/comparison.csv']),
    );
    expect(Object.keys(doc.components.schemas.ComparisonDto.properties ?? {})).toEqual(
      expect.arrayContaining(['split', 'best', 'baselines', 'comparisons']),
    );
    expect(Object.keys(doc.components.schemas.SweepViewDto.properties ?? {})).toEqual(
      expect.arrayContaining(['baselines', 'split', 'comparisons']),
    );
    expect(Object.keys(doc.components.schemas.SweepSpecDto.properties ?? {})).toContain('baselines');
  });

  it('vaecf compare prints the table, and --json the same numbers', async () => {
    const env = { VAECF_API_URL: stack.base, VAECF_API_TOKEN: stack.token };
    const human = await runCli(['compare', a.id, b.id], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/popularity\s*│\s*NDCG@100/);
    expect(human.stdout).toMatch(/ease \(lambda \d+\)/);
    expect(human.stdout).toContain(`sweep ${b.id}`);
    expect(human.stdout).toContain('seed 20180423');
    const json = await runCli(['compare', a.id, b.id, '--json'], env);
    expect(json.code).toBe(0);
    const v = JSON.parse(json.stdout) as ComparisonView;
    expect(v.comparisons).toEqual(
      (await call<ComparisonView>(`/sweeps/${a.id}/comparison?other=${b.id}`)).body.comparisons,
    );
    const refused = await runCli(['compare', a.id, other.id], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/different split/);
    // The export carries the same numbers (CSV and JSON), with the seed.
    const exported = await runCli(['sweep', 'export', a.id, '--comparison', '--other', b.id], env);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe((await call<string>(`/sweeps/${a.id}/comparison.csv?other=${b.id}`)).body);
    const exportedJson = await runCli(['sweep', 'export', a.id, '--comparison', '--format', 'json'], env);
    expect(JSON.parse(exportedJson.stdout)).toEqual(
      (await call<ComparisonView>(`/sweeps/${a.id}/comparison`)).body,
    );
    const stray = await runCli(['sweep', 'export', a.id, '--other', b.id], env);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--other needs --comparison/);
    const show = await runCli(['sweep', 'show', a.id], env);
    expect(show.stdout).toMatch(/reference[\s\S]*popularity[\s\S]*ease \(lambda \d+\)/);
  });

  it('the report shows the baselines and the comparison (in Chromium)', async () => {
    const html = await call<string>(`/sweeps/${a.id}/report`);
    expect(html.status).toBe(200);
    const file = join(dir, 'report.html');
    await writeFile(file, html.body);
    const page = await openInChromium(pathToFileURL(file).href);
    try {
      expect(page.problems).toEqual([]);
      const lines = await page.evaluate<string[]>(
        `vaecfReport.charts.curves.getOption().series.filter(s => s.id.startsWith('baseline-')).map(s => s.name)`,
      );
      expect(lines).toEqual(['Popularity (reference)', `EASE (λ ${a.baselines![1].lambda}) (reference)`]);
      const text = (id: string) =>
        page.evaluate<string>(`document.getElementById(${JSON.stringify(id)}).innerText`);
      expect(await text('leaderboard')).toMatch(/Popularity\s+reference/);
      expect(await text('baselines')).toMatch(/EASE \(λ \d+\)\s+0\.\d{4}/);
      expect(await text('comparison')).toMatch(
        /EASE \(λ \d+\)\s+NDCG@100\s+0\.\d{4}\s+0\.\d{4}\s+[-+]0\.\d{4}\s+\[[-+]0\.\d{4}, [-+]0\.\d{4}\]/,
      );
    } finally {
      await page.close();
    }
  });
});
