import { Command, CommanderError } from 'commander';
import { UserError } from './errors';

/** A command line commander cannot parse (unknown option or command, missing or bad argument): exit 2. */
export class UsageError extends UserError {}

/** The whole command name, e.g. "vaecf sweep show". */
function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Makes commander throw instead of exiting, on `cmd` and every subcommand:
 * its usage errors become one-line UsageErrors (printed once, by main, with
 * the exit code of every bad input), while help and --version still end the
 * run with exit code 0.
 */
export function throwUsageErrors(cmd: Command): Command {
  cmd.configureOutput({ outputError: () => undefined });
  cmd.exitOverride((e: CommanderError) => {
    // Help that was asked for, or --version: commander has printed it.
    if (e.exitCode === 0) throw e;
    // `vaecf sweep` without a subcommand: commander has printed the help to stderr.
    if (e.code === 'commander.help') throw new UsageError('');
    const message = e.message.replace(/^error: /, '');
    throw new UsageError(`${message} (see \`${pathOf(cmd)} --help\`)`);
  });
  for (const sub of cmd.commands) throwUsageErrors(sub);
  return cmd;
}
