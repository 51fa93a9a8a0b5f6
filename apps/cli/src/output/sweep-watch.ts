import { setTimeout as sleep } from 'node:timers/promises';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { ApiClient } from '../api-client';
import { countsLine, type SweepView, type TrialView } from '../views';
import { failureLines, metricLabel } from './leaderboard';
import { escapeControlDeep } from './terminal-text';

/** The watch was stopped (Ctrl-C) before the sweep ended; the sweep itself goes on. */
export class WatchInterrupted extends Error {
  constructor(readonly sweepId: string) {
    super(`stopped watching sweep ${sweepId}`);
    this.name = 'WatchInterrupted';
  }
}

const ENDED = new Set(['completed', 'failed', 'cancelled']);

/**
 * Follows a sweep until it ends: one bar per running trial (epoch and latest
 * validation NDCG@100), the counts by state and the best so far. On a
 * terminal the bars redraw in place; elsewhere (CI logs, pipes) a line is
 * printed whenever something changes. A trial that fails is reported with
 * its reason as soon as it is seen. Aborting `signal` stops the bars and
 * throws WatchInterrupted.
 */
export async function watchSweep(
  client: ApiClient,
  id: string,
  opts: { quiet?: boolean; intervalMs?: number; signal?: AbortSignal } = {},
): Promise<SweepView> {
  const path = `/sweeps/${encodeURIComponent(id)}`;
  const tty = Boolean(process.stderr.isTTY) && !opts.quiet;
  const multi = tty
    ? new MultiBar(
        {
          format: '{label} [{bar}] epoch {value}/{total}  NDCG@100 {ndcg}',
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
        },
        Presets.shades_grey,
      )
    : null;
  const summary = multi?.create(1, 0, { label: 'sweep', ndcg: '' }, { format: '{label}' });
  const bars = new Map<number, SingleBar>();
  let lastLine = '';
  const reported = new Set<string>();
  for (;;) {
    const answer = await Promise.all([
      client.get<SweepView>(path),
      client.get<TrialView[]>(`${path}/trials?sort=no`),
    ]);
    // What is drawn here is escaped for the terminal; the caller gets the sweep as it is.
    const [s, trials] = escapeControlDeep(answer);
    const line = `${s.state}: ${countsLine(s.trials)}; best ${s.best ? `${metricLabel(s.best.metric)} ${s.best.value.toFixed(4)} (trial ${s.best.trial})` : '-'}`;
    if (multi) {
      summary!.update(0, { label: line });
      for (const t of trials) update(multi, bars, t);
    } else if (!opts.quiet && line !== lastLine) {
      process.stderr.write(`${line}\n`);
    }
    lastLine = line;
    for (const failure of failureLines(trials).filter((f) => !reported.has(f))) {
      reported.add(failure);
      if (multi) multi.log(`${failure}\n`);
      else if (!opts.quiet) process.stderr.write(`${failure}\n`);
    }
    if (ENDED.has(s.state)) {
      multi?.stop();
      return answer[0];
    }
    if (!(await pause(opts.intervalMs ?? 1000, opts.signal))) {
      multi?.stop();
      throw new WatchInterrupted(id);
    }
  }
}

/** Waits `ms`; false if `signal` aborted meanwhile (or before). */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  return sleep(ms, true, { signal }).catch(() => false);
}

function update(multi: MultiBar, bars: Map<number, SingleBar>, t: TrialView): void {
  const total = typeof t.params.epochs === 'number' ? t.params.epochs : Math.max(t.epochs, 1);
  const payload = {
    label: `trial ${String(t.no).padStart(3)}`,
    ndcg: t.latest ? t.latest.ndcg100.toFixed(4) : '-',
  };
  const bar = bars.get(t.no);
  if (t.state === 'running') {
    if (bar) bar.update(t.epochs, payload);
    else bars.set(t.no, multi.create(total, t.epochs, payload));
  } else if (bar) {
    multi.remove(bar);
    bars.delete(t.no);
  }
}
