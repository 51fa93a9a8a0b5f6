import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/*
 * Apache ECharts draws the report's charts: one well-kept library with line,
 * scatter, bar and parallel-coordinates charts, tooltips, legend toggles and
 * log axes, shipped as a single minified file with no dependencies at view
 * time, so it can be inlined and the report works offline.
 */

let bundle: { source: string; hash: string } | undefined;

/** The minified ECharts build and its CSP hash, read once per process. */
export function echartsBundle(): { source: string; hash: string } {
  if (!bundle) {
    const file = createRequire(__filename).resolve('echarts/dist/echarts.min');
    const source = readFileSync(file, 'utf8');
    // Inlined in a <script> element, it must not close it early.
    if (/<\/script|<!--/i.test(source)) throw new Error(`${file} cannot be inlined in a <script> element`);
    bundle = { source, hash: cspHash(source) };
  }
  return bundle;
}

/** The Content-Security-Policy source expression that allows exactly this inline script. */
export const cspHash = (script: string): string =>
  `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
