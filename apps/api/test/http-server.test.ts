import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import { connect } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyDeadlines, configureHttpServer, type HttpTimeouts } from '../src/common/http-server';
import { apiConfig, httpTimeouts } from '../src/config';

// The server's timeouts and client-error answers, on a real HTTP server and raw sockets. Deadlines
// are configured short and the test waits for the answer (an event), never races a clock.
let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

async function listen(handler: RequestListener, timeouts: HttpTimeouts): Promise<number> {
  server = createServer(handler);
  configureHttpServer(server, timeouts);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** Sends `head` (and `body`) on a raw socket; everything the server answers until it closes, or the socket's error. */
async function exchange(port: number, head: string, body = ''): Promise<{ text: string; error?: string }> {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (b: Buffer) => (text += b.toString()));
  const ended = new Promise<{ text: string; error?: string }>((resolve) => {
    socket.on('error', (e: NodeJS.ErrnoException) => resolve({ text, error: e.code }));
    socket.on('close', () => resolve({ text }));
  });
  socket.write(head + body);
  return ended;
}

const TIMEOUTS: HttpTimeouts = { headersMs: 20_000, requestMs: 200, uploadIdleMs: 200 };

describe('the HTTP server', () => {
  it('takes its timeouts from the environment, with defaults, and sets them on the server', () => {
    const config = apiConfig({ ...process.env, REQUEST_TIMEOUT_MS: '45000' });
    expect(httpTimeouts(config)).toEqual({ headersMs: 20_000, requestMs: 45_000, uploadIdleMs: 60_000 });
    const s = createServer();
    configureHttpServer(s, httpTimeouts(config));
    // Node's whole-request deadline (300 s) is off: the body deadlines below replace it.
    expect({ headers: s.headersTimeout, request: s.requestTimeout, keepAlive: s.keepAliveTimeout }).toEqual({
      headers: 20_000,
      request: 0,
      keepAlive: 65_000,
    });
    expect(s.listenerCount('clientError')).toBe(1);
  });

  it('answers headers over the limit with 431 and a message, and closes without a reset', async () => {
    const port = await listen((_req, res) => res.end('ok'), TIMEOUTS);
    const r = await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`);
    expect(r.error).toBeUndefined();
    expect(r.text).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(r.text).toContain('"message":"(headers): larger than the limit of 16384 bytes in all"');
  });

  it('answers a declared body that never comes with 408 once the configured deadline passes', async () => {
    const app = express();
    app.use(bodyDeadlines(TIMEOUTS));
    app.use(express.json());
    app.post('/sweeps', (_req, res) => res.json({ read: true }));
    app.post('/datasets/upload', (req, res) => {
      req.resume();
      req.on('end', () => res.json({ read: true }));
    });
    const port = await listen(app as RequestListener, TIMEOUTS);
    const post = (path: string) =>
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
    const json = await exchange(port, post('/sweeps'), '{"a":');
    expect(json.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(json.text).toContain('(body): not received within 200 ms (REQUEST_TIMEOUT_MS)');
    const upload = await exchange(port, post('/datasets/upload'), 'user,item');
    expect(upload.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(upload.text).toContain('(body): no data received for 200 ms (UPLOAD_IDLE_TIMEOUT_MS)');
    // A body that comes is read as ever.
    const whole = await exchange(
      port,
      'POST /sweeps HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\nConnection: close\r\n\r\n',
      '{"a":1}',
    );
    expect(whole.text).toMatch(/^HTTP\/1\.1 200 [^]*\{"read":true\}$/);
  });
});
