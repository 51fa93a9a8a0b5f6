import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { RatingsFormat } from '@vaecf/cf';
import { parse, stringify } from 'yaml';
import { ApiClient } from '../api-client';
import { UserError } from '../errors';
import { paramsText } from '../output/leaderboard';
import { createReporter } from '../output/reporter';
import { statsTable } from '../output/stats-table';
import { watchSweep } from '../output/sweep-watch';
import type { SweepView, TrialView } from '../views';
import { countsLine } from '../views';
import { startLocalStack } from './local-stack';
import { count } from '../output/plural';

export const QUICKSTART = resolve(__dirname, '../../../../examples/quickstart.yaml');

export interface StackDemoFlags {
  data: string;
  format: RatingsFormat;
  heldoutUsers: number;
  work: string;
  workers: number;
  spec: string;
  json?: boolean;
}

/**
 * The whole product on one machine: Redis (REDIS_URL or a private one), the
 * API and worker processes; the ratings file is registered and prepared, the
 * quickstart sweep runs with live progress, then the leaderboard, the best
 * configuration and its test metrics are printed and the report is written.
 * Everything started is stopped at the end, also on Ctrl-C.
 */
export async function runStackDemo(f: StackDemoFlags): Promise<void> {
  const out = createReporter(Boolean(f.json));
  const work = resolve(f.work);
  const dataRoot = join(work, 'data');
  await mkdir(dataRoot, { recursive: true });
  await copyFile(resolve(f.data), join(dataRoot, basename(f.data)));
  const stack = await startLocalStack({
    workDir: work,
    dataRoot,
    workers: f.workers,
    log: (l) => out.info(l),
  });
  const api = new ApiClient({ api: stack.apiUrl });
  const created: { sweep?: string; dataset?: string } = {};
  /**
   * On the user's Redis (REDIS_URL) the demo leaves nothing there: its sweep and dataset are
   * deleted through the API (records, events, artifacts), then stop() removes its queues.
   * A private redis-server goes away with everything in it.
   */
  const finish = async (): Promise<string[]> => {
    const removed: string[] = [];
    const remove = (what: string, path: string) =>
      api.delete(path).then(
        () => void removed.push(what),
        (e: Error) => out.warn(`could not delete the demo's ${what} (${path}): ${e.message}`),
      );
    if (stack.sharedRedis) {
      if (created.sweep) await remove('sweep', `/sweeps/${created.sweep}`);
      if (created.dataset) await remove('dataset', `/datasets/${created.dataset}`);
    }
    await stack.stop(); // on the user's Redis this removes the demo's queues (or throws)
    if (!stack.sharedRedis) return [];
    removed.push('queues');
    out.info(`removed the demo's ${removed.join(', ')} from ${redisShown(stack.redisUrl)}`);
    return removed;
  };
  const onSignal = () => {
    out.info('\ninterrupted: stopping the demo processes');
    void finish().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result: Record<string, unknown> = {};
  let removedFromRedis: string[] = [];
  try {
    const datasetId = `demo-${Date.now().toString(36)}`;
    created.dataset = datasetId;
    out.info(`\n1. preparing ${f.data} as dataset ${datasetId}`);
    await api.post('/datasets', {
      id: datasetId,
      path: basename(f.data),
      format: f.format,
      heldoutUsers: f.heldoutUsers,
    });
    const dataset = await waitForDataset(api, datasetId);
    out.info(statsTable(dataset.stats ?? {}));

    const spec = parse(await readFile(f.spec, 'utf8')) as Record<string, unknown>;
    spec.dataset = datasetId;
    out.info(
      `\n2. sweep ${f.spec}: ${JSON.stringify(spec.search)}, scheduler ${JSON.stringify(spec.scheduler)}`,
    );
    const submitted = await api.post<SweepView>('/sweeps', stringify(spec));
    created.sweep = submitted.id;
    const done = await watchSweep(api, submitted.id, { quiet: Boolean(f.json) });

    const trials = await api.get<TrialView[]>(`/sweeps/${done.id}/trials?sort=best`);
    out.info(`\n3. sweep ${done.id} ${done.state}: ${countsLine(done.trials)}`);
    for (const t of trials.slice(0, 5))
      out.info(
        `   trial ${String(t.no).padStart(2)} ${t.state.padEnd(9)} ${count(t.epochs, 'epoch')}, best validation NDCG@100 ${t.best?.toFixed(4) ?? '-'}`,
      );
    const best = trials.find((t) => t.no === done.best?.trial);
    if (best) out.info(`   best configuration (trial ${best.no}): ${paramsText(best.params)}`);
    if (done.test)
      out.info(
        `   test: NDCG@100 ${done.test.ndcg100.toFixed(4)}, Recall@20 ${done.test.recall20.toFixed(4)}, Recall@50 ${done.test.recall50.toFixed(4)}`,
      );
    const reportFile = join(work, 'report.html');
    await writeFile(reportFile, await api.text(`/sweeps/${done.id}/report`));
    out.info(`   report: ${reportFile}`);
    result = {
      command: 'demo',
      sweep: done,
      trials,
      report: reportFile,
      dataset,
      stack: { api: stack.apiUrl, redis: stack.redisUrl },
    };
    if (done.state !== 'completed') process.exitCode = 4;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    removedFromRedis = await finish();
  }
  out.result({ ...result, removedFromRedis });
}

/** The Redis URL without its password, for the log. */
function redisShown(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.toString();
}

async function waitForDataset(
  api: ApiClient,
  id: string,
): Promise<{ state: string; stats?: Record<string, unknown>; error?: string }> {
  for (;;) {
    const d = await api.get<{ state: string; stats?: Record<string, unknown>; error?: string }>(
      `/datasets/${id}`,
    );
    if (d.state === 'ready') return d;
    if (d.state === 'failed') throw new UserError(`preparing the dataset failed: ${d.error}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
