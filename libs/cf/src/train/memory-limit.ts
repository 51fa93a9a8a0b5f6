import type { TrialConfig } from '../model/config';
import { estimateTrainingMemory, type TrainingMemoryEstimate } from '../model/memory';

/** A memory budget a trial must fit, as the refusal names it. */
export interface MemoryLimit {
  readonly bytes: number;
  /** "a worker's limit", "this machine's memory" */
  readonly name: string;
  /** The setting that changes it, if any ("TRIAL_MEMORY_LIMIT_MB"). */
  readonly setting?: string;
}

export interface MemoryLimitExcess {
  readonly estimate: TrainingMemoryEstimate;
  /** The size field that weighs most: the weights (dims) or the dense batch tensors (batchSize). */
  readonly culprit: 'dims' | 'batchSize';
  /** "a trial with dims [...] ... needs at least 74.5 GB (...), more than a worker's limit of 4.0 GB (...)" */
  readonly problem: string;
}

/**
 * The one memory check of a configuration, shared by the API (at submit, on
 * the largest configuration a sweep can produce) and `vaecf train` (before
 * allocating anything): undefined when the estimate fits `limit`, otherwise
 * what it needs, part by part, in the words both print.
 */
export function trainingMemoryExcess(
  config: Pick<TrialConfig, 'model' | 'dims' | 'batchSize' | 'evalBatchSize'>,
  data: { readonly items: number; readonly trainUsers?: number; readonly evalUsers?: number },
  limit: MemoryLimit,
): MemoryLimitExcess | undefined {
  const m = estimateTrainingMemory(config, data);
  if (m.totalBytes <= limit.bytes) return undefined;
  const problem =
    `a trial with dims ${JSON.stringify(config.dims)} and batchSize ${config.batchSize} on ${data.items} items ` +
    `needs at least ${gb(m.totalBytes)} (${m.parameters.toLocaleString('en')} parameters with gradients and ` +
    `Adam state ${gb(m.weightsBytes)}, a training step ${gb(m.stepBytes)}, evaluation ${gb(m.evalBytes)}), ` +
    `more than ${limit.name} of ${gb(limit.bytes)}${limit.setting ? ` (${limit.setting})` : ''}`;
  const culprit = m.weightsBytes >= m.stepBytes + m.evalBytes ? 'dims' : 'batchSize';
  return { estimate: m, culprit, problem };
}

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GB`;
