/**
 * What the API returns holds strings other people typed: sweep names,
 * dataset ids and sources, failure reasons, checkpoint notes, parameters.
 * Printed raw, an escape sequence in one of them clears or rewrites the
 * reader's terminal (ESC [2J), sets its title, or fakes output with a
 * newline. Every control character (C0, DEL, C1: ESC and CSI included) is
 * therefore shown as visible text (`\x1b`, `\n`) before a stored string
 * reaches a terminal; printable Unicode is kept as it is. Escaping the ESC
 * character is enough for any sequence: what follows it is printable.
 */

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const hex = (c: string) => c.charCodeAt(0).toString(16).padStart(2, '0');

/** `text` with its control characters written out (`\x1b[2J`), except those in `keep`. */
export function escapeControl(text: string, keep = ''): string {
  return text.replace(CONTROL, (c) => (keep.includes(c) ? c : (NAMED[c] ?? `\\x${hex(c)}`)));
}

/** A copy of an API answer with every string (keys too) passed through escapeControl. */
export function escapeControlDeep<T>(value: T): T {
  if (typeof value === 'string') return escapeControl(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => escapeControlDeep(v)) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [escapeControl(k), escapeControlDeep(v)]),
    ) as T;
  return value;
}

/**
 * JSON text safe on a terminal and still the same data: JSON.stringify
 * escapes C0 already; DEL and C1 become \u escapes, which parse back to the
 * same characters.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(/[\u007f-\u009f]/g, (c) => `\\u00${hex(c)}`);
}
