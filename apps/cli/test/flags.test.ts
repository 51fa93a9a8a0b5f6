import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

// The built CLI, run as a user runs it. Nothing here gets past argument parsing
// (or the output-path check), so no API, Redis or data is needed.

const vaecf = (args: string[]) => runCli(args);

/** What each command needs besides the flag under test, so that only the flag is wrong. */
const BASE: Record<string, string[]> = {
  prepare: ['prepare', 'ratings.csv', '--format', 'movielens-csv', '--out', 'nowhere'],
  train: ['train', '--data', 'nowhere'],
  generate: ['generate', 'nowhere.csv'],
  demo: ['demo'],
  'datasets add': ['datasets', 'add', 'ds', 'ratings.csv', '--format', 'movielens-csv'],
  recommend: ['recommend', 'sw_x', '--items', '1'],
  'sweep list': ['sweep', 'list'],
  'sweep extend': ['sweep', 'extend', 'sw_x'],
};

/** Every numeric flag of every command, with the values it must refuse. */
const NUMERIC_FLAGS: [string, string, string[]][] = [
  ['prepare', '--threshold', ['abc', 'NaN', '1e999', '']],
  ['prepare', '--min-user-count', ['abc', 'NaN', '-1', '1.5', '1e999']],
  ['prepare', '--min-item-count', ['abc', '-1', '1.5', '1e999']],
  ['prepare', '--heldout-users', ['abc', 'NaN', '-3', '0', '1e999']],
  ['prepare', '--seed', ['abc', '1.5', '1e999']],
  ['train', '--dims', ['abc', '0', '-1', '600,,200', '1e999']],
  ['train', '--anneal-cap', ['abc', 'NaN', '-1', '1e999']],
  ['train', '--total-anneal-steps', ['abc', '0', '-1', '1.5']],
  ['train', '--lam', ['abc', '-1', '1e999']],
  ['train', '--keep-prob', ['abc', '0', '-1', '1.5']],
  ['train', '--lr', ['abc', '0', '-1', 'NaN']],
  ['train', '--batch-size', ['abc', '0', '-1', '1.5']],
  ['train', '--epochs', ['ten', '0', '-1', '1e999']],
  ['train', '--seed', ['abc', '-1', '1.5', '1e999']],
  ['generate', '--users', ['abc', '0', '-1', '1e999']],
  ['generate', '--items', ['abc', '0', '-1']],
  ['generate', '--tastes', ['abc', '0', '-1']],
  ['generate', '--mean-items', ['abc', 'NaN', '0', '-1', '1e999']],
  ['generate', '--seed', ['abc', '1.5', '1e999']],
  ['demo', '--heldout-users', ['abc', '0', '-1']],
  ['demo', '--workers', ['abc', '0', '-1', '1.5']],
  ['demo', '--epochs', ['abc', '0', '-1']],
  ['datasets add', '--heldout-users', ['abc', '0', '-1', '1e999']],
  ['recommend', '-k', ['abc', '0', '-1', '1e999']],
  ['sweep list', '--offset', ['abc', '1.5', '1e999']],
  ['sweep list', '--limit', ['abc', '0', '-1', '1.5']],
  ['sweep extend', '--trials', ['abc', '0', '-1', '1.5', '1e999']],
];

const CASES = NUMERIC_FLAGS.flatMap(([command, flag, values]) =>
  values.map((value) => ({ args: [...BASE[command], flag, value], flag })),
);

/** Usage errors commander finds, and output paths that cannot be written. */
const USAGE: { args: string[]; flag: string }[] = [
  { args: [...BASE.prepare, '--bogus'], flag: "unknown option '--bogus'" },
  { args: ['prepare', 'ratings.csv'], flag: "required option '--out <dir>'" },
  { args: [...BASE.prepare, '--heldout-users'], flag: "'--heldout-users <n>' argument missing" },
  { args: ['prepare', 'x', '--out', 'y', '--format', 'xml'], flag: "'--format <format>' argument 'xml'" },
  { args: ['sweep', 'show'], flag: "missing required argument 'id'" },
  { args: ['sweep', 'show', 'a', 'b'], flag: 'too many arguments' },
  { args: ['nope'], flag: "unknown command 'nope'" },
  { args: ['sweep', 'nope'], flag: "unknown command 'nope'" },
  {
    args: ['prepare', 'ratings.csv', '--format', 'movielens-csv', '--out', '/proc/x'],
    flag: '--out /proc/x',
  },
  { args: ['generate', '/proc/x/ratings.csv'], flag: '<file> /proc/x/ratings.csv' },
  { args: ['train', '--data', 'nowhere', '--checkpoint', '/proc/x'], flag: '--checkpoint /proc/x' },
  { args: ['report', 'sw_x', '--out', '/proc/x/r.html'], flag: '--out /proc/x/r.html' },
];

describe.concurrent('bad flag values and usage errors: exit 2, one line naming the flag', () => {
  it.each([...CASES, ...USAGE])('vaecf $args', async ({ args, flag }) => {
    const r = await vaecf(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^vaecf: [^\n]+\n$/); // one line, so no stack trace
    expect(r.stderr).toContain(flag);
  });
});

describe('help and version still exit 0', () => {
  const COMMANDS = [
    ...['prepare', 'train', 'generate', 'demo', 'recommend', 'report', 'sweep', 'datasets'].map((c) => [c]),
    ...['submit', 'watch', 'show', 'cancel'].map((c) => ['sweep', c]),
    ...['add', 'list', 'delete'].map((c) => ['datasets', c]),
  ];
  it.concurrent.each([
    ['--help'],
    ['--version'],
    ['help', 'sweep'],
    ...COMMANDS.map((c) => [...c, '--help']),
  ])('vaecf %s', async (...args) => {
    const r = await vaecf(args);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toBe('');
  });
});
