import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '@vaecf/errors';
import { prepareDataset } from '../../src/data/prepare';
import { exportProSg } from '../../src/data/pro-sg-export';
import { randomRatings, useScratchDir } from './fixtures';

const EXPECTED = join(__dirname, 'notebook', 'expected', 'pro_sg');

async function filesOf(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await readFile(join(dir, n), 'utf8')])),
  );
}

describe('pro_sg import and export', () => {
  const scratch = useScratchDir('vaecf-pro-sg-');

  it('round trips: export, import, export writes identical files', async () => {
    const ratings = await randomRatings(scratch(), 'ratings.csv', 120, 60, 3);
    const d = await prepareDataset(ratings, { format: 'movielens-csv', heldoutUsers: 15 });
    const first = join(scratch(), 'first');
    await exportProSg(d, first);
    const imported = await prepareDataset(first, { format: 'pro_sg' });
    expect(imported.nItems).toBe(d.nItems);
    expect(imported.train).toEqual(d.train);
    expect(imported.validation.foldIn).toEqual(d.validation.foldIn);
    expect(imported.test.heldOut).toEqual(d.test.heldOut);
    expect(imported.itemIds).toEqual(d.itemIds);
    const second = join(scratch(), 'second');
    await exportProSg(imported, second);
    expect(await filesOf(second)).toEqual(await filesOf(first));
  });

  it("loads the notebook's files as load_tr_te_data does (rows are uid - min uid of the pair)", async () => {
    const d = await prepareDataset(EXPECTED, { format: 'pro_sg' });
    const uids = (file: string) =>
      readFile(join(EXPECTED, file), 'utf8').then((t) =>
        t
          .split('\n')
          .slice(1)
          .filter(Boolean)
          .map((l) => Number(l.split(',')[0])),
      );
    const train = await uids('train.csv');
    const validation = [...(await uids('validation_tr.csv')), ...(await uids('validation_te.csv'))];
    expect(d.train.nRows).toBe(Math.max(...train) + 1);
    expect(d.validation.foldIn.nRows).toBe(Math.max(...validation) - Math.min(...validation) + 1);
    expect(d.validation.userIds[0]).toBe(String(Math.min(...validation)));
    const items = (await readFile(join(EXPECTED, 'unique_sid.txt'), 'utf8')).trim().split('\n');
    expect(d.itemIds).toEqual(items);
    // A row of validation_te.csv lands in the held-out row uid - start.
    const [uid, sid] = (await readFile(join(EXPECTED, 'validation_te.csv'), 'utf8'))
      .split('\n')[1]
      .split(',');
    const row = Number(uid) - Math.min(...validation);
    const held = d.validation.heldOut;
    expect(Array.from(held.indices.subarray(held.indptr[row], held.indptr[row + 1]))).toContain(Number(sid));
  });

  describe('bad directories are InputErrors naming the file and line', () => {
    const broken = async (name: string, edit: (dir: string) => Promise<void>) => {
      const dir = join(scratch(), name);
      await cp(EXPECTED, dir, { recursive: true });
      await edit(dir);
      return prepareDataset(dir, { format: 'pro_sg' });
    };
    const refused = async (p: Promise<unknown>, message: RegExp) => {
      const e = await p.then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toMatch(message);
    };

    it('a missing file', () =>
      refused(
        broken('missing', (d) => rm(join(d, 'test_te.csv'))),
        /missing[/\\]test_te\.csv: missing \(a pro_sg directory needs it\)/,
      ));
    it('a bad header', () =>
      refused(
        broken('header', (d) => writeFile(join(d, 'train.csv'), 'user,item\n0,1\n')),
        /train\.csv:1: header must be "uid,sid", found "user,item"/,
      ));
    it('a non-integer id', () =>
      refused(
        broken('nonint', (d) => writeFile(join(d, 'validation_tr.csv'), 'uid,sid\n20,3\n20,x7\n')),
        /validation_tr\.csv:3: sid "x7" is not a non-negative integer/,
      ));
    it('an item outside unique_sid.txt', () =>
      refused(
        broken('range', (d) => writeFile(join(d, 'test_tr.csv'), 'uid,sid\n28,100000\n')),
        /test_tr\.csv:2: sid 100000 is outside unique_sid\.txt/,
      ));
    it('not a directory', () =>
      refused(prepareDataset(join(EXPECTED, 'train.csv'), { format: 'pro_sg' }), /needs a directory/));
  });
});
