import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  HttpException,
  type ExceptionFilter,
} from '@nestjs/common';
import { InputError } from '@vaecf/errors';
import type { Response } from 'express';

/** Bad-input errors from the libraries (InputError) become 400s with their own message, which names the field. */


@Catch()
export class ErrorsFilter implements ExceptionFilter {
  catch(e: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    let http: HttpException;
    if (e instanceof HttpException) http = e;
    else if (e instanceof InputError) http = new BadRequestException(e.message);
    else if (isClientHttpError(e)) {
      // body-parser's errors (413 entity too large, 400 invalid JSON) carry their status.
      res.status(e.status).json({ statusCode: e.status, message: e.message });
      return;
    } else {
      process.stderr.write(`api: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      res.status(500).json({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
      return;
    }
    const body = http.getResponse();
    res
      .status(http.getStatus())
      .json(typeof body === 'string' ? { statusCode: http.getStatus(), message: body } : body);
  }
}

function isClientHttpError(e: unknown): e is Error & { status: number } {
  const status = (e as { status?: unknown })?.status;
  return e instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}
