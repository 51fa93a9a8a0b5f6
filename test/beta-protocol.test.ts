import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openInChromium } from '../apps/api/test/chromium';
import { until } from '../apps/worker/test/processes';
import { apiCaller } from './support/api-call';
import { readyBundled, startStack, type Stack } from './support/stack';
import { checkedFetch } from './support/openapi-check';

// The paper's beta protocol end to end on the bundled data: the real API, a worker and Redis,
// then its report in a real Chromium, where validation NDCG@100 is drawn against beta.
let stack: Stack;
/** Datasets are one namespace in Redis: a name of this run's own. */
const DS = `beta-${Date.now().toString(36)}`;

const call = apiCaller(() => stack);

beforeAll(async () => {
  stack = await startStack();
  await readyBundled(stack, DS);
}, 120_000);
afterAll(async () => {
  await call('DELETE', `/datasets/${DS}`).catch(() => undefined);
  await stack?.stop();
});

describe("the paper's beta protocol", () => {
  it('chooses beta in stage 1, trains stage 2 with it, and the report draws NDCG@100 against beta', async () => {
    const submitted = await call('POST', '/sweeps', {
      dataset: DS,
      model: 'vae',
      fixed: { dims: [64, 16], batchSize: 200, epochs: 6 },
      space: { lr: { type: 'choice', values: [0.001, 0.003] } },
      search: { method: 'beta', stage2: 'best' },
      limits: { maxConcurrent: 2 },
    });
    expect(submitted.status).toBe(201);
    const id = submitted.body.id as string;
    // 1,586 training users in minibatches of 200: 8 a epoch, 48 in the run, the last at beta 47/47.
    expect(submitted.body.spec.search).toEqual({ method: 'beta', stage2: 'best', annealSteps: 47 });
    expect(submitted.body.planned).toBe(3);
    await until(
      'the sweep',
      async () => (await call('GET', `/sweeps/${id}`)).body.state === 'completed',
      240_000,
    );

    const trials = (await call('GET', `/sweeps/${id}/trials?sort=no`)).body as {
      no: number;
      params: { annealCap: number; lr: number };
    }[];
    const stage1 = await Promise.all(
      [0, 1].map(async (n) => (await call('GET', `/sweeps/${id}/trials/${n}`)).body),
    );
    for (const t of stage1) {
      expect(t.params.annealCap).toBe(1);
      expect(t.history.at(-1).beta).toBeCloseTo(1, 9);
    }
    const best = stage1.reduce((a, b) => (b.best > a.best ? b : a));
    const bestEpoch = best.history.reduce((a: { validation: { ndcg100: number } }, b: typeof a) =>
      b.validation.ndcg100 > a.validation.ndcg100 ? b : a,
    );
    expect(trials[2].params).toMatchObject({ annealCap: bestEpoch.beta, lr: best.params.lr });

    const html = await checkedFetch(`${stack.base}/sweeps/${id}/report`, {
      headers: { authorization: `Bearer ${stack.token}` },
    }).then((r) => r.text());
    const file = join(stack.root, 'beta.html');
    await writeFile(file, html);
    const page = await openInChromium(`file://${file}`);
    try {
      const series = await page.evaluate<{ data: [number, number, number][] }[]>(
        'vaecfReport.charts.beta.getOption().series.map(s => ({ data: s.data.map(d => d.value) }))',
      );
      // One curve per trial, one point per epoch: (beta at the epoch's end, validation NDCG@100, epoch).
      expect(series.map((s) => s.data.length)).toEqual([6, 6, 6]);
      expect(series[0].data.at(-1)?.[0]).toBeCloseTo(1, 6);
      expect(page.problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 300_000);
});
