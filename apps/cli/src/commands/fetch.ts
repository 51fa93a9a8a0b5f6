import {
  fetchPublicDataset,
  fetchSettingsFromEnv,
  PUBLIC_DATASETS,
  PUBLIC_DATASET_NAMES,
  publicDataset,
  type FetchSettings,
} from '@vaecf/datasets';
import { prepareDataset, prepareOptionsSchema, writeDatasetArtifact } from '@vaecf/cf';
import { Command } from 'commander';
import { resolve } from 'node:path';
import { downloadProgress } from '../output/download-progress';
import { progressBar } from '../output/progress';
import { createReporter } from '../output/reporter';
import { statsTable } from '../output/stats-table';
import { table } from '../output/table';
import { checkedBy, integer } from '../options';
import { UsageError } from '../usage';
import { checkOutputDir } from '../paths';

interface FetchFlags {
  out?: string;
  cacheDir?: string;
  heldoutUsers?: number;
  seed?: number;
  list?: boolean;
  json?: boolean;
}

export function fetchCommand(): Command {
  return new Command('fetch')
    .description(
      "download a public dataset by name (resumable, verified), extract it and prepare it with the paper's settings",
    )
    .argument('[name]', `one of ${PUBLIC_DATASET_NAMES.join(', ')}`)
    .option('--out <dir>', 'where to write the prepared dataset')
    .option(
      '--cache-dir <dir>',
      'download cache (env VAECF_DATASET_CACHE; default <VAECF_CACHE_DIR or .vaecf/cache>/datasets)',
    )
    .option(
      '--heldout-users <n>',
      "validation users and test users, N each (default: the preset's, else 10% of the users)",
      checkedBy(prepareOptionsSchema.shape.heldoutUsers, integer),
    )
    .option(
      '--seed <n>',
      'seed of the split (default 98765)',
      checkedBy(prepareOptionsSchema.shape.seed, integer),
    )
    .option('--list', 'list the names, their archives and how each is prepared')
    .option('--json', 'print one JSON result object instead of the summary')
    .action((name: string | undefined, flags: FetchFlags) => runFetch(name, flags));
}

async function runFetch(name: string | undefined, flags: FetchFlags): Promise<void> {
  const out = createReporter(Boolean(flags.json));
  if (flags.list) return listDatasets(out);
  if (name === undefined) throw usage(`missing <name>: one of ${PUBLIC_DATASET_NAMES.join(', ')}`);
  // An unknown name (with the nearest) or Netflix (what to do instead) fails before anything else.
  const d = publicDataset(name, '<name>');
  if (flags.out === undefined) throw usage("required option '--out <dir>' not specified");
  const settings: FetchSettings = {
    ...fetchSettingsFromEnv(process.env),
    ...(flags.cacheDir !== undefined && { cacheDir: resolve(flags.cacheDir) }),
  };
  await checkOutputDir('--out', flags.out);
  const bar = downloadProgress(out.json);
  const t0 = performance.now();
  const fetched = await fetchPublicDataset(d.name, settings, {
    onProgress: (p) => bar.update(p),
    onNote: (line) => {
      bar.stop();
      out.warn(line);
    },
    onWait: (pid) =>
      out.warn(`waiting for process ${pid}, which is fetching ${d.name} into ${settings.cacheDir}`),
  }).finally(() => bar.stop());
  out.info(
    `${fetched.cached ? 'found' : 'fetched'} ${d.name} in ${settings.cacheDir} (${fetched.verification === 'unverified' ? 'UNVERIFIED: no published checksum' : `${fetched.verification} verified`})`,
  );
  const reading = out.json ? null : progressBar(`reading ${d.entry}`, 'MB');
  const dataset = await prepareDataset(
    fetched.ratingsFile,
    { format: fetched.format, preset: fetched.preset, heldoutUsers: flags.heldoutUsers, seed: flags.seed },
    { onProgress: (p) => reading?.update(Math.round(p.bytesRead / 1e6), Math.round(p.totalBytes / 1e6)) },
  ).finally(() => reading?.stop());
  await writeDatasetArtifact(flags.out, dataset);
  const seconds = (performance.now() - t0) / 1000;
  out.info(
    `prepared ${d.name} (${fetched.format}${fetched.preset ? `, preset ${fetched.preset}` : ''}) into ${flags.out} in ${seconds.toFixed(1)} s`,
  );
  out.info(statsTable(dataset.meta.stats ?? {}));
  out.result({
    command: 'fetch',
    name: d.name,
    out: flags.out,
    cacheDir: settings.cacheDir,
    ratingsFile: fetched.ratingsFile,
    verification: fetched.verification,
    cached: fetched.cached,
    seconds,
    options: dataset.meta.options,
    stats: dataset.meta.stats,
  });
}

function listDatasets(out: ReturnType<typeof createReporter>): void {
  const t = table({ head: ['name', 'dataset', 'archive', 'about', 'ratings file', 'prepared with'] });
  for (const d of PUBLIC_DATASETS)
    t.push([
      d.name,
      d.title,
      d.file,
      `${d.approxMB} MB`,
      `${d.entry} (${d.format})`,
      d.preset ? `preset ${d.preset}` : 'defaults',
    ]);
  t.push(['netflix', 'Netflix Prize', '(Kaggle, login)', '', 'combined_data_*.txt', 'preset netflix']);
  out.info(t.toString());
  out.result({ command: 'fetch --list', datasets: PUBLIC_DATASETS });
}

function usage(message: string): UsageError {
  return new UsageError(`${message} (see \`vaecf fetch --help\`)`);
}
