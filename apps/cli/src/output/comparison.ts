import type { BaselineRecord } from '@vaecf/store';
import type { ComparisonView, SweepView } from '../views';
import { table } from './table';

const METRIC_LABELS = { ndcg100: 'NDCG@100', recall20: 'Recall@20', recall50: 'Recall@50' } as const;
const f4 = (x: number) => x.toFixed(4);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;

/** A p-value as people read them: 3 significant digits, "<1e-4" below that. */
export function pText(p: number): string {
  return p < 1e-4 ? '<1e-4' : p.toPrecision(2);
}

/**
 * `vaecf compare`: for each reference (a baseline, another sweep) and metric,
 * both means, the paired difference with its bootstrap interval and the
 * Wilcoxon p-value; the bootstrap's seed below, so that the numbers reproduce.
 */
export function comparisonTable(v: ComparisonView): string {
  const t = table({
    head: ['best vs', 'metric', 'best', 'other', 'difference', `${level(v)} CI`, 'p (Wilcoxon)', 'users'],
  });
  for (const c of v.comparisons) {
    const name =
      c.against.kind === 'baseline' ? baselineName(v.baselines, c.against.model) : `sweep ${c.against.sweep}`;
    for (const [k, label] of Object.entries(METRIC_LABELS) as [keyof typeof METRIC_LABELS, string][]) {
      const m = c.metrics[k];
      t.push([
        name,
        label,
        f4(m.meanA),
        f4(m.meanB),
        signed(m.difference),
        `[${signed(m.ci[0])}, ${signed(m.ci[1])}]`,
        pText(m.pValue),
        m.users,
      ]);
    }
  }
  const first = v.comparisons[0];
  const lines = [t.toString()];
  if (first)
    lines.push(
      `bootstrap: ${first.bootstrap.resamples} resamples of the test users, seed ${first.bootstrap.seed}; p: ${first.test}`,
    );
  for (const b of v.baselines)
    if (b.status !== 'completed') lines.push(`${b.model} ${b.status}: ${b.reason}`);
  return lines.join('\n');
}

function level(v: ComparisonView): string {
  return `${Math.round((v.comparisons[0]?.bootstrap.level ?? 0.95) * 100)}%`;
}

function baselineName(baselines: readonly BaselineRecord[], model: string): string {
  const b = baselines.find((x) => x.model === model);
  return b?.lambda !== undefined ? `${model} (lambda ${b.lambda})` : model;
}

/** Reference rows under the leaderboard: each baseline's validation and test metrics (or why it did not run). */
export function baselineLines(s: SweepView): string[] {
  const baselines = s.baselines ?? [];
  if (!baselines.length) return [];
  const t = table({ head: ['reference', 'val NDCG@100', 'test NDCG@100', 'test R@20', 'test R@50'] });
  const skipped: string[] = [];
  for (const b of baselines) {
    if (b.status !== 'completed' || !b.validation || !b.test) {
      skipped.push(`${b.model} ${b.status}: ${b.reason ?? ''}`);
      continue;
    }
    t.push([
      baselineName(baselines, b.model),
      f4(b.validation.ndcg100),
      f4(b.test.ndcg100),
      f4(b.test.recall20),
      f4(b.test.recall50),
    ]);
  }
  return [...(t.length ? [t.toString()] : []), ...skipped];
}
