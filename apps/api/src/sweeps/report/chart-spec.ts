import type { EChartsOption } from 'echarts';

/**
 * How the page formats a chart's tooltips (formatters are functions, which
 * JSON cannot carry): `trial` points carry the trial number as the data
 * item's name and read y, the epoch and x from the given places of the value.
 */
export type TooltipSpec =
  | {
      readonly kind: 'trial';
      readonly yLabel: string;
      readonly yAt: number;
      readonly epochAt?: number;
      readonly x?: { readonly label: string; readonly at: number };
    }
  | { readonly kind: 'axis' }
  | { readonly kind: 'bar' };

/** One chart of the page: the element it draws in and its ECharts option (plain JSON). */
export interface ChartSpec {
  readonly id: string;
  readonly option: EChartsOption;
  readonly tooltip: TooltipSpec;
}

/** What the page's script receives. */
export interface PageData {
  readonly charts: readonly ChartSpec[];
  /** Trial number -> its label and parameters (raw text: the page escapes it). */
  readonly trials: Record<number, { readonly label: string; readonly params: string }>;
}

export const AXIS_NAME = { nameLocation: 'middle', nameGap: 30 } as const;
