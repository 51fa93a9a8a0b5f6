import { InputError } from '@vaecf/errors';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { ModelState } from '../model/network';
import { writeFileSynced } from '../runtime/fs';
import { CHECKPOINT_FORMAT_VERSION, type TrainerCheckpoint } from './checkpoint';

/**
 * On disk a checkpoint is a directory:
 *   checkpoint.json       the manifest: everything but the arrays, and an index of them
 *   state-<tag>.bin       weights + Adam moments (float32, concatenated)
 *   best-<tag>.bin        the best-by-validation weights
 *   items.json            original item ids (so a checkpoint alone can serve recommendations)
 * Saving writes new .bin files under fresh names, then replaces the manifest
 * with an atomic rename (the commit point), then deletes what it no longer
 * names. A crash at any moment leaves the previous or the new checkpoint,
 * never a mix; each array file carries a CRC32 checked on load.
 */
export const MANIFEST_FILE = 'checkpoint.json';
const ITEMS_FILE = 'items.json';

interface ArrayFile {
  readonly file: string;
  readonly crc32: number;
  readonly bytes: number;
  /** name -> [offset, length] in float32 elements. */
  readonly index: Record<string, [number, number]>;
}

interface Manifest extends Omit<TrainerCheckpoint, 'model' | 'best'> {
  readonly steps: number;
  readonly state: ArrayFile;
  readonly best:
    (Omit<NonNullable<TrainerCheckpoint['best']>, 'weights'> & { readonly weights: ArrayFile }) | null;
  readonly hasItemIds: boolean;
  /** items.json's size and CRC32 (absent in checkpoints saved before it was recorded). */
  readonly items?: { readonly bytes: number; readonly crc32: number } | null;
}

/** One file a checkpoint's manifest names, with the size and CRC32 it must have (null: not recorded). */
export interface CheckpointFile {
  readonly file: string;
  readonly bytes: number | null;
  readonly crc32: number | null;
}

export class CheckpointError extends InputError {
  constructor(dir: string, problem: string) {
    super(`checkpoint ${dir}: ${problem}`, dir, problem);
  }
}

