import { spawnSync, type SpawnSyncOptionsWithStringEncoding } from 'node:child_process';

/**
 * The Compose the README tells users to run is `docker compose` (the Docker
 * CLI plugin, Compose v2). Where it is absent (a machine without Docker, as
 * CI is) the standalone `docker-compose` from Debian's package checks the same
 * files; test/support/prereqs.sh installs that one.
 */
function composeCommand(): string[] | null {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0)
    return ['docker', 'compose'];
  if (spawnSync('sh', ['-c', 'command -v docker-compose'], { stdio: 'ignore' }).status === 0)
    return ['docker-compose'];
  return null;
}

export const COMPOSE = composeCommand();

/** `<compose> ...args` (COMPOSE must be set). */
export function compose(args: string[], opts: Omit<SpawnSyncOptionsWithStringEncoding, 'encoding'>) {
  if (!COMPOSE) throw new Error('neither `docker compose` nor `docker-compose` is installed');
  const [cmd, ...prefix] = COMPOSE;
  return spawnSync(cmd, [...prefix, ...args], { ...opts, encoding: 'utf8' });
}
