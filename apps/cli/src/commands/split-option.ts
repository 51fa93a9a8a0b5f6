import { SPLIT_METHODS, type SplitMethod } from '@vaecf/cf';
import { UserError } from '../errors';

/** Parses `--split`: an unknown method is a bad-input error (exit 2) naming the flag. */
export function splitMethod(value: string): SplitMethod {
  if ((SPLIT_METHODS as readonly string[]).includes(value)) return value as SplitMethod;
  throw new UserError(
    `invalid --split: must be one of ${SPLIT_METHODS.join(', ')} (got ${JSON.stringify(value)})`,
  );
}