export async function saveCheckpoint(
  dir: string,
  ckpt: TrainerCheckpoint,
  extras: { itemIds?: readonly string[] } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tag = `${String(ckpt.epoch).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
  const state = await writeArrays(dir, `state-${tag}.bin`, ckpt.model.tensors);
  const best = ckpt.best
    ? { ...ckpt.best, weights: await writeArrays(dir, `best-${tag}.bin`, ckpt.best.weights.tensors) }
    : null;
  let items: Buffer | null = null;
  if (extras.itemIds) {
    items = Buffer.from(JSON.stringify(extras.itemIds));
    await writeAtomic(join(dir, ITEMS_FILE), items);
  } else if (await exists(join(dir, ITEMS_FILE))) {
    items = await readFile(join(dir, ITEMS_FILE));
  }
  const { model, best: _best, ...rest } = ckpt;
  const manifest: Manifest = {
    ...rest,
    steps: model.steps,
    state,
    best,
    hasItemIds: items !== null,
    items: items && { bytes: items.length, crc32: crc32(items) },
  };
  await writeAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  const keep = new Set([state.file, best?.weights.file]);
  for (const f of await readdir(dir)) {
    if (/^(state|best)-.*\.bin(\.tmp)?$/.test(f) && !keep.has(f)) await rm(join(dir, f), { force: true });
  }
}

export async function loadCheckpoint(dir: string): Promise<TrainerCheckpoint> {
  const m = await readManifest(dir);
  const model: ModelState = { steps: m.steps, tensors: await readArrays(dir, m.state) };
  const best = m.best
    ? { ...m.best, weights: { steps: m.steps, tensors: await readArrays(dir, m.best.weights) } }
    : null;
  const { state: _s, steps: _st, hasItemIds: _h, ...rest } = m;
  return { ...rest, model, best };
}

/** Only what scoring needs: the config and the best weights (not the Adam state). */
export async function loadBestWeights(dir: string): Promise<{
  config: TrainerCheckpoint['config'];
  nItems: number;
  epoch: number;
  weights: ModelState;
  itemIds: string[] | null;
}> {
  const m = await readManifest(dir);
  if (!m.best) throw new CheckpointError(dir, 'has no validated epoch yet (no best weights)');
  const weights = { steps: m.steps, tensors: await readArrays(dir, m.best.weights) };
  const itemIds = m.hasItemIds
    ? (JSON.parse(await readFile(join(dir, ITEMS_FILE), 'utf8')) as string[])
    : null;
  if (itemIds && itemIds.length !== m.nItems) {
    throw new CheckpointError(dir, `${ITEMS_FILE} has ${itemIds.length} ids for ${m.nItems} items`);
  }
  return { config: m.config, nItems: m.nItems, epoch: m.best.epoch, weights, itemIds };
}

/**
 * The files a checkpoint manifest (its text) names, the manifest excluded:
 * what an artifact store copies before the manifest, and verifies after a
 * download. `where` names the checkpoint in errors.
 */
export function checkpointFilesOf(manifestText: string, where: string): CheckpointFile[] {
  const m = parseManifest(manifestText, where);
  const arrays = [m.state, ...(m.best ? [m.best.weights] : [])];
  const files: CheckpointFile[] = arrays.map((a) => ({ file: a.file, bytes: a.bytes, crc32: a.crc32 }));
  if (m.hasItemIds)
    files.push({ file: ITEMS_FILE, bytes: m.items?.bytes ?? null, crc32: m.items?.crc32 ?? null });
  return files;
}

async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new CheckpointError(dir, `no ${MANIFEST_FILE} (not a checkpoint, or none saved yet)`);
  }
  return parseManifest(text, dir);
}

function parseManifest(text: string, dir: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (e) {
    throw new CheckpointError(dir, `${MANIFEST_FILE} is not valid JSON (${(e as Error).message})`);
  }
  if (m.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(
      dir,
      `format version ${m.formatVersion}, this vaecf reads ${CHECKPOINT_FORMAT_VERSION}`,
    );
  }
  return m;
}

async function writeArrays(
  dir: string,
  file: string,
  tensors: Record<string, Float32Array>,
): Promise<ArrayFile> {
  const names = Object.keys(tensors).sort();
  const index: Record<string, [number, number]> = {};
  let total = 0;
  for (const n of names) {
    index[n] = [total, tensors[n].length];
    total += tensors[n].length;
  }
  const all = new Float32Array(total);
  for (const n of names) all.set(tensors[n], index[n][0]);
  const bytes = Buffer.from(all.buffer, all.byteOffset, all.byteLength);
  await writeAtomic(join(dir, file), bytes);
  return { file, crc32: crc32(bytes), bytes: bytes.length, index };
}

async function readArrays(dir: string, f: ArrayFile): Promise<Record<string, Float32Array>> {
  let buf: Buffer;
  try {
    buf = await readFile(join(dir, f.file));
  } catch {
    throw new CheckpointError(dir, `missing ${f.file}`);
  }
  if (buf.length !== f.bytes || crc32(buf) !== f.crc32)
    throw new CheckpointError(dir, `${f.file} is corrupt (size or CRC32 mismatch)`);
  // Copy into an aligned buffer: a Buffer from readFile may sit at an odd offset of a shared pool.
  const all = new Float32Array(buf.length / 4);
  new Uint8Array(all.buffer).set(buf);
  const out: Record<string, Float32Array> = {};
  for (const [name, [offset, length]] of Object.entries(f.index))
    out[name] = all.subarray(offset, offset + length);
  return out;
}

/** Write to a temporary name, flush to disk, then rename over the target. */
async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFileSynced(tmp, data);
  await rename(tmp, path);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
