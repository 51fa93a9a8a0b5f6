import { CST, Lexer, LineCounter, parseDocument, Parser } from 'yaml';
import { DOCUMENT_LIMITS, documentLimitProblem } from './document-limits';
import { SpecError } from './spec';

/** Anchors and aliases a document may use (a spec needs few; alias bombs need many). */
export const MAX_YAML_ALIASES = 20;
/**
 * Values (scalars, aliases, collections, keys included) a YAML text may hold:
 * a spec has under a hundred, and the yaml library needs about 20 µs a value
 * here, so this keeps the worst body well under a second.
 */
export const MAX_YAML_VALUES = 5_000;

/**
 * The plain value of one YAML (or JSON) document, read defensively: its
 * size and flow nesting are checked on the lexer's tokens as they come, its
 * shape on the parser's token tree (both built without recursion), all
 * before the recursive composer runs, so a deep nesting, an alias bomb, a
 * tag that constructs something (`!!binary`, a custom `!tag`) or a second
 * document is a SpecError naming where, never a stack overflow or a 500.
 * Merge keys (`<<`) stay off (YAML 1.2): `<<` is a plain key there.
 */
export function readYamlDocument(text: string): unknown {
  const early = lexicalProblem(text);
  if (early)
    throw new SpecError(early.offset < 0 ? '(document)' : lineAndColumn(text, early.offset), early.text);
  const lines = new LineCounter();
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return `line ${p.line}, column ${p.col}`;
  };
  let documents = 0;
  let aliases = 0;
  for (const token of new Parser(lines.addNewLine).parse(text)) {
    if (token.type !== 'document') continue;
    if (++documents > 1) throw new SpecError(at(token.offset), 'send one YAML document, not several');
    const scan = scanDocument(token);
    if (scan.problem) throw new SpecError(at(scan.problem.offset), scan.problem.text);
    aliases += scan.aliases;
  }
  if (aliases > MAX_YAML_ALIASES)
    throw new SpecError(
      '(document)',
      `uses ${aliases} YAML anchors and aliases, more than ${MAX_YAML_ALIASES}`,
    );

  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: false });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    throw new SpecError(
      pos ? `line ${pos.line}, column ${pos.col}` : '(document)',
      error.message.split('\n')[0],
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // The yaml library's own alias-expansion guard ("Excessive alias count ...").
    if (e instanceof ReferenceError)
      throw new SpecError('(document)', `YAML aliases expand too much: ${e.message}`);
    throw e;
  }
  const limit = documentLimitProblem(value);
  if (limit) throw new SpecError(limit.where, limit.problem);
  return value;
}

interface Walk {
  readonly token: CST.Token;
  readonly depth: number;
}

/**
 * One pass over a document's token tree, iterative: its anchors and aliases
 * counted, and the first tag or collection nested past the depth limit.
 */
function scanDocument(doc: CST.Document): {
  aliases: number;
  problem?: { offset: number; text: string };
} {
  let aliases = 0;
  const stack: Walk[] = doc.value ? [{ token: doc.value, depth: 0 }] : [];
  const props = (tokens: readonly CST.Token[]) => {
    for (const p of tokens) {
      if (p.type === 'anchor') aliases++;
      if (p.type === 'tag') return { offset: p.offset, text: `YAML tags (${p.source}) are not accepted` };
    }
    return undefined;
  };
  let problem = props(doc.start);
  while (!problem && stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (token.type === 'alias') aliases++;
    if (token.type === 'block-scalar') problem = props(token.props);
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection')
      continue;
    if (depth >= DOCUMENT_LIMITS.maxDepth) {
      problem = { offset: token.offset, text: `nested deeper than ${DOCUMENT_LIMITS.maxDepth} levels` };
      break;
    }
    for (const item of token.items) {
      problem ??= props(item.start) ?? props(item.sep ?? []);
      if (item.key) stack.push({ token: item.key, depth: depth + 1 });
      if (item.value) stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return { aliases, problem };
}

/** Tokens that start a value: each scalar, alias, collection and block-sequence entry. */
const VALUE_TOKENS = new Set<string>([
  'scalar',
  'single-quoted-scalar',
  'double-quoted-scalar',
  'block-scalar-header',
  'alias',
  'flow-seq-start',
  'flow-map-start',
  'seq-item-ind',
]);

/**
 * Too many values, or flow collections (`[[[[...`) nested too deep, found
 * while lexing, so that a 1 MB body of either stops after a few thousand
 * tokens instead of being parsed whole. Offset -1 stands for the whole
 * document.
 */
function lexicalProblem(text: string): { offset: number; text: string } | null {
  let values = 0;
  let flowDepth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-seq-start' || type === 'flow-map-start') flowDepth++;
    else if (type === 'flow-seq-end' || type === 'flow-map-end') flowDepth--;
    if (flowDepth > DOCUMENT_LIMITS.maxDepth)
      return { offset, text: `nested deeper than ${DOCUMENT_LIMITS.maxDepth} levels` };
    if (type && VALUE_TOKENS.has(type) && ++values > MAX_YAML_VALUES)
      return { offset: -1, text: `has more than ${MAX_YAML_VALUES} values and keys` };
    // Control tokens (document mode, scalar marker) are not in the text; the others are, verbatim.
    if (type !== 'scalar' && type !== 'doc-mode' && token !== CST.FLOW_END) offset += token.length;
  }
  return null;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}
