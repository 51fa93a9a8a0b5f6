import { parse as parseYaml, YAMLParseError } from 'yaml';
import { parseSweepSpec, SpecError, type SweepSpec } from './spec';

/**
 * A spec from the text of a JSON or YAML document (JSON is YAML, so one
 * parser reads both). Syntax errors name the line and column.
 */
export function parseSweepSpecText(text: string): SweepSpec {
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const at = e.linePos?.[0];
      throw new SpecError(at ? `line ${at.line}, column ${at.col}` : '(document)', e.message.split('\n')[0]);
    }
    throw e;
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SpecError('(document)', 'must be a mapping of spec fields (dataset, model, space, ...)');
  }
  return parseSweepSpec(doc);
}
