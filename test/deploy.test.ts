import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApiMetrics, createWorkerMetrics } from '@vaecf/telemetry';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compose as runCompose, COMPOSE } from './support/compose';

// No Docker engine here: the compose file, the images and the dashboards are checked statically.
const ROOT = resolve(__dirname, '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

type Service = Record<string, unknown> & {
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
};
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};

/** `docker compose config -q` (or docker-compose's) with the given variables (and none from the caller's environment). */
const composeConfig = (vars: Record<string, string>) => {
  const {
    API_TOKEN: _a,
    METRICS_TOKEN: _m,
    AWS_ACCESS_KEY_ID: _k,
    AWS_SECRET_ACCESS_KEY: _s,
    ...env
  } = process.env;
  return runCompose(['-f', 'docker-compose.yml', '--profile', 'gpu', 'config', '-q'], {
    cwd: ROOT,
    env: { ...env, ...vars },
  });
};

const REQUIRED = {
  API_TOKEN: 'api-token',
  METRICS_TOKEN: 'metrics-token',
  AWS_ACCESS_KEY_ID: 'vaecf',
  AWS_SECRET_ACCESS_KEY: 'minio-secret',
};
const DATA = '${VAECF_DATA_DIR:-./data}:/data:ro';
/** What points the API and every worker at the same bucket, each with a cache of its own. */
const S3_ENV = {
  VAECF_ARTIFACTS: 's3://${VAECF_S3_BUCKET:-vaecf}/${VAECF_S3_PREFIX:-artifacts}',
  AWS_ENDPOINT_URL_S3: '${AWS_ENDPOINT_URL_S3:-http://minio:9000}',
  VAECF_CACHE_DIR: '/cache',
};

