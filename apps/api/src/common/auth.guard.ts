import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { bearerToken, sameToken } from '@vaecf/telemetry';
import type { Request } from 'express';
import type { ApiConfig } from '../config';
import { API_CONFIG } from './tokens';

/**
 * With API_TOKEN set, every route but /health, the docs and Prometheus' two
 * (/metrics, /workers/sd: those follow the metrics rule, METRICS_TOKEN)
 * needs `Authorization: Bearer <token>`.
 */
const OPEN = [/^\/health$/, /^\/metrics$/, /^\/workers\/sd$/, /^\/docs(\/|-json|$)/];

@Injectable()
export class TokenGuard implements CanActivate {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const token = this.config.API_TOKEN;
    if (!token) return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    if (OPEN.some((r) => r.test(req.path))) return true;
    // The same reading of the header as the metrics rule's (any case of the scheme).
    const given = bearerToken(req.headers.authorization);
    if (!sameToken(given, token)) {
      throw new UnauthorizedException(
        given ? 'invalid bearer token' : 'missing Authorization: Bearer <token> header',
      );
    }
    return true;
  }
}
