import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { metricsRequestAllowed } from './metrics-access';

export interface MetricsServerOptions {
  /** Address to bind (see metrics-access.ts for who may scrape). */
  readonly host: string;
  /** The first port tried; 0 takes any free port. */
  readonly port: number;
  /** Ports tried in turn from `port` while they are taken (several workers on one host). */
  readonly portCount: number;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  readonly token?: string;
}

export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A minimal HTTP server for a process without an HTTP API (a worker):
 * GET /metrics in the Prometheus text format, GET /health. `beforeScrape`
 * refreshes gauges read from elsewhere (queue depths) just in time.
 */
export async function startMetricsServer(
  registry: Registry,
  opts: MetricsServerOptions,
  beforeScrape?: () => Promise<void>,
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      if (!metricsRequestAllowed(req.headers.authorization, opts.token)) {
        res.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' });
        res.end('/metrics needs Authorization: Bearer <METRICS_TOKEN>');
        return;
      }
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
  const last = opts.port === 0 ? 0 : Math.min(65535, opts.port + opts.portCount - 1);
  for (let port = opts.port; ; port++) {
    try {
      await listen(server, port, opts.host);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port >= last) {
        throw new Error(
          opts.port === 0 || opts.portCount === 1
            ? `cannot serve /metrics on ${opts.host}:${port}: ${(e as Error).message}`
            : `cannot serve /metrics: ports ${opts.port}-${last} on ${opts.host} are all taken (${(e as Error).message})`,
        );
      }
    }
  }
  return {
    host: opts.host,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => reject(e);
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}
