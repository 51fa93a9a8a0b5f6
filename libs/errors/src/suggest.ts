import { closest, distance } from 'fastest-levenshtein';

/** Spelling differences that never matter for a key: case, `_` and `-` (keep_prob, KeepProb, keep-prob). */
const fold = (s: string) => s.toLowerCase().replace(/[_-]/g, '');

/**
 * The known name a user most likely meant by `name`, or undefined when none
 * is close: " (did you mean "keepProb"?)" messages for near-miss keys.
 */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  if (!known.length) return undefined;
  const exact = known.find((k) => fold(k) === fold(name));
  if (exact) return exact;
  const folded = known.map(fold);
  const best = closest(fold(name), folded);
  // Within a third of the name's length: annealcap -> annealCap, batchsize -> batchSize, lamda -> lam.
  if (distance(fold(name), best) > Math.max(1, Math.floor(name.length / 3))) return undefined;
  return known[folded.indexOf(best)];
}

/** `unknown key "x"` with a suggestion and the list of valid keys. */
export function unknownKeyProblem(name: string, known: readonly string[], what = 'key'): string {
  const guess = didYouMean(name, known);
  return `unknown ${what} "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; valid: ${known.join(', ')}`;
}
