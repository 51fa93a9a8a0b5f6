import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiResponse, getSchemaPath, type ApiResponseOptions } from '@nestjs/swagger';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

/** The body of every error answer (errors.filter.ts): the message names the field. */
export const errorBodySchema = z.strictObject({
  statusCode: z.number().int(),
  message: z.string().describe('what is wrong, naming the field ("space.lr: ...", "(body): ...")'),
  error: z.string().optional(),
});
export class ErrorBodyDto extends createZodDto(errorBodySchema) {}

const ERRORS = {
  400: 'bad input: the message names the field',
  401: 'API_TOKEN is set and the Authorization: Bearer header is missing or wrong',
  404: 'no such sweep, trial or dataset',
  408: 'the body did not arrive within REQUEST_TIMEOUT_MS (an upload stalled for UPLOAD_IDLE_TIMEOUT_MS)',
  409: 'conflicts with the current state (the message says which)',
  413: 'the body is larger than BODY_LIMIT (or the upload than UPLOAD_LIMIT_BYTES)',
  415: 'a content type or encoding the route does not read',
  422: 'an Idempotency-Key already used for a different spec',
  503: 'Redis is unavailable (or, for /health, a queue; or the artifact store, the message says what is left undone): retry after the Retry-After seconds',
  507: 'the stored uploads and this one would exceed UPLOAD_QUOTA_BYTES: delete datasets registered from uploads',
} as const;
export type ErrorStatus = keyof typeof ERRORS;

/**
 * One route's OpenAPI entry: a summary, the success answer, and the error
 * answers it can give. 401 and 503 are added to every route but the open
 * ones (they hold for any route behind the token and on Redis). Error answers
 * are JSON whatever the route produces when it succeeds (a CSV, a page, a
 * file): their content is given here, not left to the route's @ApiProduces.
 * ErrorBodyDto is registered with the document (openapi-document.ts extraModels).
 */
export function ApiRoute(
  summary: string,
  success: ApiResponseOptions & { status: number },
  errors: ErrorStatus[],
  opts: { open?: boolean } = {},
): MethodDecorator {
  const all = new Set<ErrorStatus>([...errors, ...(opts.open ? [] : ([401, 503] as const))]);
  return applyDecorators(
    ApiOperation({ summary }),
    ApiResponse(success),
    ...[...all].sort().map((status) =>
      ApiResponse({
        status,
        description: ERRORS[status],
        content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorBodyDto) } } },
      }),
    ),
  );
}
