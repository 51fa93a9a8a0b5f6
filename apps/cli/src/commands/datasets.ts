import { table } from '../output/table';
import { Command, Option } from 'commander';
import { prepareOptionsSchema, RATINGS_FORMATS, PRESETS } from '@vaecf/cf';
import { PUBLIC_DATASET_NAMES, publicDataset } from '@vaecf/datasets';
import { ApiClient, type ApiOptions } from '../api-client';
import type { DatasetView } from '../views';
import { UsageError } from '../usage';
import { createReporter } from '../output/reporter';
import { checkedBy, integer } from '../options';

/** The statistics the list shows: a dataset's `stats` are free-form in the answer (what preparation measured). */
type ListedStats = { readonly users?: { readonly train?: number }; readonly items?: number } | undefined;

type Flags = ApiOptions & { json?: boolean };

export function datasetsCommand(): Command {
  const datasets = new Command('datasets').description('register, list and delete datasets through the API');
  datasets.addCommand(
    new Command('add')
      .description(
        "register a ratings file (a path under the API's data root) or a public dataset by name (--source), and queue its preparation",
      )
      .argument('<id>', 'dataset id')
      .argument('[path]', 'ratings file, relative to the data root (not with --source)')
      .addOption(
        new Option('--format <format>', "the file's format (required with a path)").choices(RATINGS_FORMATS),
      )
      .addOption(
        new Option(
          '--source <name>',
          "a public dataset, downloaded by the worker that prepares it (format and the paper's preset implied)",
        ).choices(PUBLIC_DATASET_NAMES),
      )
      .addOption(new Option('--preset <name>').choices(Object.keys(PRESETS)))
      .option(
        '--heldout-users <n>',
        'validation and test users, N each',
        checkedBy(prepareOptionsSchema.shape.heldoutUsers, integer),
      )
      .option('--api <url>', 'API base URL (env VAECF_API_URL)')
      .option('--token <token>', 'API bearer token (env VAECF_API_TOKEN)')
      .option('--json', 'print one JSON result object')
      .action(
        async (
          id: string,
          path: string | undefined,
          f: Flags & { format?: string; source?: string; preset?: string; heldoutUsers?: number },
        ) => {
          if (f.source !== undefined) {
            if (path !== undefined) throw new UsageError('give a <path> or --source, not both');
            // Netflix: what to do instead, before any request.
            publicDataset(f.source, '--source');
          } else if (path === undefined)
            throw new UsageError('give a <path> (with --format) or --source <name>');
          else if (f.format === undefined)
            throw new UsageError('a <path> needs --format (see `vaecf datasets add --help`)');
          const out = createReporter(Boolean(f.json));
          const d = out.shown(
            await new ApiClient(f).post<DatasetView>('/datasets', {
              id,
              path,
              source: f.source,
              format: f.format,
              preset: f.preset,
              heldoutUsers: f.heldoutUsers,
            }),
          );
          out.info(`dataset ${d.id}: ${d.state} (${d.source})`);
          out.result({ command: 'datasets add', dataset: d });
        },
      ),
  );
  datasets.addCommand(
    new Command('list')
      .description('datasets with their state and size')
      .option('--api <url>', 'API base URL (env VAECF_API_URL)')
      .option('--token <token>', 'API bearer token (env VAECF_API_TOKEN)')
      .option('--json', 'print one JSON result object')
      .action(async (f: Flags) => {
        const out = createReporter(Boolean(f.json));
        const list = out.shown(await new ApiClient(f).get<DatasetView[]>('/datasets'));
        // A preparation error can be long: wrapped in a 60-column cell.
        const t = table({
          head: ['id', 'state', 'train users', 'items', 'source / error'],
          colWidths: [null, null, null, null, 60],
          wordWrap: true,
        });
        for (const d of list) {
          const stats = d.stats as ListedStats;
          t.push([d.id, d.state, stats?.users?.train ?? '', stats?.items ?? '', d.error ?? d.source]);
        }
        out.info(t.toString());
        out.result({ command: 'datasets list', datasets: list });
      }),
  );
  datasets.addCommand(
    new Command('delete')
      .description('delete a dataset and its prepared files (refused while a running sweep uses it)')
      .argument('<id>', 'dataset id')
      .option('--api <url>', 'API base URL (env VAECF_API_URL)')
      .option('--token <token>', 'API bearer token (env VAECF_API_TOKEN)')
      .option('--json', 'print one JSON result object')
      .action(async (id: string, f: Flags) => {
        await new ApiClient(f).delete(`/datasets/${encodeURIComponent(id)}`);
        const out = createReporter(Boolean(f.json));
        out.info(`dataset ${out.shown(id)} deleted`);
        out.result({ command: 'datasets delete', id });
      }),
  );
  return datasets;
}
