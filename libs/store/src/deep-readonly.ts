/**
 * A type with `readonly` on every property and array at every depth, but for
 * the types in `Keep`, which are left as they are.
 *
 * The records and the API's answers are defined as zod schemas (one source
 * for the TypeScript types and the OpenAPI document), and `z.infer` gives
 * mutable types. Their readers must not change them (a record is what was
 * read from Redis, an answer what was sent), so the exported types wrap the
 * inferred ones in this. zod's own `.readonly()` is shallow, and it would
 * also mark every field `readOnly` in the OpenAPI document.
 */
export type DeepReadonly<T, Keep = never> = T extends Keep
  ? T
  : T extends (...args: never[]) => unknown
    ? T
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K], Keep> }
      : T;
