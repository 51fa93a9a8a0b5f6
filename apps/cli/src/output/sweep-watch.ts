import { setTimeout as sleep } from 'node:timers/promises';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { ApiClient } from '../api-client';
import { ApiUnavailableError, ApiUnreachableError } from '../errors';
import { DEFAULT_RETRY, retrying, RetryGaveUp, RetryInterrupted, type RetryPolicy } from '../retry';
import { countsLine, type SweepView, type TrialView } from '../views';
import { failureLines, metricLabel } from './leaderboard';
import { escapeControl, escapeControlDeep } from './terminal-text';

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
  opts: { quiet?: boolean; intervalMs?: number; signal?: AbortSignal; retry?: Partial<RetryPolicy> } = {},
): Promise<SweepView> {
  const policy = { ...DEFAULT_RETRY, ...opts.retry };
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
  let outage = false;
  let answered = false;
  const say = (line: string) => {
    if (multi) multi.log(`${line}\n`);
    else if (!opts.quiet) process.stderr.write(`${line}\n`);
  };
  const reported = new Set<string>();
  for (;;) {
    let answer: [SweepView, TrialView[]];
    try {
      answer = await retrying(
        () => Promise.all([client.get<SweepView>(path), client.get<TrialView[]>(`${path}/trials?sort=no`)]),
        policy,
        {
          // An API that never answered is a wrong address or one not started: said at once.
          // Once it has answered, a refused connection is a restart, worth waiting out.
          retryable: (e) => answered || !(e instanceof ApiUnreachableError),
          // Once per outage, and once when it is over: not a line per attempt.
          onRetry: (e, delayMs) => {
            if (outage) return;
            outage = true;
            say(`${escapeControl(e.message)}; retrying (the first wait ${formatSeconds(delayMs)})`);
          },
          onRecovered: () => {
            outage = false;
            say('the API answers again; watching on');
          },
        },
        opts.signal,
      );
      answered = true;
    } catch (e) {
      multi?.stop();
      if (e instanceof RetryInterrupted) throw new WatchInterrupted(id);
      if (e instanceof RetryGaveUp)
        throw new ApiUnavailableError(
          `${e.last.message}; gave up after ${formatSeconds(e.waitedMs)} of retries. Sweep ${id} goes on ` +
            `on the workers: reattach with \`vaecf sweep watch ${id}\``,
        );
      throw e;
    }
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
      say(failure);
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

const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

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
