import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Csr } from './csr';
import type { PreparedDataset } from './dataset';
import { PRO_SG_FILES, PRO_SG_HEADER, PRO_SG_ITEMS_FILE } from './pro-sg';

/**
 * Writes any prepared dataset as the notebook's pro_sg directory, so the
 * paper's code (and anyone's built on it) runs on exactly this split: uids
 * number training users 0..T-1, then validation users, then test users;
 * sids index unique_sid.txt (vaecf's item order). Rows are written by uid,
 * then sid: the notebook writes file order, which its loaders ignore.
 */
export async function exportProSg(d: PreparedDataset, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeLines(join(outDir, PRO_SG_ITEMS_FILE), d.itemIds, (id) => `${id}\n`);
  const nTrain = d.train.nRows;
  const nValidation = d.validation.foldIn.nRows;
  await writePairs(join(outDir, PRO_SG_FILES.train), d.train, 0);
  await writePairs(join(outDir, PRO_SG_FILES.validationFoldIn), d.validation.foldIn, nTrain);
  await writePairs(join(outDir, PRO_SG_FILES.validationHeldOut), d.validation.heldOut, nTrain);
  await writePairs(join(outDir, PRO_SG_FILES.testFoldIn), d.test.foldIn, nTrain + nValidation);
  await writePairs(join(outDir, PRO_SG_FILES.testHeldOut), d.test.heldOut, nTrain + nValidation);
}

function writePairs(file: string, m: Csr, firstUid: number): Promise<void> {
  function* rows(): Generator<string> {
    yield `${PRO_SG_HEADER}\n`;
    for (let r = 0; r < m.nRows; r++)
      for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) yield `${firstUid + r},${m.indices[p]}\n`;
  }
  return writeLines(file, rows(), (s) => s);
}

/** Streams lines in chunks of about 1 MB (train.csv of ML-20M has 10M lines). */
async function writeLines<T>(file: string, items: Iterable<T>, format: (x: T) => string): Promise<void> {
  const out = createWriteStream(file);
  let chunk = '';
  for (const x of items) {
    chunk += format(x);
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
