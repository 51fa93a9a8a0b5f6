import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePrepareOptions } from '../../src/data/options';
import { prepareDataset } from '../../src/data/prepare';
import { exportProSg } from '../../src/data/pro-sg-export';
import { PRO_SG_FILES } from '../../src/data/pro-sg';
import { useScratchDir } from './fixtures';

/** ratings.csv and the pro_sg files the notebook's own code wrote from it (notebook_split.py). */
const NOTEBOOK = join(__dirname, 'notebook');
const EXPECTED = join(NOTEBOOK, 'expected', 'pro_sg');

const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n');
/** Header, then the rows sorted: the notebook writes rows in file order, which its loaders ignore. */
const rowsOf = async (file: string) => {
  const [header, ...rows] = await lines(file);
  return { header, rows: rows.filter((r) => r !== '').sort() };
};

describe("the notebook's split (split: 'numpy')", () => {
  const scratch = useScratchDir('vaecf-notebook-');

  it('is the default of the ml-20m preset and equals the files the notebook writes', async () => {
    const d = await prepareDataset(join(NOTEBOOK, 'ratings.csv'), {
      format: 'movielens-csv',
      preset: 'ml-20m',
      heldoutUsers: 8,
    });
    expect(d.meta.options).toMatchObject({ split: 'numpy', seed: 98765 });
    const out = join(scratch(), 'pro_sg');
    await exportProSg(d, out);
    expect((await readdir(out)).sort()).toEqual((await readdir(EXPECTED)).sort());
    // Item numbering (pd.unique over the training rows in file order), byte for byte.
    expect(await readFile(join(out, 'unique_sid.txt'), 'utf8')).toBe(
      await readFile(join(EXPECTED, 'unique_sid.txt'), 'utf8'),
    );
    // Users (permuted numbering) and held-out items: the same rows.
    for (const file of Object.values(PRO_SG_FILES)) {
      expect(await rowsOf(join(out, file)), file).toEqual(await rowsOf(join(EXPECTED, file)));
    }
  });

  it("differs from vaecf's own split on the same file (the reason for the option)", async () => {
    const opts = { format: 'movielens-csv', preset: 'ml-20m', heldoutUsers: 8 } as const;
    const numpy = await prepareDataset(join(NOTEBOOK, 'ratings.csv'), opts);
    const own = await prepareDataset(join(NOTEBOOK, 'ratings.csv'), { ...opts, split: 'vaecf' });
    expect(own.meta.options).toMatchObject({ split: 'vaecf' });
    expect(own.test.userIds).not.toEqual(numpy.test.userIds);
  });

  it('is the default of every preset, not of a plain format', () => {
    expect(resolvePrepareOptions({ format: 'netflix-prize', preset: 'netflix' }).split).toBe('numpy');
    expect(resolvePrepareOptions({ format: 'msd', preset: 'msd' }).split).toBe('numpy');
    expect(resolvePrepareOptions({ format: 'movielens-csv' }).split).toBe('vaecf');
  });

  it('refuses a seed NumPy refuses and undersampling, naming the field', async () => {
    const path = join(NOTEBOOK, 'ratings.csv');
    await expect(prepareDataset(path, { format: 'movielens-csv', split: 'numpy', seed: -1 })).rejects.toThrow(
      /option seed: the numpy split needs a seed in \[0, 2\^32\)/,
    );
    await expect(
      prepareDataset(path, { format: 'movielens-csv', split: 'numpy', undersampleRatings: true }),
    ).rejects.toThrow(/option undersampleRatings/);
    await expect(prepareDataset(path, { format: 'movielens-csv', split: 'scipy' as never })).rejects.toThrow(
      /option split/,
    );
  });
});
