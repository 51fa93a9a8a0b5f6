import { writeFile } from 'node:fs/promises';
import { SWEEP_STATES } from '@vaecf/sweep';
import { Command, Option } from 'commander';
import { ApiClient, type ApiOptions } from '../api-client';
import { metricLabel } from '../output/leaderboard';
import { createReporter } from '../output/reporter';
import { escapeControl } from '../output/terminal-text';
import { table } from '../output/table';
import { positiveInteger, integer } from '../options';
import { checkOutputFile } from '../paths';
import { UserError } from '../errors';
import type { ComparisonView, ImportanceView, SweepPage, SweepView, TrialView } from '../views';
import { countsLine } from '../views';
import { count } from '../output/plural';

type Flags = ApiOptions & { json?: boolean };

const withApi = (c: Command) =>
  c
    .option('--api <url>', 'API base URL (env VAECF_API_URL, default http://127.0.0.1:8080)')
    .option('--token <token>', 'API bearer token (env VAECF_API_TOKEN)')
    .option('--json', 'print one JSON result object');

const path = (id: string, rest = '') => `/sweeps/${encodeURIComponent(id)}${rest}`;

/** The sweep commands beyond submit/watch/show/cancel: list, extend, resume, export, importance. */
export function sweepManagementCommands(): Command[] {
  return [listCommand(), extendCommand(), resumeCommand(), exportCommand(), importanceCommand()];
}

function listCommand(): Command {
  return withApi(new Command('list'))
    .description('sweeps, newest first, a page at a time')
    .addOption(new Option('--state <state>', 'only sweeps in this state').choices(SWEEP_STATES))
    .option('--offset <n>', 'skip this many (default 0)', integer)
    .option('--limit <n>', 'at most this many, 1-200 (default 50)', positiveInteger)
    .action(async (f: Flags & { state?: string; offset?: number; limit?: number }) => {
      const q = new URLSearchParams();
      if (f.state) q.set('state', f.state);
      if (f.offset !== undefined) q.set('offset', String(f.offset));
      if (f.limit !== undefined) q.set('limit', String(f.limit));
      const out = createReporter(Boolean(f.json));
      const page = out.shown(await new ApiClient(f).get<SweepPage>(`/sweeps${q.size ? `?${q}` : ''}`));
      const t = table({ head: ['sweep', 'state', 'model', 'dataset', 'trials', 'best', 'created'] });
      for (const s of page.sweeps)
        t.push([
          s.spec.name ? `${s.id}\n${s.spec.name}` : s.id,
          s.state,
          s.spec.model,
          s.spec.dataset,
          countsLine(s.trials),
          s.best ? `${metricLabel(s.best.metric)} ${s.best.value.toFixed(4)}` : '',
          new Date(s.createdAt).toISOString().slice(0, 16).replace('T', ' '),
        ]);
      const shown = page.sweeps.length ? `${page.offset + 1}-${page.offset + page.sweeps.length}` : 'none';
      out.info(`${t.toString()}\n${shown} of ${page.total}`);
      out.result({ command: 'sweep list', ...page });
    });
}

function extendCommand(): Command {
  return withApi(new Command('extend'))
    .description('add configurations to a random or TPE sweep (running or ended); it is finalized again')
    .argument('<id>')
    .requiredOption('--trials <n>', 'configurations to add', positiveInteger)
    .action(async (id: string, f: Flags & { trials: number }) => {
      const out = createReporter(Boolean(f.json));
      const s = out.shown(await new ApiClient(f).post<SweepView>(path(id, '/extend'), { trials: f.trials }));
      out.info(
        `sweep ${s.id}: ${s.state}, ${count(s.planned, 'trial')} planned (follow it with \`vaecf sweep watch ${s.id}\`)`,
      );
      out.result({ command: 'sweep extend', sweep: s });
    });
}

function resumeCommand(): Command {
  return withApi(new Command('resume'))
    .description('resume a cancelled sweep: its cancelled trials continue from their checkpoints')
    .argument('<id>')
    .action(async (id: string, f: Flags) => {
      const out = createReporter(Boolean(f.json));
      const s = out.shown(await new ApiClient(f).post<SweepView>(path(id, '/resume')));
      out.info(`sweep ${s.id}: ${s.state}, ${countsLine(s.trials)}`);
      out.result({ command: 'sweep resume', sweep: s });
    });
}

function exportCommand(): Command {
  return withApi(new Command('export'))
    .description(
      "a sweep's trials (or, with --comparison, its best trial against the baselines) as CSV or JSON (to stdout, or --out)",
    )
    .argument('<id>')
    .addOption(new Option('--format <format>', 'csv or json').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to this file')
    .option('--comparison', 'export the comparison (differences, 95% intervals, p-values, bootstrap seed)')
    .option('--other <sweep>', 'with --comparison: also against this sweep on the same split')
    .action(
      async (
        id: string,
        f: Flags & { format: 'csv' | 'json'; out?: string; comparison?: boolean; other?: string },
      ) => {
        if (f.other !== undefined && !f.comparison) throw new UserError('--other needs --comparison');
        if (f.out) await checkOutputFile('--out', f.out);
        const client = new ApiClient(f);
        const other = f.other === undefined ? '' : `?other=${encodeURIComponent(f.other)}`;
        const text = f.comparison
          ? f.format === 'csv'
            ? await client.text(path(id, `/comparison.csv${other}`))
            : `${JSON.stringify(await client.get<ComparisonView>(path(id, `/comparison${other}`)), null, 2)}\n`
          : f.format === 'csv'
            ? await client.text(path(id, '/trials.csv'))
            : `${JSON.stringify(await client.get<TrialView[]>(path(id, '/trials?sort=no')), null, 2)}\n`;
        if (f.out) {
          await writeFile(f.out, text);
          createReporter(Boolean(f.json)).result({
            command: 'sweep export',
            sweep: id,
            format: f.format,
            out: f.out,
          });
          // CSV keeps the data exact for a pipe or a file; on a terminal it is read, so escaped.
        } else process.stdout.write(process.stdout.isTTY ? escapeControl(text, '\n') : text);
      },
    );
}

function importanceCommand(): Command {
  return withApi(new Command('importance'))
    .description('which searched hyperparameters matter (PED-ANOVA over the completed trials)')
    .argument('<id>')
    .action(async (id: string, f: Flags) => {
      const out = createReporter(Boolean(f.json));
      const v = out.shown(await new ApiClient(f).get<ImportanceView>(path(id, '/importance')));
      if (v.insufficient) {
        out.info(`not enough completed trials to tell yet: ${v.trials} of the ${v.needed} needed`);
        return out.result({ command: 'sweep importance', sweep: id, ...v });
      }
      const t = table({ head: ['hyperparameter', 'importance', ''] });
      for (const [name, share] of Object.entries(v.importance).sort((a, b) => b[1] - a[1]))
        t.push([name, share.toFixed(3), '#'.repeat(Math.round(share * 40))]);
      out.info(
        `${t.toString()}\nfrom ${count(v.trials, 'completed trial')}, by ${metricLabel(v.metric)} (${v.method})`,
      );
      out.result({ command: 'sweep importance', sweep: id, ...v });
    });
}
