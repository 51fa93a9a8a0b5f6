import { generateSyntheticRatings, SYNTHETIC_DEFAULTS, syntheticOptionsSchema } from '@vaecf/cf';
import { Command } from 'commander';
import { createReporter } from '../output/reporter';
import { checkedBy, integer, number } from '../options';
import { checkOutputFile } from '../paths';
import { count } from '../output/plural';

const field = syntheticOptionsSchema.shape;

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
    .option('--users <n>', 'users', checkedBy(field.users, integer), SYNTHETIC_DEFAULTS.users)
    .option('--items <n>', 'items', checkedBy(field.items, integer), SYNTHETIC_DEFAULTS.items)
    .option('--tastes <n>', 'latent tastes', checkedBy(field.tastes, integer), SYNTHETIC_DEFAULTS.tastes)
    .option(
      '--mean-items <x>',
      'mean items rated per user',
      checkedBy(field.meanItemsPerUser, number),
      SYNTHETIC_DEFAULTS.meanItemsPerUser,
    )
    .option('--seed <n>', 'seed', checkedBy(field.seed, integer), SYNTHETIC_DEFAULTS.seed)
    .option('--json', 'print one JSON result object')
    .action(async (file: string, f: GenerateFlags) => {
      await checkOutputFile('<file>', file);
      const out = createReporter(Boolean(f.json));
      const opts = {
        users: f.users,
        items: f.items,
        tastes: f.tastes,
        meanItemsPerUser: f.meanItems,
        seed: f.seed,
      };
      const { rows } = await generateSyntheticRatings(file, opts);
      out.info(`wrote ${count(rows, 'rating')} to ${file}`);
      out.result({ command: 'generate', file, rows, options: opts });
    });
}
