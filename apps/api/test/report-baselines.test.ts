import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../src/sweeps/report';
import { openInChromium, type BrowserPage } from './chromium';
import { reportFixture } from './report-fixture';

// Baselines in the report, as a person sees them in a real headless Chromium.
let dir: string;
let page: BrowserPage;
let file: string;

const text = (id: string) =>
  page.evaluate<string>(`document.getElementById(${JSON.stringify(id)}).innerText`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vaecf-report-baselines-'));
  file = join(dir, 'report.html');
  await writeFile(file, renderReport(reportFixture({ baselines: true })));
  page = await openInChromium(pathToFileURL(file).href);
});
afterAll(async () => {
  await page?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('baselines in the sweep report', () => {
  it('renders with no console error', async () => {
    expect(page.problems).toEqual([]);
  });

  it('draws each baseline as a flat reference line across the epochs of the curves chart', async () => {
    const lines = await page.evaluate<{ name: string; data: { value: number[] }[] }[]>(
      `vaecfReport.charts.curves.getOption().series.filter(s => s.id.startsWith('baseline-')).map(s => ({ name: s.name, data: s.data }))`,
    );
    expect(lines.map((l) => l.name)).toEqual(['Popularity (reference)', 'EASE (λ 500) (reference)']);
    expect(lines[1].data.map((d) => d.value)).toEqual([
      [1, 0.43],
      [5, 0.43],
    ]);
    // The axis makes room for the line above every trial.
    const [, top] = await page.evaluate<number[]>(
      `vaecfReport.charts.curves.getModel().getComponent('yAxis').axis.scale.getExtent()`,
    );
    expect(top).toBeGreaterThanOrEqual(0.43);
  });

  it('lists the baselines as reference rows under the trials of the leaderboard', async () => {
    const rows = (await text('leaderboard')).split('\n').filter((r) => r.includes('reference'));
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(/EASE \(λ 500\)\s+reference\s+—\s+0\.4300\s+lambda=500/);
  });

  it("shows the baselines' test metrics and the comparison with intervals and p-values", async () => {
    const baselines = await text('baselines');
    expect(baselines).toMatch(
      /EASE \(λ 500\)\s+0\.4300\s+0\.4201\s+0\.3901\s+0\.5201\s+λ chosen on validation from 100, 500/,
    );
    const comparison = await text('comparison');
    expect(comparison).toMatch(/95% CI/);
    expect(comparison).toMatch(
      /EASE \(λ 500\)\s+NDCG@100\s+0\.4123\s+0\.4201\s+-0\.0078\s+\[-0\.0118, -0\.0038\]\s+<1e-4\s+9998/,
    );
    expect(await page.evaluate<string>('document.body.innerText')).toContain('seed 20180423');
  });
});
