import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compose } from './support/compose';

// The multi-host compose files, checked as Compose resolves them (no Docker engine here):
// the main host layered over docker-compose.yml, and the worker-only file for other machines.
const ROOT = resolve(__dirname, '..');
const MAIN = ['-f', 'docker-compose.yml', '-f', 'deploy/compose/main-host.yml'];
const WORKER_HOST = ['--project-directory', '.', '-f', 'deploy/compose/worker-host.yml', '--profile', 'gpu'];

type Resolved = {
  services: Record<
    string,
    {
      environment?: Record<string, string>;
      ports?: unknown[];
      volumes?: unknown[];
      command?: string[];
      network_mode?: string;
      healthcheck?: { test: string[] };
    }
  >;
};

const MAIN_VARS = {
  API_TOKEN: 'api-token',
  METRICS_TOKEN: 'metrics-token',
  AWS_ACCESS_KEY_ID: 'vaecf',
  AWS_SECRET_ACCESS_KEY: 'minio-secret',
  REDIS_PASSWORD: 'redispw',
};
const WORKER_VARS = {
  METRICS_TOKEN: 'metrics-token',
  AWS_ACCESS_KEY_ID: 'vaecf',
  AWS_SECRET_ACCESS_KEY: 'minio-secret',
  REDIS_PASSWORD: 'redispw',
  VAECF_MAIN_HOST: '10.1.0.1',
  AWS_ENDPOINT_URL_S3: 'http://10.1.0.1:9000',
  WORKER_ADVERTISE_HOST: '10.1.0.7',
};

/** `docker compose <files> config` (or docker-compose's) with only the given variables (none from this environment). */
function config(files: string[], vars: Record<string, string>) {
  const r = compose([...files, 'config'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...vars },
  });
  return { ...r, resolved: r.status === 0 ? (parse(r.stdout) as Resolved) : null };
}

describe('multi-host deployment (deploy/compose)', () => {
  it('main host: Redis published with a password, MinIO published, every client given the password', () => {
    const { status, stderr, resolved } = config(MAIN, MAIN_VARS);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const s = resolved!.services;
    expect(s.redis.command!.join(' ')).toContain('--requirepass "$$REDIS_PASSWORD"');
    expect(s.redis.command!.join(' ')).toContain('--appendonly yes');
    expect(s.redis.healthcheck!.test.join(' ')).toContain('-a "$$REDIS_PASSWORD"');
    expect(JSON.stringify(s.redis.ports)).toContain('6379');
    expect(JSON.stringify(s.minio.ports)).toContain('9000');
    for (const name of ['api', 'worker', 'worker-gpu']) {
      expect(s[name].environment?.REDIS_URL, name).toBe('redis://:redispw@redis:6379');
    }
    expect(JSON.stringify(s.prometheus.volumes)).toContain(
      'prometheus-multihost.yml:/etc/prometheus/prometheus.yml',
    );
  });

  it('main host: refuses to start without REDIS_PASSWORD, naming it', () => {
    const { REDIS_PASSWORD: _, ...rest } = MAIN_VARS;
    const r = config(MAIN, rest);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('set REDIS_PASSWORD in .env');
  });

  it('worker host: host networking, the main host’s Redis and object store, its own cache, an advertised address', () => {
    const { status, stderr, resolved } = config(WORKER_HOST, WORKER_VARS);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    for (const name of ['worker', 'worker-gpu']) {
      const w = resolved!.services[name];
      expect(w.network_mode, name).toBe('host');
      expect(w.ports).toBeUndefined();
      expect(w.environment).toMatchObject({
        REDIS_URL: 'redis://:redispw@10.1.0.1:6379',
        AWS_ENDPOINT_URL_S3: 'http://10.1.0.1:9000',
        VAECF_ARTIFACTS: 's3://vaecf/artifacts',
        VAECF_CACHE_DIR: '/cache',
        WORKER_METRICS_HOST: '0.0.0.0',
        WORKER_ADVERTISE_HOST: '10.1.0.7',
      });
      expect(w.environment?.VAECF_ARTIFACTS_DIR).toBeUndefined();
      // Nothing shared with the main host but Redis and the bucket: ratings read-only, a local cache.
      const mounts = JSON.stringify(w.volumes);
      expect(mounts).toContain('/data:ro');
      expect(mounts).toContain('worker-cache:/cache');
      expect(w.volumes).toHaveLength(2);
    }
  });

  it.each([
    'VAECF_MAIN_HOST',
    'AWS_ENDPOINT_URL_S3',
    'WORKER_ADVERTISE_HOST',
    'REDIS_PASSWORD',
    'METRICS_TOKEN',
  ])('worker host: refuses to start without %s, naming it', (name) => {
    const { [name as keyof typeof WORKER_VARS]: _, ...rest } = WORKER_VARS;
    const r = config(WORKER_HOST, rest);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`set ${name} in .env`);
  });

  it('prometheus-multihost.yml passes promtool and finds workers through the API’s /workers/sd', () => {
    const text = readFileSync(join(ROOT, 'deploy/prometheus/prometheus-multihost.yml'), 'utf8');
    const cfg = parse(text) as {
      scrape_configs: {
        job_name: string;
        http_sd_configs?: { url: string; authorization: { credentials_file: string } }[];
      }[];
    };
    const worker = cfg.scrape_configs.find((c) => c.job_name === 'vaecf-worker')!;
    expect(worker.http_sd_configs).toEqual([
      expect.objectContaining({
        url: 'http://api:8080/workers/sd',
        authorization: { credentials_file: '/tmp/metrics-token' },
      }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'vaecf-promtool-'));
    try {
      writeFileSync(join(dir, 'metrics-token'), 'token');
      writeFileSync(join(dir, 'p.yml'), text.replaceAll('/tmp/metrics-token', join(dir, 'metrics-token')));
      const r = spawnSync('promtool', ['check', 'config', join(dir, 'p.yml')], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
