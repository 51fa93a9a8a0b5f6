import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseSweepSpec } from '@vaecf/sweep';
import { renderReport } from '../src/sweeps/report';
import { formatNumber, formatValue, humanize } from '../src/sweeps/report/format';
import { buildModel, trialColour } from '../src/sweeps/report/model';
import { HOSTILE, reportFixture } from './report-fixture';

/** The JSON the page's script draws from. */
const pageData = (html: string) =>
  JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]);

describe('report formatting', () => {
  it('writes numbers as a person would', () => {
    expect(formatNumber(0.0010000000474974513)).toBe('1e-3');
    expect(formatNumber(0.00025)).toBe('2.5e-4');
    expect(formatNumber(0.2)).toBe('0.2');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(600)).toBe('600');
    expect(formatNumber(136_677)).toBe('136,677');
    expect(formatNumber(2.5e7 + 0.5)).toBe('2.5e7');
  });

  it('writes parameter values readably: layer lists as 600-200', () => {
    expect(formatValue([600, 200])).toBe('600-200');
    expect(formatValue(['a', 1])).toBe('[a, 1]');
    expect(formatValue(true)).toBe('true');
    expect(formatValue(null)).toBe('—');
  });

  it('names unknown statistics from their keys', () => {
    expect(humanize('heldOutUsersDropped')).toBe('Held out users dropped');
  });

  it('gives every trial a colour of its own, and the best one no other trial has', () => {
    const colours = Array.from({ length: 200 }, (_, k) => trialColour(k));
    expect(new Set(colours).size).toBe(200);
    const m = buildModel(reportFixture());
    const best = m.trials.find((t) => t.isBest)!;
    expect(m.trials.filter((t) => t.colour === best.colour)).toHaveLength(1);
  });
});

describe('renderReport', () => {
  it('is one self-contained file: ECharts inlined, a policy that allows no network', () => {
    const html = renderReport(reportFixture());
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(html).toMatch(
      /Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[^']+' 'sha256-[^']+';/,
    );
    const echarts = readFileSync(createRequire(__filename).resolve('echarts/dist/echarts.min'), 'utf8');
    expect(html.includes(`<script>${echarts}</script>`)).toBe(true);
  });

  it('escapes user text everywhere, the embedded data included', () => {
    const html = renderReport(reportFixture());
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<b>out of memory');
    expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    const data = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1];
    expect(data).not.toContain('<');
  });

  it('says why importance is missing when none is given, and draws it when given', () => {
    const without = renderReport(reportFixture());
    expect(without).toContain('Hyperparameter importance was not computed for this sweep.');
    expect(without).not.toContain('id="importance"');
    expect(renderReport(reportFixture({ importance: { lr: 1 } }))).toContain('id="importance"');
  });

  it('leaves out the beta figure for Mult-DAE and the parameter charts when nothing is searched', () => {
    const input = reportFixture();
    const spec = parseSweepSpec({ dataset: 'ml-20m', model: 'dae', fixed: { lr: 1e-3 } });
    const html = renderReport({ ...input, sweep: { ...input.sweep, spec } });
    expect(html).toContain('Mult-DAE has no KL term, so no β.');
    const data = pageData(html);
    const loss = data.charts.find((c: { id: string }) => c.id === 'loss');
    expect(loss.option.series.map((s: { name: string }) => s.name)).toEqual(['loss', 'NLL']);
    expect(html).not.toContain('id="beta"');
    expect(html).toContain('No parameter varies in this sweep');
    expect(html).toContain('id="curves"');
  });

  it('names RecVAE and charts its loss and KL, with no annealed beta', () => {
    const input = reportFixture();
    const spec = parseSweepSpec({ dataset: 'ml-20m', model: 'recvae', fixed: { lr: 5e-4 } });
    const html = renderReport({ ...input, sweep: { ...input.sweep, spec } });
    expect(html).toContain('<p>RecVAE on dataset');
    expect(html).toContain('Best trial: loss and KL per epoch');
    expect(html).toContain('RecVAE weighs its KL per user');
    const loss = pageData(html).charts.find((c: { id: string }) => c.id === 'loss');
    expect(loss.option.series.map((s: { name: string }) => s.name)).toContain('KL');
    expect(html).not.toContain('id="beta"');
  });

  it('draws the sweep’s objective, whichever metric it is', () => {
    const input = reportFixture();
    const spec = {
      ...input.sweep.spec,
      objective: { metric: 'recall20' as const, direction: 'maximize' as const },
    };
    const html = renderReport({ ...input, sweep: { ...input.sweep, spec } });
    const data = pageData(html);
    const curves = data.charts.find((c: { id: string }) => c.id === 'curves');
    expect(curves.option.yAxis.name).toBe('validation Recall@20');
    expect(curves.option.series[1].data.map((d: { value: number[] }) => d.value[1])).toEqual(
      input.trials[1].history.map((e) => e.validation!.recall20),
    );
    expect(html).toContain('<h2>Validation Recall@20 by epoch</h2>');
  });

  it('reports a sweep with no epoch and no dataset statistics without failing', () => {
    const input = reportFixture();
    const html = renderReport({
      ...input,
      sweep: { ...input.sweep, best: null, bestTrial: undefined, test: undefined, events: [] },
      trials: input.trials.map((t) => ({ ...t, history: [], state: 'queued' as const, epochs: 0 })),
      dataset: { id: 'ml-20m' },
    });
    expect(html).toContain('No trial has reported an epoch yet.');
    expect(html).toContain('No statistics: the dataset is not prepared.');
    expect(html).toContain('None: the sweep ran as submitted.');
  });
});
