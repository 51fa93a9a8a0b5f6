const rules = new Intl.PluralRules('en');

/** The noun for `n` of it: "trial" for 1, "trials" otherwise ("1 epoch", never "1 epochs"). */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return rules.select(n) === 'one' ? singular : pluralForm;
}

/** "1 completed trial", "12 completed trials": a count and its noun, the one way the CLI writes counts. */
export function count(n: number, singular: string, pluralForm?: string): string {
  return `${n} ${plural(n, singular, pluralForm)}`;
}
