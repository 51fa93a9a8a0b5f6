import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

/** The built CLI (npm test builds before testing). */
export const CLI = resolve(__dirname, '../dist/main.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const run = promisify(execFile);

/**
 * Runs the built `vaecf` as a separate process, as a user runs it. A
 * non-zero exit is a result, not a throw; `extraEnv` is added to this
 * process's environment.
 */
export async function runCli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...extraEnv },
      maxBuffer: 1 << 26,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
