import type { ApiClient } from '../api-client';
import { countsLine, type SweepView, type TrialView } from '../views';
import { baselineLines } from './comparison';
import {
  engineLines,
  failureLines,
  leaderboard,
  metricLabel,
  paramsText,
  varyingParams,
} from './leaderboard';
import { createReporter } from './reporter';
import { count } from './plural';

/** `vaecf sweep show`: state, leaderboard, why trials failed, the best configuration and its test metrics. */
export async function showSweep(client: ApiClient, id: string, json: boolean): Promise<void> {
  const path = `/sweeps/${encodeURIComponent(id)}`;
  const out = createReporter(json);
  const [s, trials] = out.shown(
    await Promise.all([client.get<SweepView>(path), client.get<TrialView[]>(`${path}/trials?sort=best`)]),
  );
  out.info(
    `sweep ${s.id} (${s.spec.name ?? s.spec.model} on ${s.spec.dataset}): ${s.state}\ntrials: ${countsLine(s.trials)}`,
  );
  if (trials.length) out.info(leaderboard(trials, s.spec.objective.metric));
  for (const line of baselineLines(s)) out.info(line);
  for (const line of failureLines(trials)) out.info(line);
  for (const line of engineLines(trials)) out.info(line);
  const best = s.best && trials.find((t) => t.no === s.best!.trial);
  // Only what sets the best trial apart: the shared parameters are printed above the table.
  const own = best ? paramsText(varyingParams(trials, best.params)) : '';
  if (s.best)
    out.info(
      `best: trial ${s.best.trial}, validation ${metricLabel(s.best.metric)} ${s.best.value.toFixed(4)}${own ? `, ${own}` : ''}`,
    );
  if (s.test)
    out.info(
      `test: NDCG@100 ${s.test.ndcg100.toFixed(4)}, Recall@20 ${s.test.recall20.toFixed(4)}, Recall@50 ${s.test.recall50.toFixed(4)} (${count(s.test.users, 'user')})`,
    );
  out.result({ command: 'sweep show', sweep: s, trials });
  if (s.state === 'failed' || s.state === 'cancelled') process.exitCode = 4;
}
