import { readFile } from 'node:fs/promises';
import { table } from '../output/table';
import { Command } from 'commander';
import { ApiClient, type ApiOptions } from '../api-client';
import { UserError } from '../errors';
import { watchSweep } from '../output/sweep-watch';
import { createReporter } from '../output/reporter';
import { countsLine, type SweepView, type TrialView } from '../views';

type Flags = ApiOptions & { json?: boolean };

const withApi = (c: Command) =>
  c
    .option('--api <url>', 'API base URL (env VAECF_API_URL, default http://127.0.0.1:8080)')
    .option('--token <token>', 'API bearer token (env VAECF_API_TOKEN)')
    .option('--json', 'print one JSON result object');

export function sweepCommand(): Command {
  const sweep = new Command('sweep').description('submit, watch and inspect sweeps through the API');
  sweep.addCommand(
    withApi(new Command('submit'))
      .description('submit a sweep spec (YAML or JSON file)')
      .argument('<spec>', 'spec file')
      .option('--key <key>', 'Idempotency-Key: a retry with the same key returns the first sweep')
      .option('--watch', 'follow it until it ends, then print the leaderboard')
      .action(async (file: string, f: Flags & { key?: string; watch?: boolean }) => {
        const text = await readFile(file, 'utf8').catch(() => {
          throw new UserError(`cannot read ${file}`);
        });
        const client = new ApiClient(f);
        const s = await client.post<SweepView>('/sweeps', text, f.key ? { 'idempotency-key': f.key } : {});
        const out = createReporter(Boolean(f.json));
        out.info(`sweep ${s.id}: ${s.planned} trials on dataset ${s.spec.dataset} (${s.state})`);
        if (f.watch) await followAndShow(client, s.id, Boolean(f.json));
        else out.result({ command: 'sweep submit', sweep: s });
      }),
  );
  sweep.addCommand(
    withApi(new Command('watch'))
      .description('live progress of a sweep until it ends')
      .argument('<id>')
      .action((id: string, f: Flags) => followAndShow(new ApiClient(f), id, Boolean(f.json))),
  );
  sweep.addCommand(
    withApi(new Command('show'))
      .description('state, leaderboard and test metrics of a sweep')
      .argument('<id>')
      .action(async (id: string, f: Flags) => show(new ApiClient(f), id, Boolean(f.json))),
  );
  sweep.addCommand(
    withApi(new Command('cancel'))
      .description('cancel a sweep: waiting trials are dropped, running ones stop at their next epoch')
      .argument('<id>')
      .action(async (id: string, f: Flags) => {
        const s = await new ApiClient(f).post<SweepView>(`/sweeps/${encodeURIComponent(id)}/cancel`);
        const out = createReporter(Boolean(f.json));
        out.info(`sweep ${s.id}: ${s.state}`);
        out.result({ command: 'sweep cancel', sweep: s });
      }),
  );
  return sweep;
}

async function followAndShow(client: ApiClient, id: string, json: boolean): Promise<void> {
  await watchSweep(client, id, { quiet: json });
  await show(client, id, json);
}

async function show(client: ApiClient, id: string, json: boolean): Promise<void> {
  const path = `/sweeps/${encodeURIComponent(id)}`;
  const [s, trials] = await Promise.all([
    client.get<SweepView>(path),
    client.get<TrialView[]>(`${path}/trials?sort=best`),
  ]);
  const out = createReporter(json);
  out.info(
    `sweep ${s.id} (${s.spec.name ?? s.spec.model} on ${s.spec.dataset}): ${s.state}, ${countsLine(s.trials)}`,
  );
  out.info(leaderboard(trials));
  if (s.best)
    out.info(
      `best: trial ${s.best.trial}, validation NDCG@100 ${s.best.ndcg100.toFixed(4)}, ${JSON.stringify(trials.find((t) => t.no === s.best!.trial)?.params ?? {})}`,
    );
  if (s.test)
    out.info(
      `test: NDCG@100 ${s.test.ndcg100.toFixed(4)}, Recall@20 ${s.test.recall20.toFixed(4)}, Recall@50 ${s.test.recall50.toFixed(4)} (${s.test.users} users)`,
    );
  out.result({ command: 'sweep show', sweep: s, trials });
  if (s.state === 'failed' || s.state === 'cancelled') process.exitCode = 4;
}

function leaderboard(trials: TrialView[]): string {
  const t = table({
    head: ['trial', 'state', 'epochs', 'best NDCG@100', 'last R@20', 'last R@50', 'params'],
  });
  for (const x of trials) {
    const params = Object.entries(x.params)
      .filter(([k]) => k !== 'model')
      .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(3)) : JSON.stringify(v)}`)
      .join(' ');
    t.push([
      x.no,
      x.state,
      x.epochs,
      x.best?.toFixed(4) ?? '',
      x.latest?.recall20.toFixed(4) ?? '',
      x.latest?.recall50.toFixed(4) ?? '',
      params,
    ]);
  }
  return t.toString();
}
