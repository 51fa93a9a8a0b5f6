import { ConfigError, parseTrialConfigInput, type TrialConfigInput } from '@vaecf/cf';
import type { Params } from '@vaecf/sweep';

/** A sampler's proposal typed as a trial's params, or, where a field does not parse, why it was refused. */
export interface TypedProposal {
  /** The proposal's fields that parse (all of them unless refused). */
  readonly params: TrialConfigInput;
  /** The first refusal (naming the field and the value): the trial is recorded as failed with it. */
  readonly refused?: ConfigError;
}

/**
 * Types a proposal from libs/sweep (which does not know the trial schema)
 * once, before the trial is stored. Submit checks every value a spec can
 * produce, so a refusal means a spec stored past those checks (an older
 * API): its trial is stored without the refused fields and fails with the
 * reason, and the sweep goes on, rather than storing params no reader can parse.
 */
export function typeProposal(proposal: Params): TypedProposal {
  let refused: ConfigError | undefined;
  const left: Record<string, unknown> = { ...proposal };
  for (;;) {
    try {
      return { params: parseTrialConfigInput(left), refused };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      refused ??= e;
      const key = e.field.split('.')[0];
      // The model comes from the spec, which parsed: nothing to drop that would help.
      if (key === 'model' || !Object.hasOwn(left, key)) throw e;
      delete left[key];
    }
  }
}
