import { resolve } from 'node:path';
import { prepareOptionsSchema, RATINGS_FORMATS, trialConfigSchema, type RatingsFormat } from '@vaecf/cf';
import { MAX_SPEC_TEXT_BYTES } from '@vaecf/sweep';
import { Command, Option } from 'commander';
import { runLocalDemo } from '../demo/local-demo';
import { QUICKSTART, runStackDemo } from '../demo/stack-demo';
import { checkedBy, integer, positiveInteger } from '../options';
import { checkInputFile, checkOutputDir } from '../paths';

/** The bundled example: a synthetic MovieLens-style file (see examples/data/README.md). */
export const BUNDLED_DATA = resolve(__dirname, '../../../../examples/data/synthetic-ml.csv.gz');

interface DemoFlags {
  data: string;
  format: RatingsFormat;
  heldoutUsers: number;
  epochs: number;
  work: string;
  workers: number;
  spec: string;
  local?: boolean;
  json?: boolean;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run the whole stack locally (Redis, API, 2 workers) on the bundled data and the quickstart sweep',
    )
    .option('--data <file>', 'ratings file', BUNDLED_DATA)
    .addOption(
      new Option('--format <format>', 'format of --data').choices(RATINGS_FORMATS).default('movielens-csv'),
    )
    .option(
      '--heldout-users <n>',
      'validation and test users (N each)',
      checkedBy(prepareOptionsSchema.shape.heldoutUsers, integer),
      200,
    )
    .option('--spec <file>', 'the sweep to run', QUICKSTART)
    .option('--workers <n>', 'worker processes', positiveInteger, 2)
    .option('--work <dir>', 'where the data, artifacts and report go', '.vaecf/demo')
    .option('--local', 'no Redis: train one Mult-VAE in this process and compare it with popularity')
    .option(
      '--epochs <n>',
      'with --local: training epochs',
      checkedBy(trialConfigSchema.shape.epochs, integer),
      20,
    )
    .option('--json', 'print one JSON result object')
    .action(async (f: DemoFlags) => {
      await checkOutputDir('--work', f.work);
      if (!f.local) await checkInputFile('--spec', f.spec, MAX_SPEC_TEXT_BYTES);
      await (f.local ? runLocalDemo(f) : runStackDemo(f));
    });
}
