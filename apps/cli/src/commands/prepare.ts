import { basename } from 'node:path';
import {
  detectRatingsFormat,
  PREPARE_FORMATS,
  PRESETS,
  prepareDataset,
  prepareOptionsSchema,
  RATINGS_FORMATS,
  writeDatasetArtifact,
  type CsvColumns,
  type PresetName,
  type RatingsFormat,
  type SplitMethod,
} from '@vaecf/cf';
import { Command, Option } from 'commander';
import { UserError } from '../errors';
import { progressBar } from '../output/progress';
import { createReporter } from '../output/reporter';
import { statsTable } from '../output/stats-table';
import { checkedBy, integer, number } from '../options';
import { checkOutputDir } from '../paths';
import { splitMethod } from './split-option';

const field = prepareOptionsSchema.shape;

interface PrepareFlags {
  format?: RatingsFormat | 'pro_sg';
  split?: SplitMethod;
  preset?: PresetName;
  out: string;
  threshold?: number;
  noThreshold?: boolean;
  minUserCount?: number;
  minItemCount?: number;
  heldoutUsers?: number;
  seed?: number;
  undersampleRatings?: boolean;
  userCol?: string;
  itemCol?: string;
  ratingCol?: string;
  delimiter?: string;
  header?: boolean;
  json?: boolean;
}

export function prepareCommand(): Command {
  return new Command('prepare')
    .description('read a ratings file, preprocess it as the paper does, and write a dataset directory')
    .argument('<file>', 'ratings file (gzip is detected), or a directory of pro_sg files (--format pro_sg)')
    .requiredOption('--out <dir>', 'where to write the prepared dataset')
    .addOption(
      new Option('--format <format>', 'input format (guessed from the file name when possible)').choices(
        PREPARE_FORMATS,
      ),
    )
    .addOption(
      new Option(
        '--split <method>',
        "vaecf, or numpy: the paper notebook's split bit for bit (the presets' default)",
      ).argParser(splitMethod),
    )
    .addOption(
      new Option('--preset <name>', "the paper's settings for a dataset").choices(Object.keys(PRESETS)),
    )
    .option(
      '--threshold <x>',
      'keep ratings strictly above this (default 3.5; msd: every play)',
      checkedBy(field.threshold, number),
    )
    .option('--no-threshold', 'keep every interaction whatever its rating')
    .option(
      '--min-user-count <n>',
      'drop users with fewer items (default 5)',
      checkedBy(field.minUserCount, integer),
    )
    .option(
      '--min-item-count <n>',
      'drop items with fewer users, applied first (default 0)',
      checkedBy(field.minItemCount, integer),
    )
    .option(
      '--heldout-users <n>',
      "validation users and test users, N each (default 10% of the users, at most 10000; presets: the paper's)",
      checkedBy(field.heldoutUsers, integer),
    )
    .option(
      '--seed <n>',
      'seed of the user shuffle and the fold-in/held-out split (default 98765)',
      checkedBy(field.seed, integer),
    )
    .option('--undersample-ratings', 'equal counts per rating value before binarizing (reproduction option)')
    .option('--user-col <col>', 'csv: user column, a header name or 0-based index')
    .option('--item-col <col>', 'csv: item column')
    .option('--rating-col <col>', 'csv: rating column (omit: every row is an interaction)')
    .option('--delimiter <c>', "csv: field delimiter (default ','; '\\t' for tab)")
    .option('--no-header', 'csv: the file has no header line')
    .option('--json', 'print one JSON result object instead of the summary')
    .action((file: string, flags: PrepareFlags, cmd: Command) => runPrepare(file, flags, cmd));
}

async function runPrepare(file: string, flags: PrepareFlags, cmd: Command): Promise<void> {
  const out = createReporter(Boolean(flags.json));
  // From the name, else from the first line (through gzip): a renamed ratings.csv.gz is still MovieLens.
  const format = flags.format ?? (await detectRatingsFormat(file));
  if (!format)
    throw new UserError(
      `cannot tell the format of ${file} from its name or first line: give --format (${RATINGS_FORMATS.join(', ')})`,
      '--format',
    );
  await checkOutputDir('--out', flags.out);
  const bar = out.json ? null : progressBar(`reading ${basename(file)}`, 'MB');
  const t0 = performance.now();
  // commander turns --no-threshold into threshold === false.
  const threshold = (flags.threshold as number | boolean | undefined) === false ? null : flags.threshold;
  const dataset = await prepareDataset(
    file,
    {
      format,
      preset: flags.preset,
      csv: format === 'csv' ? csvColumns(flags, cmd) : undefined,
      threshold,
      minUserCount: flags.minUserCount,
      minItemCount: flags.minItemCount,
      heldoutUsers: flags.heldoutUsers,
      seed: flags.seed,
      split: flags.split,
      undersampleRatings: flags.undersampleRatings,
    },
    { onProgress: (p) => bar?.update(Math.round(p.bytesRead / 1e6), Math.round(p.totalBytes / 1e6)) },
  ).finally(() => bar?.stop());
  await writeDatasetArtifact(flags.out, dataset);
  const seconds = (performance.now() - t0) / 1000;
  out.info(`prepared ${file} (${format}) into ${flags.out} in ${seconds.toFixed(1)} s`);
  out.info(statsTable(dataset.meta.stats ?? {}));
  out.result({
    command: 'prepare',
    file,
    format,
    out: flags.out,
    seconds,
    options: dataset.meta.options,
    stats: dataset.meta.stats,
  });
}

function csvColumns(flags: PrepareFlags, cmd: Command): CsvColumns {
  if (flags.userCol === undefined || flags.itemCol === undefined) {
    throw new UserError('format csv needs --user-col and --item-col (a header name or a 0-based index)');
  }
  const col = (c: string | undefined) => (c === undefined ? undefined : /^\d+$/.test(c) ? Number(c) : c);
  const headerGiven = cmd.getOptionValueSource('header') === 'cli';
  return {
    user: col(flags.userCol)!,
    item: col(flags.itemCol)!,
    rating: col(flags.ratingCol),
    delimiter: flags.delimiter === '\\t' ? '\t' : flags.delimiter,
    header: headerGiven ? flags.header : undefined,
  };
}
