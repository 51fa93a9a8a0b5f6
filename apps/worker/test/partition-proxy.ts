import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay to Redis that a test can cut, as a network partition cuts a
 * host off: while held, nothing passes either way, yet no connection closes
 * (bytes wait, as TCP retransmits them across a dead link), and on heal
 * whatever was sent meanwhile arrives late. Workers given its URL sit behind
 * the cut; everything else talks to Redis directly.
 */
export interface PartitionProxy {
  readonly url: string;
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startPartitionProxy(
  upstreamPort: number,
  upstreamHost = '127.0.0.1',
): Promise<PartitionProxy> {
  const pairs: [Socket, Socket][] = [];
  let held = false;
  const flow = ([client, upstream]: [Socket, Socket]) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const stop = ([client, upstream]: [Socket, Socket]) => {
    // Unpiped, a socket stops reading; what it has read stays in its buffer until piped again.
    client.unpipe(upstream);
    upstream.unpipe(client);
  };
  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, upstreamHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.push(pair);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    if (!held) flow(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      held = true;
      for (const p of pairs) stop(p);
    },
    heal() {
      held = false;
      for (const p of pairs) flow(p);
    },
    async close() {
      for (const [c, u] of pairs) {
        c.destroy();
        u.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
