import { Command } from 'commander';
import { ApiClient, type ApiOptions } from '../api-client';
import { comparisonTable } from '../output/comparison';
import { createReporter } from '../output/reporter';
import type { ComparisonView } from '../views';

export function compareCommand(): Command {
  return new Command('compare')
    .description(
      "a completed sweep's best configuration against its baselines (and another sweep on the same split): paired differences of the per-user test metrics, 95% bootstrap intervals, Wilcoxon p-values",
    )
    .argument('<sweep>', 'sweep id')
    .argument('[other]', 'another completed sweep tested on the same split')
    .option('--api <url>', 'API base URL (env VAECF_API_URL)')
    .option('--token <token>', 'API bearer token (env VAECF_API_TOKEN)')
    .option('--json', 'print one JSON result object')
    .action(async (sweep: string, other: string | undefined, f: ApiOptions & { json?: boolean }) => {
      const query = other === undefined ? '' : `?other=${encodeURIComponent(other)}`;
      const v = await new ApiClient(f).get<ComparisonView>(
        `/sweeps/${encodeURIComponent(sweep)}/comparison${query}`,
      );
      const out = createReporter(Boolean(f.json));
      out.info(
        `sweep ${v.sweep}: best ${bestLine(v)}, test NDCG@100 ${v.best.test.ndcg100.toFixed(4)} (${v.best.test.users} users)`,
      );
      out.info(
        v.comparisons.length
          ? comparisonTable(v)
          : 'nothing to compare with: the sweep has no completed baseline',
      );
      out.result({ command: 'compare', ...v });
    });
}

/** The best configuration and how many seeds its vector averages (an older API answer: the best trial alone). */
function bestLine(v: ComparisonView): string {
  const seeds = v.best.seeds ?? 1;
  if (seeds <= 1) return `trial ${v.best.trial}`;
  return `configuration ${v.best.configuration} (mean of ${seeds} seeds; best seed trial ${v.best.trial})`;
}
