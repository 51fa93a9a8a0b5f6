import { describe, expect, it } from 'vitest';
import { defaultHeldoutUsers, resolvePrepareOptions } from '../../src/data/options';
import { prepareDataset } from '../../src/data/prepare';
import { randomRatings, useScratchDir } from './fixtures';

const dir = useScratchDir('vaecf-options-');

describe('held-out users', () => {
  it('default to 10% of the users each, at least 1 and at most 10,000', () => {
    expect([3, 19, 20, 1_982, 100_000, 138_493].map(defaultHeldoutUsers)).toEqual([
      1, 1, 2, 198, 10_000, 10_000,
    ]);
  });

  it('fit any file when unset: a file of a few hundred users prepares, the size used is recorded', async () => {
    const path = await randomRatings(dir(), 'small.csv', 300, 80);
    const d = await prepareDataset(path, { format: 'movielens-csv' });
    const users = d.meta.stats!.usersAfterFilter as number;
    const n = Math.floor(users / 10);
    expect(d.validation.userIds.length).toBe(n);
    expect(d.test.userIds.length).toBe(n);
    expect(d.trainUserIds.length).toBe(users - 2 * n);
    expect(d.meta.options).toMatchObject({ heldoutUsers: n });
  });

  it('keep the paper numbers with a preset', () => {
    expect(resolvePrepareOptions({ format: 'movielens-csv', preset: 'ml-20m' }).heldoutUsers).toBe(10_000);
    expect(resolvePrepareOptions({ format: 'movielens-csv' }).heldoutUsers).toBeUndefined();
  });

  it('given explicitly but too many for the file, fail naming the field and the user count', async () => {
    const path = await randomRatings(dir(), 'tiny.csv', 40, 30);
    await expect(prepareDataset(path, { format: 'movielens-csv', heldoutUsers: 20 })).rejects.toThrow(
      /^invalid preprocessing option heldoutUsers: too few users left after filtering: tiny\.csv has \d+ .*, but 20 validation \+ 20 test users and at least one training user need 41;/,
    );
  });
});

describe('option checks', () => {
  const base = { format: 'movielens-csv' as const };
  it.each([
    [{ ...base, heldoutUser: 5 }, 'heldoutUser: unknown field "heldoutUser" (did you mean "heldoutUsers"?)'],
    [
      { ...base, MinUserCount: 5 },
      'MinUserCount: unknown field "MinUserCount" (did you mean "minUserCount"?)',
    ],
    [{ ...base, colour: 'red' }, 'colour: unknown field "colour" (known fields: format, csv, threshold'],
    [
      { format: 'csv', csv: { user: 0, item: 1, delim: ';' } },
      'csv.delim: unknown field "delim" (did you mean "delimiter"?)',
    ],
    [{ format: 'csv' }, 'csv: format "csv" needs a column mapping'],
    [{ ...base, csv: { user: 0, item: 1 } }, 'csv: a column mapping is only read with format "csv"'],
    [{ format: 'csv', csv: { user: 0, item: 1, delimiter: '"' } }, 'csv.delimiter: must not contain a quote'],
  ])('refuses %j naming the field', (input, message) => {
    expect(() => resolvePrepareOptions(input as never)).toThrow(`invalid preprocessing option ${message}`);
  });

  it('refuses NaN, infinite and out-of-range numbers, naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ threshold: Number.NaN }, 'threshold'],
      [{ threshold: Number.POSITIVE_INFINITY }, 'threshold'],
      [{ threshold: 1e300 }, 'threshold'],
      [{ minUserCount: 1e12 }, 'minUserCount'],
      [{ minItemCount: 2 ** 31 }, 'minItemCount'],
      [{ heldoutUsers: 2 ** 40 }, 'heldoutUsers'],
      [{ heldoutFraction: 1 }, 'heldoutFraction'],
      [{ seed: 2 ** 33 }, 'seed'],
    ];
    for (const [input, field] of cases)
      expect(() => resolvePrepareOptions({ ...base, ...input } as never), JSON.stringify(input)).toThrow(
        `invalid preprocessing option ${field}: `,
      );
  });
});
