import type { ChartSpec, PageData } from './report/chart-spec';
import { betaChart, curvesChart, lossChart } from './report/curve-charts';
import { datasetTables } from './report/dataset-tables';
import { cspHash, echartsBundle } from './report/echarts-bundle';
import { escapeHtml as esc, formatNumber } from './report/format';
import { buildModel, type ReportInput, type ReportModel } from './report/model';
import { reportPage } from './report/page-script';
import { importanceChart, parallelChart, scatterChart } from './report/param-charts';
import {
  baselinesTable,
  bestConfigTable,
  comparisonTable,
  eventsTable,
  failedTrials,
  leaderboard,
  summary,
  testTable,
} from './report/tables';

export type { EpochPoint, ReportInput, ReportTrial } from './report/model';

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;color:#222;max-width:80rem;padding:0 1rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.6rem 0}td,th{padding:.25rem .7rem;border-bottom:1px solid #e4e4e4;text-align:right;vertical-align:top}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}td code{white-space:normal}
#leaderboard td:last-child,#failed-trials td:nth-child(3),#failed-trials td:last-child,#best-config td:nth-child(2){text-align:left}
.chart{width:100%;height:400px}.scatters{display:flex;flex-wrap:wrap;gap:1rem}.scatters .chart{width:30rem;height:300px}
.note{color:#666}.error{color:#a00}.tip-params{font-size:12px;color:#555}
`;

/** A chart's element, or the sentence that says why there is none. */
const chartDiv = (spec: ChartSpec) => `<div id="${spec.id}" class="chart"></div>`;
const chartOr = (spec: ChartSpec | null, why: string) =>
  spec ? chartDiv(spec) : `<p class="note missing-chart">${why}</p>`;

function charts(m: ReportModel): { specs: ChartSpec[]; html: Record<string, string> } {
  const specs: ChartSpec[] = [];
  const add = (s: ChartSpec | null) => (s && specs.push(s), s);
  const scored = m.trials.filter((t) => t.best !== undefined);
  const unscored = m.trials.length - scored.length;
  const curves = add(scored.length ? curvesChart(m) : null);
  const canCompare = scored.length > 0 && m.varying.length > 0;
  const parallel = add(canCompare ? parallelChart(m) : null);
  const scatters = canCompare ? m.varying.map((p, k) => add(scatterChart(m, p, k))!) : [];
  const { importance } = m.input;
  const hasImportance = !!importance && Object.keys(importance).length > 0;
  const bars = add(hasImportance ? importanceChart(importance) : null);
  const vae = m.input.sweep.spec.model === 'vae';
  // Mult-VAE and RecVAE have a KL term to chart; only Mult-VAE anneals beta.
  const hasKl = m.input.sweep.spec.model !== 'dae';
  const loss = add(m.best && m.best.record.history.length ? lossChart(m.best, hasKl) : null);
  const beta = add(vae && scored.length ? betaChart(m) : null);
  return {
    specs,
    html: {
      curves:
        `<label><input type="checkbox" id="curves-logx"> log-scale epochs</label>` +
        chartOr(curves, 'No trial has reported an epoch yet.') +
        (unscored ? `<p class="note">${unscored} trial(s) without any epoch are not drawn.</p>` : ''),
      parallel:
        chartOr(
          parallel,
          m.varying.length
            ? 'No trial has reported an epoch yet.'
            : 'No parameter varies in this sweep (its space is empty).',
        ) + `<div class="scatters">${scatters.map(chartDiv).join('')}</div>`,
      importance: chartOr(bars, 'Hyperparameter importance was not computed for this sweep.'),
      loss: chartOr(loss, 'No best trial yet.'),
      beta: chartOr(
        beta,
        vae
          ? 'No trial has reported an epoch yet.'
          : hasKl
            ? "RecVAE weighs its KL per user (klGamma x the user's items), with no annealed β."
            : 'Mult-DAE has no KL term, so no β.',
      ),
    },
  };
}

/**
 * The sweep report: ONE self-contained HTML file that works offline. ECharts
 * is inlined, the data travels as JSON in a non-executed script element (every
 * "<" escaped, so no user text can close it), and a Content-Security-Policy
 * allows exactly the two inline scripts and no network at all.
 */
export function renderReport(input: ReportInput): string {
  const m = buildModel(input);
  const { sweep } = input;
  const { specs, html } = charts(m);
  const data: PageData = {
    charts: specs,
    trials: Object.fromEntries(m.trials.map((t) => [t.no, { label: t.label, params: t.params }])),
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const boot = `(${reportPage.toString()})(echarts, JSON.parse(document.getElementById('report-data').textContent), document, window, ${formatNumber.toString()}, ${esc.toString()});`;
  if (/<\/script|<!--/i.test(boot)) throw new Error('the report page script cannot be inlined');
  const echarts = echartsBundle();
  const csp = `default-src 'none'; script-src ${echarts.hash} ${cspHash(boot)}; style-src 'unsafe-inline'; img-src data: blob:`;
  const title = `Sweep ${esc(sweep.id)}${sweep.spec.name ? ` — ${esc(sweep.spec.name)}` : ''}`;
  const metric = esc(m.metricLabel);
  const vae = sweep.spec.model === 'vae';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vaecf: ${title}</title>
<style>${STYLE}</style></head><body>
<h1 id="title">${title}</h1>
${summary(m)}
<h2>Validation ${metric} by epoch</h2>
<p class="note">Hover a point for its trial, parameters and value; click a trial in the legend to hide or show it. The best trial is the thick black line; pruned trials are dashed; baselines are dotted reference lines.</p>
${html.curves}
<h2>Parameters and the objective</h2>
<p class="note">Each line is a trial's searched parameters and its best validation ${metric}; drag on an axis to filter. Below, the objective against each parameter.</p>
${html.parallel}
<h2>Hyperparameter importance</h2>
${html.importance}
<h2>Best trial: ${vae ? 'loss, KL and β' : sweep.spec.model === 'recvae' ? 'loss and KL' : 'loss'} per epoch</h2>
${html.loss}
<h2>Validation NDCG@100 against β</h2>
<p class="note">Every epoch of every trial, by the KL weight it trained with: where annealing β stops paying off.</p>
${html.beta}
<h2>Best configuration</h2>
${bestConfigTable(m)}
<h2>Test metrics of the best trial</h2>
${testTable(sweep)}
<h2>Baselines</h2>
<p class="note">Reference models fitted on the same split; dotted lines on the curves chart, reference rows in the leaderboard.</p>
${baselinesTable(sweep)}
<h2>Best trial against the baselines</h2>
${comparisonTable(sweep)}
<h2>Leaderboard</h2>
${leaderboard(m)}
<h2>Failed trials</h2>
${failedTrials(m)}
<h2>Events</h2>
${eventsTable(sweep)}
<h2>Dataset</h2>
${datasetTables(input.dataset?.id ?? sweep.spec.dataset, input.dataset?.stats)}
<script type="application/json" id="report-data">${json}</script>
<script>${echarts.source}</script>
<script>${boot}</script>
</body></html>`;
}
