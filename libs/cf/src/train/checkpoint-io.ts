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
 *   best-<tag>.bin        the best-by-validation weights, when they are not
 *                         those of the state file (the manifest then points
 *                         into the state file: a best epoch's weights are
 *                         written once)
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
    | (Omit<NonNullable<TrainerCheckpoint['best']>, 'weights'> & {
        readonly weights: ArrayFile;
        /** CRC32 of the best arrays' bytes in name order (absent before it was recorded): a later save that has the same best keeps its place. */
        readonly weightsCrc32?: number;
      })
    | null;
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
  const previous = await readManifest(dir).catch(() => null);
  const tag = `${String(ckpt.epoch).padStart(6, '0')}-${randomBytes(4).toString('hex')}`;
  const state = await writeArrays(dir, `state-${tag}.bin`, ckpt.model.tensors);
  const best = ckpt.best ? { ...ckpt.best, ...(await bestArrays(dir, tag, ckpt, state, previous)) } : null;
  let items: { bytes: number; crc32: number } | null = null;
  if (extras.itemIds) {
    const bytes = Buffer.from(JSON.stringify(extras.itemIds));
    await writeAtomic(join(dir, ITEMS_FILE), bytes);
    items = { bytes: bytes.length, crc32: crc32(bytes) };
  } else if (previous?.hasItemIds && previous.items) {
    items = previous.items; // written by an earlier save of this directory, unchanged since
  } else if (await exists(join(dir, ITEMS_FILE))) {
    const bytes = await readFile(join(dir, ITEMS_FILE));
    items = { bytes: bytes.length, crc32: crc32(bytes) };
  }
  const { model, best: _best, ...rest } = ckpt;
  const manifest: Manifest = {
    ...rest,
    steps: model.steps,
    state,
    best,
    hasItemIds: items !== null,
    items,
  };
  await writeAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  const keep = new Set([state.file, best?.weights.file]);
  for (const f of await readdir(dir)) {
    if (/^(state|best)-.*\.bin(\.tmp)?$/.test(f) && !keep.has(f)) await rm(join(dir, f), { force: true });
  }
}

/**
 * Where the best weights go, writing as little as it can (each file is a
 * flushed write, the larger part of a small trial's epoch): the best of this
 * very epoch is the weights just saved in `state`, so the manifest points
 * into that file; a best unchanged since the previous save (same arrays, same
 * CRC32 of their bytes) keeps the place it had; only a best that is neither
 * is written anew.
 */
async function bestArrays(
  dir: string,
  tag: string,
  ckpt: TrainerCheckpoint,
  state: ArrayFile,
  previous: Manifest | null,
): Promise<{ weights: ArrayFile; weightsCrc32: number }> {
  const tensors = ckpt.best!.weights.tensors;
  const names = Object.keys(tensors).sort();
  const weightsCrc32 = names.reduce((c, n) => crc32(bytesOf(tensors[n]), c), 0);
  if (names.every((n) => sameFloats(tensors[n], ckpt.model.tensors[n]))) {
    const index = Object.fromEntries(names.map((n) => [n, state.index[n]]));
    return { weights: { ...state, index }, weightsCrc32 };
  }
  const earlier = previous?.best;
  const sameArrays = (index: Record<string, [number, number]>) =>
    Object.keys(index).sort().join() === names.join() &&
    names.every((n) => index[n][1] === tensors[n].length);
  if (
    earlier?.weightsCrc32 === weightsCrc32 &&
    sameArrays(earlier.weights.index) &&
    (await exists(join(dir, earlier.weights.file)))
  ) {
    return { weights: earlier.weights, weightsCrc32 };
  }
  return { weights: await writeArrays(dir, `best-${tag}.bin`, tensors), weightsCrc32 };
}

const bytesOf = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

function sameFloats(a: Float32Array, b: Float32Array | undefined): boolean {
  return b !== undefined && a.length === b.length && bytesOf(a).equals(bytesOf(b));
}

export async function loadCheckpoint(dir: string): Promise<TrainerCheckpoint> {
  const m = await readManifest(dir);
  const model: ModelState = { steps: m.steps, tensors: await readArrays(dir, m.state) };
  let best: TrainerCheckpoint['best'] = null;
  if (m.best) {
    // Read on its own even when it lies in the state file: the best's arrays must not alias the
    // state's, which a resumed trainer goes on updating.
    const { weightsCrc32: _c, weights, ...snapshot } = m.best;
    best = { ...snapshot, weights: { steps: m.steps, tensors: await readArrays(dir, weights) } };
  }
  const { state: _s, steps: _st, hasItemIds: _h, items: _i, ...rest } = m;
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
  // The best weights may lie in the state file itself (saved in the epoch they were best): once.
  const arrays = [m.state, ...(m.best && m.best.weights.file !== m.state.file ? [m.best.weights] : [])];
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
  const { bytes, index } = concatArrays(tensors);
  await writeAtomic(join(dir, file), bytes);
  return { file, crc32: crc32(bytes), bytes: bytes.length, index };
}

/** The tensors side by side in name order, and where each one lies. */
function concatArrays(tensors: Record<string, Float32Array>): {
  bytes: Buffer;
  index: Record<string, [number, number]>;
} {
  const names = Object.keys(tensors).sort();
  const index: Record<string, [number, number]> = {};
  let total = 0;
  for (const n of names) {
    index[n] = [total, tensors[n].length];
    total += tensors[n].length;
  }
  const all = new Float32Array(total);
  for (const n of names) all.set(tensors[n], index[n][0]);
  return { bytes: Buffer.from(all.buffer, all.byteOffset, all.byteLength), index };
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
