import { InvalidArgumentError } from 'commander';

/** Commander argument parsers that reject bad values with the flag's own words. */
export function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new InvalidArgumentError(`"${value}" is not a number.`);
  return n;
}

export function integer(value: string): number {
  const n = number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${value}" is not an integer.`);
  return n;
}

/** "600,200" -> [600, 200] */
export function intList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => p === ''))
    throw new InvalidArgumentError(`"${value}" is not a comma-separated list of integers.`);
  return parts.map(integer);
}
