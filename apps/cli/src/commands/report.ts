import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { ApiClient, type ApiOptions } from '../api-client';
import { createReporter } from '../output/reporter';
import { checkOutputFile } from '../paths';

export function reportCommand(): Command {
  return new Command('report')
    .description(
      "save a sweep's HTML report (leaderboard, curves, best configuration, test metrics) and optionally open it",
    )
    .argument('<sweep>', 'sweep id')
    .option('--out <file>', 'where to write it (default: a temporary file)')
    .option('--open', 'open it in the default browser (xdg-open / open)')
    .option('--api <url>', 'API base URL (env VAECF_API_URL)')
    .option('--token <token>', 'API bearer token (env VAECF_API_TOKEN)')
    .option('--json', 'print one JSON result object')
    .action(async (sweep: string, f: ApiOptions & { out?: string; open?: boolean; json?: boolean }) => {
      const file = resolve(f.out ?? join(tmpdir(), `vaecf-${sweep.replace(/[^\w.-]/g, '_')}.html`));
      await checkOutputFile('--out', file);
      const html = await new ApiClient(f).text(`/sweeps/${encodeURIComponent(sweep)}/report`);
      await writeFile(file, html);
      const out = createReporter(Boolean(f.json));
      out.info(`report of ${sweep} written to ${file}`);
      if (f.open) {
        const opener =
          process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
        spawn(opener, [file], { detached: true, stdio: 'ignore' })
          .on('error', () => out.warn(`could not run ${opener}; open ${file} yourself`))
          .unref();
      }
      out.result({ command: 'report', sweep, file });
    });
}
