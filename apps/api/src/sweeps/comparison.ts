import { ConflictException, NotFoundException } from '@nestjs/common';
import type { ArtifactStore } from '@vaecf/artifacts';
import { comparePerUser, decodePerUser, type PerUserMetrics } from '@vaecf/cf';
import { InputError } from '@vaecf/errors';
import type { ComparisonView } from '@vaecf/orchestration';
import type { StoredComparison, SweepRecord, SweepStore } from '@vaecf/store';
import { stringify } from 'csv-stringify/sync';

/** The worker's name for a sweep's per-user test metrics of its best trial (apps/worker sweep-baselines.ts). */
const BEST_VECTOR = 'per-user-best.bin';

/**
 * A completed sweep's comparison: the best trial against its baselines (computed at finalize and
 * stored on the sweep), and against another completed sweep's best trial, computed here from the
 * two per-user vectors, only when both were tested on the same split (its identity, not the dataset id).
 */
export async function sweepComparison(
  id: string,
  other: string | undefined,
  deps: { store: SweepStore; artifacts: ArtifactStore },
): Promise<ComparisonView> {
  const sweep = await completed(id, deps.store, 'id');
  const comparisons: StoredComparison[] = [...(sweep.comparisons ?? [])];
  if (other !== undefined) {
    if (other === id) throw new InputError(`other: a sweep cannot be compared with itself`, 'other');
    const theirs = await completed(other, deps.store, 'other');
    if (theirs.split !== sweep.split)
      throw new InputError(
        `other: sweep "${other}" was tested on a different split than "${id}" ` +
          `(datasets "${theirs.spec.dataset}" and "${sweep.spec.dataset}"): a paired comparison needs the same test users and held-out items`,
        'other',
      );
    const [a, b] = await Promise.all([vector(id, deps.artifacts), vector(other, deps.artifacts)]);
    comparisons.push({
      against: { kind: 'sweep', sweep: other },
      seeds: seedsOf(sweep),
      ...comparePerUser(a, b),
    });
  }
  return {
    sweep: id,
    split: sweep.split!,
    best: {
      trial: sweep.bestTrial!,
      configuration: sweep.bestConfiguration?.configuration ?? sweep.bestTrial!,
      seeds: seedsOf(sweep),
      test: sweep.test!,
    },
    baselines: sweep.baselines ?? [],
    comparisons,
  };
}

/** Seeds in a completed sweep's per-user vector (records from before repeats were averaged: 1). */
const seedsOf = (s: SweepRecord) => s.bestConfiguration?.tested.length ?? 1;

async function completed(id: string, store: SweepStore, field: string): Promise<SweepRecord> {
  const s = await store.getSweep(id);
  if (!s) throw new NotFoundException(`sweep "${id}" not found`);
  if (s.state !== 'completed' || !s.test || s.bestTrial === undefined)
    throw new ConflictException(
      `${field}: sweep "${id}" is ${s.state}; its comparison exists once it has completed`,
    );
  if (!s.split)
    throw new ConflictException(
      `${field}: sweep "${id}" completed before per-user metrics were kept; extend it to finalize it again`,
    );
  return s;
}

async function vector(id: string, artifacts: ArtifactStore): Promise<PerUserMetrics> {
  const bytes = await artifacts.getSweepResult(id, BEST_VECTOR);
  if (!bytes) throw new ConflictException(`sweep "${id}" has no per-user test metrics in the artifact store`);
  return decodePerUser(bytes);
}

/** The comparison as CSV: one row per reference and metric, with the bootstrap's settings so that it reproduces. */
export function comparisonCsv(view: ComparisonView): string {
  const columns = [
    'against',
    'metric',
    'seeds',
    'users',
    'mean_best',
    'mean_against',
    'difference',
    'ci_low',
    'ci_high',
    'ci_level',
    'p_value',
    'zero_differences',
    'test',
    'bootstrap_resamples',
    'bootstrap_seed',
    'split',
  ];
  const rows = view.comparisons.flatMap((c) =>
    Object.entries(c.metrics).map(([metric, m]) => [
      c.against.kind === 'baseline' ? c.against.model : `sweep:${c.against.sweep}`,
      metric,
      c.seeds ?? 1,
      m.users,
      m.meanA,
      m.meanB,
      m.difference,
      m.ci[0],
      m.ci[1],
      c.bootstrap.level,
      m.pValue,
      m.zeros,
      c.test,
      c.bootstrap.resamples,
      c.bootstrap.seed,
      view.split,
    ]),
  );
  return stringify(rows, { header: true, columns });
}
