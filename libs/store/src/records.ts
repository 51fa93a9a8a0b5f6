import type { MetricComparison, TrialConfigInput } from '@vaecf/cf';
import { SWEEP_STATES, type SweepSpec, type SweepState, type TrialState } from '@vaecf/sweep';

// Defined in libs/sweep (light enough for the CLI to import), re-exported beside the records.
export { SWEEP_STATES, type SweepState };

/** Held-out metrics as stored (the subset of EvalResult the API serves). */
export interface StoredMetrics {
  readonly ndcg100: number;
  readonly recall20: number;
  readonly recall50: number;
  readonly users: number;
}

/** Validation metrics of a baseline (and of each EASE lambda tried). */
export interface HeadlineMetrics {
  readonly ndcg100: number;
  readonly recall20: number;
  readonly recall50: number;
}

/** A reference model fitted on the sweep's split at finalize (libs/cf fitBaseline). */
export interface BaselineRecord {
  readonly model: 'popularity' | 'ease';
  /** completed; skipped (beyond BASELINE_MEMORY_LIMIT_MB); failed (an error; the sweep still completes). */
  readonly status: 'completed' | 'skipped' | 'failed';
  readonly reason?: string;
  /** EASE: the lambda chosen on the validation users, and every lambda tried. */
  readonly lambda?: number;
  readonly grid?: readonly { readonly lambda: number; readonly validation: HeadlineMetrics }[];
  readonly validation?: HeadlineMetrics;
  readonly test?: StoredMetrics;
  readonly seconds?: number;
}

/** One metric of a paired comparison, as libs/cf computes it: A's mean minus B's over the same test users. */
export type StoredMetricComparison = MetricComparison;

/** The best trial (A) against one reference (B), as libs/cf comparePerUser computes it. */
export interface StoredComparison {
  /** What B is: a baseline of this sweep, or another sweep's best trial. */
  readonly against:
    | { readonly kind: 'baseline'; readonly model: string }
    | { readonly kind: 'sweep'; readonly sweep: string };
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly level: number };
  /**
   * Seeds of A's configuration in its per-user vector (the per-user mean over
   * its completed, testable seeds; 1 without repeats). Absent on older records: 1.
   */
  readonly seeds?: number;
  readonly test: string;
  readonly metrics: Readonly<Record<'ndcg100' | 'recall20' | 'recall50', StoredMetricComparison>>;
}

/**
 * The configuration the sweep chose: the best mean over its seeds of their
 * best validation value of the objective (limits.repeats seeds; one without).
 */
export interface BestConfigurationRecord {
  readonly configuration: number;
  /** Its trials, one per seed. */
  readonly trials: readonly number[];
  /** Seeds in the mean (trials that reported an epoch and were not cancelled). */
  readonly seeds: number;
  /** Mean and sample sd (absent with one seed) over those seeds of the validation objective. */
  readonly mean: number;
  readonly sd?: number;
  /** The completed seeds tested at finalize: the sweep's test metrics and per-user vector are their mean. */
  readonly tested: readonly number[];
}

export interface SweepRecord {
  readonly id: string;
  /** The validated spec as submitted, defaults filled in. */
  readonly spec: SweepSpec;
  readonly state: SweepState;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The trials queue it runs on (one per deployment; tests use their own). */
  readonly queue: string;
  /** Trials the search will run in all. */
  readonly planned: number;
  /** Trial numbers handed out so far. */
  readonly nextTrial: number;
  /** The best seed of the best configuration: its checkpoint becomes the sweep's model. */
  readonly bestTrial?: number;
  /** The best configuration, by its mean over seeds, once the sweep is done. */
  readonly bestConfiguration?: BestConfigurationRecord;
  /** The best configuration's tested seeds on the test split (their mean), once the sweep is done. */
  readonly test?: StoredMetrics;
  readonly error?: string;
  /** What finalizing had to work around (trials whose checkpoints were unusable). */
  readonly note?: string;
  /** The reference models of the spec's `baselines`, fitted at finalize on the same split. */
  readonly baselines?: readonly BaselineRecord[];
  /** The identity of the test split the test metrics were measured on (libs/cf splitIdentity). */
  readonly split?: string;
  /** The best trial against each completed baseline (per-user test metrics, paired). */
  readonly comparisons?: readonly StoredComparison[];
}

/** Something done to a sweep after its submit, kept in order on the sweep. */
export interface SweepEvent {
  readonly at: number;
  readonly action: 'cancelled' | 'extended' | 'resumed';
  /** Trials added (extended). */
  readonly trials?: number;
  /** Cancelled trials put back in the queue (resumed). */
  readonly requeued?: number;
}

/** The compute engine a trial ran on (libs/engine EngineInfo), as recorded when an attempt starts. */
export interface TrialEngine {
  /** The engine's name (onnxruntime, tfjs-wasm, ...). */
  readonly name: string;
  /** Its execution provider or tfjs backend (cpu, webgpu, cuda; wasm, tensorflow, cpu). */
  readonly provider: string;
  /** "cpu", or "gpu:<index>" and the adapter where the engine can tell. */
  readonly device: string;
  /** Threads per program run. */
  readonly threads: number;
}

/** A resumed trial that continued on another engine or thread count than its previous attempt (not bit-identical). */
export interface EngineChange {
  /** The attempt that changed it. */
  readonly attempt: number;
  readonly at: number;
  readonly worker: string;
  readonly from: TrialEngine;
  readonly to: TrialEngine;
}

export interface TrialRecord {
  readonly no: number;
  /** Its hyperparameters as the sweep set them (the rest: the model's defaults), parsed when read. */
  readonly params: TrialConfigInput;
  /**
   * The configuration it runs (limits.repeats > 1: trials of one
   * configuration share every hyperparameter but the seed). Absent on
   * records from before it was kept: floor(no / repeats).
   */
  readonly configuration?: number;
  readonly state: TrialState;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly worker?: string;
  /** The engine's name (older records: the TensorFlow.js backend); `engine` says more. */
  readonly backend?: string;
  /** The engine, provider, device and threads its current attempt started with. */
  readonly engine?: TrialEngine;
  /** Resumes that continued on another engine or thread count, in order (none: one engine throughout). */
  readonly engineChanges?: readonly EngineChange[];
  /** Why it waits in the queue: the last worker that took it could not load its fixed engine. */
  readonly engineWait?: string;
  /** Epochs reported. */
  readonly epochs: number;
  /** Best validation NDCG@100 so far. */
  readonly best?: number;
  /** Why it failed, was pruned or cancelled. */
  readonly reason?: string;
  /**
   * The trial's fencing token: attempts claimed so far (1 + resumes after a
   * crash, a hand-back or a takeover), 0 before any. Only the owner of the
   * current attempt may write the trial (libs/store fence.ts).
   */
  readonly attempt: number;
  /** The worker that claimed the current attempt. */
  readonly owner?: string;
  /** Times a worker started it: the same count as `attempt` (the API's name for it). */
  readonly attempts: number;
  /** The trial's last committed checkpoint: the attempt that wrote it and its epoch (none before the first). */
  readonly checkpoint?: { readonly attempt: number; readonly epoch: number };
  /** Times it restarted from epoch 0 because its checkpoint failed verification. */
  readonly checkpointRestarts: number;
  /** The last such failure, and where the damaged checkpoint was moved. */
  readonly checkpointNote?: string;
}
