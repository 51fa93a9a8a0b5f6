import { trialConfigSchema, type TrialConfig } from '@vaecf/cf';
import { Option } from 'commander';
import { checkedBy, integer, intList, number, numberList } from '../options';

/**
 * The hyperparameter flags of `vaecf train`, derived from libs/cf's trial
 * schema: one flag per field (its name in kebab case), its argument and
 * parser from the field's type, its bounds the field's own (checkedBy). Only
 * the help line is written here, keyed by field, so that a field added to
 * the schema is a compile error until it has one (or is listed as not a flag).
 */

/** Fields of a trial that are not train flags: the model is --model; these two are set by sweeps only. */
type NotAFlag = 'model' | 'selectBy' | 'evalBatchSize';

export type HyperparameterKey = Exclude<keyof TrialConfig, NotAFlag>;

const HELP: { readonly [K in HyperparameterKey]: string } = {
  dims: 'encoder hidden dims, input side first (default 600,200 for vae, 200 for dae; recvae: hidden,latent, default 600,200)',
  annealCap: 'KL weight cap beta (vae; default 0.2)',
  totalAnnealSteps: 'updates over which beta rises to the cap (default 200000)',
  lam: 'L2 penalty on weights (default 0 for vae, 0.01/500 for dae)',
  keepProb: 'input dropout keep probability (default 0.5)',
  lr: 'Adam learning rate (default 1e-3; 5e-4 for recvae)',
  klGamma: "recvae: a user's KL weight is gamma x the user's item count; 0 uses --kl-beta (default 0.005)",
  klBeta: 'recvae: constant KL weight when --kl-gamma is 0 (default 0.2)',
  encoderPasses: 'recvae: encoder passes per epoch, with dropout, decoder frozen (default 3)',
  decoderPasses: 'recvae: decoder passes per epoch, no dropout, encoder frozen (default 1)',
  priorWeights:
    'recvae: composite prior weights of the standard normal, previous posterior, wide normal (default 0.15,0.75,0.1)',
  batchSize: 'users per minibatch (default 500)',
  epochs: 'epochs (default 200; 50 for recvae)',
  seed: 'random seed (default 98765)',
};

/** The values the flags give (commander's camel-case names are the schema's field names). */
export type HyperparameterFlags = { [K in HyperparameterKey]?: TrialConfig[K] };

export interface HyperparameterFlag {
  readonly key: HyperparameterKey;
  /** `--total-anneal-steps` */
  readonly flag: string;
  readonly option: Option;
}

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

type FieldSchema = (typeof trialConfigSchema.shape)[HyperparameterKey];

/** Argument name and reader of a field, from its zod type: a list of integers, an integer, a number. */
function readerOf(field: FieldSchema): { arg: string; read: (value: string) => unknown } {
  // RecVAE's fields are optional in the schema (absent for the other models): read the inner type.
  const schema = (field.def.type === 'optional' ? (field as { unwrap(): unknown }).unwrap() : field) as {
    def: { type: string };
    isInt?: boolean;
    element?: { isInt?: boolean };
  };
  if (schema.def.type === 'number')
    return schema.isInt ? { arg: '<n>', read: integer } : { arg: '<x>', read: number };
  if (schema.def.type === 'array')
    return { arg: '<list>', read: schema.element?.isInt ? intList : numberList };
  throw new Error(`train flags: no reader for a ${schema.def.type} field`);
}

/** Every hyperparameter flag, in the schema's order. */
export const HYPERPARAMETER_FLAGS: readonly HyperparameterFlag[] = Object.keys(trialConfigSchema.shape)
  .filter((key): key is HyperparameterKey => Object.hasOwn(HELP, key))
  .map((key) => {
    const schema = trialConfigSchema.shape[key];
    const { arg, read } = readerOf(schema);
    const flag = `--${kebab(key)}`;
    return { key, flag, option: new Option(`${flag} ${arg}`, HELP[key]).argParser(checkedBy(schema, read)) };
  });

/** The hyperparameters set on the command line, by field. */
export function hyperparametersOf(flags: HyperparameterFlags): HyperparameterFlags {
  return Object.fromEntries(
    HYPERPARAMETER_FLAGS.filter(({ key }) => flags[key] !== undefined).map(({ key }) => [key, flags[key]]),
  );
}
