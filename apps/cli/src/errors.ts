import { InputError } from '@vaecf/errors';

/** An error the user can fix: printed as one line, exit code 2 (usage/input), never a stack trace. */
export class UserError extends InputError {}

/** The API did not answer at all (connection refused, DNS, timeout): exit code 3. */
export class ApiUnreachableError extends Error {
  constructor(url: string, cause: string) {
    super(
      `cannot reach the vaecf API at ${url} (${cause}); start it with \`npm run api\` or set --api / VAECF_API_URL`,
    );
    this.name = 'ApiUnreachableError';
  }
}

/** 2: bad input or refused by the API; 3: the API cannot be reached; 1: anything else. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof ApiUnreachableError) return 3;
  return e instanceof InputError ? 2 : 1;
}

export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e instanceof InputError || e instanceof ApiUnreachableError ? e.message : (e.stack ?? e.message);
}
