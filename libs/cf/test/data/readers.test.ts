import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectRatingsFormat, formatFromFirstLine } from '../../src/data/detect';
import { formatFromFileName, type CsvColumns, type RatingsFormat } from '../../src/data/formats';
import { readInteractions } from '../../src/data/read';
import { readAll, useScratchDir } from './fixtures';

const dir = useScratchDir('vaecf-readers-');
const read = (name: string, content: string | Buffer, format: RatingsFormat, csv?: CsvColumns) =>
  readAll(dir(), name, content, format, csv);

describe('readers', () => {
  it('movielens-csv by header names, CRLF tolerated', async () => {
    const { events } = await read(
      'ratings.csv',
      'userId,movieId,rating,timestamp\r\n1,10,4.5,99\r\n2,20,3.0,98\r\n',
      'movielens-csv',
    );
    expect(events).toEqual([
      ['1', '10', 4.5],
      ['2', '20', 3],
    ]);
  });
  it('movielens-dat with ::', async () => {
    const { events } = await read(
      'ratings.dat',
      '1::1193::5::978300760\n1::661::3::978302109\n',
      'movielens-dat',
    );
    expect(events).toEqual([
      ['1', '1193', 5],
      ['1', '661', 3],
    ]);
  });
  it('movielens-100k tab separated', async () => {
    const { events } = await read(
      'u.data',
      '196\t242\t3\t881250949\n186\t302\t3\t891717742\n',
      'movielens-100k',
    );
    expect(events).toEqual([
      ['196', '242', 3],
      ['186', '302', 3],
    ]);
  });
  it('netflix-kaggle with its column order', async () => {
    const { events } = await read(
      'netflix.csv',
      'User_ID,Rating,Movie_ID\n712664,5,3\n1331154,4,3\n',
      'netflix-kaggle',
    );
    expect(events).toEqual([
      ['712664', '3', 5],
      ['1331154', '3', 4],
    ]);
  });
  it('netflix-prize MovieID: blocks', async () => {
    const { events } = await read(
      'combined_data_1.txt',
      '1:\n1488844,3,2005-09-06\n822109,5,2005-05-13\n2:\n2059652,4,2005-09-05\n',
      'netflix-prize',
    );
    expect(events).toEqual([
      ['1488844', '1', 3],
      ['822109', '1', 5],
      ['2059652', '2', 4],
    ]);
  });
  it('msd triplets with play counts', async () => {
    const { events } = await read(
      'train_triplets.txt',
      'b80344d0\tSOAKIMP12A8C130995\t1\nb80344d0\tSOBBMDR12A8C13253B\t2\n',
      'msd',
    );
    expect(events).toEqual([
      ['b80344d0', 'SOAKIMP12A8C130995', 1],
      ['b80344d0', 'SOBBMDR12A8C13253B', 2],
    ]);
  });
  it('generic csv by name, with quoted fields and a BOM', async () => {
    const { events } = await read('any.csv', '\ufeffitem;who;stars\n"a;1";u1;2\nb;"u 2";5\n', 'csv', {
      user: 'who',
      item: 'item',
      rating: 'stars',
      delimiter: ';',
    });
    expect(events).toEqual([
      ['u1', 'a;1', 2],
      ['u 2', 'b', 5],
    ]);
  });
  it('generic csv by index, no header, no rating column', async () => {
    const { events } = await read('plays.tsv', 'u1\ti1\nu2\ti2\n', 'csv', {
      user: 0,
      item: 1,
      delimiter: '\t',
    });
    expect(events).toEqual([
      ['u1', 'i1', 1],
      ['u2', 'i2', 1],
    ]);
  });
  it('movielens-csv finds its columns wherever the header puts them', async () => {
    const { events } = await read(
      'ratings-reordered.csv',
      'timestamp,rating,movieId,userId\n9,4.0,20,1\n',
      'movielens-csv',
    );
    expect(events).toEqual([['1', '20', 4]]);
  });
  it('generic csv: quoted fields with embedded delimiter, quote and newline', async () => {
    const { events } = await read('quoted.csv', 'u,i,r\n"x,1","a ""b""\nc",3.5\n', 'csv', {
      user: 'u',
      item: 'i',
      rating: 'r',
    });
    expect(events).toEqual([['x,1', 'a "b"\nc', 3.5]]);
  });
  it('reads gzip by its magic bytes, whatever the name', async () => {
    const { events } = await read(
      'ratings-gz.bin',
      gzipSync('userId,movieId,rating,timestamp\n7,8,4,1\n'),
      'movielens-csv',
    );
    expect(events).toEqual([['7', '8', 4]]);
  });
  it('reports progress up to the file size', async () => {
    const path = join(dir(), 'progress.dat');
    await writeFile(path, '1::2::3::4\n'.repeat(1000));
    const seen: number[] = [];
    await readInteractions(
      path,
      { format: 'movielens-dat', onProgress: (p) => seen.push(p.bytesRead / p.totalBytes) },
      () => undefined,
    );
    expect(seen.at(-1)).toBe(1);
  });
  it('guesses formats from file names', () => {
    expect(formatFromFileName('ml-20m/ratings.csv')).toBe('movielens-csv');
    expect(formatFromFileName('ratings.dat.gz')).toBe('movielens-dat');
    expect(formatFromFileName('combined_data_3.txt')).toBe('netflix-prize');
    expect(formatFromFileName('train_triplets.txt')).toBe('msd');
    expect(formatFromFileName('Netflix_Dataset_Rating.csv')).toBe('netflix-kaggle');
    expect(formatFromFileName('foo.csv')).toBeUndefined();
  });
  it('guesses formats from the first line', async () => {
    expect(formatFromFirstLine('\ufeffuserId,movieId,rating,timestamp')).toBe('movielens-csv');
    expect(formatFromFirstLine('User_ID,Rating,Movie_ID')).toBe('netflix-kaggle');
    expect(formatFromFirstLine('17:')).toBe('netflix-prize');
    expect(formatFromFirstLine('1::1193::5::978300760')).toBe('movielens-dat');
    expect(formatFromFirstLine('196\t242\t3\t881250949')).toBe('movielens-100k');
    expect(formatFromFirstLine('b80344d063b5ccb3212f76538f3d9e43d87dca9e\tSOAKIMP12A8C130995\t1')).toBe(
      'msd',
    );
    expect(formatFromFirstLine('a,b,c')).toBeUndefined();
    const path = join(dir(), 'download.bin');
    await writeFile(path, gzipSync('\n1:\n1488844,3,2005-09-06\n'));
    expect(await detectRatingsFormat(path)).toBe('netflix-prize');
    expect(await detectRatingsFormat(join(dir(), 'x', 'ratings.dat'))).toBe('movielens-dat');
  });
});
