import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../src/sweeps/report';
import { openInChromium, type BrowserPage } from './chromium';
import { HOSTILE, reportFixture } from './report-fixture';

// The report as a person opens it: a file in a real headless Chromium, offline.
let dir: string;
let page: BrowserPage;
let file: string;

/** Series of a chart, as ECharts holds them after the page drew it. */
const series = (chart: string) =>
  page.evaluate<{ name: string; type: string; data: unknown[]; color?: string }[]>(
    `vaecfReport.charts[${JSON.stringify(chart)}].getOption().series.map(s => ({ name: s.name, type: s.type, data: s.data, color: s.color }))`,
  );

/** The text of a chart's container once its tooltip contains `expected` (the tooltip is drawn asynchronously). */
async function tooltipText(chart: string, expected: string): Promise<string> {
  let text = '';
  for (let k = 0; k < 50 && !text.includes(expected); k++) {
    await new Promise((r) => setTimeout(r, 50));
    text = await page.evaluate<string>(`document.getElementById(${JSON.stringify(chart)}).innerText`);
  }
  return text;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vaecf-report-'));
  file = join(dir, 'report.html');
  await writeFile(file, renderReport(reportFixture({ importance: { lr: 0.6, dims: 0.3, dropout: 0.1 } })));
  page = await openInChromium(pathToFileURL(file).href);
});
afterAll(async () => {
  await page?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the sweep report in Chromium', () => {
  it('renders with no console error and no network request', async () => {
    expect(await page.evaluate('typeof vaecfReport')).toBe('object');
    expect(page.problems).toEqual([]);
    expect(page.requests).toEqual([pathToFileURL(file).href]);
  });

  it('draws a validation curve per trial that reported an epoch, the best in a colour of its own', async () => {
    const curves = await series('curves');
    expect(curves.map((s) => s.name)).toEqual(['trial 0', 'trial 1 (best)', 'trial 2 (pruned)', 'trial 3']);
    expect(curves.map((s) => s.data.length)).toEqual([5, 5, 2, 1]);
    expect(new Set(curves.map((s) => s.color)).size).toBe(4);
    const single = await page.evaluate<number>(
      `vaecfReport.charts.curves.getOption().series.find(s => s.name === 'trial 3').symbolSize`,
    );
    expect(single).toBeGreaterThanOrEqual(8);
    expect(await page.evaluate('vaecfReport.charts.curves.getOption().legend[0].type')).toBe('scroll');
    const hidden = await page.evaluate<Record<string, boolean>>(`(() => {
      const chart = vaecfReport.charts.curves;
      chart.dispatchAction({ type: 'legendToggleSelect', name: 'trial 0' });
      const selected = chart.getOption().legend[0].selected;
      chart.dispatchAction({ type: 'legendToggleSelect', name: 'trial 0' });
      return selected;
    })()`);
    expect(hidden['trial 0']).toBe(false);
  });

  it('shows the trial, its parameters and the value when the mouse is on a point', async () => {
    const [x, y] = await page.evaluate<[number, number]>(`(() => {
      const el = document.getElementById('curves');
      el.scrollIntoView();
      const r = el.getBoundingClientRect();
      const [px, py] = vaecfReport.charts.curves.convertToPixel({ seriesId: 'trial-1' }, [3, 0.35]);
      return [r.left + px, r.top + py];
    })()`);
    await page.hover(x, y);
    const text = await tooltipText('curves', 'trial 1 (best)');
    expect(text).toContain('trial 1 (best)');
    expect(text).toContain('epoch 3');
    expect(text).toContain('NDCG@100 0.3500');
    expect(text).toContain('lr=3e-3');
    expect(text).toContain('dims=400-100');
  });

  it('switches the curves to a log epoch axis', async () => {
    await page.evaluate(`document.getElementById('curves-logx').click()`);
    expect(await page.evaluate('vaecfReport.charts.curves.getOption().xAxis[0].type')).toBe('log');
    expect(page.problems).toEqual([]);
  });

  it('draws parallel coordinates of the searched parameters with the right kind of axis each', async () => {
    const axes = await page.evaluate<{ name: string; type: string; data?: string[] }[]>(
      `vaecfReport.charts.parallel.getOption().parallelAxis.map(a => ({ name: a.name, type: a.type, data: a.data }))`,
    );
    expect(axes.map((a) => [a.name, a.type])).toEqual([
      ['lr', 'log'],
      ['dims', 'category'],
      ['dropout', 'value'],
      ['NDCG@100', 'value'],
    ]);
    expect(axes[1].data).toEqual(['600-200', '400-100']);
    const lines = await series('parallel');
    expect(lines.map((s) => s.data.length)).toEqual([4, 1]);
  });

  it('plots the objective against each parameter and tells the point on hover', async () => {
    for (const k of [0, 1, 2]) {
      const points = await series(`scatter-${k}`);
      expect(points.map((s) => s.data.length)).toEqual([3, 1]);
    }
    expect(await page.evaluate('vaecfReport.charts["scatter-0"].getOption().xAxis[0].type')).toBe('log');
    await page.evaluate(`(() => {
      document.getElementById('scatter-1').scrollIntoView();
      vaecfReport.charts['scatter-1'].dispatchAction({ type: 'showTip', seriesIndex: 1, dataIndex: 0 });
    })()`);
    const text = await tooltipText('scatter-1', 'trial 1 (best)');
    expect(text).toContain('NDCG@100 0.4000');
    expect(text).toContain('dims=400-100');
  });

  it('draws importance bars, the best trial’s loss terms and NDCG@100 against beta', async () => {
    const bars = await series('importance');
    expect(bars[0].data).toEqual([0.1, 0.3, 0.6]);
    expect(await page.evaluate('vaecfReport.charts.importance.getOption().yAxis[0].data')).toEqual([
      'dropout',
      'dims',
      'lr',
    ]);
    const loss = await series('loss');
    expect(loss.map((s) => [s.name, s.data.length])).toEqual([
      ['loss', 5],
      ['NLL', 5],
      ['KL', 5],
      ['β', 5],
    ]);
    const beta = await series('beta');
    expect(beta.map((s) => s.data.length)).toEqual([5, 5, 2, 1]);
  });

  it('shows user text as text: a hostile sweep name runs nothing', async () => {
    expect(await page.evaluate('document.getElementById("title").textContent')).toBe(
      `Sweep sw_fixture — ${HOSTILE}`,
    );
    expect(await page.evaluate('document.querySelectorAll("img").length')).toBe(0);
    expect(
      await page.evaluate('document.querySelector("#failed-trials tbody td:nth-child(3)").textContent'),
    ).toBe('<b>out of memory</b> & more');
    expect(page.dialogs).toEqual([]);
    expect(page.problems).toEqual([]);
  });

  it('shows readable tables: best configuration, dataset statistics, events', async () => {
    const rows = (id: string) =>
      page.evaluate<string[][]>(
        `[...document.querySelectorAll('#${id} tbody tr')].map(tr => [...tr.cells].map(td => td.textContent))`,
      );
    expect((await rows('best-config')).map((r) => r.slice(0, 2))).toEqual([
      ['lr', '3e-3'],
      ['dims', '400-100'],
      ['dropout', '0.3'],
      ['epochs', '5'],
    ]);
    expect(await rows('dataset')).toContainEqual(['Training users', '116,677']);
    expect(await rows('dataset')).toContainEqual([
      'Density (training interactions / users × items)',
      '0.3623 %',
    ]);
    expect(await rows('dataset-quantiles')).toContainEqual([
      'Items per training user',
      '5',
      '8',
      '20',
      '60',
      '140',
      '600',
      '3000',
      '72.5',
    ]);
    expect(await rows('dataset-other')).toEqual([['Source format', 'movielens-csv']]);
    expect((await rows('events')).map((r) => r[1])).toEqual(['extended', 'cancelled', 'resumed']);
    const text = await page.evaluate<string>('document.body.innerText');
    expect(text).toContain('lr=1e-3');
    expect(text).not.toMatch(/userActivity|trainEvents|heldOutUsers|\{"/);
  });
});
