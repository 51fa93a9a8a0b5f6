#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { compareCommand } from './commands/compare';
import { datasetsCommand } from './commands/datasets';
import { demoCommand } from './commands/demo';
import { exportSplitCommand } from './commands/export-split';
import { fetchCommand } from './commands/fetch';
import { generateCommand } from './commands/generate';
import { modelCommand } from './commands/model';
import { prepareCommand } from './commands/prepare';
import { recommendCommand } from './commands/recommend';
import { reportCommand } from './commands/report';
import { sweepCommand } from './commands/sweep';
import { trainCommand } from './commands/train';
import { describeError, exitCodeFor } from './errors';
import { escapeControl } from './output/terminal-text';
import { throwUsageErrors } from './usage';
import { version } from './version';

const program = new Command('vaecf')
  .description('Train and tune Mult-VAE / Mult-DAE recommenders (Liang et al., WWW 2018)')
  .version(version)
  .addCommand(prepareCommand())
  .addCommand(fetchCommand())
  .addCommand(trainCommand())
  .addCommand(generateCommand())
  .addCommand(demoCommand())
  .addCommand(sweepCommand())
  .addCommand(datasetsCommand())
  .addCommand(recommendCommand())
  .addCommand(reportCommand())
  .addCommand(compareCommand())
  .addCommand(exportSplitCommand())
  .addCommand(modelCommand());

// `vaecf sweep show <id> | head -1`: the reader has all it wants and has gone. Stop
// quietly, as Unix tools do on a closed pipe, rather than dying on an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(); // 0, or the exit code the command has already set (4 for a cancelled sweep)
  });
}

throwUsageErrors(program)
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    // Help or --version, already printed.
    if (e instanceof CommanderError && e.exitCode === 0) return;
    // An API refusal can quote stored or typed strings: escaped like every other output (a
    // stack trace keeps its own line breaks).
    const message = escapeControl(describeError(e), exitCodeFor(e) === 1 ? '\n' : '');
    if (message) process.stderr.write(`vaecf: ${message}\n`);
    process.exit(exitCodeFor(e));
  });
