import { readFile } from 'node:fs/promises';
import { MAX_SPEC_TEXT_BYTES } from '@vaecf/sweep';
import { Command } from 'commander';
import { ApiClient, type ApiOptions } from '../api-client';
import { checkInputFile } from '../paths';
import { nonNegativeNumber } from '../options';
import { DEFAULT_RETRY } from '../retry';
import { showSweep } from '../output/sweep-show';
import { WatchInterrupted, watchSweep } from '../output/sweep-watch';
import { createReporter } from '../output/reporter';
import { sweepManagementCommands } from './sweep-manage';
import type { SubmittedSweepView, SweepView } from '../views';
import { count } from '../output/plural';

type Flags = ApiOptions & { json?: boolean };

const withApi = (c: Command) =>
  c
    .option('--api <url>', 'API base URL (env VAECF_API_URL, default http://127.0.0.1:8080)')
    .option('--token <token>', 'API bearer token (env VAECF_API_TOKEN)')
    .option('--json', 'print one JSON result object');

/** How long a watch rides out an unavailable API (Redis blip, API restart) before it gives up. */
const RETRY_FOR = [
  '--retry-for <seconds>',
  `while watching, how long to wait for an unavailable API before giving up (default ${DEFAULT_RETRY.giveUpAfterMs / 1000})`,
  nonNegativeNumber,
] as const;

export function sweepCommand(): Command {
  const sweep = new Command('sweep').description('submit, watch and inspect sweeps through the API');
  sweep.addCommand(
    withApi(new Command('submit'))
      .description('submit a sweep spec (YAML or JSON file)')
      .argument('<spec>', 'spec file')
      .option('--key <key>', 'Idempotency-Key: a retry with the same key returns the first sweep')
      .option('--watch', 'follow it until it ends, then print the leaderboard')
      .option(...RETRY_FOR)
      .action(async (file: string, f: Flags & { key?: string; watch?: boolean; retryFor?: number }) => {
        await checkInputFile('<spec>', file, MAX_SPEC_TEXT_BYTES);
        const text = await readFile(file, 'utf8');
        const client = new ApiClient(f);
        const out = createReporter(Boolean(f.json));
        const s = out.shown(
          await client.post<SubmittedSweepView>('/sweeps', text, f.key ? { 'idempotency-key': f.key } : {}),
        );
        out.info(`sweep ${s.id}: ${count(s.planned, 'trial')} on dataset ${s.spec.dataset} (${s.state})`);
        // Valid but held up (no live worker can load its engine): said, not refused.
        for (const w of s.warnings ?? []) out.warn(w);
        if (f.watch) await followAndShow(client, s.id, Boolean(f.json), f.retryFor);
        else out.result({ command: 'sweep submit', sweep: s });
      }),
  );
  sweep.addCommand(
    withApi(new Command('watch'))
      .description('live progress of a sweep until it ends')
      .argument('<id>')
      .option(...RETRY_FOR)
      .action((id: string, f: Flags & { retryFor?: number }) =>
        followAndShow(new ApiClient(f), id, Boolean(f.json), f.retryFor),
      ),
  );
  sweep.addCommand(
    withApi(new Command('show'))
      .description('state, leaderboard and test metrics of a sweep')
      .argument('<id>')
      .action(async (id: string, f: Flags) => showSweep(new ApiClient(f), id, Boolean(f.json))),
  );
  sweep.addCommand(
    withApi(new Command('cancel'))
      .description('cancel a sweep: waiting trials are dropped, running ones stop at their next epoch')
      .argument('<id>')
      .action(async (id: string, f: Flags) => {
        const out = createReporter(Boolean(f.json));
        const s = out.shown(
          await new ApiClient(f).post<SweepView>(`/sweeps/${encodeURIComponent(id)}/cancel`),
        );
        out.info(`sweep ${s.id}: ${s.state}`);
        out.result({ command: 'sweep cancel', sweep: s });
      }),
  );
  for (const c of sweepManagementCommands()) sweep.addCommand(c);
  return sweep;
}

/** Watches until the sweep ends, then shows it. Ctrl-C stops watching only: the sweep goes on. */
async function followAndShow(
  client: ApiClient,
  id: string,
  json: boolean,
  retryForSeconds?: number,
): Promise<void> {
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    const retry = retryForSeconds === undefined ? {} : { giveUpAfterMs: retryForSeconds * 1000 };
    await watchSweep(client, id, { quiet: json, signal: stop.signal, retry });
  } catch (e) {
    if (!(e instanceof WatchInterrupted)) throw e;
    process.stderr.write(
      `vaecf: stopped watching; sweep ${id} goes on on the workers: reattach with \`vaecf sweep watch ${id}\`, cancel with \`vaecf sweep cancel ${id}\`\n`,
    );
    process.exit(130);
  } finally {
    process.off('SIGINT', onSigint);
  }
  await showSweep(client, id, json);
}
