import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ConflictException,
  HttpException,
  Inject,
  UnprocessableEntityException,
  type ExceptionFilter,
} from '@nestjs/common';
import { IdempotencyKeyReusedError } from '@vaecf/store';
import { InputError, StateConflictError } from '@vaecf/errors';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { BodyError } from './body-errors';
import { bodyDeadlineExpired } from './http-server';
import { isRedisUnavailable, REDIS_RETRY_AFTER_SECONDS } from './redis-unavailable';
import { REDIS } from './tokens';

/** Longest message sent back: a refused value is echoed in part, never a megabyte of it. */
const MAX_MESSAGE_CHARS = 500;

/**
 * Every error becomes an answer: bad input (InputError, a BodyError for
 * what the body parsers refused) a 4xx whose message names the field (422
 * for an Idempotency-Key reused with another spec), a
 * request the state of what it names refuses (StateConflictError) a 409,
 * Redis out of reach a 503 with Retry-After, anything else a 500 logged
 * with its stack.
 */
@Catch()
export class ErrorsFilter implements ExceptionFilter {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  catch(e: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      // Failed mid-answer (a stream): cut the connection so the client sees it incomplete, never a hang.
      // After a 408 of the body deadline the failure (the body's reader cut off) is its consequence: not logged.
      if (!bodyDeadlineExpired(res))
        process.stderr.write(
          `api: after the answer started: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
        );
      res.destroy();
      return;
    }
    if (e instanceof BodyError) return send(res, e.status, { statusCode: e.status, message: e.message });
    if (e instanceof IdempotencyKeyReusedError)
      return this.http(res, new UnprocessableEntityException(e.message));
    if (e instanceof InputError) return this.http(res, new BadRequestException(e.message));
    if (e instanceof StateConflictError) return this.http(res, new ConflictException(e.message));
    if (e instanceof HttpException) return this.http(res, e);
    // Other middleware's client errors (http-errors with a 4xx status, e.g. a static file's) keep their status.
    const status = (e as { status?: unknown } | null)?.status;
    if (e instanceof Error && typeof status === 'number' && status >= 400 && status < 500)
      return send(res, status, { statusCode: status, message: `(request): ${e.message}` });
    if (isRedisUnavailable(e, this.redis)) {
      res.setHeader('Retry-After', String(REDIS_RETRY_AFTER_SECONDS));
      return send(res, 503, {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Redis is unavailable: retry later',
      });
    }
    process.stderr.write(`api: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    send(res, 500, { statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
  }

  private http(res: Response, e: HttpException): void {
    const body = e.getResponse();
    if (e.getStatus() === 503) res.setHeader('Retry-After', String(REDIS_RETRY_AFTER_SECONDS));
    send(res, e.getStatus(), typeof body === 'string' ? { statusCode: e.getStatus(), message: body } : body);
  }
}

function send(res: Response, status: number, body: object): void {
  const message = (body as { message?: unknown }).message;
  const short =
    typeof message === 'string' && message.length > MAX_MESSAGE_CHARS
      ? { ...body, message: `${message.slice(0, MAX_MESSAGE_CHARS)}... (${message.length} characters)` }
      : body;
  // JSON, labelled so: a route's @Header('Content-Type') (a report's text/html, /metrics' text/plain)
  // is set before its handler runs, and res.json keeps a type already set.
  res.status(status).type('application/json').json(short);
}
