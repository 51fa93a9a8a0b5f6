import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { IntColumn } from './columns';
import { csrFromPairs } from './csr';
import type { HeldOutSplit, PreparedDataset } from './dataset';
import { DatasetInputError } from './errors';
import type { PrepareOptions } from './options';
// A cycle (prepare.ts calls this module), harmless: the constant is read at call time only.
import { DATASET_FORMAT_VERSION } from './meta';
import { PRO_SG_FILES, PRO_SG_HEADER, PRO_SG_ITEMS_FILE } from './pro-sg';
import { datasetStats } from './stats';

interface Pairs {
  readonly uid: Int32Array;
  readonly sid: Int32Array;
}

/**
 * Loads a pro_sg directory as the notebook's load_train_data and
 * load_tr_te_data do: n_items = the lines of unique_sid.txt; the training
 * matrix has max(uid) + 1 rows; a held-out split's rows are uid - start,
 * start and end being the smallest and largest uid of its two files, so a
 * uid absent from both (inside that range) is an empty row. Duplicate rows
 * count once (vaecf's matrices are binary). User ids are the uids.
 */
export async function importProSg(dir: string, o: PrepareOptions): Promise<PreparedDataset> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory())
    throw new DatasetInputError(dir, 0, "format pro_sg needs a directory of the notebook's files");
  const itemIds = await readItemIds(join(dir, PRO_SG_ITEMS_FILE));
  const nItems = itemIds.length;
  const read = (name: string) => readPairs(join(dir, name), nItems);
  const trainPairs = await read(PRO_SG_FILES.train);
  let nTrain = 0;
  for (const u of trainPairs.uid) nTrain = Math.max(nTrain, u + 1);
  const train = csrFromPairs(nTrain, nItems, trainPairs.uid, trainPairs.sid);
  const validation = trTe(
    await read(PRO_SG_FILES.validationFoldIn),
    await read(PRO_SG_FILES.validationHeldOut),
    nItems,
  );
  const test = trTe(await read(PRO_SG_FILES.testFoldIn), await read(PRO_SG_FILES.testHeldOut), nItems);
  const core = { nItems, train, validation, test };
  return {
    ...core,
    trainUserIds: Array.from({ length: nTrain }, (_, u) => String(u)),
    itemIds,
    meta: {
      formatVersion: DATASET_FORMAT_VERSION,
      createdAt: new Date().toISOString(),
      source: { path: basename(dir), format: 'pro_sg' },
      options: { ...o },
      stats: datasetStats(core),
    },
  };
}

function trTe(tr: Pairs, te: Pairs, nItems: number): HeldOutSplit {
  let start = Infinity;
  let end = -1;
  for (const a of [tr.uid, te.uid])
    for (const u of a) {
      start = Math.min(start, u);
      end = Math.max(end, u);
    }
  const n = end < 0 ? 0 : end - start + 1;
  const shift = (uid: Int32Array) => uid.map((u) => u - start);
  return {
    foldIn: csrFromPairs(n, nItems, shift(tr.uid), tr.sid),
    heldOut: csrFromPairs(n, nItems, shift(te.uid), te.sid),
    userIds: Array.from({ length: n }, (_, k) => String(start + k)),
  };
}

async function* lines(file: string): AsyncGenerator<[string, number]> {
  const input = createReadStream(file);
  // Surface a missing file as the one-line error, not as an unhandled stream error.
  await new Promise<void>((resolve, reject) => {
    input.once('open', () => resolve());
    input.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new DatasetInputError(
          file,
          0,
          e.code === 'ENOENT' ? 'missing (a pro_sg directory needs it)' : e.message,
        ),
      ),
    );
  });
  let lineNo = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    yield [line.endsWith('\r') ? line.slice(0, -1) : line, lineNo];
  }
}

/** unique_sid.txt: one item id per line, read as the notebook does (line.strip()). */
async function readItemIds(file: string): Promise<string[]> {
  const ids: string[] = [];
  const seen = new Set<string>();
  for await (const [line, lineNo] of lines(file)) {
    const id = line.trim();
    if (id === '') throw new DatasetInputError(file, lineNo, 'empty item id');
    if (seen.has(id)) throw new DatasetInputError(file, lineNo, `item id "${id}" appears twice`);
    seen.add(id);
    ids.push(id);
  }
  if (ids.length === 0) throw new DatasetInputError(file, 0, 'no item ids');
  return ids;
}

const NON_NEGATIVE_INT = /^\d+$/;

/** A `uid,sid` file: the header, then two non-negative integers per line, sid < nItems. */
async function readPairs(file: string, nItems: number): Promise<Pairs> {
  const uid = new IntColumn();
  const sid = new IntColumn();
  let header = false;
  for await (const [line, lineNo] of lines(file)) {
    if (!header) {
      if (line.trim() !== PRO_SG_HEADER)
        throw new DatasetInputError(file, lineNo, `header must be "${PRO_SG_HEADER}", found "${line}"`);
      header = true;
      continue;
    }
    if (line.trim() === '') continue;
    const fields = line.split(',');
    if (fields.length !== 2) throw new DatasetInputError(file, lineNo, `expected uid,sid, found "${line}"`);
    const [u, s] = fields.map((f) => f.trim());
    for (const [name, v] of [
      ['uid', u],
      ['sid', s],
    ] as const)
      if (!NON_NEGATIVE_INT.test(v) || Number(v) > 0x7fffffff)
        throw new DatasetInputError(file, lineNo, `${name} "${v}" is not a non-negative integer`);
    if (Number(s) >= nItems)
      throw new DatasetInputError(file, lineNo, `sid ${s} is outside unique_sid.txt (${nItems} items)`);
    uid.push(Number(u));
    sid.push(Number(s));
  }
  if (!header) throw new DatasetInputError(file, 0, `empty (expected the header "${PRO_SG_HEADER}")`);
  return { uid: uid.view().slice(), sid: sid.view().slice() };
}
