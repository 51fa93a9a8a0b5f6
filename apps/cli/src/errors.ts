import { DownloadError, VerificationError } from '@vaecf/datasets';
import { InputError } from '@vaecf/errors';

/** An error the user can fix: printed as one line, exit code 2 (usage/input), never a stack trace. */
export class UserError extends InputError {}

/**
 * The API cannot serve the request now: it cannot be reached, or it answers
 * 502/503/504 (Redis down, a proxy without its upstream). Exit code 3, one
 * line. Nothing is wrong with the request: `sweep watch` retries it.
 */
export class ApiUnavailableError extends Error {
  constructor(
    message: string,
    /** The server's Retry-After, in milliseconds, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The API did not answer at all (connection refused, DNS, timeout). */
export class ApiUnreachableError extends ApiUnavailableError {
  constructor(url: string, cause: string) {
    super(
      `cannot reach the vaecf API at ${url} (${cause}); start it with \`npm run api\` or set --api / VAECF_API_URL`,
    );
  }
}

/**
 * 2: bad input or refused by the API; 3: a server cannot be reached, refuses
 * or is unavailable (the API: 502/503/504, e.g. Redis down; a dataset's
 * download host: an interrupted download resumes when run again); 5: a
 * downloaded file failed verification (removed: running again downloads it
 * afresh); 1: anything else.
 */
export function exitCodeFor(e: unknown): number {
  if (e instanceof ApiUnavailableError || e instanceof DownloadError) return 3;
  if (e instanceof VerificationError) return 5;
  return e instanceof InputError ? 2 : 1;
}

/** One line for every error the user is meant to read; a stack only for bugs and unexpected faults. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const expected =
    e instanceof InputError ||
    e instanceof ApiUnavailableError ||
    e instanceof DownloadError ||
    e instanceof VerificationError;
  return expected ? e.message : (e.stack ?? e.message);
}
