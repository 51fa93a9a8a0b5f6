import { InputError } from '@vaecf/errors';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { zipSync } from 'fflate';
import type { TrialConfig } from '../model/config';
import { loadBestWeights } from '../train/checkpoint-io';
import { npzBytes, type NpyArray } from './npz';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { LN_EPS } from '../model/recvae/graph';
import { scoringLayers, type ScoringLayer } from './scoring-layers';

export const MODEL_EXPORT_FORMATS = ['tfjs', 'npz'] as const;
export type ModelExportFormat = (typeof MODEL_EXPORT_FORMATS)[number];

export class ModelExportFormatError extends InputError {
  constructor(field: string, value: unknown) {
    const problem = `must be one of ${MODEL_EXPORT_FORMATS.join(', ')}`;
    super(`invalid ${field}: ${problem} (got ${JSON.stringify(value)})`, field, problem);
  }
}

/** The format named by a flag or query parameter, or an InputError naming it. */
export function modelExportFormat(value: unknown, field = 'format'): ModelExportFormat {
  if ((MODEL_EXPORT_FORMATS as readonly unknown[]).includes(value)) return value as ModelExportFormat;
  throw new ModelExportFormatError(field, value);
}

/** A trained model reduced to what scoring needs, in a form other tools can hold. */
export interface ExportableModel {
  readonly config: TrialConfig;
  readonly nItems: number;
  readonly epoch: number;
  /** Original item ids, in the order of the input and output columns. */
  readonly itemIds: readonly string[];
  readonly layers: readonly ScoringLayer[];
  /** RecVAE: its scoring arrays by their npz names (see recvaeScoringArrays); `layers` is then empty. */
  readonly recvae?: Readonly<Record<string, { shape: number[]; data: Float32Array }>>;
}

/**
 * RecVAE's scoring path as named arrays: fc1..fc5 kernels [inputs x units]
 * and biases, ln1..ln5 gamma and beta (LayerNorm, eps 0.1), the mu head and
 * the decoder. The log-variance head and the prior's copy play no part in
 * scoring and are left out.
 */
function recvaeScoringArrays(
  config: TrialConfig,
  nItems: number,
  w: Readonly<Record<string, Float32Array>>,
): Record<string, { shape: number[]; data: Float32Array }> {
  const [H, d] = config.dims;
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  const put = (name: string, key: string, shape: number[]) => {
    const data = w[key];
    if (!data || data.length !== shape.reduce((a, b) => a * b, 1))
      throw new Error(`RecVAE weights lack ${key} of shape ${shape.join('x')}`);
    out[name] = { shape, data };
  };
  put('fc1_kernel', 'W1', [nItems, H]);
  put('fc1_bias', 'b1', [H]);
  for (let k = 2; k <= 5; k++) {
    put(`fc${k}_kernel`, `W${k}`, [H, H]);
    put(`fc${k}_bias`, `b${k}`, [H]);
  }
  for (let k = 1; k <= 5; k++) {
    put(`ln${k}_gamma`, `g${k}`, [H]);
    put(`ln${k}_beta`, `c${k}`, [H]);
  }
  put('mu_kernel', 'Wmu', [H, d]);
  put('mu_bias', 'bmu', [d]);
  put('decoder_kernel', 'Wd', [d, nItems]);
  put('decoder_bias', 'bd', [nItems]);
  return out;
}

/** The best weights of a checkpoint directory (a trial's, or a sweep's promoted model). */
export async function loadExportableModel(dir: string): Promise<ExportableModel> {
  const best = await loadBestWeights(dir);
  if (best.config.model === 'recvae')
    return {
      config: best.config,
      nItems: best.nItems,
      epoch: best.epoch,
      itemIds: best.itemIds ?? Array.from({ length: best.nItems }, (_, i) => String(i)),
      layers: [],
      recvae: recvaeScoringArrays(best.config, best.nItems, best.weights.tensors),
    };
  return {
    config: best.config,
    nItems: best.nItems,
    epoch: best.epoch,
    // A checkpoint saved without ids: columns are named by their index.
    itemIds: best.itemIds ?? Array.from({ length: best.nItems }, (_, i) => String(i)),
    layers: scoringLayers(best.config, best.nItems, best.weights.tensors),
  };
}

/**
 * The file names and bytes of one export. npz: model.npz holding
 * `<layer>_kernel` [inputs x units] and `<layer>_bias` per layer, `layers`
 * and `activations` (the order to apply them), `item_ids`. tfjs: a
 * TensorFlow.js LayersModel (model.json + weights.bin) and items.json. Both
 * take the L2-normalised binary item vector of a user (x / ||x||, as vaecf
 * feeds its encoder) and return the logits (vaecf's scores).
 */
export async function modelExportFiles(
  m: ExportableModel,
  format: ModelExportFormat,
): Promise<Record<string, Uint8Array>> {
  if (format === 'npz') return { 'model.npz': modelNpz(m) };
  return modelTfjsFiles(m);
}

export async function exportModel(dir: string, format: ModelExportFormat, outDir: string): Promise<string[]> {
  const files = await modelExportFiles(await loadExportableModel(dir), format);
  await mkdir(outDir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(outDir, name), bytes);
  return Object.keys(files).map((name) => join(outDir, name));
}

/**
 * One download for a format: the .npz as it is, the tfjs files zipped
 * (model.json, weights.bin and items.json side by side once unzipped).
 */
export async function modelExportBundle(
  dir: string,
  format: ModelExportFormat,
): Promise<{ readonly fileName: string; readonly bytes: Uint8Array }> {
  const files = await modelExportFiles(await loadExportableModel(dir), format);
  if (format === 'npz') return { fileName: 'model.npz', bytes: files['model.npz'] };
  return { fileName: 'model-tfjs.zip', bytes: zipSync(files) };
}

