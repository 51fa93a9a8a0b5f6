import type { TrialState } from './trial';

/**
 * Configurations and their seeds. With `limits.repeats` = r, trials
 * r*c .. r*c + r - 1 run configuration c: the same hyperparameters, seeds
 * seed .. seed + r - 1. A configuration is judged by the mean of its seeds'
 * best validation values, not by its luckiest seed.
 */

/** The configuration trial n replicates. */
export function configurationOf(trialNo: number, repeats: number): number {
  return Math.floor(trialNo / Math.max(1, repeats));
}

/** What the summary needs of a trial record. */
export interface SeedTrial {
  readonly no: number;
  /** Recorded on the trial at creation; older records: derived from the number and repeats. */
  readonly configuration?: number;
  readonly state: TrialState;
  /** Best validation value of the objective so far (none before its first epoch). */
  readonly best?: number;
}

export interface ConfigurationSummary {
  readonly configuration: number;
  /** Its trials (one per seed), in number order, whatever their state. */
  readonly trials: readonly number[];
  /** Seeds in the mean: its trials with a best value that were not cancelled (the leaderboard's members). */
  readonly seeds: number;
  /** Mean over those seeds of their best validation value. */
  readonly mean: number;
  /** Their sample standard deviation (n - 1); absent with one seed. */
  readonly sd?: number;
}

/**
 * Trials whose best value speaks for their configuration: as on the
 * leaderboard, every one but a cancelled one (stopped by a user, not by its
 * results); a seed that failed (diverged) after some epochs keeps its best.
 */
const COUNTED: ReadonlySet<TrialState> = new Set(['queued', 'running', 'completed', 'pruned', 'failed']);

/**
 * Each configuration with at least one counted seed, best mean first (ties:
 * the lower configuration number, so the order is deterministic).
 */
export function summarizeConfigurations(
  trials: readonly SeedTrial[],
  repeats: number,
): ConfigurationSummary[] {
  const groups = new Map<number, { trials: number[]; values: number[] }>();
  for (const t of [...trials].sort((a, b) => a.no - b.no)) {
    const c = t.configuration ?? configurationOf(t.no, repeats);
    let g = groups.get(c);
    if (!g) groups.set(c, (g = { trials: [], values: [] }));
    g.trials.push(t.no);
    if (t.best !== undefined && Number.isFinite(t.best) && COUNTED.has(t.state)) g.values.push(t.best);
  }
  const out: ConfigurationSummary[] = [];
  for (const [configuration, g] of groups) {
    if (!g.values.length) continue;
    const { mean, sd } = meanSd(g.values);
    out.push({
      configuration,
      trials: g.trials,
      seeds: g.values.length,
      mean,
      ...(sd === undefined ? {} : { sd }),
    });
  }
  return out.sort((a, b) => b.mean - a.mean || a.configuration - b.configuration);
}

/** Mean and sample standard deviation (absent for fewer than two values). */
export function meanSd(values: readonly number[]): { mean: number; sd?: number } {
  const n = values.length;
  if (n === 0) throw new Error('meanSd: no values');
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { mean };
  const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { mean, sd: Math.sqrt(ss / (n - 1)) };
}
