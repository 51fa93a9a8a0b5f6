import { basename } from 'node:path';

/** Longest failure reason stored: a reason names the problem, it never carries the file. */
export const MAX_REASON_CHARS = 500;

/**
 * Characters never shown raw in a reason: C0 and C1 controls, DEL (a
 * terminal reads escape sequences from them) and the bidirectional
 * overrides (they reorder what is shown).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A dataset's failure reason as the user is shown it: the raw source's
 * stored copies (the API's upload file `<id>-<hex>.upload`, the artifact
 * store's copy, a worker's cache of it) named by the user's name for the file
 * (an upload's original name, a registered path as given), control
 * characters of a binary file escaped (`\x1b`), and the whole cut to
 * MAX_REASON_CHARS.
 */
export function failureReason(message: string, source?: { path: string; name: string }): string {
  const named = source ? nameSource(message, source.path, source.name) : message;
  const printable = named.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
  return printable.length > MAX_REASON_CHARS
    ? `${printable.slice(0, MAX_REASON_CHARS)}… (${printable.length} characters)`
    : printable;
}

/** Every path ending in the stored file's name (whatever directory it lies in) becomes `name`. */
function nameSource(message: string, path: string, name: string): string {
  const file = basename(path);
  if (!file) return message;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return message.replace(new RegExp(`(?:[^\\s"'()]*[/\\\\])?${escaped}`, 'g'), () => name);
}
