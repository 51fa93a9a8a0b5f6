import { EngineChoiceError, parseEngineChoice, parseThreads, type EngineChoice } from '@vaecf/engine';
import { z } from 'zod';

/**
 * The engine variables workers and the API share, as zod fields of their
 * environment schemas: a bad value is an issue naming the variable (the
 * process refuses to start with one line), never a default in its place.
 */

/** A value parsed by libs/engine: its message without the variable's name (the issue's path says it). */
function parsedBy<T>(parse: (value: string, what: string) => T, name: string) {
  return (value: string | undefined, ctx: z.RefinementCtx): T | undefined => {
    if (!value) return undefined; // unset or empty (compose's default): no value
    try {
      return parse(value, name);
    } catch (e) {
      if (!(e instanceof EngineChoiceError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message.replace(`${name} `, '') });
      return z.NEVER;
    }
  };
}

/** An engine name, an old --backend value (wasm, cpu, tensorflow, tensorflow-gpu) or auto; undefined when unset. */
export const engineVariable = (name: string) =>
  z.string().optional().transform(parsedBy(parseEngineChoice, name));

/** Threads: N (1-256) or auto; `fallback` when unset. */
export const threadsVariable = (name: string, fallback: number | 'auto') =>
  z
    .string()
    .optional()
    .transform(parsedBy(parseThreads, name))
    .transform((v) => v ?? fallback);

/** A GPU index. */
export const gpuVariable = () => z.coerce.number().int().min(0).max(255).default(0);

/** VAECF_ENGINE, else the old VAECF_BACKEND, else auto. */
export function engineFromVariables(
  engine: EngineChoice | undefined,
  backend: EngineChoice | undefined,
): EngineChoice {
  return engine ?? backend ?? 'auto';
}
