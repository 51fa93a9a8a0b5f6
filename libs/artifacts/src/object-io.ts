import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

/** Objects above this go up in parts of this size (S3's minimum part is 5 MiB). */
export const DEFAULT_PART_BYTES = 8 * 2 ** 20;

/**
 * The few object operations the S3 store needs, on one bucket and key
 * prefix: whole small objects in memory, files streamed to and from disk
 * (multipart above the part size, via lib-storage's Upload), listing and
 * batched deletes. A missing object is `null`, never an exception.
 */
export class ObjectIO {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    private readonly prefix: string,
    private readonly partBytes = DEFAULT_PART_BYTES,
  ) {}

  /** The full key of a store-relative key. */
  key(rel: string): string {
    return this.prefix ? `${this.prefix}/${rel}` : rel;
  }

  url(rel: string): string {
    return `s3://${this.bucket}/${this.key(rel)}`;
  }

  async putBytes(
    rel: string,
    body: Uint8Array | string,
    contentType = 'application/octet-stream',
  ): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key(rel), Body: body, ContentType: contentType }),
    );
  }

  /** Uploads a file, streamed; in parts when it is larger than one part. */
  async putFile(rel: string, path: string): Promise<void> {
    const { size } = await stat(path);
    if (size <= this.partBytes) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(rel),
          Body: createReadStream(path),
          ContentLength: size,
        }),
      );
      return;
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(rel), Body: createReadStream(path) },
      partSize: this.partBytes,
      queueSize: 4,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async getBytes(rel: string): Promise<Buffer | null> {
    const body = await this.getStream(rel);
    if (!body) return null;
    const chunks: Buffer[] = [];
    try {
      for await (const c of body) chunks.push(c as Buffer);
    } catch (e) {
      throw new BrokenDownload(this.url(rel), e);
    }
    return Buffer.concat(chunks);
  }

  /** The object's body as a stream, or null when it does not exist. */
  async getStream(rel: string): Promise<Readable | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(rel) }));
      return res.Body as Readable;
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  /** Streams an object into a file; its size and CRC32, or null when it does not exist. */
  async download(rel: string, path: string): Promise<{ bytes: number; crc32: number } | null> {
    const body = await this.getStream(rel);
    if (!body) return null;
    let bytes = 0;
    let crc = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        crc = crc32(chunk, crc);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, measure, createWriteStream(path));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOSPC') throw e;
      throw new BrokenDownload(this.url(rel), e);
    }
    return { bytes, crc32: crc };
  }

  async exists(rel: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(rel) }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  async copy(fromRel: string, toRel: string): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: this.key(toRel),
        CopySource: `${this.bucket}/${this.key(fromRel).split('/').map(encodeURIComponent).join('/')}`,
      }),
    );
  }

  /** Store-relative keys under a store-relative prefix (every page). */
  async list(relPrefix: string): Promise<string[]> {
    const out: string[] = [];
    const full = this.key(relPrefix);
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) out.push(o.Key.slice(strip));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** Deletes store-relative keys, 1000 per request (S3's limit); missing ones are fine. */
  async delete(rels: readonly string[]): Promise<void> {
    for (let i = 0; i < rels.length; i += 1000) {
      const res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: rels.slice(i, i + 1000).map((r) => ({ Key: this.key(r) })), Quiet: true },
        }),
      );
      const failed = res.Errors?.filter((e) => e.Code !== 'NoSuchKey') ?? [];
      if (failed.length) throw new Error(`deleting ${failed[0].Key}: ${failed[0].Code} ${failed[0].Message}`);
    }
  }

  async deletePrefix(relPrefix: string): Promise<void> {
    await this.delete(await this.list(relPrefix));
  }
}

/** A download that broke off after its response began (a dropped connection, a server that aborted). */
export class BrokenDownload extends Error {
  constructor(url: string, cause: unknown) {
    super(`download of ${url} broke off: ${(cause as Error).message}`, { cause });
    this.name = 'BrokenDownload';
  }
}

/** NoSuchKey (GET), NotFound (HEAD): the object is not there. */
export function isMissing(e: unknown): boolean {
  return (
    e instanceof S3ServiceException &&
    e.name !== 'NoSuchBucket' &&
    (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata.httpStatusCode === 404)
  );
}
