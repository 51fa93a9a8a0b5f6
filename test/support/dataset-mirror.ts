import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { zipSync } from 'fflate';

/** A file the mirror serves, with the validator it answers with and its scripted faults. */
export interface MirrorFile {
  body: Buffer;
  etag?: string;
  /** Send this many bytes of the next full answer, then drop the connection (once). */
  dropAfter?: number;
}

export interface MirrorRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly status: number;
}

/**
 * A dataset mirror on 127.0.0.1 for VAECF_DATASET_MIRROR: serves its files by
 * name with ETag, Range and If-Range as a real server does (206 only while
 * If-Range still matches the current ETag), 404 for anything else, and
 * records every request.
 */
export class DatasetMirror {
  readonly files = new Map<string, MirrorFile>();
  readonly requests: MirrorRequest[] = [];
  private readonly server: Server = createServer((req, res) => this.answer(req, res));
  private base = '';

  /** The base URL to set as VAECF_DATASET_MIRROR. */
  get url(): string {
    return this.base;
  }

  static async start(): Promise<DatasetMirror> {
    const mirror = new DatasetMirror();
    await new Promise<void>((resolve) => mirror.server.listen(0, '127.0.0.1', resolve));
    mirror.base = `http://127.0.0.1:${(mirror.server.address() as AddressInfo).port}`;
    return mirror;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    const file = this.files.get(path);
    const log = (status: number) => this.requests.push({ path, headers: req.headers, status });
    if (!file || req.method !== 'GET') {
      log(404);
      res.writeHead(404).end('not found');
      return;
    }
    const etag = file.etag;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && (ifRange === undefined || ifRange === etag)) {
      const from = Number(range[1]);
      if (from >= file.body.length) {
        log(416);
        res.writeHead(416, { 'content-range': `bytes */${file.body.length}` }).end();
        return;
      }
      log(206);
      res.writeHead(206, {
        'content-range': `bytes ${from}-${file.body.length - 1}/${file.body.length}`,
        'content-length': file.body.length - from,
        ...(etag && { etag }),
      });
      res.end(file.body.subarray(from));
      return;
    }
    log(200);
    res.writeHead(200, { 'content-length': file.body.length, ...(etag && { etag }) });
    if (file.dropAfter !== undefined) {
      const n = file.dropAfter;
      file.dropAfter = undefined;
      // Flushed to the socket first, then the connection is cut: the client has exactly n bytes.
      res.write(file.body.subarray(0, n), () => res.destroy());
      return;
    }
    res.end(file.body);
  }

  /** Serves `zip` as `name` with its `name.md5` in GroupLens's (BSD) form, under a new ETag. */
  publish(name: string, zip: Buffer, opts: { etag?: string; md5?: string } = {}): void {
    this.files.set(name, { body: zip, etag: opts.etag ?? `"${md5(zip)}"` });
    this.files.set(`${name}.md5`, { body: Buffer.from(`MD5 (${name}) = ${opts.md5 ?? md5(zip)}\n`) });
  }

  requestsFor(path: string): MirrorRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export function md5(b: Buffer): string {
  return createHash('md5').update(b).digest('hex');
}

/**
 * A MovieLens-100K-shaped u.data (user, item, rating, timestamp; tab
 * separated) of `users` users with 20 ratings each, every one kept by the
 * 3.5 threshold; `salt` changes which items, so two versions differ.
 */
export function movielens100kData(users: number, salt = 0): string {
  const lines: string[] = [];
  for (let u = 1; u <= users; u++)
    for (let k = 0; k < 20; k++)
      lines.push(`${u}\t${1 + ((u * 7 + k * 13 + salt) % 60)}\t${4 + (k % 2)}\t88125${u}${k}`);
  return `${lines.join('\n')}\n`;
}

/** The zip GroupLens publishes, in small: ml-100k/u.data (stored, so a byte changed stays a byte changed). */
export function movielens100kZip(users = 300, salt = 0): Buffer {
  return Buffer.from(
    zipSync(
      {
        'ml-100k/README': [Buffer.from('a tiny MovieLens-shaped fixture\n'), { level: 0 }],
        'ml-100k/u.data': [Buffer.from(movielens100kData(users, salt)), { level: 0 }],
      },
      { mtime: new Date('2020-01-01T00:00:00Z') },
    ),
  );
}

/** train_triplets.txt in small: users x songs play counts, every song played by every user. */
export function msdZip(users: number, songs: number): Buffer {
  const lines: string[] = [];
  for (let u = 0; u < users; u++)
    for (let s = 0; s < songs; s++) lines.push(`user${u}\tSOSONG${s}\t${1 + ((u + s) % 5)}`);
  return Buffer.from(zipSync({ 'train_triplets.txt': Buffer.from(`${lines.join('\n')}\n`) }));
}
