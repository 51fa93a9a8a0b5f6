import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
// ajv 6 (draft-07, with OpenAPI 3.0's `nullable`): the major eslint already brings, so one copy is installed.
import Ajv from 'ajv';

/**
 * Checks real answers of the API against the committed OpenAPI document
 * (docs/openapi.json): the schema of the route's answer with that status.
 * The end-to-end tests call it on every answer they read.
 */
interface Doc {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>
  >;
  components: { schemas: Record<string, object> };
}

const doc = JSON.parse(readFileSync(resolve(__dirname, '../../docs/openapi.json'), 'utf8')) as Doc;
const ajv = new Ajv({ nullable: true, unknownFormats: 'ignore', allErrors: true });
// Literal segments first: /datasets/upload before /datasets/{id}.
const templates = Object.keys(doc.paths)
  .map((t) => ({
    template: t,
    params: t.split('{').length,
    pattern: new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }))
  .sort((a, b) => a.params - b.params);
const compiled = new Map<string, Ajv.ValidateFunction>();

/** Route template, method and status of every answer checked (a test asserts the main routes are among them). */
export const checkedAnswers = new Set<string>();

/** Throws, naming the route and what does not match, when `body` is not what the document promises. */
export function checkAnswer(method: string, url: string, status: number, body: unknown): void {
  const path = new URL(url, 'http://x').pathname;
  const route = templates.find((t) => t.pattern.test(path));
  if (!route) return; // not a route (a test of the 404 of a wrong path)
  const op = doc.paths[route.template][method.toLowerCase()];
  if (!op) throw new Error(`${method} ${route.template}: no such operation in docs/openapi.json`);
  const answer = op.responses?.[String(status)];
  if (!answer) throw new Error(`${method} ${route.template}: status ${status} is not documented`);
  const schema = answer.content?.['application/json']?.schema;
  const key = `${method.toUpperCase()} ${route.template} ${status}`;
  checkedAnswers.add(key);
  if (!schema || body === null) return; // no JSON body documented (204, a file) or none sent
  let validate = compiled.get(key);
  if (!validate) {
    // The components travel with each schema so that its #/components/schemas/... references resolve.
    validate = ajv.compile({ allOf: [schema], components: doc.components });
    compiled.set(key, validate);
  }
  if (!validate(body))
    throw new Error(
      `${key}: the answer does not match docs/openapi.json: ${ajv.errorsText(validate.errors)}`,
    );
}