export function modelNpz(m: ExportableModel): Uint8Array {
  if (m.recvae) {
    const arrays: Record<string, NpyArray> = {
      model: { dtype: 'str', data: ['recvae'] },
      item_ids: { dtype: 'str', data: m.itemIds },
    };
    for (const [name, a] of Object.entries(m.recvae))
      arrays[name] = { dtype: 'float32', shape: a.shape, data: a.data };
    return npzBytes(arrays);
  }
  const arrays: Record<string, NpyArray> = {
    layers: { dtype: 'str', data: m.layers.map((l) => l.name) },
    activations: { dtype: 'str', data: m.layers.map((l) => l.activation) },
    item_ids: { dtype: 'str', data: m.itemIds },
  };
  for (const l of m.layers) {
    arrays[`${l.name}_kernel`] = { dtype: 'float32', shape: [l.inputs, l.units], data: l.kernel };
    arrays[`${l.name}_bias`] = { dtype: 'float32', shape: [l.units], data: l.bias };
  }
  return npzBytes(arrays);
}

const TFJS_WEIGHTS_FILE = 'weights.bin';

type Tfl = typeof import('@tensorflow/tfjs-layers');

/** Mult-VAE / Mult-DAE: its dense layers in order, a sequential model. */
function multLayersModel(tfl: Tfl, layers: readonly ScoringLayer[], kind: string): LayersModel {
  const model = tfl.sequential({ name: `vaecf_mult_${kind}` });
  for (const [k, l] of layers.entries()) {
    model.add(
      tfl.layers.dense({
        name: l.name,
        units: l.units,
        activation: l.activation,
        ...(k === 0 && { inputShape: [l.inputs] }),
        weights: [tf.tensor2d(l.kernel, [l.inputs, l.units]), tf.tensor1d(l.bias)],
      }),
    );
  }
  return model;
}

/**
 * RecVAE's scoring path (recvae/graph.ts `recvaeScoringGraph`) as a
 * functional model, the layers named as the npz arrays:
 *   h1 = ln1(swish(fc1(x)));  hk = lnk(swish(add(fck(h{k-1}), h1, ..., h{k-1})))
 *   logits = decoder(mu(h5))
 * The swish is its own activation layer after the sum, since the residuals
 * join before it; tfjs's LayerNormalization normalises the last axis with
 * the biased variance and eps inside the square root, as vaecf's does.
 */
function recvaeLayersModel(
  tfl: Tfl,
  a: Readonly<Record<string, { shape: number[]; data: Float32Array }>>,
): LayersModel {
  const t = (name: string) => tf.tensor(a[name].data, a[name].shape);
  const dense = (name: string, activation: 'swish' | 'linear') =>
    tfl.layers.dense({
      name,
      units: a[`${name}_kernel`].shape[1],
      activation,
      weights: [t(`${name}_kernel`), t(`${name}_bias`)],
    });
  const layerNorm = (k: number) =>
    tfl.layers.layerNormalization({
      name: `ln${k}`,
      axis: -1,
      epsilon: LN_EPS,
      weights: [t(`ln${k}_gamma`), t(`ln${k}_beta`)],
    });
  const input = tfl.input({ shape: [a.fc1_kernel.shape[0]], name: 'x' });
  const h: SymbolicTensor[] = [];
  h[1] = layerNorm(1).apply(dense('fc1', 'swish').apply(input)) as SymbolicTensor;
  for (let k = 2; k <= 5; k++) {
    const sum = tfl.layers
      .add({ name: `residual${k}` })
      .apply([dense(`fc${k}`, 'linear').apply(h[k - 1]) as SymbolicTensor, ...h.slice(1, k)]);
    const act = tfl.layers.activation({ name: `swish${k}`, activation: 'swish' }).apply(sum);
    h[k] = layerNorm(k).apply(act) as SymbolicTensor;
  }
  const mu = dense('mu', 'linear').apply(h[5]) as SymbolicTensor;
  const logits = dense('decoder', 'linear').apply(mu) as SymbolicTensor;
  return tfl.model({ name: 'vaecf_recvae', inputs: input, outputs: logits });
}

/** Built with tfjs-layers and saved through its own serialisation, so tf.loadLayersModel reads it. */
export async function modelTfjsFiles(m: ExportableModel): Promise<Record<string, Uint8Array>> {
  // Loaded on demand: only exports need tfjs-layers, not training. tfjs builds the layers on its
  // cpu backend unless the process already runs another (an export is small work).
  const tfl = await import('@tensorflow/tfjs-layers');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.ready();
  const model = m.recvae ? recvaeLayersModel(tfl, m.recvae) : multLayersModel(tfl, m.layers, m.config.model);
  model.setUserDefinedMetadata({
    vaecf: {
      model: m.config.model,
      dims: m.config.dims,
      epoch: m.epoch,
      input: 'L2-normalised binary item vector (x / ||x||), columns in the order of items.json',
      output: 'logits over the items (vaecf scores); mask the history before ranking',
    },
  });
  let saved: tf.io.ModelArtifacts | null = null;
  try {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
  } finally {
    model.dispose();
  }
  const artifacts = saved as unknown as tf.io.ModelArtifacts;
  // What tfjs's own file savers write (getModelJSONForModelArtifacts, not exported by tfjs-core).
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology!,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: artifacts.weightSpecs! }],
    ...(artifacts.userDefinedMetadata && { userDefinedMetadata: artifacts.userDefinedMetadata }),
  };
  const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData!);
  return {
    'model.json': Buffer.from(JSON.stringify(json)),
    [TFJS_WEIGHTS_FILE]: new Uint8Array(weights),
    'items.json': Buffer.from(JSON.stringify(m.itemIds)),
  };
}
