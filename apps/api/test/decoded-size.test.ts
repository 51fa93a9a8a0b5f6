import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DecodedSize } from '../src/datasets/decoded-size';

async function count(chunks: Buffer[]): Promise<DecodedSize> {
  const size = new DecodedSize();
  for (const c of chunks) await size.add(c);
  await size.end();
  return size;
}

/** `data` cut into pieces of `n` bytes, as a socket delivers it. */
const pieces = (data: Buffer, n: number) =>
  Array.from({ length: Math.ceil(data.length / n) }, (_, k) => data.subarray(k * n, (k + 1) * n));

describe('the size an upload will have once read', () => {
  it('counts a gzip upload decompressed: a 50 MB bomb of 50 KB counts 50 MB', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 2 ** 20));
    expect(bomb.length).toBeLessThan(100_000);
    const size = await count([bomb.subarray(0, 1), ...pieces(bomb.subarray(1), 4096)]); // its magic split too
    expect({ gzip: size.gzip, bytes: size.bytes }).toEqual({ gzip: true, bytes: 50 * 2 ** 20 });
  });

  it('counts as the decompressed bytes come, one chunk behind at most (a bomb is stopped early)', async () => {
    const size = new DecodedSize();
    const chunks = pieces(gzipSync(Buffer.alloc(20 * 2 ** 20)), 1024);
    await size.add(chunks[0]);
    await size.add(chunks[1]);
    expect(size.bytes).toBeGreaterThan(2048);
    size.stop();
  });

  it('counts anything else as it is, a truncated gzip as far as it goes', async () => {
    expect((await count([Buffer.from('user,item\n1,2\n')])).bytes).toBe(14);
    expect((await count([Buffer.from([0x1f])])).bytes).toBe(1);
    const truncated = gzipSync(Buffer.alloc(1_000_000, 'x')).subarray(0, 500);
    const size = await count([truncated]);
    expect(size.gzip).toBe(true);
    expect(size.bytes).toBeLessThan(1_000_000);
  });
});
