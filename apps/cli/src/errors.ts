/** An error the user can fix: printed as one line, exit code 2 (usage/input), never a stack trace. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Error classes from libs/cf that describe bad input rather than a bug. */
const INPUT_ERRORS = new Set([
  'ConfigError',
  'DatasetInputError',
  'DatasetArtifactError',
  'CheckpointError',
  'UserError',
]);

/** 2: bad input or refused by the API; 3: the API cannot be reached; 1: anything else. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof Error && e.name === 'ApiUnreachableError') return 3;
  return e instanceof Error && INPUT_ERRORS.has(e.name) ? 2 : 1;
}

export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return INPUT_ERRORS.has(e.name) || e.name === 'ApiUnreachableError' ? e.message : (e.stack ?? e.message);
}
