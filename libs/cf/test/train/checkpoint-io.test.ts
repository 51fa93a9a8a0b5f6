import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTrialConfig } from '../../src/model/config';
import { CHECKPOINT_FORMAT_VERSION, type TrainerCheckpoint } from '../../src/train/checkpoint';
import {
  checkpointFilesOf,
  loadBestWeights,
  loadCheckpoint,
  MANIFEST_FILE,
  saveCheckpoint,
} from '../../src/train/checkpoint-io';

/**
 * What a save writes: each epoch's flushed writes are most of a small trial's
 * checkpoint cost, so the best weights are written only when they are neither
 * the state just saved nor the best of the previous save.
 */
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'vaecf-ckpt-io-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const config = resolveTrialConfig({ model: 'dae', dims: [4], batchSize: 10, epochs: 5 });
const validation = (v: number) => ({
  ndcg100: v,
  recall20: v,
  recall50: v,
  ndcg: { 100: v },
  recall: { 20: v, 50: v },
  users: 3,
  skippedNoHeldOut: 0,
});

/** Weights that differ per epoch (`w` is the value of every element), Adam moments beside them. */
function weights(w: number): Record<string, Float32Array> {
  return { 'layer0/W': new Float32Array(12).fill(w), 'layer0/b': new Float32Array(4).fill(w / 2) };
}

function checkpoint(epoch: number, bestEpoch: number): TrainerCheckpoint {
  const tensors = { ...weights(epoch), 'layer0/W/m': new Float32Array(12).fill(-epoch) };
  return {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    config,
    nItems: 3,
    epoch,
    rng: { state: [epoch, 1, 2, 3] } as unknown as TrainerCheckpoint['rng'],
    model: { steps: epoch * 10, tensors },
    best: {
      epoch: bestEpoch,
      validation: validation(bestEpoch / 10),
      weights: { steps: 0, tensors: weights(bestEpoch) },
    },
    history: [],
  };
}

const manifestOf = async (dir: string) => JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8'));
const binFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.bin')).sort();

describe('saveCheckpoint writes the best weights once', () => {
  it('points into the state file when this epoch is the best, and lists that file once', async () => {
    const dir = join(root, 'improving');
    await saveCheckpoint(dir, checkpoint(1, 1), { itemIds: ['a', 'b', 'c'] });
    const m = await manifestOf(dir);
    expect(m.best.weights.file).toBe(m.state.file);
    expect(await binFiles(dir)).toEqual([m.state.file]);
    const text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
    expect(checkpointFilesOf(text, dir).map((f) => f.file)).toEqual([m.state.file, 'items.json']);
    const loaded = await loadCheckpoint(dir);
    expect(loaded.best!.weights.tensors).toEqual(weights(1));
    expect(loaded.model.tensors['layer0/W/m']).toEqual(new Float32Array(12).fill(-1));
    // The best's arrays are its own, not views of the state's (a resumed trainer updates those).
    expect(loaded.best!.weights.tensors['layer0/W'].buffer).not.toBe(loaded.model.tensors['layer0/W'].buffer);
    expect((await loadBestWeights(dir)).weights.tensors).toEqual(weights(1));
  });

  it('keeps the previous best file while the best is unchanged, and writes a new one only when it must', async () => {
    const dir = join(root, 'plateau');
    await saveCheckpoint(dir, checkpoint(1, 1), { itemIds: ['a', 'b', 'c'] });
    const first = await manifestOf(dir);
    // Epoch 2 is not better: its best (epoch 1's weights) lies in epoch 1's state file, which stays.
    await saveCheckpoint(dir, checkpoint(2, 1));
    const second = await manifestOf(dir);
    expect(second.best.weights).toEqual({ ...first.best.weights });
    expect(await binFiles(dir)).toEqual([first.state.file, second.state.file].sort());
    expect(second.items).toEqual(first.items);
    expect((await loadCheckpoint(dir)).best!.weights.tensors).toEqual(weights(1));
    // Epoch 3 is the best: epoch 1's file is no longer anyone's.
    await saveCheckpoint(dir, checkpoint(3, 3));
    const third = await manifestOf(dir);
    expect(await binFiles(dir)).toEqual([third.state.file]);
    expect((await loadBestWeights(dir)).weights.tensors).toEqual(weights(3));
  });

  it('writes a best file of its own when the best is neither the state nor the previous best', async () => {
    const dir = join(root, 'fresh');
    // A first save in a new directory whose best is an earlier epoch (a resumed trial's new attempt).
    await saveCheckpoint(dir, checkpoint(4, 2));
    const m = await manifestOf(dir);
    expect(m.best.weights.file).toMatch(/^best-000004-[0-9a-f]{8}\.bin$/);
    expect(await binFiles(dir)).toEqual([m.best.weights.file, m.state.file].sort());
    expect((await loadBestWeights(dir)).weights.tensors).toEqual(weights(2));
    // Same best epoch, other bytes (never the case in one trial, but a directory may be reused):
    // the CRC tells them apart and the new best is written.
    const other = checkpoint(5, 2);
    other.best!.weights.tensors['layer0/b'][0] = 99;
    await saveCheckpoint(dir, other);
    const n = await manifestOf(dir);
    expect(n.best.weights.file).not.toBe(m.best.weights.file);
    expect((await loadBestWeights(dir)).weights.tensors['layer0/b'][0]).toBe(99);
  });
});
