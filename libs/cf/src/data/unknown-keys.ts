import { closest, distance } from 'fastest-levenshtein';

/**
 * The zod error customisation of a strict object: an unknown key is named,
 * with the nearest known name when it looks like a typo of one
 * (`unknown field "heldoutUser" (did you mean "heldoutUsers"?)`).
 */
export function unknownKeysError(known: readonly string[]) {
  return {
    error: (issue: { code?: string; keys?: string[] }) => {
      if (issue.code !== 'unrecognized_keys' || !issue.keys) return undefined;
      return issue.keys.map((k) => describeUnknownKey(k, known)).join('; ');
    },
  };
}

export function describeUnknownKey(key: string, known: readonly string[]): string {
  const guess = nearMiss(key, known);
  const hint = guess ? `did you mean "${guess}"?` : `known fields: ${known.join(', ')}`;
  return `unknown field "${key}" (${hint})`;
}

/** The known name a key is probably a typo of: same letters but for case, a prefix of it, or a few edits away. */
function nearMiss(key: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const lower = key.toLowerCase();
  const sameLetters = known.find((k) => k.toLowerCase() === lower);
  if (sameLetters) return sameLetters;
  // An abbreviation ("delim" for "delimiter").
  const extended = lower.length >= 3 ? known.find((k) => k.toLowerCase().startsWith(lower)) : undefined;
  if (extended) return extended;
  const best = closest(
    lower,
    known.map((k) => k.toLowerCase()),
  );
  const tolerance = Math.max(2, Math.floor(key.length / 3));
  return distance(lower, best) <= tolerance ? known.find((k) => k.toLowerCase() === best) : undefined;
}
