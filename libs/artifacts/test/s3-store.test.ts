import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { InputError } from '@vaecf/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '../../../test/support/s3-server';
import { artifactStoreFromEnv } from '../src/from-env';
import type { S3ArtifactStore } from '../src/s3-store';
import { artifactStoreContract } from './contract';

// The contract against a real S3-protocol server (s3rver) on loopback; each host its own cache.
artifactStoreContract('s3', async () => {
  const server = await startS3Server();
  const caches = await mkdtemp(join(tmpdir(), 'vaecf-s3-cache-'));
  const env = server.env('contract');
  const host = (name: string) =>
    artifactStoreFromEnv({ ...env, VAECF_CACHE_DIR: join(caches, name) }) as S3ArtifactStore;
  const store = host('a');
  return {
    store,
    otherHost: host('b'),
    overwrite: (rel, bytes) => store.io.putBytes(rel, bytes),
    remove: (rel) => store.io.delete([rel]),
    close: async () => {
      await server.stop();
      await rm(caches, { recursive: true, force: true });
    },
  };
});

describe('s3 artifact store, beyond the contract', () => {
  let server: S3Server;
  let scratch: string;
  beforeAll(async () => {
    server = await startS3Server();
    scratch = await mkdtemp(join(tmpdir(), 'vaecf-s3-extra-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  const host = (name: string, extra: Record<string, string> = {}) =>
    artifactStoreFromEnv({
      ...server.env('extra'),
      VAECF_CACHE_DIR: join(scratch, 'cache', name),
      ...extra,
    }) as S3ArtifactStore;

  /** A local "dataset" directory: a manifest and one file of `bytes` random bytes. */
  const localDir = async (bytes: number) => {
    const dir = await mkdtemp(join(scratch, 'ds-'));
    await writeFile(join(dir, 'manifest.json'), '{}');
    await writeFile(join(dir, 'arrays.bin'), randomBytes(bytes));
    return dir;
  };

  it('uploads an object larger than the part size in parts', async () => {
    const store = host('multipart');
    const commands: string[] = [];
    store.io.client.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize' },
    );
    await store.publishDataset('big', await localDir(9 * 2 ** 20));
    expect(commands.filter((c) => c === 'UploadPartCommand')).toHaveLength(2);
    expect(commands).toContain('CompleteMultipartUploadCommand');
    const keys = await store.io.list('datasets/big/v/');
    const key = store.io.key(keys.find((k) => k.endsWith('arrays.bin'))!);
    const head = await store.io.client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
    expect(head.ContentLength).toBe(9 * 2 ** 20);
    const local = await host('multipart-reader').openDataset('big');
    expect((await stat(join(local.dir, 'arrays.bin'))).size).toBe(9 * 2 ** 20);
    local.release();
  });

  it('fetches a dataset once per host, however many processes open it at once', async () => {
    const writer = host('writer');
    await writer.publishDataset('shared', await localDir(300_000));
    // Two clients on one cache directory: two processes of one host (the lock is by pid, and shared).
    const readers = [host('reader'), host('reader')];
    const downloads: string[] = [];
    for (const r of readers) {
      const download = r.io.download.bind(r.io);
      r.io.download = (rel, path) => {
        downloads.push(rel);
        return download(rel, path);
      };
    }
    const leases = await Promise.all([0, 1, 0, 1].map((k) => readers[k].openDataset('shared')));
    expect(new Set(leases.map((l) => l.dir)).size).toBe(1);
    for (const l of leases) l.release();
    (await readers[0].openDataset('shared')).release();
    expect(downloads.filter((k) => k.endsWith('arrays.bin'))).toHaveLength(1);
  });

  it('evicts the least recently used entries beyond VAECF_CACHE_MAX_MB, never a leased one', async () => {
    const writer = host('w2');
    for (const id of ['e1', 'e2', 'e3']) await writer.publishDataset(id, await localDir(420 * 1024));
    const store = host('small', { VAECF_CACHE_MAX_MB: '1' });
    const use = async (id: string) => {
      const l = await store.openDataset(id);
      l.release();
      await store.cache.evict();
      return l.dir;
    };
    const e1 = await use('e1');
    const e2 = await use('e2');
    await use('e1'); // e1 is now more recent than e2
    const e3 = await use('e3');
    expect(existsSync(e2)).toBe(false);
    expect(existsSync(e1) && existsSync(e3)).toBe(true);
    expect(await store.cache.size()).toBeLessThanOrEqual(2 ** 20);

    // Leased: kept even though the cache is over its budget.
    const held = await store.openDataset('e2');
    await use('e1');
    await use('e3');
    expect(existsSync(held.dir)).toBe(true);
    held.release();
    await store.cache.evict();
    expect(await store.cache.size()).toBeLessThanOrEqual(2 ** 20);
  });
});

describe('artifactStoreFromEnv', () => {
  it('takes a directory, the older VAECF_ARTIFACTS_DIR, or the default', () => {
    expect(artifactStoreFromEnv({ VAECF_ARTIFACTS: '/data/a' }).describe()).toBe('filesystem /data/a');
    expect(artifactStoreFromEnv({ VAECF_ARTIFACTS_DIR: '/data/b' }).describe()).toBe('filesystem /data/b');
    expect(artifactStoreFromEnv({}).describe()).toMatch(/^filesystem .*\.vaecf\/artifacts$/);
    expect(
      artifactStoreFromEnv({ VAECF_ARTIFACTS: 's3://bucket/some/prefix/', VAECF_CACHE_DIR: '/c' }).describe(),
    ).toBe('s3 s3://bucket/some/prefix (cache /c, 4096 MiB)');
  });

  it.each([
    [
      { VAECF_ARTIFACTS: 'ftp://host/x' },
      'VAECF_ARTIFACTS: "ftp://host/x" is not a directory or an s3://bucket/prefix URL',
    ],
    [
      { VAECF_ARTIFACTS: 's3://' },
      'VAECF_ARTIFACTS: "s3://" is not a directory or an s3://bucket/prefix URL',
    ],
    [
      { VAECF_ARTIFACTS: 's3://My_Bucket/x' },
      'VAECF_ARTIFACTS: "s3://My_Bucket/x" names the bucket "My_Bucket"',
    ],
    [{ VAECF_ARTIFACTS: 's3://bucket/a//b' }, 'has an empty, "." or ".." segment in its prefix'],
    [
      { VAECF_ARTIFACTS: 's3://bucket', AWS_ENDPOINT_URL_S3: 'minio:9000' },
      'AWS_ENDPOINT_URL_S3: "minio:9000" is not an http',
    ],
    [
      { VAECF_ARTIFACTS: 's3://bucket', VAECF_S3_FORCE_PATH_STYLE: 'maybe' },
      'VAECF_S3_FORCE_PATH_STYLE: "maybe" is not true or false',
    ],
    [
      { VAECF_ARTIFACTS: 's3://bucket', VAECF_CACHE_MAX_MB: '-3' },
      'VAECF_CACHE_MAX_MB: "-3" is not a positive number of MiB',
    ],
    [{ VAECF_ARTIFACTS: 's3://bucket', AWS_ACCESS_KEY_ID: 'k' }, 'AWS_SECRET_ACCESS_KEY'],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => artifactStoreFromEnv(env)).toThrow(InputError);
    expect(() => artifactStoreFromEnv(env)).toThrow(message);
  });
});
