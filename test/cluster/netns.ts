import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A cluster of hosts on this one machine: one network namespace per host,
 * each with one veth link into a bridge that lives in a "switch" namespace of
 * its own, addresses in a private /24. The test process (in the root
 * namespace) reaches the hosts through ONE extra veth from the root namespace
 * into the switch (address .1), removed at cleanup; nothing is routed to or
 * from any other interface of this machine.
 *
 * Every name carries the prefix `vx<pid>-` (links in the root namespace:
 * `vx<pid>t`; the run's directory `<tmp>/vx<pid>-*`), so leftovers of a run that died without cleaning up are found
 * and removed by the next run (`reapLeftovers`: their pid is gone).
 *
 * Needs root and iproute2 (`ip netns`); `clusterUnsupported()` says why not.
 */

const NAME = /^vx(\d+)-/;
const ROOT_LINK = /^vx(\d+)t$/;

/** Runs `ip` with these arguments; throws with its stderr when it fails. */
function ip(...args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`ip ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Like ip(), for cleanup: a failure (already gone) is not an error. */
function ipQuiet(...args: string[]): void {
  spawnSync('ip', args, { stdio: 'ignore' });
}

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

function namespaces(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  // Lines look like "vx123-sw (id: 3)" or "vx123-sw".
  return r.status === 0
    ? r.stdout
        .split('\n')
        .map((l) => l.split(' ')[0])
        .filter(Boolean)
    : [];
}

/** The pids of every process whose network namespace is `ns`. */
function pidsOf(ns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).map(Number) : [];
}

/** SIGKILLs every process of `ns` until none is left (children may fork meanwhile); returns how many. */
function killNamespace(ns: string): number {
  let killed = 0;
  for (let round = 0; round < 50; round++) {
    const pids = pidsOf(ns);
    if (!pids.length) return killed;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // gone between the listing and the kill
      }
    }
    spawnSync('sleep', ['0.05']);
  }
  throw new Error(`processes of namespace ${ns} survive SIGKILL: ${pidsOf(ns).join(' ')}`);
}

/** Why this machine cannot build a cluster (not root, no `ip netns`, no rights), or null when it can. */
export function clusterUnsupported(): string | null {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0)
    return 'network namespaces need root (run the cluster tests as root, as CI does)';
  const probe = `vx${process.pid}-probe`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.error) return `iproute2's ip is not installed (${r.error.message})`;
  if (r.status !== 0) return `ip netns add failed: ${r.stderr.trim()}`;
  ipQuiet('netns', 'del', probe);
  return null;
}

/** Removes the namespaces and root links of earlier runs whose process is gone (a crash, a SIGKILL). */
export function reapLeftovers(): string[] {
  const reaped: string[] = [];
  for (const ns of namespaces()) {
    const m = NAME.exec(ns);
    if (!m || alive(Number(m[1]))) continue;
    killNamespace(ns);
    ipQuiet('netns', 'del', ns);
    reaped.push(ns);
  }
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of links.split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    const m = name ? ROOT_LINK.exec(name) : null;
    if (!m || alive(Number(m[1]))) continue;
    ipQuiet('link', 'del', name!);
    reaped.push(name!);
  }
  for (const entry of readdirSync(tmpdir())) {
    const m = NAME.exec(entry);
    if (!m || alive(Number(m[1]))) continue;
    rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    reaped.push(join(tmpdir(), entry));
  }
  return reaped;
}

/** A /24 of 10.0.0.0/8 derived from the pid that no address or route of the root namespace touches. */
function pickSubnet(pid: number): string {
  const taken = ip('-4', '-o', 'addr', 'show') + ip('-4', 'route', 'show');
  for (let k = 0; k < 256; k++) {
    const a = 64 + ((pid >> 8) % 128);
    const b = (pid + k) & 255;
    const subnet = `10.${a}.${b}`;
    if (!taken.includes(`${subnet}.`)) return subnet;
  }
  throw new Error('no free 10.x.y.0/24 for the cluster');
}

/** A process started on a host. */
export interface HostProcess {
  readonly host: string;
  readonly label: string;
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

export interface Host {
  readonly name: string;
  /** Its network namespace. */
  readonly ns: string;
  readonly address: string;
  /** Its link's end in the switch namespace: down = cut off. */
  readonly port: string;
}

export class Cluster {
  readonly prefix: string;
  readonly subnet: string;
  /** The root namespace's address on the switch: where the test process talks from. */
  readonly testAddress: string;
  /** A directory of this run's (under the system's temporary directory), removed with the cluster. */
  readonly dir: string;
  private readonly switchNs: string;
  private readonly rootLink: string;
  private readonly hosts = new Map<string, Host>();
  private readonly processes: HostProcess[] = [];
  private destroyed = false;
  private readonly onExit = () => this.destroy();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.destroy();
    process.kill(process.pid, signal);
  };

