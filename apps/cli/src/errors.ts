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

export function exitCodeFor(e: unknown): number {
  return e instanceof Error && INPUT_ERRORS.has(e.name) ? 2 : 1;
}

export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return INPUT_ERRORS.has(e.name) ? e.message : (e.stack ?? e.message);
}
