import type { SweepView, TrialRecord } from '@vaecf/queue';

/** One trial with its validation NDCG@100 per epoch. */
export interface ReportTrial extends TrialRecord {
  readonly curve: number[];
}

export interface ReportInput {
  readonly sweep: SweepView;
  readonly trials: ReportTrial[];
  readonly dataset?: { id: string; stats?: Record<string, unknown> };
}

const esc = (v: unknown): string =>
  String(v).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const fmt = (x: number | undefined, d = 4) => (x === undefined || Number.isNaN(x) ? '' : x.toFixed(d));

/**
 * A self-contained HTML report of a sweep (no scripts, no external assets):
 * the validation NDCG@100 curves of every trial as an SVG chart (pruned
 * trials stop early and are dashed), the leaderboard, the best
 * configuration, the test metrics and the dataset statistics.
 */
export function renderReport({ sweep, trials, dataset }: ReportInput): string {
  const ranked = [...trials].sort((a, b) => (b.best ?? -1) - (a.best ?? -1));
  const best = sweep.best ? trials.find((t) => t.no === sweep.best!.trial) : undefined;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vaecf sweep ${esc(sweep.id)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222;max-width:70rem}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}
table{border-collapse:collapse}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
.pruned{color:#999}.best{font-weight:bold}
svg text{font-size:11px;fill:#555}
</style></head><body>
<h1>Sweep ${esc(sweep.id)}${sweep.spec.name ? ` — ${esc(sweep.spec.name)}` : ''}</h1>
<p>${esc(sweep.spec.model === 'vae' ? 'Mult-VAE' : 'Mult-DAE')} on dataset <b>${esc(sweep.spec.dataset)}</b>; state <b id="state">${esc(sweep.state)}</b>;
${Object.entries(sweep.trials)
  .map(([k, v]) => `${v} ${esc(k)}`)
  .join(', ')}.</p>
<h2>Validation NDCG@100 by epoch</h2>
${chart(trials, sweep.best?.trial)}
<h2>Test metrics of the best trial</h2>
${
  sweep.test
    ? `<table id="test"><tr><th>trial</th><th>NDCG@100</th><th>Recall@20</th><th>Recall@50</th><th>users</th></tr>
<tr><td>${esc(sweep.bestTrial)}</td><td>${fmt(sweep.test.ndcg100)}</td><td>${fmt(sweep.test.recall20)}</td><td>${fmt(sweep.test.recall50)}</td><td>${esc(sweep.test.users)}</td></tr></table>`
    : '<p>Not yet: the best trial is tested when the sweep completes.</p>'
}
<h2>Best configuration</h2>
${best ? `<pre id="best-config">${esc(JSON.stringify(best.params, null, 2))}</pre>` : '<p>No trial has finished an epoch yet.</p>'}
<h2>Leaderboard</h2>
<table id="leaderboard"><tr><th>trial</th><th>state</th><th>epochs</th><th>best NDCG@100</th><th>parameters</th></tr>
${ranked
  .map(
    (t) =>
      `<tr class="${t.state === 'pruned' ? 'pruned' : ''}${t.no === sweep.best?.trial ? ' best' : ''}"><td>${t.no}</td><td>${esc(t.state)}${
        t.reason ? ` <small>(${esc(t.reason)})</small>` : ''
      }</td><td>${t.epochs}</td><td>${fmt(t.best)}</td><td>${esc(paramsText(t.params))}</td></tr>`,
  )
  .join('\n')}
</table>
<h2>Dataset</h2>
${dataset?.stats ? statsTable(dataset.stats) : '<p>No statistics.</p>'}
</body></html>`;
}

function paramsText(p: Record<string, unknown>): string {
  return Object.entries(p)
    .filter(([k]) => k !== 'model')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(3)) : JSON.stringify(v)}`)
    .join(' ');
}

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** An SVG line chart: x = epoch, y = validation NDCG@100; one polyline per trial. */
function chart(trials: ReportTrial[], bestTrial?: number): string {
  const W = 720;
  const H = 320;
  const pad = { l: 50, r: 20, t: 10, b: 35 };
  const maxEpoch = Math.max(1, ...trials.map((t) => t.curve.length));
  const values = trials.flatMap((t) => t.curve).filter((v) => Number.isFinite(v));
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  const y0 = Math.max(0, lo - 0.05 * (hi - lo || 1));
  const y1 = hi + 0.05 * (hi - lo || 1);
  const x = (e: number) => pad.l + ((e - 1) / Math.max(1, maxEpoch - 1)) * (W - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - (v - y0) / (y1 - y0 || 1)) * (H - pad.t - pad.b);
  const ticks = Array.from({ length: 5 }, (_, k) => y0 + (k * (y1 - y0)) / 4);
  const lines = trials
    .filter((t) => t.curve.length > 0)
    .map((t, k) => {
      const points = t.curve.map((v, e) => `${x(e + 1).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      const dash = t.state === 'pruned' ? ' stroke-dasharray="4 3"' : '';
      const width = t.no === bestTrial ? 3 : 1.5;
      return `<polyline class="curve" data-trial="${t.no}" data-state="${esc(t.state)}" fill="none" stroke="${PALETTE[k % PALETTE.length]}" stroke-width="${width}"${dash} points="${points}"><title>trial ${t.no} (${esc(t.state)})</title></polyline>`;
    })
    .join('\n');
  const legend = trials
    .filter((t) => t.curve.length > 0)
    .map(
      (t, k) =>
        `<span style="margin-right:1rem;white-space:nowrap"><span style="display:inline-block;width:1.2rem;height:3px;vertical-align:middle;background:${PALETTE[k % PALETTE.length]}"></span> trial ${t.no}${t.state === 'pruned' ? ' (pruned)' : ''}${t.no === bestTrial ? ' (best)' : ''}</span>`,
    )
    .join('');
  return `<p id="legend">${legend}</p><svg id="curves" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="validation NDCG@100 curves">
<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#999"/>
<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" stroke="#999"/>
${ticks.map((v) => `<text x="${pad.l - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(3)}</text>`).join('')}
<text x="${(W + pad.l) / 2}" y="${H - 6}" text-anchor="middle">epoch (1 to ${maxEpoch})</text>
${lines}
</svg>`;
}

function statsTable(stats: Record<string, unknown>): string {
  const rows = Object.entries(stats).map(
    ([k, v]) =>
      `<tr><td>${esc(k)}</td><td style="text-align:left"><code>${esc(JSON.stringify(v))}</code></td></tr>`,
  );
  return `<table id="dataset">${rows.join('')}</table>`;
}
