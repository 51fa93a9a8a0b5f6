import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { ApiMetrics } from '@vaecf/telemetry';
import type { NextFunction, Request, Response } from 'express';
import { API_METRICS } from './tokens';

/** Times every request and counts it by method, route template and status once the response is sent. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@Inject(API_METRICS) private readonly metrics: ApiMetrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const stop = this.metrics.duration.startTimer();
    res.on('finish', () => {
      // Express sets req.route when a handler matched; its path is the template (/sweeps/:id).
      const template = (req.route as { path?: string } | undefined)?.path;
      const labels = {
        method: req.method,
        route: template ? `${req.baseUrl}${template}` : 'unmatched',
        status: String(res.statusCode),
      };
      this.metrics.requests.inc(labels);
      stop(labels);
    });
    next();
  }
}