describe('docker-compose.yml', () => {
  it('is valid for Compose (config -q)', () => {
    expect(COMPOSE, "`docker compose` or docker-compose (installed by npm test's pretest)").not.toBeNull();
    const r = composeConfig(REQUIRED);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(Object.keys(REQUIRED))('refuses to start without %s, naming it', (name) => {
    const { [name as keyof typeof REQUIRED]: _, ...rest } = REQUIRED;
    const r = composeConfig(rest);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`set ${name} in .env`);
  });

  it('keeps the artifacts in MinIO, private and healthy, its bucket made by a one-shot service', () => {
    const minio = compose.services.minio;
    expect(minio.ports).toBeUndefined();
    expect(minio.volumes).toEqual(['minio-data:/data']);
    expect(minio.healthcheck).toBeDefined();
    expect(minio.environment?.MINIO_ROOT_USER).toMatch(/^\$\{AWS_ACCESS_KEY_ID:\?/);
    expect(minio.environment?.MINIO_ROOT_PASSWORD).toMatch(/^\$\{AWS_SECRET_ACCESS_KEY:\?/);
    const init = compose.services['minio-init'];
    expect((init.entrypoint as string[]).join(' ')).toContain('mc mb --ignore-existing "vaecf/$$BUCKET"');
    expect(init.environment?.BUCKET).toBe('${VAECF_S3_BUCKET:-vaecf}');
    expect(init.depends_on?.minio.condition).toBe('service_healthy');
    expect(init.restart).toBe('no');
  });

  it('keeps Redis persistent, healthy and private', () => {
    const redis = compose.services.redis;
    expect((redis.command as string[]).join(' ')).toContain('--appendonly yes');
    expect(redis.healthcheck).toBeDefined();
    expect(redis.ports).toBeUndefined();
    expect(redis.volumes).toContain('redis-data:/data');
  });

  it('runs the API on the object store and the read-only data root, after Redis and the bucket', () => {
    const api = compose.services.api as Service & { build: { target: string } };
    expect(api.build.target).toBe('api');
    expect(api.volumes).toEqual([DATA]);
    expect(api.depends_on?.['minio-init'].condition).toBe('service_completed_successfully');
    expect(api.environment).toMatchObject({
      ...S3_ENV,
      REDIS_URL: 'redis://redis:6379',
      VAECF_DATA_ROOT: '/data',
      PORT: '8080',
      API_HOST: '0.0.0.0',
    });
    expect(api.environment?.METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN:\?/);
    expect(api.depends_on?.redis.condition).toBe('service_healthy');
    expect(api.healthcheck).toBeDefined();
  });

  it('lets workers scale on any host: no fixed name or host port, no shared volume, artifacts in S3', () => {
    for (const name of ['worker', 'worker-gpu']) {
      const w = compose.services[name];
      expect(w.container_name).toBeUndefined();
      expect(w.ports).toBeUndefined();
      expect(w.volumes).toEqual([DATA]); // the ratings files only, read-only
      expect(w.depends_on?.redis.condition).toBe('service_healthy');
      expect(w.depends_on?.['minio-init'].condition).toBe('service_completed_successfully');
      expect(w.environment?.VAECF_ARTIFACTS_DIR).toBeUndefined();
      expect(w.environment).toMatchObject({
        ...S3_ENV,
        REDIS_URL: 'redis://redis:6379',
        WORKER_METRICS_PORT: '9464',
        WORKER_METRICS_HOST: '0.0.0.0',
      });
      expect(w.environment?.METRICS_TOKEN).toMatch(/^\$\{METRICS_TOKEN:\?/);
      expect(w.healthcheck).toBeDefined();
      expect(w.stop_grace_period).toBe('60s');
    }
  });

  it('puts GPU workers behind a profile with an NVIDIA device reservation', () => {
    const g = compose.services['worker-gpu'] as Service & {
      profiles: string[];
      build: { target: string };
      deploy: unknown;
    };
    expect(g.profiles).toEqual(['gpu']);
    expect(g.build.target).toBe('gpu');
    expect(JSON.stringify(g.deploy)).toContain('"driver":"nvidia"');
    expect(JSON.stringify(g.deploy)).toContain('"capabilities":["gpu"]');
  });

  it('provisions Prometheus and Grafana from deploy/', () => {
    expect(compose.services.prometheus.volumes).toContain(
      './deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
    );
    expect(compose.services.grafana.volumes).toContain(
      './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
    );
    expect(Object.keys(compose.volumes).sort()).toEqual([
      'grafana-data',
      'minio-data',
      'prometheus-data',
      'redis-data',
    ]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const stage = (name: string) => stages.find((s) => new RegExp(`AS ${name}$`).test(s.split('\n')[0]))!;

  it('has cpu and gpu targets that run as a non-root user', () => {
    expect(stage('api')).toContain('CMD ["node", "apps/api/dist/main.js"]');
    expect(stage('api')).toMatch(/^USER node$/m);
    for (const target of ['cpu', 'gpu']) {
      const s = stage(target);
      expect(s, target).toBeDefined();
      expect(s).toMatch(/^USER (node|vaecf)$/m);
      expect(s).toMatch(
        /^CMD \[.*node apps\/worker\/dist\/main\.js"\]$|^CMD \["node", "apps\/worker\/dist\/main\.js"\]$/m,
      );
    }
  });

  it('runs workers on ONNX Runtime: CPU in cpu; in gpu the CUDA provider where the build could fetch it, else WebGPU', () => {
    expect(stage('cpu')).toContain('VAECF_ENGINE=onnxruntime');
    expect(dockerfile).not.toContain('@tensorflow/tfjs-node');
    // The CUDA provider: onnxruntime-node's own install script, asked for cuda12, with a fallback when it fails.
    const deps = stage('gpu-deps');
    expect(deps).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install.js');
    expect(deps).toContain('test -f bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so');
    expect(deps).toMatch(
      /then echo onnxruntime-cuda > \/app\/gpu-engine;[\s\S]*else[\s\S]*echo onnxruntime-webgpu > \/app\/gpu-engine/,
    );
    const gpu = stage('gpu');
    // ORT 1.2x-1.3x's CUDA provider wants CUDA 12 and cuDNN 9; WebGPU runs on Vulkan (the driver's graphics capability).
    expect(gpu.split('\n')[0]).toMatch(/^nvidia\/cuda:12\.\d+\.\d+-cudnn-runtime-ubuntu/);
    expect(gpu).toContain('libvulkan1');
    expect(gpu).toMatch(/NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics/);
    // VAECF_ENGINE set by the user wins over what the build could install; exec keeps SIGTERM for the worker.
    expect(gpu).toContain(
      'VAECF_ENGINE=${VAECF_ENGINE:-$(cat /app/gpu-engine)} exec node apps/worker/dist/main.js',
    );
  });

  it('never downloads the CUDA provider in npm ci: .npmrc skips it, and the images copy .npmrc first', () => {
    expect(read('.npmrc')).toMatch(/^onnxruntime-node-install=skip$/m);
    expect(stage('manifests')).toContain('COPY package.json package-lock.json .npmrc ./');
    const engine = JSON.parse(read('libs/engine/package.json')) as { dependencies: Record<string, string> };
    expect(engine.dependencies['onnxruntime-node']).toBeDefined(); // a regular dependency, not an optional one
  });

  it('binds the images to their network, so /metrics there needs METRICS_TOKEN', () => {
    expect(stage('api')).toContain('API_HOST=0.0.0.0');
    for (const target of ['cpu', 'gpu']) expect(stage(target)).toContain('WORKER_METRICS_HOST=0.0.0.0');
  });

  it('keeps dev dependencies out of the runtime and caches npm layers', () => {
    expect(stage('runtime')).toContain('npm ci --omit=dev --omit=optional');
    expect(dockerfile).toContain('--mount=type=cache,target=/root/.npm');
    // Manifests are copied (and installed) before any source, so a code change reuses the install layer.
    const manifests = stage('manifests');
    expect(manifests).toContain('COPY package.json package-lock.json .npmrc ./');
    expect(manifests).not.toMatch(/COPY (apps|libs) /);
    const libs = readdirSync(join(ROOT, 'libs')).map((l) => `libs/${l}`);
    for (const pkg of ['apps/cli', 'apps/worker', 'apps/api', ...libs]) {
      expect(manifests).toContain(`COPY ${pkg}/package.json ${pkg}/`);
      expect(JSON.parse(read(`${pkg}/package.json`)).name).toMatch(/^@vaecf\//);
    }
    // Every workspace library's build reaches the runtime image (a missing one fails at the first import).
    for (const lib of libs)
      expect(stage('runtime')).toContain(`COPY --from=build /app/${lib}/dist ${lib}/dist`);
  });
});

describe('Prometheus and Grafana configuration', () => {
  it('prometheus.yml passes promtool, discovers worker replicas by DNS and scrapes with the metrics token', () => {
    expect(has('promtool'), 'prometheus is installed by .ci/run').toBe(true);
    const cfg = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: {
        job_name: string;
        dns_sd_configs?: { names: string[]; port: number }[];
        authorization?: { credentials_file: string };
      }[];
    };
    // Every vaecf job sends the token from the file compose's entrypoint writes.
    const tokenFile = '/tmp/metrics-token';
    const entrypoint = (compose.services.prometheus.entrypoint as string[]).join(' ');
    expect(entrypoint).toContain(`printf %s "$$METRICS_TOKEN" > ${tokenFile}`);
    for (const job of cfg.scrape_configs.filter((c) => c.job_name.startsWith('vaecf-'))) {
      expect(job.authorization?.credentials_file, job.job_name).toBe(tokenFile);
    }
    // promtool checks that the file exists: check a copy that points at a file that does.
    const dir = mkdtempSync(join(tmpdir(), 'vaecf-promtool-'));
    try {
      writeFileSync(join(dir, 'metrics-token'), 'token');
      writeFileSync(
        join(dir, 'prometheus.yml'),
        read('deploy/prometheus/prometheus.yml').replaceAll(tokenFile, join(dir, 'metrics-token')),
      );
      const r = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const worker = cfg.scrape_configs.find((c) => c.job_name === 'vaecf-worker')!;
    expect(worker.dns_sd_configs![0]).toMatchObject({ names: ['worker'], port: 9464 });
    const api = cfg.scrape_configs.find((c) => c.job_name === 'vaecf-api')!;
    expect(api.dns_sd_configs![0]).toMatchObject({ names: ['api'], port: 8080 });
  });

  it('every PromQL expression of the dashboards uses metrics vaecf exports', async () => {
    const exported = new Set<string>();
    const registries = [
      createWorkerMetrics({ worker: 'w', backend: 'wasm' }).registry,
      createApiMetrics().registry,
    ];
    const all = (await Promise.all(registries.map((r) => r.getMetricsAsJSON()))).flat();
    for (const m of all) {
      exported.add(m.name);
      if (String(m.type) === 'histogram')
        for (const s of ['_bucket', '_sum', '_count']) exported.add(m.name + s);
    }
    const dashboard = JSON.parse(read('deploy/grafana/dashboards/vaecf.json')) as {
      panels: { title: string; targets: { expr: string }[] }[];
      templating: { list: { query: { query: string } }[] };
    };
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...dashboard.templating.list.map((v) => v.query.query),
    ];
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    for (const expr of exprs) {
      const names = expr.match(/\bvaecf_[a-z0-9_]+/g) ?? [];
      expect(names.length, expr).toBeGreaterThan(0);
      for (const n of names) expect(exported.has(n), `${n} in ${expr}`).toBe(true);
    }
    const titles = dashboard.panels.map((p) => p.title).join(' | ');
    for (const t of [
      'Queue depth',
      'backend',
      'Trials ended per minute',
      'Epoch time',
      'users/s',
      'Best validation NDCG@100 per sweep',
      '$sweep',
    ]) {
      expect(titles).toContain(t);
    }
  });
});
