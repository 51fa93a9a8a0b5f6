import { ApiUnavailableError, ApiUnreachableError, UserError } from './errors';

export { ApiUnavailableError, ApiUnreachableError };

/** Answers that mean "not now" (Redis down, a proxy without its upstream), not "no". */
const UNAVAILABLE = new Set([502, 503, 504]);

/** Where the API is and how to authenticate: flags first, then VAECF_API_URL / VAECF_API_TOKEN. */
export interface ApiOptions {
  api?: string;
  token?: string;
}

/** A thin JSON client: an API refusal becomes a UserError with the API's own message (which names the field). */
export class ApiClient {
  readonly base: string;
  private readonly token?: string;

  constructor(opts: ApiOptions) {
    this.base = apiBase(opts);
    this.token = opts.token ?? process.env.VAECF_API_TOKEN;
  }

  /** A text resource (the HTML report). */
  async text(path: string): Promise<string> {
    return this.request<string>('GET', path, undefined, {}, 'text');
  }

  /** A binary resource (a model archive), whole. */
  async bytes(path: string): Promise<Buffer> {
    return Buffer.from(await this.request<string>('GET', path, undefined, {}, 'bytes'), 'latin1');
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  delete(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  post<T>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('POST', path, body, headers);
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    as: 'json' | 'text' | 'bytes' = 'json',
  ): Promise<T> {
    const text = typeof body === 'string';
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': text ? 'application/yaml' : 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : text ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      // fetch wraps the socket error: its cause says why (ECONNREFUSED, ENOTFOUND, bad port...).
      const inner = (e as { cause?: { code?: string; message?: string } }).cause;
      const cause = inner?.code ?? inner?.message ?? (e as Error).message;
      throw new ApiUnreachableError(this.base, cause);
    }
    if (res.ok && as === 'bytes') return Buffer.from(await res.arrayBuffer()).toString('latin1') as T;
    const raw = await res.text();
    if (res.ok && as === 'text') return raw as T;
    const json = raw ? (safeJson(raw) as { message?: unknown } | null) : null;
    if (!res.ok) {
      const message = typeof json?.message === 'string' ? json.message : raw || res.statusText;
      if (UNAVAILABLE.has(res.status))
        throw new ApiUnavailableError(
          `the vaecf API at ${this.base} is unavailable (${res.status}): ${message}`,
          retryAfterMs(res.headers.get('retry-after')),
        );
      throw new UserError(`the API refused ${method} ${path} (${res.status}): ${message}`);
    }
    return json as T;
  }
}

/** Retry-After (RFC 9110): delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The API's base URL, checked: a value that is not an http(s) URL is a typo
 * (bad input, exit 2), not an API that cannot be reached (exit 3).
 */
function apiBase(opts: ApiOptions): string {
  const [source, value] =
    opts.api !== undefined
      ? ['--api', opts.api]
      : process.env.VAECF_API_URL !== undefined
        ? ['VAECF_API_URL', process.env.VAECF_API_URL]
        : ['', 'http://127.0.0.1:8080'];
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new UserError(
      `${source} ${JSON.stringify(value)}: not an http(s) URL (e.g. http://127.0.0.1:8080)`,
      source,
    );
  return value.replace(/\/+$/, '');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
