import { architecture } from './architecture';
import type { TrialConfig } from './config';

const FLOAT = 4;

/** What one training process of a configuration holds, in bytes, and the total. */
export interface TrainingMemoryEstimate {
  readonly parameters: number;
  /** Weights, their gradients and Adam's two moments (4 floats a parameter), plus the best weights kept for evaluation. */
  readonly weightsBytes: number;
  /** Dense [batch, items] tensors of a step: logits, softmax, their gradient, the dropped-out input. */
  readonly stepBytes: number;
  /** Dense [evalBatch, items] scores and their ranking buffers at evaluation. */
  readonly evalBytes: number;
  readonly totalBytes: number;
}

/**
 * A lower bound on the memory one trial needs, from the shapes alone: what
 * must fit at once for any backend. It leaves out the dataset, the runtime
 * and the allocator's slack, so a configuration above a worker's limit
 * surely fails, and one a little below may still.
 */
export function estimateTrainingMemory(
  config: Pick<TrialConfig, 'model' | 'dims' | 'batchSize' | 'evalBatchSize'>,
  data: { readonly items: number; readonly trainUsers?: number; readonly evalUsers?: number },
): TrainingMemoryEstimate {
  const nItems = data.items;
  // A batch never holds more users than the split has.
  const batch = Math.min(config.batchSize, data.trainUsers ?? Infinity);
  const evalBatch = Math.min(config.evalBatchSize, data.evalUsers ?? Infinity);
  const parameters =
    config.model === 'recvae'
      ? recvaeParameters(nItems, config.dims)
      : architecture(config.model, nItems, config.dims).layers.reduce(
          (s, l) => s + l.inputs * l.units + l.units,
          0,
        );
  // RecVAE also holds the prior's frozen encoder copy (about the encoder's size): one more float a parameter.
  const weightsBytes = parameters * FLOAT * (config.model === 'recvae' ? 6 : 5);
  const stepBytes = 4 * batch * nItems * FLOAT;
  const evalBytes = 2 * evalBatch * nItems * FLOAT;
  return { parameters, weightsBytes, stepBytes, evalBytes, totalBytes: weightsBytes + stepBytes + evalBytes };
}

/**
 * What a resident model (resident-step-graph.ts) keeps on its device, in
 * bytes, from the shapes alone: weights and both Adam moments, their
 * replacements made by a step before the old ones are freed, and the
 * gradients (7 floats a parameter); a step's dense [batch, items] values
 * (the scattered input, logits, softmax, the loss gradient and the
 * products' scratch: 6); evaluation's [evalBatch, items] input and scores.
 */
export function estimateResidentMemory(
  config: Pick<TrialConfig, 'model' | 'dims' | 'batchSize' | 'evalBatchSize'>,
  nItems: number,
): number {
  const { parameters } = estimateTrainingMemory(config, { items: nItems });
  return (7 * parameters + 6 * config.batchSize * nItems + 2 * config.evalBatchSize * nItems) * FLOAT;
}

/**
 * RecVAE's parameter count (recvae/graph.ts): fc1 [I, H], fc2..fc5 [H, H],
 * the mu and logvar heads [H, d], five layer norms' gains and shifts, the
 * decoder [d, I]; each with its bias.
 */
function recvaeParameters(nItems: number, dims: readonly number[]): number {
  const [H, d] = dims;
  return nItems * H + H + 4 * (H * H + H) + 2 * (H * d + d) + 10 * H + d * nItems + nItems;
}
