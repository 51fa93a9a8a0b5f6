import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3Server {
  /** http://<address>:<port> */
  readonly endpoint: string;
  /** Created at start. */
  readonly bucket: string;
  /** The credentials s3rver checks signatures against. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The environment that points vaecf's artifact store at this server, under a key prefix. */
  env(prefix: string): Record<string, string>;
  /** Idempotent (a test may stop the server to see the store fail, its stack stops it again). */
  stop(): Promise<void>;
}

/**
 * A real S3-protocol server (s3rver, objects on local disk) for tests: on
 * `address` (default 127.0.0.1) and `port` (default 0: any free one), its
 * objects under `dir` (default a fresh temporary directory, removed at stop).
 */
export async function startS3Server(
  opts: { address?: string; port?: number; dir?: string; bucket?: string } = {},
): Promise<S3Server> {
  const address = opts.address ?? '127.0.0.1';
  const bucket = opts.bucket ?? 'vaecf';
  const own = opts.dir === undefined;
  const directory = opts.dir ?? (await mkdtemp(join(tmpdir(), 'vaecf-s3rver-')));
  const server = new S3rver({
    address,
    port: opts.port ?? 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://${address}:${port}`;
  const [accessKeyId, secretAccessKey] = ['S3RVER', 'S3RVER'];
  let stopped = false;
  return {
    endpoint,
    bucket,
    accessKeyId,
    secretAccessKey,
    env: (prefix) => ({
      VAECF_ARTIFACTS: `s3://${bucket}/${prefix}`,
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
      AWS_REGION: 'us-east-1',
    }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      if (own) await rm(directory, { recursive: true, force: true });
    },
  };
}
