import { parseSweepSpec, SpecError, type SweepSpec } from './spec';
import { readYamlDocument } from './yaml-document';

export { DOCUMENT_LIMITS, documentLimitProblem, type DocumentLimitProblem } from './document-limits';
export { MAX_YAML_ALIASES, readYamlDocument } from './yaml-document';

/**
 * The largest spec text worth reading (1 MiB): the API's default body limit
 * (BODY_LIMIT "1mb"), and far beyond any real spec (a few hundred bytes). The
 * CLI refuses a larger file before reading it.
 */
export const MAX_SPEC_TEXT_BYTES = 2 ** 20;

/**
 * A spec from the text of a JSON or YAML document (JSON is YAML, so one
 * parser reads both). Syntax errors name the line and column; a document
 * built to hurt (deep, huge, an alias bomb, tags, several documents) is
 * refused the same way, never a crash.
 */
export function parseSweepSpecText(text: string): SweepSpec {
  const doc = readYamlDocument(text);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SpecError('(document)', 'must be a mapping of spec fields (dataset, model, space, ...)');
  }
  return parseSweepSpec(doc);
}
