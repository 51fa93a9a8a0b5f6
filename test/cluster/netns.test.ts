import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../../apps/worker/test/processes';
import { Cluster, clusterUnsupported, reapLeftovers } from './netns';

// The harness of the cluster tests, on its own: hosts reach each other through the switch and
// the test process reaches them through its one link, a cut host is cut off and healed, a host's
// processes die together, and nothing the harness made survives it (nor a dead run's leftovers).

const unsupported = clusterUnsupported();
if (unsupported) console.warn(`cluster harness tests skipped: ${unsupported}`);

/** A one-line HTTP server answering its host's name, for `node -e`. */
const server = (address: string, name: string) =>
  `require('http').createServer((q, s) => s.end('${name}')).listen(8000, '${address}')`;

/** Runs `node -e` inside the host's namespace (as a client there) and returns its output. */
function fetchFrom(cluster: Cluster, host: string, url: string): string {
  const script = `fetch('${url}').then(r => r.text()).then(t => process.stdout.write(t), e => process.stdout.write('error ' + e.cause?.code))`;
  return spawnSync('ip', ['netns', 'exec', cluster.host(host).ns, process.execPath, '-e', script], {
    encoding: 'utf8',
  }).stdout;
}

describe.skipIf(unsupported !== null)('the network-namespace cluster harness', () => {
  let cluster: Cluster | undefined;
  afterAll(() => cluster?.destroy());

  it('links hosts through one switch, cuts and heals a host, kills its processes, and cleans up', async () => {
    cluster = new Cluster(['a', 'b']);
    const [a, b] = [cluster.address('a'), cluster.address('b')];
    expect(new Set([a, b, cluster.testAddress]).size).toBe(3);
    cluster.spawn('a', 'http', process.execPath, ['-e', server(a, 'host a')]);
    // The test process, in the root namespace, through its link into the switch.
    await until(
      'host a to serve',
      () =>
        fetch(`http://${a}:8000`).then(
          (r) => r.text(),
          () => null,
        ),
      10_000,
    );
    expect(fetchFrom(cluster, 'b', `http://${a}:8000`)).toBe('host a');

    cluster.cut('a');
    // Its link has no carrier: nothing goes in or out.
    expect(
      spawnSync('ip', ['-n', cluster.host('a').ns, 'link', 'show', 'eth0'], { encoding: 'utf8' }).stdout,
    ).toMatch(/NO-CARRIER/);
    cluster.heal('a');
    await until(
      'host a reachable again',
      async () => fetchFrom(cluster!, 'b', `http://${a}:8000`) === 'host a',
      10_000,
    );

    expect(cluster.pids('a')).toHaveLength(1);
    expect(cluster.killAll('a')).toBe(1);
    expect(cluster.pids('a')).toEqual([]);

    cluster.destroy();
    expect(cluster.leftovers()).toEqual([]);
  });

  it("removes the namespaces and directories of an earlier run whose process is gone, and nobody else's", () => {
    const dead = spawnSync('true').pid!; // a pid that no longer runs (reused only after a wrap-around)
    const mine = `vx${process.pid}-keep`;
    spawnSync('ip', ['netns', 'add', `vx${dead}-left`]);
    spawnSync('ip', ['netns', 'add', mine]);
    const deadDir = mkdtempSync(join(tmpdir(), `vx${dead}-`));
    try {
      expect(reapLeftovers()).toEqual(expect.arrayContaining([`vx${dead}-left`, deadDir]));
      expect(existsSync(deadDir)).toBe(false);
      const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
      expect(left).not.toContain(`vx${dead}-left`);
      expect(left).toContain(mine);
    } finally {
      spawnSync('ip', ['netns', 'del', mine]);
    }
  });
});
