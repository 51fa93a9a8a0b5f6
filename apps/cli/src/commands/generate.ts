import { generateSyntheticRatings, SYNTHETIC_DEFAULTS } from '@vaecf/cf';
import { Command } from 'commander';
import { createReporter } from '../output/reporter';
import { integer, number } from '../options';

interface GenerateFlags {
  users: number;
  items: number;
  tastes: number;
  meanItems: number;
  seed: number;
  json?: boolean;
}

export function generateCommand(): Command {
  return new Command('generate')
    .description(
      'write a deterministic synthetic MovieLens-style ratings.csv (latent tastes, long-tailed popularity)',
    )
    .argument('<file>', 'output path (.gz to compress)')
    .option('--users <n>', 'users', integer, SYNTHETIC_DEFAULTS.users)
    .option('--items <n>', 'items', integer, SYNTHETIC_DEFAULTS.items)
    .option('--tastes <n>', 'latent tastes', integer, SYNTHETIC_DEFAULTS.tastes)
    .option('--mean-items <x>', 'mean items rated per user', number, SYNTHETIC_DEFAULTS.meanItemsPerUser)
    .option('--seed <n>', 'seed', integer, SYNTHETIC_DEFAULTS.seed)
    .option('--json', 'print one JSON result object')
    .action(async (file: string, f: GenerateFlags) => {
      const out = createReporter(Boolean(f.json));
      const opts = {
        users: f.users,
        items: f.items,
        tastes: f.tastes,
        meanItemsPerUser: f.meanItems,
        seed: f.seed,
      };
      const { rows } = await generateSyntheticRatings(file, opts);
      out.info(`wrote ${rows} ratings to ${file}`);
      out.result({ command: 'generate', file, rows, options: opts });
    });
}