  /** Builds the switch, the root link and one namespace per host name (each gets .10, .11, ...). */
  constructor(hostNames: readonly string[]) {
    reapLeftovers();
    const pid = process.pid;
    this.prefix = `vx${pid}-`;
    this.subnet = pickSubnet(pid);
    this.testAddress = `${this.subnet}.1`;
    this.switchNs = `${this.prefix}sw`;
    this.rootLink = `vx${pid}t`;
    this.dir = mkdtempSync(join(tmpdir(), this.prefix));
    // Cleanup always: after the test, on a failure, and when the process ends or is told to.
    process.once('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
    try {
      ip('netns', 'add', this.switchNs);
      ip('-n', this.switchNs, 'link', 'set', 'lo', 'up');
      ip('-n', this.switchNs, 'link', 'add', 'br0', 'type', 'bridge');
      ip('-n', this.switchNs, 'link', 'set', 'br0', 'up');
      ip('link', 'add', this.rootLink, 'type', 'veth', 'peer', 'name', 'ptest', 'netns', this.switchNs);
      ip('-n', this.switchNs, 'link', 'set', 'ptest', 'master', 'br0', 'up');
      ip('addr', 'add', `${this.testAddress}/24`, 'dev', this.rootLink);
      ip('link', 'set', this.rootLink, 'up');
      hostNames.forEach((name, i) => this.addHost(name, `${this.subnet}.${10 + i}`, `p${i}`));
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  private addHost(name: string, address: string, port: string): void {
    if (!/^[a-z0-9]{1,8}$/.test(name)) throw new Error(`host name ${name}: 1-8 lowercase letters or digits`);
    const ns = `${this.prefix}${name}`;
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', this.switchNs);
    ip('-n', this.switchNs, 'link', 'set', port, 'master', 'br0', 'up');
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    this.hosts.set(name, { name, ns, address, port });
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name} in this cluster`);
    return h;
  }

  address(name: string): string {
    return this.host(name).address;
  }

  /** Starts `command args` inside the host's namespace, with `env` added to this process's, in `cwd`. */
  spawn(
    hostName: string,
    label: string,
    command: string,
    args: readonly string[],
    env: Record<string, string> = {},
    cwd?: string,
  ): HostProcess {
    const h = this.host(hostName);
    const child = spawn('ip', ['netns', 'exec', h.ns, command, ...args], {
      env: { ...process.env, ...env },
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => {
      child.once('exit', (code) => r(code));
      child.once('error', () => r(null));
    });
    const p: HostProcess = { host: hostName, label, child, output: () => out, exited };
    this.processes.push(p);
    return p;
  }

  /** Takes the host's link down at the switch: nothing reaches it or leaves it until heal(). */
  cut(hostName: string): void {
    ip('-n', this.switchNs, 'link', 'set', this.host(hostName).port, 'down');
  }

  heal(hostName: string): void {
    ip('-n', this.switchNs, 'link', 'set', this.host(hostName).port, 'up');
  }

  /** The pids of every process on the host. */
  pids(hostName: string): number[] {
    return pidsOf(this.host(hostName).ns);
  }

  /** SIGKILLs every process on the host, as a power cut would end them; returns how many. */
  killAll(hostName: string): number {
    return killNamespace(this.host(hostName).ns);
  }

  /** The captured output of every process started, for a failure message. */
  logs(tail = 3000): string {
    return this.processes.map((p) => `--- ${p.host}/${p.label} ---\n${p.output().slice(-tail)}`).join('\n');
  }

  /** Kills every process of every host, deletes every namespace and link. Idempotent and synchronous. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    for (const h of this.hosts.values()) {
      killNamespace(h.ns);
      ipQuiet('netns', 'del', h.ns);
    }
    ipQuiet('link', 'del', this.rootLink);
    ipQuiet('netns', 'del', this.switchNs);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Whether everything this cluster made is gone (for the test of the harness). */
  leftovers(): string[] {
    const mine = namespaces().filter((ns) => ns.startsWith(this.prefix));
    const link = spawnSync('ip', ['link', 'show', this.rootLink], { stdio: 'ignore' }).status === 0;
    return [...mine, ...(link ? [this.rootLink] : []), ...(existsSync(this.dir) ? [this.dir] : [])];
  }
}
