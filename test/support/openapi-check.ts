import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
// ajv 6 (draft-07, with OpenAPI 3.0's `nullable`): the major eslint already brings, so one copy is installed.
import Ajv from 'ajv';

/**
 * Checks real answers of the API against the committed OpenAPI document
 * (docs/openapi.json): the schema of the route's answer with that status,
 * and its content type. The end-to-end tests send every request to the API
 * through checkedFetch (or apiCaller, test/support/api-call.ts, over it).
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

/** "METHOD /template status" of every answer checked in this test file's process. */
export const checkedAnswers = new Set<string>();

/**
 * Throws, naming the route and what does not match, when an answer is not
 * what the document promises. `contentType`: the answer's Content-Type header
 * (null: none); `body`: the parsed JSON, or null when it is not JSON or empty.
 */
export function checkAnswer(
  method: string,
  url: string,
  status: number,
  body: unknown,
  contentType: string | null = null,
): void {
  const path = new URL(url, 'http://x').pathname;
  const route = templates.find((t) => t.pattern.test(path));
  if (!route) return; // not a route (a test of the 404 of a wrong path)
  const op = doc.paths[route.template][method.toLowerCase()];
  if (!op) {
    if (status === 404) return; // a method the path does not have: no route either
    throw new Error(
      `${method} ${route.template}: no such operation in docs/openapi.json (answered ${status})`,
    );
  }
  const key = `${method.toUpperCase()} ${route.template} ${status}`;
  const answer = op.responses?.[String(status)];
  if (!answer) throw new Error(`${key}: the status is not documented`);
  const media = contentType?.split(';')[0].trim().toLowerCase();
  if (answer.content && media && !(media in answer.content))
    throw new Error(`${key}: answered ${media}, documented ${Object.keys(answer.content).join(', ')}`);
  // No JSON body documented (204, a file) or none sent: nothing more to check.
  const schema = answer.content?.['application/json']?.schema;
  if (schema && body !== null) {
    let validate = compiled.get(key);
    if (!validate) {
      // The components travel with each schema so that its #/components/schemas/... references resolve.
      validate = ajv.compile({ allOf: [schema], components: doc.components });
      compiled.set(key, validate);
    }
    if (!validate(body)) {
      // With the params: an extra field is named there ({"additionalProperty":"x"}), not in the message.
      const errors = (validate.errors ?? []).map(
        (e) => `${e.dataPath || '(body)'} ${e.message} ${JSON.stringify(e.params)}`,
      );
      throw new Error(`${key}: the answer does not match docs/openapi.json: ${errors.join('; ')}`);
    }
  }
  checkedAnswers.add(key);
}

/**
 * fetch, for requests to the API: the answer is checked (checkAnswer) before
 * it is returned, unread (a JSON body is read from a clone).
 */
export async function checkedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const r = await fetch(url, init);
  const type = r.headers.get('content-type');
  const text = type?.startsWith('application/json') ? await r.clone().text() : '';
  checkAnswer(init.method ?? 'GET', url, r.status, text ? (JSON.parse(text) as unknown) : null, type);
  return r;
}

/**
 * The success answers (2xx) of every documented operation that no answer
 * checked in this process had: "METHOD /template status".
 */
export function uncheckedOperations(): string[] {
  return Object.entries(doc.paths).flatMap(([template, ops]) =>
    Object.entries(ops).flatMap(([method, op]) =>
      Object.keys(op.responses ?? {})
        .filter((s) => s.startsWith('2'))
        .map((s) => `${method.toUpperCase()} ${template} ${s}`)
        .filter((key) => !checkedAnswers.has(key)),
    ),
  );
}
