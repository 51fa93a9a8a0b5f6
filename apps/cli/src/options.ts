import { InvalidArgumentError } from 'commander';

/**
 * Commander argument parsers. A bad value throws InvalidArgumentError, which
 * commander turns into "option '--x <n>' argument 'v' is invalid. <reason>":
 * the flag is named, the CLI exits 2 (see usage.ts).
 */

/** Any finite number ("abc", "NaN", "1e999" and "" are not). */
export function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`"${value}" is not a number.`);
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = number(value);
  if (n < 0) throw new InvalidArgumentError(`"${value}" is negative.`);
  return n;
}

export function positiveNumber(value: string): number {
  const n = number(value);
  if (!(n > 0)) throw new InvalidArgumentError(`"${value}" is not greater than 0.`);
  return n;
}

export function integer(value: string): number {
  const n = number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${value}" is not an integer.`);
  return n;
}

export function positiveInteger(value: string): number {
  const n = integer(value);
  if (n < 1) throw new InvalidArgumentError(`"${value}" is less than 1.`);
  return n;
}

/** "600,200" -> [600, 200] */
export function intList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => p === ''))
    throw new InvalidArgumentError(`"${value}" is not a comma-separated list of integers.`);
  return parts.map(integer);
}

/** "0.15,0.75,0.1" -> [0.15, 0.75, 0.1] */
export function numberList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => p === ''))
    throw new InvalidArgumentError(`"${value}" is not a comma-separated list of numbers.`);
  return parts.map(number);
}

/** The part of a zod schema a parser needs (the CLI checks values against libs/cf's own schemas). */
interface FieldSchema {
  safeParse(v: unknown): { success: true } | { success: false; error: { issues: { message: string }[] } };
}

/**
 * A parser that reads the value with `read` and checks it against one field
 * of a libs/cf schema, so that a flag's bounds are the library's and a bad
 * value is refused at parse time, naming the flag, before any work starts.
 */
export function checkedBy<T>(field: FieldSchema, read: (value: string) => T): (value: string) => T {
  return (value) => {
    const parsed = read(value);
    const r = field.safeParse(parsed);
    if (!r.success) throw new InvalidArgumentError(`${r.error.issues[0].message}.`);
    return parsed;
  };
}
