import type { BaselineRecord } from '@vaecf/store';
import type { ObjectiveMetric } from '@vaecf/sweep';

/*
 * Formatting for people. `escapeHtml` and `formatNumber` are also inlined in
 * the page (by their source text) so that tooltips format exactly as the
 * tables do: they must stay self-contained (no reference outside their body).
 */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  const map: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  return String(value).replace(/[&<>"']/g, (c) => map[c]);
}

/**
 * A number as a person writes it: integers whole (grouped from 10,000),
 * tiny or huge ones in short exponent form (1e-3, not 0.0010000000474974513),
 * others with four significant digits.
 */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return Math.abs(x) >= 1e4 ? x.toLocaleString('en-US') : String(x);
  const a = Math.abs(x);
  if (a < 1e-2 || a >= 1e6)
    return x
      .toExponential(2)
      .replace(/\.?0+e/, 'e')
      .replace('e+', 'e');
  return String(Number(x.toPrecision(4)));
}

/** A parameter value: numbers formatted, lists of numbers as 600-200 (layer sizes), anything else readable. */
export function formatValue(v: unknown): string {
  if (typeof v === 'number') return formatNumber(v);
  if (Array.isArray(v))
    return v.every((x) => typeof x === 'number')
      ? v.map(formatNumber).join('-')
      : `[${v.map(formatValue).join(', ')}]`;
  if (v === null || v === undefined) return '—';
  if (typeof v === 'object')
    return Object.entries(v)
      .map(([k, x]) => `${k}: ${formatValue(x)}`)
      .join(', ');
  return String(v);
}

/** A validation or test metric: always four decimals, so that columns line up. */
export const formatMetric = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(4);

export const METRIC_LABELS: Record<ObjectiveMetric, string> = {
  ndcg100: 'NDCG@100',
  recall20: 'Recall@20',
  recall50: 'Recall@50',
};

/** camelCase to a sentence: "heldOutUsers" -> "Held out users" (for keys no table names). */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const formatTime = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

/** "k=v k=v", the parameters of a trial on one line (model left out: the whole sweep has one). */
export function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .filter(([k]) => k !== 'model')
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
}

/** "EASE (λ 500)", "Popularity": a baseline as the report names it. */
export function baselineLabel(b: Pick<BaselineRecord, 'model' | 'lambda'>): string {
  return b.model === 'ease' ? `EASE${b.lambda !== undefined ? ` (λ ${b.lambda})` : ''}` : 'Popularity';
}
