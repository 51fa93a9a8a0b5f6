import { escapeControlDeep, terminalSafeJson } from './terminal-text';

/**
 * Where a command's output goes. The human view streams text to stderr/stdout
 * as work happens; with --json nothing is printed until the end, when one
 * JSON object (the command's result) goes to stdout, so that
 * `vaecf ... --json | jq` always sees exactly one document.
 */
export interface Reporter {
  readonly json: boolean;
  /** A line of the human view (suppressed in JSON mode). */
  info(line: string): void;
  /** A warning; in JSON mode it is collected into the result's `warnings`. */
  warn(line: string): void;
  /** The final result: printed as JSON in JSON mode, ignored otherwise. */
  result(value: Record<string, unknown>): void;
  /**
   * An API answer as the human view may print it: every stored string with its
   * control characters escaped (terminal-text.ts). In JSON mode the value
   * itself: the JSON output keeps the data exact, and is terminal-safe anyway.
   */
  shown<T>(value: T): T;
}

export function createReporter(json: boolean): Reporter {
  const warnings: string[] = [];
  return {
    json,
    info: (line) => {
      if (!json) process.stdout.write(`${line}\n`);
    },
    warn: (line) => {
      if (json) warnings.push(line);
      else process.stderr.write(`warning: ${line}\n`);
    },
    result: (value) => {
      if (json)
        process.stdout.write(`${terminalSafeJson(JSON.stringify({ ...value, warnings }, null, 2))}\n`);
    },
    shown: (value) => (json ? value : escapeControlDeep(value)),
  };
}
