// vitest's API as used by the engine and model contract suites, on node:test (the GPU machine has no npm).
const t = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const fmt = (name, row) => {
  const args = Array.isArray(row) ? row : [row];
  let i = 0;
  return name.replace(/%[sdjio]/g, (m) => {
    const v = args[i++];
    return m === '%j' ? JSON.stringify(v) : String(v);
  });
};
const each = (fn) => (table) => (name, body, timeout) =>
  table.forEach((row) => fn(fmt(name, row), () => body(...(Array.isArray(row) ? row : [row])), timeout));
const it = (name, body, timeout) =>
  t.it(name, { timeout: typeof timeout === 'number' ? timeout : 600000 }, () => body());
it.each = each(it);
const describe = (name, body) => t.describe(name, () => body());
describe.each = each((n, b) => describe(n, b));
const beforeAll = (fn) => t.before(fn);
const afterAll = (fn) => t.after(fn);
function matchers(actual, msg, negate) {
  const check = (ok, what) => {
    if (negate ? ok : !ok)
      throw new assert.AssertionError({
        message: `${msg ? msg + ': ' : ''}expected ${util.inspect(actual).slice(0, 300)} ${negate ? 'not ' : ''}${what}`,
      });
  };
  const deepOk = (a, b) => {
    try {
      assert.deepStrictEqual(a, b);
      return true;
    } catch {
      return false;
    }
  };
  const partial = (a, b) =>
    Object.keys(b).every((k) =>
      b[k] && typeof b[k] === 'object' ? partial(a?.[k], b[k]) : deepOk(a?.[k], b[k]),
    );
  const errMatch = (e, m) =>
    m === undefined ||
    (m instanceof RegExp
      ? m.test(String(e?.message ?? e))
      : typeof m === 'function'
        ? e instanceof m
        : String(e?.message ?? e).includes(m));
  return {
    toBe: (v) => check(Object.is(actual, v), `to be ${util.inspect(v)}`),
    toEqual: (v) => check(deepOk(actual, v), `to equal ${util.inspect(v).slice(0, 300)}`),
    toMatchObject: (v) => check(partial(actual, v), `to match ${util.inspect(v)}`),
    toBeCloseTo: (v, d = 2) =>
      check(Math.abs(actual - v) < 10 ** -d / 2, `to be close to ${v} (${d} digits)`),
    toBeGreaterThan: (v) => check(actual > v, `> ${v}`),
    toBeLessThan: (v) => check(actual < v, `< ${v}`),
    toBeInstanceOf: (c) => check(actual instanceof c, `instance of ${c.name}`),
    toMatch: (r) => check(typeof r === 'string' ? actual.includes(r) : r.test(actual), `to match ${r}`),
    toThrow: (m) => {
      let e;
      let threw = false;
      try {
        actual();
      } catch (x) {
        threw = true;
        e = x;
      }
      check(threw && errMatch(e, m), `to throw ${m}`);
    },
  };
}
function expect(actual, msg) {
  const m = matchers(actual, msg, false);
  m.not = matchers(actual, msg, true);
  m.rejects = {
    toThrow: async (want) => {
      let e;
      let threw = false;
      try {
        await actual;
      } catch (x) {
        threw = true;
        e = x;
      }
      if (
        !threw ||
        !(
          want === undefined ||
          (want instanceof RegExp
            ? want.test(String(e?.message ?? e))
            : String(e?.message ?? e).includes(want))
        )
      )
        throw new assert.AssertionError({
          message: `${msg ?? ''} expected a rejection matching ${want}, got ${threw ? e?.message : 'none'}`,
        });
    },
  };
  return m;
}
module.exports = { describe, it, test: it, expect, beforeAll, afterAll };
