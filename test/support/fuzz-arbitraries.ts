import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';

/*
 * Generators of sweep specs and dataset registrations for the API fuzz test:
 * near-valid documents with one field mutated, arbitrary JSON, and YAML text
 * with its awkward features (anchors, tags, several documents, .nan/.inf,
 * flow and block styles, merge keys).
 */

/** Numbers at the edges: huge, tiny, negative, zero of both signs, non-integers. */
export const edgeNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 53, 1e9, 0.5, 1e-12),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Values of any JSON type, nested a little. */
const anyJson = fc.jsonValue({ maxDepth: 4 });
const oddKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', '', ' ', 'toString', '<<', '$ref'),
  fc.string({ maxLength: 12 }),
);

const TRIAL_FIELDS = [
  'dims',
  'annealCap',
  'totalAnnealSteps',
  'lam',
  'keepProb',
  'lr',
  'batchSize',
  'epochs',
  'seed',
  'evalBatchSize',
];

const distribution = fc.oneof(
  fc.record({
    type: fc.constant('choice'),
    values: fc.array(fc.oneof(edgeNumber, fc.array(fc.integer({ min: -5, max: 700 }), { maxLength: 3 })), {
      maxLength: 5,
    }),
  }),
  fc.record(
    { type: fc.constant('uniform'), low: edgeNumber, high: edgeNumber },
    { requiredKeys: ['type', 'low', 'high'] },
  ),
  fc.record({ type: fc.constant('uniform'), low: edgeNumber, high: edgeNumber, q: edgeNumber }),
  fc.record({ type: fc.constant('loguniform'), low: edgeNumber, high: edgeNumber }),
  fc.record({ type: fc.constant('int'), low: edgeNumber, high: edgeNumber }),
  fc.record({
    type: fc.constant('int'),
    low: fc.integer({ min: -10, max: 10 }),
    high: fc.integer({ min: -10, max: 1e9 }),
    step: edgeNumber,
  }),
);

