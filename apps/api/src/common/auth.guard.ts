import { timingSafeEqual } from 'node:crypto';
import {
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
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
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      throw new UnauthorizedException(
        given ? 'invalid bearer token' : 'missing Authorization: Bearer <token> header',
      );
    }
    return true;
  }
}
