import { get as httpGet, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { get as httpsGet } from 'node:https';
import { DownloadError } from './errors';

const MAX_REDIRECTS = 5;
/** A connection that sends nothing for this long is given up (the download resumes when run again). */
const IDLE_TIMEOUT_MS = 60_000;

export interface HttpResponse {
  readonly url: string;
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: IncomingMessage;
}

/**
 * GET `url`, following up to five redirects (the MSD host redirects), with
 * `headers` sent on every hop. Resolves on any final status; rejects with a
 * DownloadError naming the URL when the server cannot be reached.
 */
export async function get(url: string, headers: OutgoingHttpHeaders = {}): Promise<HttpResponse> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await getOnce(current, headers);
    const location = res.headers.location;
    if (res.statusCode && [301, 302, 303, 307, 308].includes(res.statusCode) && location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new DownloadError(`${url}: more than ${MAX_REDIRECTS} redirects`);
      current = new URL(location, current).toString();
      continue;
    }
    return { url: current, status: res.statusCode ?? 0, headers: res.headers, body: res };
  }
}

/** A small text body (a checksum file), at most `limit` bytes. */
export async function getText(url: string, limit = 64 << 10): Promise<string> {
  const res = await get(url);
  if (res.status !== 200) {
    res.body.resume();
    throw httpError(res);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        res.body.destroy();
        throw new DownloadError(`${res.url}: larger than ${limit} bytes, not a checksum file`);
      }
      chunks.push(chunk);
    }
  } catch (e) {
    if (e instanceof DownloadError) throw e;
    throw new DownloadError(`${res.url}: the connection dropped (${(e as Error).message})`);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function httpError(res: HttpResponse): DownloadError {
  return new DownloadError(
    `${res.url}: HTTP ${res.status} ${res.body.statusMessage ?? ''}`.trim(),
    res.status,
  );
}

function getOnce(url: string, headers: OutgoingHttpHeaders): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new DownloadError(`${url}: not a URL`));
      return;
    }
    const request = parsed.protocol === 'https:' ? httpsGet : parsed.protocol === 'http:' ? httpGet : null;
    if (!request) {
      reject(new DownloadError(`${url}: only http:// and https:// can be downloaded`));
      return;
    }
    const req = request(parsed, { headers: { 'user-agent': 'vaecf', ...headers } }, resolve);
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on('error', (e: NodeJS.ErrnoException) =>
      reject(new DownloadError(`cannot download ${url} (${e.code ?? e.message})`)),
    );
  });
}