/** A spec that is valid, or nearly so, on the given dataset (random values within loose bounds). */
export function nearValidSpec(dataset: string): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      name: fc.string({ maxLength: 20 }),
      dataset: fc.oneof(
        { weight: 8, arbitrary: fc.constant(dataset) },
        { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
      ),
      model: fc.constantFrom('vae', 'dae'),
      fixed: fc.dictionary(
        fc.constantFrom(...TRIAL_FIELDS),
        fc.oneof(edgeNumber, fc.array(fc.integer({ min: -3, max: 2000 }), { maxLength: 4 })),
        { maxKeys: 4 },
      ),
      space: fc.dictionary(fc.constantFrom(...TRIAL_FIELDS), distribution, { maxKeys: 3 }),
      search: fc.oneof(
        fc.constant({ method: 'grid' }),
        fc.record({
          method: fc.constant('random'),
          trials: fc.integer({ min: -2, max: 20 }),
          seed: edgeNumber,
        }),
      ),
      scheduler: fc.oneof(
        fc.constant({ type: 'none' }),
        fc.record(
          {
            type: fc.constant('asha'),
            gracePeriod: fc.integer({ min: -1, max: 5 }),
            reductionFactor: edgeNumber,
            maxEpochs: fc.integer({ min: 0, max: 50 }),
          },
          { requiredKeys: ['type'] },
        ),
        fc.record(
          {
            type: fc.constant('median'),
            warmupEpochs: fc.integer({ min: -1, max: 5 }),
            minPeers: fc.integer({ min: 0, max: 5 }),
          },
          { requiredKeys: ['type'] },
        ),
      ),
      limits: fc.record(
        {
          maxConcurrent: fc.integer({ min: 0, max: 8 }),
          repeats: fc.integer({ min: 0, max: 3 }),
          maxTrials: fc.integer({ min: 0, max: 50 }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['dataset', 'model'] },
  );
}

/** Replaces, removes or adds one field anywhere in a document (one level of nesting at most). */
export function mutated<T extends Record<string, unknown>>(base: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc
    .tuple(base, fc.nat(), fc.nat(), fc.constantFrom('replace', 'remove', 'add', 'none'), anyJson, oddKey)
    .map(([doc, i, j, how, value, key]) => {
      const copy = structuredClone(doc) as Record<string, unknown>;
      const keys = Object.keys(copy);
      let target: Record<string, unknown> = copy;
      const first = keys[i % keys.length];
      const inner = copy[first];
      if (inner && typeof inner === 'object' && !Array.isArray(inner) && j % 2 === 0)
        target = inner as Record<string, unknown>;
      const targetKeys = Object.keys(target);
      const k = targetKeys.length ? targetKeys[j % targetKeys.length] : key;
      if (how === 'replace') target[k] = value;
      else if (how === 'remove') delete target[k];
      else if (how === 'add')
        Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
      return copy;
    });
}

/** YAML text: a document styled block or flow, with awkward scalars and, sometimes, hostile features. */
export function yamlText(dataset: string): fc.Arbitrary<string> {
  const scalar = fc.constantFrom(
    '.nan',
    '.NaN',
    '.inf',
    '-.inf',
    '1e308',
    '-1e308',
    '-0',
    '0x1F',
    '0o17',
    '1_000',
    '~',
    'null',
    'yes',
    "''",
    '"\\u0000"',
    '1e-400',
    '9'.repeat(400),
  );
  const feature = fc.constantFrom(
    (t: string) => t,
    (t: string) => `${t}\n---\n${t}`, // several documents
    (t: string) => `%YAML 1.2\n---\n${t}`,
    (t: string) => t.replace(/^model: (\w+)/m, 'model: !!str $1'), // a tag
    (t: string) => t.replace(/^model: (\w+)/m, 'model: !custom $1'),
    (t: string) => `base: &b { epochs: 2 }\n${t}\nextra: *b`, // anchors and aliases
    (t: string) => `${t}\n<<: { model: dae }`, // a merge key
    (t: string) => `${t}\nfixed: { lr: 1 }`, // a duplicate key
    (t: string) => t.replace(/\n/g, '\r\n'),
    (t: string) => `\uFEFF${t}`,
    (t: string) => t.slice(0, Math.floor(t.length / 2)), // cut short
  );
  return fc
    .tuple(
      nearValidSpec(dataset),
      fc.boolean(),
      feature,
      fc.option(fc.tuple(fc.constantFrom(...TRIAL_FIELDS), scalar)),
    )
    .map(([spec, flow, feat, odd]) => {
      let text = toYaml(spec, flow ? { collectionStyle: 'flow' } : {});
      if (odd && !flow) text += `${'fixed' in spec ? '' : 'fixed:\n'}  ${odd[0]}: ${odd[1]}\n`;
      if (odd && !('fixed' in spec) && flow) text += `\nfixed: { ${odd[0]}: ${odd[1]} }\n`;
      return feat(text);
    });
}

/** A dataset registration that is valid, or nearly so, for a file under the data root. */
export function nearValidRegistration(idPrefix: string): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      id: fc.oneof(
        fc.stringMatching(/^[a-z0-9]{1,8}$/).map((s) => `${idPrefix}${s}`),
        fc.string({ maxLength: 10 }),
        fc.constantFrom('../x', '.hidden', 'a'.repeat(200)),
      ),
      path: fc.constantFrom(
        'ratings.csv.gz',
        'missing.csv',
        '../etc/passwd',
        '/etc/passwd',
        '',
        'data/../ratings.csv.gz',
        'ratings.csv.gz\u0000',
      ),
      format: fc.constantFrom('movielens-csv', 'movielens-dat', 'csv', 'msd', 'xml', ''),
      preset: fc.constantFrom('ml-20m', 'netflix', 'msd', 'none'),
      heldoutUsers: edgeNumber,
      minUserCount: edgeNumber,
      minItemCount: edgeNumber,
      heldoutFraction: edgeNumber,
      threshold: fc.oneof(edgeNumber, fc.constant(null)),
      seed: edgeNumber,
      csv: fc.record(
        {
          user: fc.oneof(fc.nat(5), fc.string({ maxLength: 5 })),
          item: fc.oneof(fc.nat(5), fc.string({ maxLength: 5 })),
          delimiter: fc.string({ maxLength: 2 }),
          header: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['id', 'path', 'format'] },
  );
}

export { anyJson };

/** The keys of Object.prototype's machinery: a spec must refuse them by name, never drop them. */
const RESERVED = ['__proto__', 'constructor', 'prototype'] as const;

/**
 * A valid spec but for a reserved key in `fixed` or `space` (an own key, as
 * JSON.parse and the YAML reader give it), as JSON and as YAML text: were
 * the key dropped, the spec would be accepted.
 */
export function reservedKeySpec(dataset: string): fc.Arbitrary<{ json: string; yaml: string }> {
  const valid = fc.record({
    dataset: fc.constant(dataset),
    model: fc.constantFrom('vae', 'dae'),
    fixed: fc.record({ dims: fc.constant([16]), epochs: fc.integer({ min: 1, max: 3 }) }),
  });
  return fc
    .tuple(valid, fc.constantFrom('fixed', 'space'), fc.constantFrom(...RESERVED))
    .map(([spec, section, key]) => {
      const value = section === 'fixed' ? { lr: 0.1 } : { type: 'choice', values: [1] };
      const map: Record<string, unknown> = section === 'fixed' ? { ...spec.fixed } : {};
      Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
      const doc = { ...spec, [section]: map };
      return { json: JSON.stringify(doc), yaml: toYaml(doc) };
    });
}

/** Query strings of GET /sweeps: valid ones, repeated and array parameters, unknown ones, odd values. */
export const sweepListQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom('state', 'offset', 'limit') },
        { weight: 1, arbitrary: fc.constantFrom('state[]', 'limit[0]', 'sort', '__proto__', 'x') },
      ),
      fc.oneof(
        fc.constantFrom('running', 'completed', '0', '1', '50', '200', '201', '-1', 'NaN', '1e3', ''),
        fc.string({ maxLength: 8 }),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
