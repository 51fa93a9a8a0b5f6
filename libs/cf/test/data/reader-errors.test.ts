import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetInputError } from '../../src/data/errors';
import type { CsvColumns, RatingsFormat } from '../../src/data/formats';
import { readInteractions } from '../../src/data/read';
import { readAll, useScratchDir } from './fixtures';

const dir = useScratchDir('vaecf-reader-errors-');
const read = (name: string, content: string | Buffer, format: RatingsFormat, csv?: CsvColumns) =>
  readAll(dir(), name, content, format, csv);

describe('reader errors name file, line and problem', () => {
  const cases: [string, string, RatingsFormat, CsvColumns | undefined, RegExp][] = [
    ['empty.csv', '', 'movielens-csv', undefined, /empty\.csv: file is empty$/],
    [
      'header-only.csv',
      'userId,movieId,rating,timestamp\n',
      'movielens-csv',
      undefined,
      /header-only\.csv: no interactions found/,
    ],
    [
      'noheader.csv',
      '1,2,3,4\n',
      'movielens-csv',
      undefined,
      /noheader\.csv:1: header lacks column "userId", "movieId", "rating"/,
    ],
    [
      'badrating.dat',
      '1::2::5::0\n1::3::x::0\n',
      'movielens-dat',
      undefined,
      /badrating\.dat:2: rating "x" is not a number/,
    ],
    [
      'short.dat',
      '1::2::5::0\n1::3\n',
      'movielens-dat',
      undefined,
      /short\.dat:2: expected 3 fields separated by "::", found 2/,
    ],
    [
      'orphan.txt',
      '1,3,2005-01-01\n',
      'netflix-prize',
      undefined,
      /orphan\.txt:1: rating line before any "MovieID:" line/,
    ],
    [
      'nocol.csv',
      'a,b\n1,2\n',
      'csv',
      { user: 'user', item: 'b' },
      /nocol\.csv:1: header has no column "user" for the user/,
    ],
    [
      'fields.csv',
      'u,i,r\n1,2\n',
      'csv',
      { user: 0, item: 1, rating: 2, header: true },
      /fields\.csv:2: expected at least 3 fields, found 2/,
    ],
    ['nomap.csv', 'a,b\n', 'csv', undefined, /nomap\.csv: format "csv" needs a column mapping/],
    [
      'reordered.csv',
      'timestamp,rating,movieId,userId\n9,4.0,20\n',
      'movielens-csv',
      undefined,
      /reordered\.csv:2: expected 4 fields separated by ",", found 3/,
    ],
    [
      'blank-user.csv',
      'userId,movieId,rating\n1,2,4\n ,3,4\n',
      'movielens-csv',
      undefined,
      /blank-user\.csv:3: empty user id/,
    ],
    ['blank-item.csv', 'u,i\nx,\n', 'csv', { user: 'u', item: 'i' }, /blank-item\.csv:2: empty item id/],
    [
      'kaggle.csv',
      'User_ID,Rating,Movie_ID\n1,five,3\n',
      'netflix-kaggle',
      undefined,
      /kaggle\.csv:2: rating "five" is not a number/,
    ],
    [
      'prize.txt',
      '1:\n7\n',
      'netflix-prize',
      undefined,
      /prize\.txt:2: expected CustomerID,Rating,Date, found 1 field/,
    ],
    [
      'triplets.txt',
      'u\ts\n',
      'msd',
      undefined,
      /triplets\.txt:1: expected 3 fields separated by "\t", found 2/,
    ],
    ['blank.dat', '\n\n\n', 'movielens-dat', undefined, /blank\.dat: no interactions found/],
    [
      'format.csv',
      'a\n',
      'parquet' as RatingsFormat,
      undefined,
      /format\.csv: unknown format "parquet" \(known: movielens-csv, .*csv\)/,
    ],
  ];
  it.each(cases)('%s', async (name, content, format, csv, message) => {
    const p = read(name, content, format, csv);
    await expect(p).rejects.toBeInstanceOf(DatasetInputError);
    await expect(p).rejects.toThrow(message);
  });
  it('a missing file', async () => {
    await expect(
      readInteractions(join(dir(), 'nope.csv'), { format: 'movielens-csv' }, () => undefined),
    ).rejects.toThrow(/nope\.csv: file not found or not readable/);
  });
  it('a directory', async () => {
    const p = readInteractions(dir(), { format: 'movielens-csv' }, () => undefined);
    await expect(p).rejects.toBeInstanceOf(DatasetInputError);
    await expect(p).rejects.toThrow(/: not a regular file$/);
  });
  it('a truncated gzip file', async () => {
    const body = Array.from({ length: 5000 }, (_, k) => `${k},${k % 97},4,0`).join('\n');
    const gz = gzipSync(`userId,movieId,rating,timestamp\n${body}\n`);
    const p = read('cut.csv.gz', gz.subarray(0, gz.length >> 1), 'movielens-csv');
    await expect(p).rejects.toBeInstanceOf(DatasetInputError);
    await expect(p).rejects.toThrow(/cut\.csv\.gz: cannot be read as movielens-csv: unexpected end of file/);
  });
});

it('an unbalanced quote in a generic csv is reported with its line', async () => {
  const path = join(dir(), 'quote.csv');
  await writeFile(path, 'u,i\n1,2\n"3,4\n');
  await expect(
    readInteractions(path, { format: 'csv', csv: { user: 'u', item: 'i' } }, () => undefined),
  ).rejects.toThrow(/quote\.csv:\d+: cannot be read as csv: Quote Not Closed/);
});
