import { createGunzip, type Gunzip } from 'node:zlib';

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * The size an upload will have once read: ratings files may come gzipped
 * (workers recognise gzip by its magic bytes, as libs/cf's reader does), and
 * a limit on the compressed bytes would let a small gzip bomb through, so
 * gzip is decompressed as it arrives and its output counted (and dropped).
 * Anything else counts as it is. Each chunk is fully processed before the
 * next is taken, so the count never lags behind more than one chunk.
 */
export class DecodedSize {
  /** Decoded bytes so far (for a gzip upload, those its compressed bytes so far decompress to). */
  bytes = 0;
  private head = Buffer.alloc(0);
  private gunzip: Gunzip | null = null;
  private kind: 'unknown' | 'gzip' | 'plain' = 'unknown';

  /** Whether the upload is gzip (its bytes are counted decompressed). */
  get gzip(): boolean {
    return this.kind === 'gzip';
  }

  /** Counts one chunk of the upload, as it arrived. */
  async add(chunk: Buffer): Promise<void> {
    if (this.kind === 'unknown') {
      this.head = Buffer.concat([this.head, chunk]);
      if (this.head.length < GZIP_MAGIC.length) return;
      this.kind = GZIP_MAGIC.every((b, i) => this.head[i] === b) ? 'gzip' : 'plain';
      chunk = this.head;
      if (this.kind === 'gzip') this.startGunzip();
    }
    if (this.kind === 'plain') this.bytes += chunk.length;
    else await this.feed(chunk);
  }

  /** Counts the rest (a last partial chunk, what zlib still holds). */
  async end(): Promise<void> {
    if (this.kind === 'unknown') this.bytes += this.head.length;
    const gunzip = this.gunzip;
    if (!gunzip) return;
    this.gunzip = null;
    await new Promise<void>((resolve) => {
      gunzip.once('end', resolve).once('error', () => resolve());
      gunzip.end();
    });
  }

  /** Stops decompressing (the upload is refused or over). */
  stop(): void {
    this.gunzip?.destroy();
    this.gunzip = null;
  }

  private startGunzip(): void {
    this.gunzip = createGunzip();
    this.gunzip.on('data', (out: Buffer) => (this.bytes += out.length));
    // Not gzip after all past its magic, or truncated: the worker reads it and says so; counting stops here.
    this.gunzip.on('error', () => this.stop());
  }

  private feed(chunk: Buffer): Promise<void> {
    const gunzip = this.gunzip;
    if (!gunzip) return Promise.resolve();
    return new Promise((resolve) => gunzip.write(chunk, () => resolve()));
  }
}
