import { table } from '../output/table';
import { Command } from 'commander';
import { ApiClient, type ApiOptions } from '../api-client';
import { createReporter } from '../output/reporter';
import { positiveInteger } from '../options';
import type { RecommendationsView } from '../views';

export function recommendCommand(): Command {
  return new Command('recommend')
    .description("top-k items for an item history, from a sweep's best model")
    .argument('<sweep>', 'sweep id')
    .requiredOption('--items <ids>', 'the history: comma-separated original item ids')
    .option('-k, --k <n>', 'how many', positiveInteger, 10)
    .option('--api <url>', 'API base URL (env VAECF_API_URL)')
    .option('--token <token>', 'API bearer token (env VAECF_API_TOKEN)')
    .option('--json', 'print one JSON result object')
    .action(async (sweep: string, f: ApiOptions & { items: string; k: number; json?: boolean }) => {
      const items = f.items
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const out = createReporter(Boolean(f.json));
      const r = out.shown(
        await new ApiClient(f).post<RecommendationsView>(
          `/sweeps/${encodeURIComponent(sweep)}/recommendations`,
          {
            items,
            k: f.k,
          },
        ),
      );
      const t = table({ head: ['rank', 'item', 'score'] });
      r.items.forEach((x, i) => t.push([i + 1, x.item, x.score.toFixed(4)]));
      out.info(t.toString());
      if (r.unknownItems.length) out.warn(`unknown items (ignored): ${r.unknownItems.join(', ')}`);
      out.result({ command: 'recommend', sweep, ...r });
    });
}
