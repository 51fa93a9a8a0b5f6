import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { checkAnswer } from './openapi-check';

/**
 * An HTTP proxy on loopback in front of the API that checks every answer
 * against docs/openapi.json (checkAnswer) on its way to the client, which
 * gets it unchanged. For clients the test cannot read the answers of: the
 * built CLI run as a child process, a raw socket that aborts an upload.
 * Violations are collected, not thrown (the client is another process):
 * the test asserts `violations()` is empty at its end.
 */
export interface CheckingProxy {
  readonly url: string;
  /** "METHOD path status: what does not match", one per answer that broke the document. */
  violations(): string[];
  /** Answers checked so far: "METHOD path status". */
  checked(): string[];
  close(): Promise<void>;
}

export async function startCheckingProxy(target: string): Promise<CheckingProxy> {
  const upstream = new URL(target);
  const violations: string[] = [];
  const checked: string[] = [];
  const server: Server = createServer((req, res) => {
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer: IncomingMessage) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          record(req.method ?? 'GET', req.url ?? '/', answer, body);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
        });
        answer.on('error', () => res.destroy());
      },
    );
    // A client that goes away (an aborted upload) takes its upstream request with it.
    req.on('aborted', () => out.destroy());
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });

  function record(method: string, path: string, answer: IncomingMessage, body: Buffer): void {
    const status = answer.statusCode ?? 0;
    const type = answer.headers['content-type'] ?? null;
    const key = `${method} ${path} ${status}`;
    try {
      const json =
        type?.startsWith('application/json') && body.length ? (JSON.parse(body.toString()) as unknown) : null;
      checkAnswer(method, path, status, json, type);
      checked.push(key);
    } catch (e) {
      violations.push(`${key}: ${(e as Error).message}`);
    }
  }

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    violations: () => [...violations],
    checked: () => [...checked],
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * The last test of a file whose clients went through `proxy()`: no answer
 * broke the document, and more than `minAnswers` were checked (so that a
 * client that bypassed the proxy fails it).
 */
export function expectProxiedAnswersChecked(proxy: () => CheckingProxy, minAnswers: number): void {
  describe('the answers the CLI got', () => {
    it('each matched docs/openapi.json (checked by a proxy between the CLI and the API)', () => {
      expect(proxy().violations()).toEqual([]);
      expect(proxy().checked().length).toBeGreaterThan(minAnswers);
    });
  });
}
