import { describe, expect, it } from 'vitest';
import { escapeControl, escapeControlDeep, terminalSafeJson } from '../src/output/terminal-text';

describe('escaping stored strings for the terminal', () => {
  it('writes out C0, DEL and C1 controls and keeps printable Unicode', () => {
    expect(escapeControl('\x1b[2J\x1b]0;title\x07')).toBe(String.raw`\x1b[2J\x1b]0;title\x07`);
    expect(escapeControl('a\nb\tc\rd')).toBe(String.raw`a\nb\tc\rd`);
    expect(escapeControl('\x00\x7f\u0080\u009b31m')).toBe(String.raw`\x00\x7f\x80\x9b31m`);
    expect(escapeControl('naïve 日本語 ✓ – “quotes” \u00a0')).toBe('naïve 日本語 ✓ – “quotes” \u00a0');
    expect(escapeControl('line\nline\x1b', '\n')).toBe(String.raw`line` + '\n' + String.raw`line\x1b`);
  });

  it('escapes every string of an API answer, keys included, and leaves other values alone', () => {
    const view = { id: 'sw_1', spec: { name: '\x1b[2J' }, trials: [{ reason: 'x\ny', best: 0.5 }], n: null };
    expect(escapeControlDeep(view)).toEqual({
      id: 'sw_1',
      spec: { name: String.raw`\x1b[2J` },
      trials: [{ reason: String.raw`x\ny`, best: 0.5 }],
      n: null,
    });
    expect(escapeControlDeep({ '\x1bk': 1 })).toEqual({ [String.raw`\x1bk`]: 1 });
  });

  it('JSON stays the same data once DEL and C1 are \\u escapes', () => {
    const value = { name: '\x1b[2J\x7f\u009b\u0085 ✓' };
    const text = terminalSafeJson(JSON.stringify(value));
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
