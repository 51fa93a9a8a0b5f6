#!/usr/bin/env node
import { Command } from 'commander';
import { datasetsCommand } from './commands/datasets';
import { demoCommand } from './commands/demo';
import { exportSplitCommand } from './commands/export-split';
import { generateCommand } from './commands/generate';
import { modelCommand } from './commands/model';
import { prepareCommand } from './commands/prepare';
import { recommendCommand } from './commands/recommend';
import { reportCommand } from './commands/report';
import { sweepCommand } from './commands/sweep';
import { trainCommand } from './commands/train';
import { describeError, exitCodeFor } from './errors';
import { version } from './version';

const program = new Command('vaecf')
  .description('Train and tune Mult-VAE / Mult-DAE recommenders (Liang et al., WWW 2018)')
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(prepareCommand())
  .addCommand(trainCommand())
  .addCommand(generateCommand())
  .addCommand(demoCommand())
  .addCommand(sweepCommand())
  .addCommand(datasetsCommand())
  .addCommand(recommendCommand())
  .addCommand(reportCommand())
  .addCommand(exportSplitCommand())
  .addCommand(modelCommand());

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`vaecf: ${describeError(e)}\n`);
  process.exit(exitCodeFor(e));
});
