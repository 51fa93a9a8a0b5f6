/**
 * The base of every error that means "the input is wrong, and the user can
 * fix it": a spec, a configuration, a ratings file, a command-line flag.
 * The API maps it to 400, the CLI to exit code 2 (one line, no stack), a
 * dataset job to `failed` with the message. Anything else is a bug or an
 * infrastructure fault. Every package's bad-input errors extend this one
 * class, so nothing downstream keeps lists of class names.
 *
 * It lives in a package of its own because libs/cf and libs/sweep import
 * nothing from each other, and both have bad inputs.
 */
export class InputError extends Error {
  /**
   * @param field where the problem is ("space.lr", "--heldout-users", "ratings.csv:12"), or "" when it concerns the whole input
   * @param problem what is wrong, phrased for the user
   */
  constructor(
    message: string,
    readonly field = '',
    readonly problem = message,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export { didYouMean, unknownKeyProblem } from './suggest';
export { preview } from './preview';

/**
 * A valid request that the current state of what it names refuses (resume a
 * sweep that is not cancelled, extend one that is finalizing): HTTP 409.
 * Retrying later, or after another action, can succeed.
 */
export class StateConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
