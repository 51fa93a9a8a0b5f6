import type { ObjectiveMetric } from '@vaecf/sweep';
import type { DatasetRecord } from '@vaecf/store';
import type {
  BaselineRecord,
  StoredComparison,
  StoredMetrics,
  SweepEvent,
  SweepRecord,
  TrialRecord,
} from '@vaecf/store';

/**
 * The API's answers, defined once: the API builds them, the CLI (and any
 * TypeScript client) reads them with these types.
 */

/** GET /sweeps/:id: the record, its trial counts by state, and the best trial so far by the objective. */
export interface SweepView extends SweepRecord {
  readonly trials: Record<string, number>;
  readonly best: {
    readonly trial: number;
    readonly metric: ObjectiveMetric;
    /** The trial's best validation value of the metric. */
    readonly value: number;
  } | null;
  /** What was done to it after its submit (cancel, extend, resume), in order. */
  readonly events: readonly SweepEvent[];
}

/** GET /sweeps: a page of sweeps, newest first, and how many there are in all (in the state asked for). */
export interface SweepPage {
  readonly sweeps: readonly SweepView[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

/** One row of GET /sweeps/:id/trials: the record and its latest epoch's validation metrics. */
export interface TrialView extends TrialRecord {
  readonly latest?: { readonly ndcg100: number; readonly recall20: number; readonly recall50: number };
  /** The configuration it runs (limits.repeats seeds share it). */
  readonly configuration: number;
  /**
   * Its configuration over seeds: the mean and sample sd (absent with one
   * seed) of their best validation values, and how many seeds are in them
   * (those that reported an epoch and were not cancelled). Absent
   * before any of its seeds reported an epoch.
   */
  readonly seeds?: { readonly mean: number; readonly sd?: number; readonly count: number };
}

/** GET /sweeps/:id/trials/:no: the record with every epoch's report. */
export interface TrialDetailView extends TrialRecord {
  readonly history: unknown[];
}

/** GET /datasets/:id. */
export type DatasetView = DatasetRecord;

/** GET /sweeps/:id/importance: each searched hyperparameter's share of the objective's variation. */
export interface ImportanceView {
  readonly method: 'ped-anova';
  readonly metric: ObjectiveMetric;
  /** Completed trials it was computed from. */
  readonly trials: number;
  /** Completed trials PED-ANOVA needs (PED_ANOVA_MIN_TRIALS). */
  readonly needed: number;
  /** Fewer completed trials than needed: nothing can be told yet, and `importance` is empty. */
  readonly insufficient: boolean;
  /** Searched hyperparameter -> share of the objective's variation (sums to 1); empty when insufficient. */
  readonly importance: Record<string, number>;
}

/**
 * GET /sweeps/:id/comparison: the best trial (A) of a completed sweep against
 * each of its baselines and, with `?other=`, against another sweep's best
 * trial on the same split (B); paired over the same test users.
 */
export interface ComparisonView {
  readonly sweep: string;
  /** The test split's identity (libs/cf splitIdentity): only sweeps with the same one pair. */
  readonly split: string;
  /**
   * The best configuration's best seed (trial), its configuration, and the
   * test metrics: the mean over `seeds` completed seeds of the configuration
   * (1 without repeats), whose per-user mean vector every comparison pairs.
   */
  readonly best: {
    readonly trial: number;
    readonly configuration: number;
    readonly seeds: number;
    readonly test: StoredMetrics;
  };
  readonly baselines: readonly BaselineRecord[];
  readonly comparisons: readonly StoredComparison[];
}
