/**
 * Limits on the shape of a parsed JSON or YAML request document, checked
 * before anything walks it recursively (validation, JSON.stringify, a
 * sampler): a 100,000-level nesting overflows the stack, and YAML aliases can
 * make a small text expand into millions of nodes. A spec is a few levels
 * deep and a few hundred values; these bounds leave room for long lists
 * (10,000 items of a recommendation request) while refusing anything built
 * to hurt.
 */
export const DOCUMENT_LIMITS = { maxDepth: 32, maxNodes: 20_000 } as const;

export interface DocumentLimitProblem {
  /** The path of the offending value ("fixed.dims.0"), or "(document)" for the whole. */
  readonly where: string;
  readonly problem: string;
}

interface Visit {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: Visit | null;
  readonly key: string;
}

/**
 * The first place where `value` breaks the limits, or null. Iterative (an
 * explicit stack), so it is safe on any depth; a cyclic value (YAML aliases
 * can make one) ends at the node bound.
 */
export function documentLimitProblem(
  value: unknown,
  limits: { maxDepth: number; maxNodes: number } = DOCUMENT_LIMITS,
): DocumentLimitProblem | null {
  const stack: Visit[] = [{ value, depth: 0, parent: null, key: '' }];
  let nodes = 0;
  while (stack.length > 0) {
    const visit = stack.pop()!;
    if (++nodes > limits.maxNodes)
      return { where: '(document)', problem: `has more than ${limits.maxNodes} values` };
    const v = visit.value;
    if (v === null || typeof v !== 'object') continue;
    if (visit.depth >= limits.maxDepth)
      return { where: pathOf(visit), problem: `nested deeper than ${limits.maxDepth} levels` };
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (const [key, child] of entries)
      stack.push({ value: child, depth: visit.depth + 1, parent: visit, key });
  }
  return null;
}

function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let v: Visit | null = visit; v?.parent; v = v.parent) keys.push(v.key);
  return keys.length ? keys.reverse().join('.') : '(document)';
}
