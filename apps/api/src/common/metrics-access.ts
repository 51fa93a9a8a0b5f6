import { UnauthorizedException } from '@nestjs/common';
import { metricsRequestAllowed } from '@vaecf/telemetry';

/**
 * The metrics rule (libs/telemetry metrics-access.ts) for the API's routes
 * Prometheus reads (/metrics, /workers/sd): with METRICS_TOKEN set they need
 * it as a bearer token. Throws a 401 naming the route otherwise.
 */
export function assertMetricsAccess(route: string, authorization: string | undefined, token?: string): void {
  if (!metricsRequestAllowed(authorization, token))
    throw new UnauthorizedException(`${route} needs Authorization: Bearer <METRICS_TOKEN>`);
}
