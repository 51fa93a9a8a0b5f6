import { createWriteStream, writeFileSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { DownloadError } from './errors';
import { get, httpError, type HttpResponse } from './http-get';

export interface TransferProgress {
  /** The file being downloaded (its upstream name). */
  readonly file: string;
  /** Bytes on disk so far, a resumed part included. */
  readonly received: number;
  /** The whole file's size, when the server says. */
  readonly total?: number;
  /** Bytes this attempt started from (a resumed part), so that rates count only what came now. */
  readonly resumedFrom: number;
}

export interface DownloadHooks {
  readonly onProgress?: (p: TransferProgress) => void;
  /** One line about what happened (resumed, restarted): shown by the CLI, logged by the worker. */
  readonly onNote?: (line: string) => void;
}

/**
 * What an interrupted download must match to be resumed, kept beside its
 * `.part` as `.part.json`: the URL, and the validator the server gave the
 * bytes already received (a strong ETag, else Last-Modified), which the
 * next request sends as If-Range. A server whose file changed meanwhile
 * then answers 200 with the whole new file, which replaces the part: two
 * versions are never spliced.
 */
interface PartInfo {
  readonly url: string;
  readonly validator?: string;
  readonly total?: number;
}

/**
 * Downloads `url` into `part` (never the final name: the caller verifies and
 * renames), resuming a part left by an interrupted run with HTTP Range +
 * If-Range. Returns the size. A dropped connection or an HTTP error is a
 * DownloadError and leaves the part for the next run.
 */
export async function downloadToPart(
  url: string,
  part: string,
  file: string,
  hooks: DownloadHooks = {},
): Promise<number> {
  const infoPath = `${part}.json`;
  let have = await resumablePart(part, infoPath, url);
  // Whole already (a run stopped while verifying it): verify it as it is; a wrong one is removed then.
  if (have.bytes > 0 && have.bytes === have.info?.total) return have.bytes;
  for (let attempt = 0; ; attempt++) {
    const headers =
      have.bytes > 0 && have.info?.validator
        ? { range: `bytes=${have.bytes}-`, 'if-range': have.info.validator }
        : {};
    const res = await get(url, headers);
    if (res.status === 416 && have.bytes > 0 && attempt === 0) {
      // The part is not a prefix the server can continue (it shrank, or the part is whole of an old
      // version): start again.
      res.body.resume();
      hooks.onNote?.(`${file}: the server cannot continue the interrupted download; starting again`);
      have = await discard(part, infoPath);
      continue;
    }
    let append = false;
    let total: number | undefined;
    if (res.status === 206) {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers['content-range'] ?? '');
      if (!range || Number(range[1]) !== have.bytes) {
        res.body.destroy();
        if (attempt > 0)
          throw new DownloadError(`${res.url}: a partial answer that does not continue the file`);
        have = await discard(part, infoPath);
        continue;
      }
      append = true;
      total = range[3] === '*' ? undefined : Number(range[3]);
      hooks.onNote?.(`${file}: resuming at ${mb(have.bytes)} MB`);
    } else if (res.status === 200) {
      if (have.bytes > 0)
        hooks.onNote?.(
          have.info?.validator
            ? `${file}: changed on the server since the interrupted download; starting again`
            : `${file}: the interrupted download cannot be resumed safely (the server gave no ETag or Last-Modified); starting again`,
        );
      total = contentLength(res);
    } else {
      res.body.resume();
      throw httpError(res);
    }
    const from = append ? have.bytes : 0;
    const info: PartInfo = {
      url,
      validator: validatorOf(res) ?? (append ? have.info?.validator : undefined),
      total,
    };
    // The validator is written before any byte (a part on disk always says which version it holds), and
    // synchronously: the body must be taken in this same tick (see receive).
    writeFileSync(infoPath, JSON.stringify(info));
    await receive(res, part, append, from, total, file, hooks);
    return total ?? (await stat(part)).size;
  }
}

/**
 * Appends the body to the part. Must be called in the same tick as the
 * response arrived (no await in between): a connection that drops discards
 * whatever the response still buffers, so its bytes are handed to the file
 * as they come. Every byte handed over is flushed before this settles, even
 * when the connection dropped, so the next run resumes from exactly the
 * part's size.
 */
function receive(
  res: HttpResponse,
  part: string,
  append: boolean,
  from: number,
  total: number | undefined,
  file: string,
  hooks: DownloadHooks,
): Promise<void> {
  let received = from;
  let dropped: string | null = null;
  const out = createWriteStream(part, { flags: append ? 'a' : 'w' });
  res.body.on('data', (chunk: Buffer) => {
    received += chunk.length;
    hooks.onProgress?.({ file, received, total, resumedFrom: from });
    if (!out.write(chunk)) {
      res.body.pause();
      out.once('drain', () => res.body.resume());
    }
  });
  return new Promise<void>((resolve, reject) => {
    let diskError: Error | null = null;
    out.on('error', (e) => {
      diskError = e;
      res.body.destroy();
    });
    const finish = () => {
      out.end(() => {
        if (diskError) reject(diskError);
        else if (dropped !== null) reject(interrupted(file, received, total, dropped));
        else if (total !== undefined && received !== total)
          reject(interrupted(file, received, total, 'ended early'));
        else resolve();
      });
    };
    res.body.once('error', (e: NodeJS.ErrnoException) => {
      dropped = e.code ?? e.message;
    });
    // 'close' comes after 'end' or after an error: either way every chunk has been written.
    res.body.once('close', () => {
      if (!res.body.readableEnded && dropped === null) dropped = 'connection closed';
      if (diskError) out.destroy();
      finish();
    });
  });
}

function interrupted(file: string, received: number, total: number | undefined, why: string): DownloadError {
  const of = total === undefined ? '' : ` of ${mb(total)}`;
  return new DownloadError(
    `${file}: the download was interrupted after ${mb(received)}${of} MB (${why}); run again to resume`,
  );
}

/** The part of an earlier run, if it is of this URL and says which version it holds; otherwise none. */
async function resumablePart(
  part: string,
  infoPath: string,
  url: string,
): Promise<{ bytes: number; info?: PartInfo }> {
  const [size, info] = await Promise.all([
    stat(part).then(
      (s) => s.size,
      () => 0,
    ),
    readFile(infoPath, 'utf8').then(
      (t) => JSON.parse(t) as PartInfo,
      () => undefined,
    ),
  ]);
  if (size === 0 || !info || info.url !== url || !info.validator) return discard(part, infoPath);
  return { bytes: size, info };
}

async function discard(part: string, infoPath: string): Promise<{ bytes: number }> {
  await rm(part, { force: true });
  await rm(infoPath, { force: true });
  return { bytes: 0 };
}

/** If-Range needs a strong validator: a strong ETag, else Last-Modified (a weak ETag cannot be used). */
function validatorOf(res: HttpResponse): string | undefined {
  const etag = res.headers.etag;
  if (etag && !etag.startsWith('W/')) return etag;
  return res.headers['last-modified'] ?? undefined;
}

function contentLength(res: HttpResponse): number | undefined {
  const n = Number(res.headers['content-length']);
  return res.headers['content-length'] !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Megabytes with one decimal, for messages. */
export function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
