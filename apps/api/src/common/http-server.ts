import { maxHeaderSize, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { BodyError, declaresBody, RAW_BODY_ROUTES } from './body-errors';

/** How long the API waits for what a client sends (API_* variables, see config.ts). */
export interface HttpTimeouts {
  /** The request line and headers must arrive within it (Node's headersTimeout). */
  readonly headersMs: number;
  /** A request's body (JSON or YAML, at most BODY_LIMIT) must arrive within it, counted from its headers. */
  readonly requestMs: number;
  /** An upload may take as long as it needs, but no longer than this without a byte. */
  readonly uploadIdleMs: number;
}

/**
 * The server's own settings. Idle keep-alive connections live longer than
 * clients and proxies keep them (Node's 5 s is shorter than most): a client
 * reusing a connection the server has just closed would get a reset. Node's
 * requestTimeout (a deadline for the whole request, 300 s by default) is
 * off: it cannot tell a 2 GB upload that streams from a body that never
 * comes, so bodies get deadlines of their own (bodyDeadlines). Client errors
 * get proper answers (clientErrorAnswer).
 */
export function configureHttpServer(server: Server, timeouts: HttpTimeouts): void {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = 0;
  server.on('clientError', answerClientError);
}

/** Sockets that closed while the client was still sending are drained for at most this long. */
const DRAIN_MS = 5_000;

/**
 * The answer to a request Node's parser refused before any route saw it:
 * 431 for headers over Node's limit (maxHeaderSize, 16 KB unless
 * --max-http-header-size says otherwise), 408 for
 * headers not received within headersTimeout, 400 for anything else that is
 * not HTTP. The connection is ended, not destroyed, and what the client still
 * sends is read and dropped: destroying a socket with unread bytes resets it,
 * and the client would see the reset instead of the answer.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          `(headers): larger than the limit of ${maxHeaderSize} bytes in all`,
        ]
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', '(headers): not received in time']
        : [400, 'Bad Request', `(request): not a valid HTTP request (${err.code ?? err.message})`];
  const body = JSON.stringify({ statusCode: status, message });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.on('data', () => undefined).resume();
  setTimeout(() => socket.destroy(), DRAIN_MS).unref();
}

/** Set on a response the deadline answered: what fails after it is the consequence, not news. */
const EXPIRED = Symbol('vaecf.bodyDeadlineExpired');

/** Whether this response is the 408 of an expired body deadline. */
export function bodyDeadlineExpired(res: Response): boolean {
  return (res as unknown as Record<symbol, unknown>)[EXPIRED] === true;
}

/**
 * Express middleware, first of all: a request that declares a body must
 * send it in time, or it is answered 408 and its connection closed, instead
 * of holding a connection (and a parser) for minutes. A JSON or YAML body
 * must arrive within `requestMs`; an upload (a raw body streamed to disk)
 * only must not stop for longer than `uploadIdleMs` (the socket's inactivity
 * timeout, Node's own), so a large file that keeps coming is never cut.
 */
export function bodyDeadlines(timeouts: HttpTimeouts) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.complete || !declaresBody(req)) return next();
    const upload = RAW_BODY_ROUTES.has(req.path);
    const expire = () => {
      done();
      if (res.headersSent) {
        req.socket.destroy(); // answered without reading the body, which never came
        return;
      }
      (res as unknown as Record<symbol, unknown>)[EXPIRED] = true;
      const problem = upload
        ? `no data received for ${timeouts.uploadIdleMs} ms (UPLOAD_IDLE_TIMEOUT_MS); the upload is dropped`
        : `not received within ${timeouts.requestMs} ms (REQUEST_TIMEOUT_MS)`;
      const e = new BodyError(408, '(body)', problem);
      res.status(408).setHeader('Connection', 'close');
      res.json({ statusCode: 408, message: e.message });
    };
    const timer = upload ? null : setTimeout(expire, timeouts.requestMs);
    if (upload) req.setTimeout(timeouts.uploadIdleMs, expire);
    const done = () => {
      if (timer) clearTimeout(timer);
      else {
        req.setTimeout(0); // the server's default again: no inactivity limit while the answer is made
        req.off('timeout', expire);
      }
      req.off('end', done);
      req.socket.off('close', done);
    };
    req.once('end', done);
    req.socket.once('close', done);
    next();
  };
}
