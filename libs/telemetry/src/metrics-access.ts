import { timingSafeEqual } from 'node:crypto';
import { BlockList, isIPv6 } from 'node:net';

/**
 * Who may read /metrics (the API's and every worker's), one rule:
 *   - METRICS_TOKEN set: every scrape needs `Authorization: Bearer <token>`;
 *   - METRICS_TOKEN unset: /metrics answers anyone, which is allowed only
 *     when the server is bound to a loopback address (127.0.0.0/8, ::1,
 *     localhost); bound elsewhere the process refuses to start.
 * So metrics are never open to a network by accident.
 */
export const METRICS_TOKEN_VARIABLE = 'METRICS_TOKEN';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  try {
    return loopback.check(host, isIPv6(host) ? 'ipv6' : 'ipv4');
  } catch {
    return false; // a host name other than localhost, or not an address at all
  }
}

/**
 * Why a server bound to `host` may not serve /metrics as configured, or null
 * when it may. `hostVariable` names the setting, so the message says what to change.
 */
export function metricsExposureProblem(
  host: string,
  token: string | undefined,
  hostVariable: string,
): string | null {
  if (token || isLoopbackHost(host)) return null;
  return (
    `${hostVariable}=${host} is not a loopback address, so /metrics would be open to the network: ` +
    `set ${METRICS_TOKEN_VARIABLE} (scrapers send "Authorization: Bearer <token>") or bind to 127.0.0.1`
  );
}

/**
 * The credentials of an `Authorization: Bearer <token>` header, or '' when
 * there are none. The scheme is case-insensitive (RFC 7235 section 2.1:
 * `bearer`, `BEARER` are the same scheme), one or more spaces follow it.
 */
export function bearerToken(authorization: string | undefined): string {
  return /^bearer +(.+?) *$/i.exec(authorization ?? '')?.[1] ?? '';
}

/** Whether `given` is `wanted`, in time that does not depend on where they differ. */
export function sameToken(given: string, wanted: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether a scrape with this Authorization header may read /metrics. */
export function metricsRequestAllowed(authorization: string | undefined, token: string | undefined): boolean {
  return !token || sameToken(bearerToken(authorization), token);
}
