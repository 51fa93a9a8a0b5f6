import type { Redis } from 'ioredis';

/** What a connection error looks like, from ioredis or from BullMQ passing one on. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

export function isConnectionError(e: Error): boolean {
  const code = (e as { code?: unknown }).code;
  return (typeof code === 'string' && CONNECTION_CODES.has(code)) || /^Connection is closed/.test(e.message);
}

/** ioredis's default retryStrategy: min(tries × 50 ms, 2 s). */
const BACK_OFF = 'reconnecting with back-off (50 ms more each try, at most every 2 s)';

/**
 * Reports a Redis outage once when it starts and once when it ends, for a
 * whole process, instead of one line per connection per reconnection try
 * (ioredis retries every few hundred ms on each of a worker's connections:
 * 64 lines in 7 s). An outage starts with the first connection error of any
 * source and ends when every watched connection that failed is ready again.
 * Commands wait meanwhile (maxRetriesPerRequest: null), so nothing is lost.
 */
export class RedisOutageLog {
  /** Watched connections that failed and have not been ready since. */
  private readonly failed = new Set<Redis>();
  private startedAt: number | null = null;
  private errors = 0;

  constructor(
    private readonly where: string,
    private readonly log: { warn(message: string): void; log(message: string): void },
    private readonly now: () => number = Date.now,
  ) {}

  /** Routes the connection's errors here (none reaches ioredis's "Unhandled error event" print). */
  watch(connection: Redis): Redis {
    connection.on('error', (e: Error) => {
      if (!this.error(e)) this.log.warn(`redis: ${e.message}`);
      else this.failed.add(connection);
    });
    connection.on('ready', () => this.ready(connection));
    connection.on('end', () => this.ready(connection)); // closed for good: not waited for
    return connection;
  }

  /**
   * An error from any source (BullMQ's worker 'error' event passes on its own connections'):
   * true when it was a connection error, now counted in the outage (logged if it starts one).
   */
  error(e: Error): boolean {
    if (!isConnectionError(e)) return false;
    this.errors++;
    if (this.startedAt !== null) return true;
    this.startedAt = this.now();
    this.log.warn(`Redis at ${this.where} unreachable (${e.message}); ${BACK_OFF}; trials wait`);
    return true;
  }

  private ready(connection: Redis): void {
    this.failed.delete(connection);
    if (this.startedAt === null || this.failed.size > 0) return;
    const seconds = ((this.now() - this.startedAt) / 1000).toFixed(1);
    this.log.log(
      `Redis at ${this.where} reachable again after ${seconds} s (${this.errors} connection errors meanwhile)`,
    );
    this.startedAt = null;
    this.errors = 0;
  }
}

/** host:port of a Redis URL, for the log (never its password). */
export function redisWhere(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 6379}`;
}
