import { describe, expect, it } from 'vitest';
import { bearerToken, isLoopbackHost, metricsExposureProblem, metricsRequestAllowed } from '../src';

describe('who may read /metrics', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', 'localhost']) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'worker', 'example.org', '']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it('allows an open /metrics only on loopback, and anything with a token', () => {
    expect(metricsExposureProblem('127.0.0.1', undefined, 'WORKER_METRICS_HOST')).toBeNull();
    expect(metricsExposureProblem('0.0.0.0', 'secret', 'WORKER_METRICS_HOST')).toBeNull();
    expect(metricsExposureProblem('0.0.0.0', undefined, 'API_HOST')).toMatch(
      /^API_HOST=0\.0\.0\.0 is not a loopback address.*set METRICS_TOKEN/,
    );
  });

  it('checks the bearer token exactly', () => {
    expect(metricsRequestAllowed(undefined, undefined)).toBe(true);
    expect(metricsRequestAllowed('Bearer s3cret', 's3cret')).toBe(true);
    // The scheme is case-insensitive (RFC 7235): what a client library sends in lower case is the same.
    for (const h of ['bearer s3cret', 'BEARER s3cret', 'beArEr  s3cret'])
      expect(metricsRequestAllowed(h, 's3cret'), h).toBe(true);
    for (const h of [undefined, '', 'Bearer', 'Bearer s3cre', 'Bearer s3cret2', 'Basic s3cret', 's3cret']) {
      expect(metricsRequestAllowed(h, 's3cret'), String(h)).toBe(false);
    }
  });

  it('reads the credentials of a bearer header, whatever the case of its scheme', () => {
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Bearer abc ')).toBe('abc');
    for (const h of [undefined, '', 'Bearer', 'Bearerabc', 'Basic abc', 'abc'])
      expect(bearerToken(h)).toBe('');
  });
});
