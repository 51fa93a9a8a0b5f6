import { describe, expect, it } from 'vitest';
import { parseMd5File, publicDataset, VerificationError } from '../src';

const HASH = '0123456789abcdef0123456789ABCDEF';

describe('parseMd5File', () => {
  it('reads the three published forms: bare, md5sum ("hash  name") and BSD ("MD5 (name) = hash")', () => {
    expect(parseMd5File(`${HASH}\n`, 'ml-20m.zip', 'x')).toBe(HASH.toLowerCase());
    expect(parseMd5File(`${HASH}  ml-20m.zip\n`, 'ml-20m.zip', 'x')).toBe(HASH.toLowerCase());
    expect(parseMd5File(`${HASH} *./ml-20m.zip\r\n`, 'ml-20m.zip', 'x')).toBe(HASH.toLowerCase());
    expect(parseMd5File(`MD5 (ml-20m.zip) = ${HASH}\n`, 'ml-20m.zip', 'x')).toBe(HASH.toLowerCase());
    // A list: the line of this file counts.
    expect(parseMd5File(`${'f'.repeat(32)}  other.zip\n${HASH}  ml-20m.zip\n`, 'ml-20m.zip', 'x')).toBe(
      HASH.toLowerCase(),
    );
  });

  it('refuses a checksum file without a hash for this file', () => {
    expect(() => parseMd5File(`${HASH}  ml-1m.zip\n`, 'ml-20m.zip', 'u')).toThrow(VerificationError);
    expect(() => parseMd5File('<html>not found</html>', 'ml-20m.zip', 'u')).toThrow(
      /u has no MD5 for ml-20m.zip/,
    );
    expect(() => parseMd5File('', 'ml-20m.zip', 'u')).toThrow(VerificationError);
  });
});

describe('the catalog', () => {
  it("prepares ML-20M and MSD with the paper's presets, the others with the defaults", () => {
    expect(publicDataset('ml-20m')).toMatchObject({
      format: 'movielens-csv',
      preset: 'ml-20m',
      entry: 'ratings.csv',
    });
    expect(publicDataset('msd')).toMatchObject({ format: 'msd', preset: 'msd', checksum: { kind: 'none' } });
    expect(publicDataset('ml-latest-small')).toMatchObject({
      checksum: { kind: 'md5-file' },
      preset: undefined,
    });
    expect(publicDataset('ml-10m').url).toBe('https://files.grouplens.org/datasets/movielens/ml-10m.zip');
  });
});
