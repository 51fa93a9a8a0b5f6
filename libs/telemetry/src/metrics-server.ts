import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * A minimal HTTP server for a process without an HTTP API (a worker):
 * GET /metrics in the Prometheus text format, GET /health. `beforeScrape`
 * refreshes gauges read from elsewhere (queue depths) just in time.
 */
export async function startMetricsServer(
  registry: Registry,
  port: number,
  beforeScrape?: () => Promise<void>,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      (beforeScrape ?? (async () => undefined))()
        .catch(() => undefined) // a scrape still answers when Redis is briefly away
        .then(() => registry.metrics())
        .then((text) => {
          res.writeHead(200, { 'Content-Type': registry.contentType });
          res.end(text);
        })
        .catch((e: Error) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(e.message);
        });
      return;
    }
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found: try /metrics or /health');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
