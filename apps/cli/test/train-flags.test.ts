import { trialConfigSchema } from '@vaecf/cf';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { HYPERPARAMETER_FLAGS, hyperparametersOf } from '../src/commands/train-flags';

/** Parses `args` with the hyperparameter flags alone; a refusal comes back as commander's message. */
function parse(args: string[]): Record<string, unknown> | string {
  const cmd = new Command().exitOverride().configureOutput({ writeErr: () => {} });
  for (const { option } of HYPERPARAMETER_FLAGS) cmd.addOption(option);
  try {
    return cmd.parse(args, { from: 'user' }).opts();
  } catch (e) {
    return (e as Error).message;
  }
}

describe('train hyperparameter flags', () => {
  it('are the trial schema fields, in its order, but the model and the sweep-only ones', () => {
    const fields = Object.keys(trialConfigSchema.shape).filter(
      (k) => !['model', 'selectBy', 'evalBatchSize'].includes(k),
    );
    expect(HYPERPARAMETER_FLAGS.map((f) => f.key)).toEqual(fields);
  });

  it('keep the flag names and argument names of before', () => {
    expect(HYPERPARAMETER_FLAGS.map((f) => f.option.flags)).toEqual([
      '--dims <list>',
      '--anneal-cap <x>',
      '--total-anneal-steps <n>',
      '--lam <x>',
      '--keep-prob <x>',
      '--lr <x>',
      '--batch-size <n>',
      '--epochs <n>',
      '--seed <n>',
      '--kl-gamma <x>',
      '--kl-beta <x>',
      '--encoder-passes <n>',
      '--decoder-passes <n>',
      '--prior-weights <list>',
    ]);
    // RecVAE's prior weights are fractions: a list of numbers, not of integers.
    expect(parse(['--prior-weights', '0.2,0.7,0.1'])).toEqual({ priorWeights: [0.2, 0.7, 0.1] });
  });

  it('read each value by its field type and refuse what the schema refuses, naming the flag', () => {
    expect(parse(['--dims', '300,100', '--anneal-cap', '0.5', '--batch-size', '64'])).toEqual({
      dims: [300, 100],
      annealCap: 0.5,
      batchSize: 64,
    });
    expect(parse(['--anneal-cap', '11'])).toMatch(
      /^error: option '--anneal-cap <x>' argument '11' is invalid\./,
    );
    expect(parse(['--batch-size', '1.5'])).toMatch(
      /'--batch-size <n>' argument '1.5' is invalid\. "1.5" is not an integer\./,
    );
    expect(parse(['--dims', '1,a'])).toMatch(
      /'--dims <list>' argument '1,a' is invalid\. "a" is not a number\./,
    );
    expect(parse(['--keep-prob', '0'])).toMatch(/'--keep-prob <x>' argument '0' is invalid\./);
  });

  it('hyperparametersOf keeps the flags given and nothing else', () => {
    expect(hyperparametersOf({ lr: 0.01, seed: undefined, ...{ json: true } })).toEqual({ lr: 0.01 });
  });
});
