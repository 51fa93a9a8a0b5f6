import { randomBytes } from 'node:crypto';
import { createWriteStream, realpathSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DecodedSize } from './decoded-size';
import { BadRequestException, HttpException, HttpStatus, PayloadTooLargeException } from '@nestjs/common';

const TEMP_PREFIX = '.incoming-';
const ABANDONED_AFTER_MS = 3600_000;

/**
 * The uploads directory (<data root>/uploads): every upload is written to a
 * temporary name of its own and renamed into place only once it is complete
 * and within both limits; on any failure, refusal or client abort the
 * temporary file is removed, so nothing half-written is ever left or read.
 *
 * Two limits: UPLOAD_LIMIT_BYTES per upload (413) and UPLOAD_QUOTA_BYTES for
 * the whole directory (507): the files already there plus every upload this
 * API process is receiving. Uploads received by other API processes at the
 * same moment count once they are complete.
 */
export class UploadArea {
  readonly dir: string;
  /** Bytes written so far by the uploads this process is receiving. */
  private receiving = 0;

  constructor(
    dataRoot: string,
    private readonly limit: number,
    private readonly quota: number,
  ) {
    this.dir = join(resolve(dataRoot), 'uploads');
  }

  /** Receives `body` as a new upload for dataset `id`; the stored file's path. */
  async receive(id: string, body: Readable & { headers?: Record<string, string | string[] | undefined> }) {
    await mkdir(this.dir, { recursive: true });
    await this.removeAbandoned();
    const name = `${id}-${randomBytes(6).toString('hex')}.upload`;
    const temp = join(this.dir, `${TEMP_PREFIX}${name}`);
    const stored = await this.storedBytes();
    const declared = Number(body.headers?.['content-length'] ?? 0) || 0;
    let refusal: HttpException | null =
      this.limitRefusal(declared) ?? this.quotaRefusal(stored, this.receiving + declared);
    let bytes = 0;
    // The limit counts what the file holds (a gzip upload decompressed), the quota what it takes on disk.
    const decoded = new DecodedSize();
    // Past a limit the rest of the body is read and dropped before answering: answering while the
    // client still sends would reset its connection before it reads the answer.
    const meter = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        refusal ??= this.quotaRefusal(stored, this.receiving + chunk.length);
        if (refusal) return done();
        bytes += chunk.length;
        this.receiving += chunk.length;
        decoded.add(chunk).then(() => {
          refusal ??= this.limitRefusal(decoded.bytes, decoded.gzip);
          if (refusal) {
            decoded.stop();
            return done();
          }
          done(null, chunk);
        }, done);
      },
      flush: (done) => {
        decoded.end().then(() => {
          refusal ??= this.limitRefusal(decoded.bytes, decoded.gzip);
          done();
        }, done);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(temp));
      if (refusal) throw refusal;
      if (bytes === 0) throw new BadRequestException('body: the uploaded file is empty');
      const file = join(this.dir, name);
      await rename(temp, file);
      return realpathSync(file); // as registered sources are: real paths
    } catch (e) {
      await rm(temp, { force: true });
      throw e;
    } finally {
      decoded.stop();
      this.receiving -= bytes;
    }
  }

  /** True for a file this area stored (a dataset registered from an upload). */
  holds(file: string): boolean {
    let dir = this.dir;
    try {
      dir = realpathSync(dir); // registered sources are real paths
    } catch {
      return false;
    }
    const rel = relative(dir, file);
    return rel !== '' && !rel.startsWith('..') && !rel.includes(sep);
  }

  async remove(file: string): Promise<void> {
    if (this.holds(file)) await rm(file, { force: true });
  }

  /** `decoded`: the count is of decompressed bytes (the message says so). */
  private limitRefusal(bytes: number, decoded = false): HttpException | null {
    return bytes > this.limit
      ? new PayloadTooLargeException(
          `upload larger than the limit of ${this.limit} bytes${decoded ? ' once decompressed' : ''}`,
        )
      : null;
  }

  private quotaRefusal(stored: number, receiving: number): HttpException | null {
    if (stored + receiving <= this.quota) return null;
    return new HttpException(
      `uploads are full: the quota UPLOAD_QUOTA_BYTES=${this.quota} bytes would be exceeded ` +
        `(${stored} bytes stored, ${receiving} being received); delete datasets registered from uploads`,
      HttpStatus.INSUFFICIENT_STORAGE,
    );
  }

  /**
   * Temporary files of uploads whose API process died mid-body: an upload
   * in progress writes all the time, so one untouched for an hour is dead.
   */
  private async removeAbandoned(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const cutoff = Date.now() - ABANDONED_AFTER_MS;
    for (const name of names.filter((n) => n.startsWith(TEMP_PREFIX))) {
      const file = join(this.dir, name);
      const s = await stat(file).catch(() => null);
      if (s && s.mtimeMs < cutoff) await rm(file, { force: true });
    }
  }

  /** Sizes of the complete uploads (other processes' incomplete ones are not counted). */
  private async storedBytes(): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const sizes = await Promise.all(
      names
        .filter((n) => !n.startsWith(TEMP_PREFIX))
        .map((n) =>
          stat(join(this.dir, n)).then(
            (s) => (s.isFile() ? s.size : 0),
            () => 0,
          ),
        ),
    );
    return sizes.reduce((a, b) => a + b, 0);
  }
}
