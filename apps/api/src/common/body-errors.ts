import { InputError } from '@vaecf/errors';
import { documentLimitProblem } from '@vaecf/sweep';
import type { NextFunction, Request, Response } from 'express';

/** A request body that cannot be read or is unsafe to walk: the status to answer and where the problem is. */
export class BodyError extends InputError {
  constructor(
    readonly status: number,
    where: string,
    problem: string,
  ) {
    super(`${where}: ${problem}`, where, problem);
  }
}

/**
 * Express middleware placed right after the JSON parser: refuses a body
 * nested deeper or holding more values than DOCUMENT_LIMITS, before any
 * validation, serialisation or handler walks it recursively. (YAML text is
 * checked by readYamlDocument; JSON.parse itself does not recurse.)
 */
export function checkBodyShape(req: Request, _res: Response, next: NextFunction): void {
  const body: unknown = req.body;
  const problem = body !== null && typeof body === 'object' ? documentLimitProblem(body) : null;
  if (!problem) return next();
  next(new BodyError(400, problem.where === '(document)' ? '(body)' : problem.where, problem.problem));
}

/** The content types the body parsers read: JSON everywhere, and YAML text (sweep specs). */
export const JSON_TYPES = ['application/json'];
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/** Routes whose body is read by the route itself, as it streams (a ratings file). */
export const RAW_BODY_ROUTES = new Set(['/datasets/upload']);

/**
 * Express middleware placed after the body parsers: a request that carries
 * a body no parser read (text/plain, XML, a form) is a 415 naming the content
 * type, on every route but the raw uploads. Left alone, the body would be
 * ignored and the route would answer as if none had been sent.
 */
export function refuseUnreadBody(req: Request, _res: Response, next: NextFunction): void {
  if (!declaresBody(req) || req.body !== undefined || RAW_BODY_ROUTES.has(req.path)) return next();
  const type = req.headers['content-type'];
  next(
    new BodyError(
      415,
      'content-type',
      `${type ? `"${type.slice(0, 100)}" is not read here` : 'none given'}: send the body as application/json ` +
        '(a sweep spec also as application/yaml)',
    ),
  );
}

/** Whether a request says it carries a body (a length above 0, or chunks). */
export function declaresBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Express error middleware placed after the body parsers: their errors
 * (invalid JSON, too large, unknown charset or encoding) become BodyErrors
 * naming what is wrong. Left alone, Nest would turn the JSON ones into a bare
 * "Unexpected token ..." 400.
 */
export function rewriteBodyParserErrors(
  err: unknown,
  _req: Request,
  _res: Response,
  next: NextFunction,
): void {
  next(bodyParserError(err) ?? err);
}

/** body-parser's error types, each with the status and one line that names what is wrong. */
const BODY_PARSER_ERRORS: Record<string, (e: Error) => BodyError> = {
  'entity.parse.failed': (e) => new BodyError(400, '(body)', `not valid JSON: ${e.message}`),
  'entity.too.large': (e) =>
    new BodyError(413, '(body)', `larger than the limit of ${(e as { limit?: number }).limit ?? '?'} bytes`),
  'encoding.unsupported': (e) => new BodyError(415, 'content-encoding', e.message),
  'charset.unsupported': (e) => new BodyError(415, 'content-type', e.message),
  'request.aborted': () => new BodyError(400, '(body)', 'the request was aborted while it was read'),
  'request.size.invalid': () => new BodyError(400, 'content-length', 'does not match the bytes of the body'),
};

/** A body-parser error (an http-error with a 4xx `status`, usually a `type`) as a BodyError, or null. */
function bodyParserError(e: unknown): BodyError | null {
  if (!(e instanceof Error) || e instanceof BodyError) return null;
  const { type, status, code } = e as { type?: unknown; status?: unknown; code?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500) return null;
  const known = typeof type === 'string' ? BODY_PARSER_ERRORS[type] : undefined;
  if (known) return known(e);
  // zlib's errors (Z_DATA_ERROR ...) for a body whose content-encoding does not match its bytes.
  if (typeof code === 'string' && code.startsWith('Z_'))
    return new BodyError(400, 'content-encoding', `the body could not be decompressed: ${e.message}`);
  return new BodyError(status, '(body)', e.message);
}
