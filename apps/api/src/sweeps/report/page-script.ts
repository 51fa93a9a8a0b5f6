import type * as Echarts from 'echarts';
import type { PageData, TooltipSpec } from './chart-spec';

/* The DOM the page script touches, typed here so that the API compiles without the DOM library. */
interface PageElement {
  readonly checked?: boolean;
  addEventListener(type: string, listener: () => void): void;
}
interface PageDocument {
  getElementById(id: string): PageElement | null;
}
interface PageWindow {
  addEventListener(type: string, listener: () => void): void;
  vaecfReport?: { charts: Record<string, Echarts.EChartsType> };
}
interface TipParams {
  readonly name: string;
  readonly value: unknown;
  readonly seriesName?: string;
  readonly marker?: unknown;
}

/**
 * Runs in the browser, inlined by its source text (so it must stay
 * self-contained: everything it uses comes in as an argument). It draws each
 * chart, gives the tooltips their formatters, wires the log-x switch and puts
 * the chart instances on `window.vaecfReport` (for scripting and the tests).
 */
export function reportPage(
  echarts: typeof Echarts,
  data: PageData,
  doc: PageDocument,
  win: PageWindow,
  fmt: (x: number) => string,
  esc: (v: unknown) => string,
): void {
  const tip = (spec: TooltipSpec) => (raw: unknown) => {
    if (spec.kind === 'axis') {
      const rows = raw as TipParams[];
      const head = rows.length ? `epoch ${esc((rows[0].value as unknown[])[0])}` : '';
      const body = rows.map(
        (p) => `${p.marker}${esc(p.seriesName)} ${fmt(Number((p.value as unknown[])[1]))}`,
      );
      return [head, ...body].join('<br>');
    }
    const p = raw as TipParams;
    if (spec.kind === 'bar') return `${esc(p.name)}: ${fmt(Number(p.value))}`;
    const v = p.value as unknown[];
    const trial = data.trials[Number(p.name)];
    // Reference lines (baselines) are series of their own, named by their series.
    const lines = [`<b>${esc(trial ? trial.label : p.seriesName)}</b>`];
    if (spec.epochAt !== undefined) lines.push(`epoch ${esc(v[spec.epochAt])}`);
    if (spec.x) lines.push(`${esc(spec.x.label)} ${fmt(Number(v[spec.x.at]))}`);
    lines.push(`${esc(spec.yLabel)} ${Number(v[spec.yAt]).toFixed(4)}`);
    if (trial && trial.params) lines.push(`<span class="tip-params">${esc(trial.params)}</span>`);
    return lines.join('<br>');
  };

  const charts: Record<string, Echarts.EChartsType> = {};
  for (const spec of data.charts) {
    const el = doc.getElementById(spec.id);
    if (!el) continue;
    const chart = echarts.init(el as never);
    const option = spec.option as Echarts.EChartsOption;
    chart.setOption({ ...option, tooltip: { ...(option.tooltip as object), formatter: tip(spec.tooltip) } });
    charts[spec.id] = chart;
  }

  const logX = doc.getElementById('curves-logx');
  if (logX && charts.curves)
    logX.addEventListener('change', () =>
      charts.curves.setOption({ xAxis: { type: logX.checked ? 'log' : 'value', min: 1 } }),
    );
  win.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
  win.vaecfReport = { charts };
}
