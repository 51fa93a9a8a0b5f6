/**
 * A short, safe rendering of a user's value for an error message: bounded
 * depth and length, so a 100,000-level nested value or a megabyte string
 * can be named without overflowing the stack or the message.
 */
export function preview(value: unknown, maxLength = 80): string {
  const text = render(value, 3);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

function render(v: unknown, depth: number): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 100 ? `${v.slice(0, 100)}…` : v);
  if (typeof v === 'number') return String(v); // NaN and Infinity by name, where JSON would say null
  if (v === null || typeof v !== 'object') return String(v);
  if (depth === 0) return Array.isArray(v) ? '[…]' : '{…}';
  if (Array.isArray(v)) {
    const items = v.slice(0, 10).map((x) => render(x, depth - 1));
    return `[${items.join(',')}${v.length > 10 ? ',…' : ''}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  const shown = entries.slice(0, 10).map(([k, x]) => `${JSON.stringify(k)}:${render(x, depth - 1)}`);
  return `{${shown.join(',')}${entries.length > 10 ? ',…' : ''}}`;
}
